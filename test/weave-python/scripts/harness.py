"""Shared helpers for the scenario scripts that weave-python.test.ts runs against weft.

Each script is run by the test in its own process, with the venv's Python, an empty temporary
HOME and cwd, and these variables:

* WF_TRACE_SERVER_URL and WANDB_BASE_URL: the recording proxy in front of weft (the SDK reads them);
* WEFT_PY_PROJECT: the "entity/project" the script logs to (other WEFT_PY_* as the script needs);
* WEFT_PY_MODE: "complete" (the SDK's default v2 routes) or "legacy" (WEAVE_USE_CALLS_COMPLETE=false).

A script checks what the Python side can see with plain `assert`s (a failure is a traceback and a
non-zero exit, which fails the test) and ends with `emit(result)`: one line `RESULT <json>` with
the ids, refs and values the TypeScript test then looks for in weft.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import time
from typing import Any

import weave

MODE = os.environ["WEFT_PY_MODE"]
PROJECT = os.environ.get("WEFT_PY_PROJECT", "")


def var(name: str) -> str:
    """A WEFT_PY_<name> variable the test must have set."""
    value = os.environ.get(f"WEFT_PY_{name}")
    if not value:
        raise RuntimeError(f"WEFT_PY_{name} is not set")
    return value


def init(project: str | None = None) -> tuple[Any, float]:
    """weave.init(project or WEFT_PY_PROJECT); returns the client and how long init took.

    The time is reported, never asserted: it shows that nothing in init waits on the outside
    world (the PyPI check and Sentry are pointed at a closed port).
    """
    started = time.monotonic()
    client = weave.init(project or PROJECT)
    return client, round(time.monotonic() - started, 3)


def _default(value: Any) -> Any:
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if hasattr(value, "uri"):
        return value.uri()
    return repr(value)


def emit(result: dict[str, Any]) -> None:
    """Prints the script's result for the test, as the last line of stdout."""
    sys.stdout.write("RESULT " + json.dumps(result, default=_default, sort_keys=True) + "\n")
    sys.stdout.flush()


def plain(value: Any) -> Any:
    """A value read back by the SDK (WeaveDict, WeaveList, Box...) as plain JSON data."""
    return json.loads(json.dumps(value, default=_default))


def call_ids(calls: Any) -> list[str]:
    return [call.id for call in calls]


def op_short_name(op_name: str) -> str:
    """`weave:///e/p/op/name:digest` → `name`."""
    if op_name.startswith("weave:///"):
        return op_name.rsplit("/", 1)[-1].split(":", 1)[0]
    return op_name
