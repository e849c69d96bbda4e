"""Call trees: nested ops, parallel children in threads, failing grandchildren, generators,
async ops, custom summary values (the seed's Call-summary example), weave.attributes nesting, and
calls made by hand with create_call / finish_call / fail_call."""

from __future__ import annotations

import asyncio

import harness
import weave

client, init_seconds = harness.init()
entity, project = client.entity, client.project
assert f"{entity}/{project}" == harness.PROJECT, (entity, project)
seen: dict[str, str] = {}


# ---- a tree with parallel children, a generator and two failing grandchildren ----------------


@weave.op
def leaf(x: int) -> int:
    return x * 2


@weave.op
def fan_out(x: int) -> int:
    # weave's ThreadPoolExecutor carries the current call into the worker threads.
    with weave.ThreadPoolExecutor(max_workers=3) as pool:
        return sum(pool.map(leaf, [x, x + 1, x + 2]))


@weave.op
def count_up(n: int):
    """A plain generator op: traced until exhausted; with no accumulator its output is not kept."""
    for i in range(n):
        yield i * 10


def keep_all(so_far: list | None, value: int) -> list:
    return [*(so_far or []), value]


@weave.op(accumulator=keep_all)
def count_kept(n: int):
    """A generator op with an accumulator: the call's output is what it accumulated."""
    for i in range(n):
        yield i + 1


@weave.op(name="custom.op-name", call_display_name=lambda call: f"labelled-{call.inputs['x']}")
def internal_name(x: int) -> int:
    return x


@weave.op
def boom(message: str) -> None:
    raise ValueError(message)


@weave.op
def guarded(x: int) -> str:
    """Catches its child's error: succeeds, with an error below it."""
    try:
        boom(f"caught {x}")
    except ValueError:
        return "recovered"
    return "unreachable"


@weave.op
def fragile(x: int) -> None:
    """Lets its child's error through: fails too."""
    boom(f"propagated {x}")


@weave.op
def pipeline(x: int) -> dict:
    seen["pipeline"] = weave.require_current_call().id
    total = fan_out(x)
    counted = list(count_up(3))
    kept = list(count_kept(2))
    labelled = internal_name(x)
    recovered = guarded(x)
    try:
        fragile(x)
    except ValueError as error:
        caught = str(error)
    return {
        "total": total,
        "counted": counted,
        "kept": kept,
        "labelled": labelled,
        "recovered": recovered,
        "caught": caught,
    }


result = pipeline(1)
assert result == {
    "total": 2 + 4 + 6,
    "counted": [0, 10, 20],
    "kept": [1, 2],
    "labelled": 1,
    "recovered": "recovered",
    "caught": "propagated 1",
}, result


# ---- an async op with an async child ----------------------------------------------------------


@weave.op
async def async_child(x: int) -> int:
    await asyncio.sleep(0.001)
    return x + 100


@weave.op
async def async_root(x: int) -> int:
    seen["async_root"] = weave.require_current_call().id
    return await async_child(x) + await async_child(x + 1)


assert asyncio.run(async_root(1)) == 101 + 102


# ---- the seed's summary example ---------------------------------------------------------------


@weave.op
def my_op(x: int) -> int:
    call = weave.get_current_call()
    call.summary["accuracy"] = 0.95
    call.summary["num_retries"] = 2
    return x * 3


_, summary_call = my_op.call(7)
seen["summary"] = summary_call.id


# ---- weave.attributes, nested -----------------------------------------------------------------


@weave.op
def tagged(where: str) -> str:
    return where


with weave.attributes({"env": "test", "tier": 1}):
    with weave.attributes({"tier": 2, "user": "ada"}):
        _, inner = tagged.call("inner")
    _, outer = tagged.call("outer")
_, untagged = tagged.call("untagged")
seen.update(tagged_inner=inner.id, tagged_outer=outer.id, tagged_untagged=untagged.id)


# ---- calls made by hand -----------------------------------------------------------------------


def manual_name(call) -> str:
    return f"manual-{call.inputs['question']}"


manual = client.create_call("manual_step", {"question": "why"}, display_name=manual_name)
manual_child = client.create_call("manual_child", {"n": 1})  # the stack makes `manual` its parent
client.finish_call(manual_child, output={"ok": True})
client.finish_call(manual, output="because")
manual_failed = client.create_call("manual_step", {"question": "how"}, display_name=manual_name)
client.fail_call(manual_failed, RuntimeError("manual failure"))
seen.update(manual=manual.id, manual_child=manual_child.id, manual_failed=manual_failed.id)
assert manual_child.parent_id == manual.id


# ---- read back with the official client -------------------------------------------------------

client.flush()
assert client.num_outstanding_jobs == 0

root = client.get_call(seen["pipeline"])
root_status = root.summary["weave"]["status"]
children = list(root.children())
child_names = [harness.op_short_name(call.op_name) for call in children]

got = client.get_call(seen["summary"])
summary_read = {
    "accuracy": got.summary.get("accuracy"),
    "num_retries": got.summary.get("num_retries"),
    "status": got.summary["weave"]["status"],
    "latency_is_number": isinstance(got.summary["weave"].get("latency_ms"), (int, float)),
    "output": got.output,
}
by_op_name = [
    (call.id, call.summary.get("accuracy"), call.summary.get("num_retries"))
    for call in client.get_calls(filter={"op_names": [f"weave:///{entity}/{project}/op/my_op:*"]})
]
assert by_op_name == [(seen["summary"], 0.95, 2)], by_op_name

attributes_read = {
    key: {k: v for k, v in harness.plain(client.get_call(seen[key]).attributes).items() if k != "weave"}
    for key in ("tagged_inner", "tagged_outer", "tagged_untagged")
}
manual_read = client.get_call(seen["manual"])
failed_read = client.get_call(seen["manual_failed"])

errors = client.get_calls(
    query={"$expr": {"$eq": [{"$getField": "summary.weave.status"}, {"$literal": "error"}]}}
)
error_names = sorted(harness.op_short_name(call.op_name) for call in errors)

harness.emit(
    {
        "init_seconds": init_seconds,
        "seen": seen,
        "pipeline_output": result,
        "root_status": root_status,
        "child_names": child_names,
        "summary_read": summary_read,
        "attributes_read": attributes_read,
        "manual": {
            "display_name": manual_read.display_name,
            "output": manual_read.output,
            "failed_display_name": failed_read.display_name,
            "failed_exception": failed_read.exception,
            "failed_status": failed_read.summary["weave"]["status"],
        },
        "error_names": error_names,
    }
)
client.finish(use_progress_bar=False)
