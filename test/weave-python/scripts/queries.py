"""Reading calls back with the official client: get_calls with filter, query, sort_by, columns,
limit/offset, page_size and len(); call.children(); set_display_name / remove_display_name;
delete_call / delete_calls removing descendants."""

from __future__ import annotations

import harness
import weave

client, init_seconds = harness.init()
entity, project = client.entity, client.project
SQUARES = 12


@weave.op
def square(i: int, label: str) -> dict:
    return {"value": i * i, "parity": "even" if i % 2 == 0 else "odd"}


@weave.op
def batch(n: int) -> int:
    return sum(square(i, f"item-{i}")["value"] for i in range(n))


_, batch_call = batch.call(SQUARES)


@weave.op
def doomed(depth: int) -> int:
    """A chain doomed(2) → doomed(1) → doomed(0), for deleting a subtree."""
    return 0 if depth == 0 else doomed(depth - 1) + 1


_, doomed_a = doomed.call(2)
_, doomed_b = doomed.call(1)
_, doomed_c = doomed.call(0)


@weave.op
def named(x: int) -> int:
    return x


_, renamed = named.call(1)
_, unnamed = named.call(2)
client.flush()

square_ref = f"weave:///{entity}/{project}/op/square:*"
by_op = client.get_calls(filter={"op_names": [square_ref]})
squares = list(by_op)
assert len(squares) == SQUARES
assert len(by_op) == SQUARES  # len() is answered by /calls/query_stats
square_ids = harness.call_ids(squares)

# filter: parent_ids and trace_roots_only
assert harness.call_ids(client.get_calls(filter={"parent_ids": [batch_call.id]})) == square_ids
roots = client.get_calls(filter={"trace_roots_only": True})
root_names = sorted(harness.op_short_name(call.op_name) for call in roots)

# query: odd squares above 20, by a field of the output converted to a number
big_odd = client.get_calls(
    filter={"op_names": [square_ref]},
    query={
        "$expr": {
            "$and": [
                {"$eq": [{"$getField": "output.parity"}, {"$literal": "odd"}]},
                {
                    "$gt": [
                        {"$convert": {"input": {"$getField": "output.value"}, "to": "double"}},
                        {"$literal": 20},
                    ]
                },
            ]
        }
    },
)
big_odd_values = sorted(call.output["value"] for call in big_odd)
assert big_odd_values == [25, 49, 81, 121], big_odd_values
assert len(big_odd) == 4
label_contains = {
    "input": {"$getField": "inputs.label"},
    "substr": {"$literal": "ITEM-1"},
    "case_insensitive": True,
}
by_label = client.get_calls(query={"$expr": {"$contains": label_contains}})
by_label_inputs = sorted(call.inputs["i"] for call in by_label)
assert by_label_inputs == [1, 10, 11], by_label_inputs

# sort_by a field of the output, descending
sorted_desc = [
    call.output["value"]
    for call in client.get_calls(
        filter={"op_names": [square_ref]}, sort_by=[{"field": "output.value", "direction": "desc"}]
    )
]
assert sorted_desc == sorted((i * i for i in range(SQUARES)), reverse=True), sorted_desc

# limit / offset (oldest first)
oldest_first = [{"field": "started_at", "direction": "asc"}]
window = client.get_calls(filter={"op_names": [square_ref]}, sort_by=oldest_first, limit=3, offset=2)
assert harness.call_ids(window) == square_ids[2:5]
assert len(window) == 3

# page_size: 12 calls in pages of 5 (three requests), in the same order
paged = client.get_calls(filter={"op_names": [square_ref]}, sort_by=oldest_first, page_size=5)
assert harness.call_ids(paged) == square_ids

# columns: only what was asked for (and the fields the server always returns)
slim = list(client.get_calls(filter={"op_names": [square_ref]}, columns=["output"], limit=1))
slim_view = {
    "output": harness.plain(slim[0].output),
    "inputs": harness.plain(slim[0].inputs),
    "has_op_name": bool(slim[0].op_name),
}

# call.children()
children = batch_call.children()
assert harness.call_ids(children) == square_ids
read_batch = client.get_call(batch_call.id)
assert harness.call_ids(read_batch.children()) == square_ids

# set_display_name / remove_display_name (sent in the background: flush before reading)
renamed.set_display_name("first name")
client.flush()
name_after_set = client.get_call(renamed.id).display_name
renamed.set_display_name("second name")
unnamed.set_display_name("temporary")
client.flush()
name_after_reset = client.get_call(renamed.id).display_name
unnamed.remove_display_name()
client.flush()
name_after_remove = client.get_call(unnamed.id).display_name

# delete_call removes the call and its descendants; delete_calls several at once
doomed_name = f"weave:///{entity}/{project}/op/doomed:*"
doomed_before = len(client.get_calls(filter={"op_names": [doomed_name]}))
client.delete_call(doomed_a)
doomed_after_one = harness.call_ids(client.get_calls(filter={"op_names": [doomed_name]}))
client.delete_calls([doomed_b.id, doomed_c.id])
doomed_after_all = len(client.get_calls(filter={"op_names": [doomed_name]}))
try:
    client.get_call(doomed_a.id)
    deleted_read = "found"
except ValueError as error:
    deleted_read = str(error)

harness.emit(
    {
        "init_seconds": init_seconds,
        "batch_id": batch_call.id,
        "square_ids": square_ids,
        "root_names": root_names,
        "slim": slim_view,
        "names": {
            "renamed_id": renamed.id,
            "unnamed_id": unnamed.id,
            "after_set": name_after_set,
            "after_reset": name_after_reset,
            "after_remove": name_after_remove,
        },
        "doomed": {
            "ids": {"a": doomed_a.id, "b": doomed_b.id, "c": doomed_c.id},
            "before": doomed_before,
            "after_one": doomed_after_one,
            "after_all": doomed_after_all,
            "deleted_read": deleted_read,
        },
    }
)
client.finish(use_progress_bar=False)
