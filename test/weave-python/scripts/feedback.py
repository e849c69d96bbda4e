"""Feedback on calls: call.feedback.add_reaction / add_note / add (a type of the user's own),
iterating call.feedback and purging from it, client.get_feedback (everything, by id, by reaction,
by query, paged), call.apply_scorer with a function scorer and with a weave.Scorer class (two
versions of it), get_calls(scored_by=...) by scorer name and by scorer ref, and calls read with
include_feedback. Deleting a call takes its feedback with it.

The client queues feedback and sends it in background batches (/feedback/batch/create) under ids
it chose and returned at once, so the script flushes before it reads anything back.
"""

from __future__ import annotations

import asyncio
import datetime

import harness
import weave

STARTED = datetime.datetime.now(datetime.timezone.utc)
client, init_seconds = harness.init()

# What weft stores for reactions (docs/protocol.md §18.2): the emoji, CLDR's name for it, and both
# without skin tones.
THUMBS_UP = {"emoji": "👍", "alias": ":thumbs_up:", "detoned": "👍", "detoned_alias": ":thumbs_up:"}
THUMBS_UP_TONED = {
    "emoji": "👍🏽",
    "alias": ":thumbs_up_medium_skin_tone:",
    "detoned": "👍",
    "detoned_alias": ":thumbs_up:",
}
RED_HEART = {"emoji": "❤️", "alias": ":red_heart:", "detoned": "❤️", "detoned_alias": ":red_heart:"}
# The columns of a row in summary.weave.feedback (§18.4): a feedback row without project_id.
SUMMARY_FEEDBACK_KEYS = {
    "id",
    "feedback_type",
    "weave_ref",
    "payload",
    "creator",
    "created_at",
    "wb_user_id",
    "runnable_ref",
    "call_ref",
    "trigger_ref",
    "annotation_ref",
}
ANSWERS = {"capital of France?": "Paris", "largest planet?": "Jupiter", "2+2?": "4"}


@weave.op
def answer(question: str) -> str:
    return ANSWERS.get(question, "no idea")


@weave.op
def is_short(output: str) -> bool:
    """A function scorer whose result is a bare bool, False for one of the calls: scored_by by
    name must still keep that call (its output is not "")."""
    return len(output) <= 5


class LengthScorer(weave.Scorer):
    limit: int

    @weave.op
    def score(self, output: str) -> dict:
        return {"length": len(output), "within_limit": len(output) <= self.limit}


def ids_of(rows) -> set[str]:
    return {row.id for row in rows}


def eq(field: str, value) -> dict:
    return {"$expr": {"$eq": [{"$getField": field}, {"$literal": value}]}}


_, reviewed = answer.call("capital of France?")
_, second = answer.call("largest planet?")
_, unscored = answer.call("2+2?")
_, doomed = answer.call("what will be deleted?")


# ---- a person's feedback: reactions, notes and a type of the user's own ------------------------

thumbs = reviewed.feedback.add_reaction("👍")
# The SDK passes the emoji through as given; weft turns a :name: and a text-style symbol into
# the emoji itself.
thumbs_by_name = reviewed.feedback.add_reaction(":thumbsup:")
thumbs_toned = reviewed.feedback.add_reaction("👍🏽", creator="reviewer")
heart = reviewed.feedback.add_reaction("❤")
note = reviewed.feedback.add_note("Paris is right", creator="reviewer")
# add() merges its keyword arguments into the payload.
label = reviewed.feedback.add(
    "weft.label", {"label": "geography", "tags": ["easy", "europe"]}, confidence=0.9
)
retracted = reviewed.feedback.add_note("Wrong call, retracting this")
second_label = second.feedback.add("weft.label", {"label": "astronomy"})
doomed_note = doomed.feedback.add_note("Goes with its call")

created = [thumbs, thumbs_by_name, thumbs_toned, heart, note, label, retracted, second_label, doomed_note]
assert all(isinstance(each, str) and each for each in created), created
assert len(set(created)) == len(created), created
client.flush()


# ---- iterating call.feedback ------------------------------------------------------------------

rows = {row.id: row for row in reviewed.feedback}
assert set(rows) == {thumbs, thumbs_by_name, thumbs_toned, heart, note, label, retracted}, rows
expected_human = {
    thumbs: ("wandb.reaction.1", THUMBS_UP, None),
    thumbs_by_name: ("wandb.reaction.1", THUMBS_UP, None),
    thumbs_toned: ("wandb.reaction.1", THUMBS_UP_TONED, "reviewer"),
    heart: ("wandb.reaction.1", RED_HEART, None),
    note: ("wandb.note.1", {"note": "Paris is right"}, "reviewer"),
    label: ("weft.label", {"label": "geography", "tags": ["easy", "europe"], "confidence": 0.9}, None),
    retracted: ("wandb.note.1", {"note": "Wrong call, retracting this"}, None),
}
for feedback_id, (feedback_type, payload, creator) in expected_human.items():
    row = rows[feedback_id]
    assert (row.feedback_type, row.payload, row.creator) == (feedback_type, payload, creator), row
    assert (row.project_id, row.weave_ref) == (harness.PROJECT, reviewed.ref.uri()), row
    assert (row.runnable_ref, row.call_ref, row.annotation_ref, row.trigger_ref) == (None,) * 4, row
    # The client leaves created_at to the server, which stamps the row when it arrives.
    assert row.created_at.tzinfo is not None, row
    now = datetime.datetime.now(datetime.timezone.utc)
    slack = datetime.timedelta(minutes=1)
    assert STARTED - slack <= row.created_at <= now + slack, (row.created_at, STARTED, now)
assert [row.id for row in second.feedback] == [second_label]

# purge drops one row by id; the call's other feedback stays.
reviewed.feedback.purge(retracted)
human_kept = {thumbs, thumbs_by_name, thumbs_toned, heart, note, label}
assert ids_of(reviewed.feedback) == human_kept

# Deleting a call deletes its feedback for good.
assert [row.id for row in doomed.feedback] == [doomed_note]
doomed.delete()


# ---- scorers: a function op and two versions of a weave.Scorer class --------------------------

lenient = LengthScorer(name="length-scorer", limit=10)
strict = LengthScorer(name="length-scorer", limit=5)
# apply_scorer is a coroutine in weave 0.54.
applied = {
    "short_reviewed": asyncio.run(reviewed.apply_scorer(is_short)),
    "short_second": asyncio.run(second.apply_scorer(is_short)),
    "length_reviewed": asyncio.run(reviewed.apply_scorer(lenient)),
    "length_second": asyncio.run(second.apply_scorer(strict)),
}
client.flush()
assert applied["short_reviewed"].result is True, applied
assert applied["short_second"].result is False, applied
assert applied["length_reviewed"].result == {"length": 5, "within_limit": True}, applied
assert applied["length_second"].result == {"length": 7, "within_limit": False}, applied
is_short_ref = applied["short_reviewed"].score_call.op_name
assert applied["short_second"].score_call.op_name == is_short_ref
# A Scorer's score call saved the scorer as an object: each version has its own ref.
lenient_ref, strict_ref = lenient.ref.uri(), strict.ref.uri()
assert lenient_ref != strict_ref, lenient_ref
assert lenient_ref.startswith(f"weave:///{harness.PROJECT}/object/length-scorer:"), lenient_ref


def feedback_of(call) -> list:
    """The call's feedback, read again: reviewed.feedback keeps what it read before (only its own
    adds and purges clear it), so it would not show the scores; a call read afresh queries again."""
    return list(client.get_call(call.id).feedback)


# Each result is stored as wandb.runnable.<scorer name> feedback on the call it scored: the op or
# the Scorer object as runnable_ref, the score call as call_ref, {"output": result} as payload.
scorer_rows = {}
for key, (call, scorer_type, scorer_ref) in {
    "short_reviewed": (reviewed, "wandb.runnable.is_short", is_short_ref),
    "short_second": (second, "wandb.runnable.is_short", is_short_ref),
    "length_reviewed": (reviewed, "wandb.runnable.length-scorer", lenient_ref),
    "length_second": (second, "wandb.runnable.length-scorer", strict_ref),
}.items():
    [row] = [row for row in feedback_of(call) if row.feedback_type == scorer_type]
    score_call = applied[key].score_call
    assert row.payload == {"output": harness.plain(applied[key].result)}, row
    assert (row.runnable_ref, row.call_ref) == (scorer_ref, score_call.ref.uri()), row
    assert (row.weave_ref, row.creator) == (call.ref.uri(), None), row
    scorer_rows[key] = {"id": row.id, "score_call": score_call.id, "runnable_ref": scorer_ref}

reviewed_ids = human_kept | {scorer_rows["short_reviewed"]["id"], scorer_rows["length_reviewed"]["id"]}
second_ids = {second_label, scorer_rows["short_second"]["id"], scorer_rows["length_second"]["id"]}
assert ids_of(feedback_of(reviewed)) == reviewed_ids
assert ids_of(feedback_of(second)) == second_ids


# ---- get_calls(scored_by=...) -----------------------------------------------------------------


def scored(scored_by, **kwargs) -> list[str]:
    return sorted(call.id for call in client.get_calls(scored_by=scored_by, **kwargs))


both = sorted([reviewed.id, second.id])
scored_by = [
    # A name keeps every call scored by any version; a ref only those scored by that version.
    ("is_short", scored("is_short")),
    ("length-scorer", scored("length-scorer")),
    ("is_short ref", scored(is_short_ref)),
    ("lenient ref", scored(lenient_ref)),
    ("strict ref", scored(strict_ref)),
    # Several scorers are AND-ed, and AND-ed with the query.
    ("is_short and strict ref", scored(["is_short", strict_ref])),
    ("is_short and query", scored("is_short", query=eq("inputs.question", "capital of France?"))),
    ("no_such_scorer", scored("no_such_scorer")),
]
assert dict(scored_by) == {
    "is_short": both,
    "length-scorer": both,
    "is_short ref": both,
    "lenient ref": [reviewed.id],
    "strict ref": [second.id],
    "is_short and strict ref": [second.id],
    "is_short and query": [reviewed.id],
    "no_such_scorer": [],
}, scored_by


# ---- include_feedback -------------------------------------------------------------------------

assert "feedback" not in client.get_call(reviewed.id).summary["weave"]
read_back = harness.plain(client.get_call(reviewed.id, include_feedback=True).summary["weave"]["feedback"])
assert {row["id"] for row in read_back} == reviewed_ids, read_back
assert all(set(row) == SUMMARY_FEEDBACK_KEYS for row in read_back), read_back
by_id = {row["id"]: row for row in read_back}
assert by_id[thumbs_by_name]["payload"] == THUMBS_UP, by_id[thumbs_by_name]
assert by_id[note]["creator"] == "reviewer", by_id[note]
assert by_id[scorer_rows["length_reviewed"]["id"]]["runnable_ref"] == lenient_ref

listed = {
    call.id: {row["id"] for row in call.summary["weave"]["feedback"]}
    for call in client.get_calls(include_feedback=True)
}
score_call_ids = {row["score_call"] for row in scorer_rows.values()}
assert set(listed) == {reviewed.id, second.id, unscored.id} | score_call_ids, listed
assert listed[reviewed.id] == reviewed_ids, listed
assert listed[second.id] == second_ids, listed
# Calls without feedback (the score calls too) read an empty list.
assert all(listed[call_id] == set() for call_id in score_call_ids | {unscored.id}), listed
[listed_one] = client.get_calls(filter={"call_ids": [reviewed.id]}, include_feedback=True)
assert harness.plain(listed_one.summary["weave"]["feedback"]) == read_back


# ---- client.get_feedback ----------------------------------------------------------------------

everything = client.get_feedback()
live = reviewed_ids | second_ids
assert ids_of(everything) == live and len(everything) == len(live), everything

[by_feedback_id] = client.get_feedback(note)
assert (by_feedback_id.id, by_feedback_id.payload, by_feedback_id.creator) == (
    note,
    {"note": "Paris is right"},
    "reviewer",
), by_feedback_id
# Purged, and deleted with its call: gone.
assert list(client.get_feedback(retracted)) == []
assert list(client.get_feedback(doomed_note)) == []

# reaction= matches the stored emoji: the 👍 sent as :thumbsup: too, not the toned one.
assert ids_of(client.get_feedback(reaction="👍")) == {thumbs, thumbs_by_name}
assert ids_of(client.get_feedback(reaction="❤️")) == {heart}
assert ids_of(client.get_feedback(reaction="👍🏽", query=eq("creator", "reviewer"))) == {thumbs_toned}
assert ids_of(client.get_feedback(reaction="👍", query=eq("creator", "reviewer"))) == set()
assert ids_of(client.get_feedback(query=eq("feedback_type", "weft.label"))) == {label, second_label}
assert ids_of(client.get_feedback(query=eq("payload.label", "astronomy"))) == {second_label}
assert ids_of(client.get_feedback(query=eq("weave_ref", second.ref.uri()))) == second_ids
# limit and offset page through the same list.
pages = [[row.id for row in client.get_feedback(limit=4, offset=offset)] for offset in (0, 4, 8, 12)]
assert [len(page) for page in pages] == [4, 4, 3, 0], pages
assert sum(pages, []) == [row.id for row in everything], pages

harness.emit(
    {
        "init_seconds": init_seconds,
        "calls": {
            "reviewed": reviewed.id,
            "second": second.id,
            "unscored": unscored.id,
            "doomed": doomed.id,
        },
        "feedback": {
            "thumbs": thumbs,
            "thumbs_by_name": thumbs_by_name,
            "thumbs_toned": thumbs_toned,
            "heart": heart,
            "note": note,
            "label": label,
            "retracted": retracted,
            "second_label": second_label,
            "doomed_note": doomed_note,
        },
        "scorers": scorer_rows,
        "scorer_refs": {"is_short": is_short_ref, "lenient": lenient_ref, "strict": strict_ref},
        # In the order the script asked, which is the order of its /calls/stream_query requests.
        "scored_by": scored_by,
    }
)
client.finish(use_progress_bar=False)
