"""weave.EvaluationLogger: predictions and scores computed elsewhere, logged one by one, then a
summary. The logger makes the calls an Evaluation makes (Evaluation.evaluate → predict_and_score
per prediction → the model's predict and one call per score, then summarize) with imperative
create_call/finish_call, out of order and without the call stack."""

from __future__ import annotations

import harness
import weave

client, init_seconds = harness.init()
PREDICTIONS = [
    ({"question": "2+2?"}, "4", True, 0.9),
    ({"question": "3+3?"}, "7", False, 0.4),
    ({"question": "capital of France?"}, "Paris", True, 0.8),
]

logger = weave.EvaluationLogger(name="py-logged", model="py-logged-model", dataset="py-logged-rows")
for inputs, output, correct, confidence in PREDICTIONS:
    prediction = logger.log_prediction(inputs=inputs, output=output)
    prediction.log_score("correct", correct)
    prediction.log_score("confidence", confidence)
    prediction.finish()
logger.log_summary({"reviewed_by": "py"})
client.flush()

roots = list(client.get_calls(filter={"trace_roots_only": True}))
assert len(roots) == 1, roots
root = client.get_call(roots[0].id)

harness.emit(
    {
        "init_seconds": init_seconds,
        "root": {
            "id": root.id,
            "trace_id": root.trace_id,
            "op_name": harness.op_short_name(root.op_name),
            "status": root.summary["weave"]["status"],
            "output": harness.plain(root.output),
        },
    }
)
client.finish(use_progress_bar=False)
