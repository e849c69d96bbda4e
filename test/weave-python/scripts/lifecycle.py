"""The client's background work: client.flush(), client.finish() with a progress callback,
num_outstanding_jobs, and calls still queued when the process exits (sent at exit)."""

from __future__ import annotations

import harness
import weave

client, init_seconds = harness.init()
entity, project = client.entity, client.project
TICK = f"weave:///{entity}/{project}/op/tick:*"


@weave.op
def tick(i: int, phase: str) -> int:
    return i


for i in range(200):
    tick(i, "flushed")
client.flush()
assert client.num_outstanding_jobs == 0
# After flush() the server has every call: no waiting needed to read them back.
after_flush = len(client.get_calls(filter={"op_names": [TICK]}))
assert after_flush == 200, after_flush

for i in range(50):
    tick(i, "finished")
statuses: list[dict] = []
client.finish(callback=statuses.append)
assert client.num_outstanding_jobs == 0
after_finish = len(client.get_calls(filter={"op_names": [TICK]}))
assert after_finish == 250, after_finish
assert statuses, "finish() reported no progress"
assert statuses[-1]["has_pending_jobs"] is False, statuses[-1]

harness.emit(
    {
        "init_seconds": init_seconds,
        "after_flush": after_flush,
        "after_finish": after_finish,
        "last_status": {k: v for k, v in statuses[-1].items() if k != "job_counts"},
    }
)

# Queued at exit: the SDK sends these before the interpreter stops.
for i in range(5):
    tick(i, "at_exit")
weave.finish()
