"""weave.init with a bare project name (the entity comes from weft's GraphQL DefaultEntity), then a
second weave.init with "entity/project" in the same process (the client switches projects)."""

from __future__ import annotations

import harness
import weave

BARE = harness.var("BARE_PROJECT")
EXPLICIT = harness.PROJECT


@weave.op
def hello(where: str) -> str:
    return f"hello from {where}"


bare_client, bare_seconds = harness.init(BARE)
assert bare_client.project == BARE, bare_client.project
_, bare_call = hello.call("bare")
bare_client.flush()
bare_read = [(call.id, call.project_id) for call in bare_client.get_calls()]

explicit_client, explicit_seconds = harness.init(EXPLICIT)
assert explicit_client is not bare_client
assert f"{explicit_client.entity}/{explicit_client.project}" == EXPLICIT
_, explicit_call = hello.call("explicit")
explicit_client.flush()
explicit_read = [(call.id, call.project_id) for call in explicit_client.get_calls()]

harness.emit(
    {
        "init_seconds": bare_seconds,
        "explicit_init_seconds": explicit_seconds,
        "bare": {
            "entity": bare_client.entity,
            "project": bare_client.project,
            "call_id": bare_call.id,
            "read": bare_read,
        },
        "explicit": {
            "entity": explicit_client.entity,
            "project": explicit_client.project,
            "call_id": explicit_call.id,
            "read": explicit_read,
        },
    }
)
explicit_client.finish(use_progress_bar=False)
