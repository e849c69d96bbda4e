"""weave.Evaluation over a small Dataset with two scorers, a function op and a weave.Scorer
class: Evaluation.evaluate is an eager call (its start is sent at once, its end last) with many
children (predict_and_score per row → the model and each scorer, then summarize)."""

from __future__ import annotations

import asyncio

import harness
import weave

client, init_seconds = harness.init()
ROWS = [
    {"question": "capital of France?", "expected": "Paris"},
    {"question": "2+2?", "expected": "4"},
    {"question": "largest planet?", "expected": "Jupiter"},
]


@weave.op
def paris_model(question: str) -> str:
    return "Paris"


@weave.op
def exact_match(expected: str, output: str) -> dict:
    return {"correct": expected == output}


class LengthScorer(weave.Scorer):
    limit: int = 5

    @weave.op
    def score(self, output: str) -> dict:
        return {"length": len(output), "short": len(output) <= self.limit}


dataset = weave.Dataset(name="py-eval-rows", rows=ROWS)
evaluation = weave.Evaluation(
    name="py-eval",
    dataset=dataset,
    scorers=[exact_match, LengthScorer(name="length-scorer")],
)
summary = asyncio.run(evaluation.evaluate(paris_model))
client.flush()

evaluate_calls = list(evaluation.get_evaluate_calls())
assert len(evaluate_calls) == 1, evaluate_calls
root = evaluate_calls[0]
root_read = client.get_call(root.id)
trace = list(client.get_calls(filter={"trace_ids": [root.trace_id]}))

harness.emit(
    {
        "init_seconds": init_seconds,
        "summary": harness.plain(summary),
        "evaluation_ref": evaluation.ref.uri(),
        "root": {
            "id": root.id,
            "trace_id": root.trace_id,
            "display_name": root_read.display_name,
            "status": root_read.summary["weave"]["status"],
            "output": harness.plain(root_read.output),
        },
        "trace_size": len(trace),
        "trace_op_names": sorted(harness.op_short_name(call.op_name) for call in trace),
    }
)
client.finish(use_progress_bar=False)
