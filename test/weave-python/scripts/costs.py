"""Costs: client.add_cost with effective dates either side of a call's start, query_costs (the
default query, by id, by llm_ids), purge_costs, and calls read back with include_costs
(get_call and get_calls), including a parent whose children's usage rolls up into its own."""

from __future__ import annotations

import datetime
import math

import harness
import weave

client, init_seconds = harness.init()
entity, project = client.entity, client.project

# Model names no price dataset knows, so only this project's prices apply to them.
HOUSE = "weft-house-model"
SOLO = "weft-solo-model"
UNKNOWN = "weft-unknown-model"
NOW = datetime.datetime.now(datetime.timezone.utc)
DAY = datetime.timedelta(days=1)

COST_KEYS = {
    "requests",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
    "unpriced",
    "prompt_token_cost",
    "completion_token_cost",
    "cache_read_input_token_cost",
    "cache_creation_input_token_cost",
    "prompt_tokens_total_cost",
    "completion_tokens_total_cost",
    "cache_read_input_tokens_total_cost",
    "cache_creation_input_tokens_total_cost",
    "total_cost",
    "prompt_token_cost_unit",
    "completion_token_cost_unit",
    "price_id",
    "priced_as",
    "effective_date",
    "provider_id",
    "pricing_level",
    "pricing_level_id",
    "created_at",
    "created_by",
}


def usage_of(model: str, prompt: int, completion: int) -> dict:
    """What an LLM op returns: the SDK copies `usage` into summary.usage[model] (with requests=1)."""
    return {
        "model": model,
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }


def add_one_cost(llm_id: str, prompt: float, completion: float, **kwargs) -> str:
    """add_cost answers the create response: ids as [id, llm_id] pairs, one per model sent."""
    created = client.add_cost(llm_id, prompt, completion, **kwargs)
    assert len(created.ids) == 1, created
    cost_id, created_llm_id = created.ids[0]
    assert created_llm_id == llm_id, created
    assert isinstance(cost_id, str) and cost_id, created
    return cost_id


# ---- prices: HOUSE has two in the past and one in the future ----------------------------------

house_oldest = add_one_cost(HOUSE, 0.003, 0.004, effective_date=NOW - 30 * DAY)
house_current = add_one_cost(HOUSE, 0.001, 0.002, effective_date=NOW - 10 * DAY)
house_future = add_one_cost(HOUSE, 0.01, 0.02, effective_date=NOW + 10 * DAY, provider_id="house")


# ---- calls ------------------------------------------------------------------------------------


@weave.op
def ask_house(prompt: int, completion: int) -> dict:
    return usage_of(HOUSE, prompt, completion)


@weave.op
def ask_solo(prompt: int, completion: int) -> dict:
    return usage_of(SOLO, prompt, completion)


@weave.op
def ask_unknown(prompt: int, completion: int) -> dict:
    return usage_of(UNKNOWN, prompt, completion)


@weave.op
def draft(topic: str) -> dict:
    return usage_of(HOUSE, 1000, 200)


@weave.op
def polish(text: str) -> dict:
    return usage_of(HOUSE, 2000, 300)


@weave.op
def write(topic: str) -> str:
    """Two children with usage and none of its own: its summary is theirs summed."""
    draft(topic)
    polish(topic)
    return topic


_, single = ask_house.call(1000, 200)
_, parent = write.call("costs")
_, solo = ask_solo.call(4000, 1000)
_, unknown = ask_unknown.call(10, 5)
client.flush()

# SOLO's only price is added after its call started, with add_cost's default date (now): no price
# was in effect at the start, so the soonest later one prices the call.
solo_price = add_one_cost(SOLO, 0.0005, 0.0015)


def costs_of(call) -> dict:
    return harness.plain(call.summary["weave"]["costs"])


def check_priced(cost: dict, price_id: str, per_token: tuple, tokens: tuple) -> None:
    """One model's entry: `tokens` (requests, prompt, completion) priced by the price `price_id` at
    `per_token` (prompt, completion)."""
    prompt, completion = per_token
    requests, prompt_tokens, completion_tokens = tokens
    assert set(cost) == COST_KEYS, sorted(set(cost) ^ COST_KEYS)
    assert cost["unpriced"] is False, cost
    assert cost["price_id"] == price_id, cost
    assert (cost["requests"], cost["prompt_tokens"], cost["completion_tokens"], cost["total_tokens"]) == (
        requests,
        prompt_tokens,
        completion_tokens,
        prompt_tokens + completion_tokens,
    ), cost
    assert (cost["cache_read_input_tokens"], cost["cache_creation_input_tokens"]) == (0, 0), cost
    assert math.isclose(cost["prompt_token_cost"], prompt), cost
    assert math.isclose(cost["completion_token_cost"], completion), cost
    assert math.isclose(cost["prompt_tokens_total_cost"], prompt_tokens * prompt), cost
    assert math.isclose(cost["completion_tokens_total_cost"], completion_tokens * completion), cost
    assert cost["cache_read_input_tokens_total_cost"] == 0, cost
    assert cost["cache_creation_input_tokens_total_cost"] == 0, cost
    expected_total = prompt_tokens * prompt + completion_tokens * completion
    assert math.isclose(cost["total_cost"], expected_total), (cost, expected_total)
    assert (cost["prompt_token_cost_unit"], cost["completion_token_cost_unit"]) == ("USD", "USD"), cost
    assert (cost["pricing_level"], cost["pricing_level_id"], cost["priced_as"]) == (
        "project",
        harness.PROJECT,
        None,
    ), cost


TOKEN_KEYS = {key for key in COST_KEYS if key == "requests" or key.endswith("_tokens")}


def check_unpriced(cost: dict, tokens: tuple) -> None:
    """A model with no price: flagged, its tokens counted, every price and cost None."""
    assert set(cost) == COST_KEYS, sorted(set(cost) ^ COST_KEYS)
    assert cost["unpriced"] is True, cost
    assert (cost["requests"], cost["prompt_tokens"], cost["completion_tokens"]) == tokens, cost
    assert all(cost[key] is None for key in COST_KEYS - TOKEN_KEYS - {"unpriced"}), cost


# ---- get_call(include_costs=True): the price in effect at each call's start --------------------

# Without include_costs the summary holds usage but no costs.
plain_single = client.get_call(single.id)
assert "costs" not in plain_single.summary["weave"], harness.plain(plain_single.summary)
assert harness.plain(plain_single.summary["usage"]) == {
    HOUSE: {"requests": 1, "prompt_tokens": 1000, "completion_tokens": 200, "total_tokens": 1200}
}

# HOUSE: of the two prices in effect (30 and 10 days ago) the newer applies; the one taking
# effect in 10 days does not. 1000 × 0.001 + 200 × 0.002 = 1.4.
single_costs = costs_of(client.get_call(single.id, include_costs=True))
assert list(single_costs) == [HOUSE], single_costs
check_priced(single_costs[HOUSE], house_current, per_token=(0.001, 0.002), tokens=(1, 1000, 200))
assert math.isclose(single_costs[HOUSE]["total_cost"], 1.4)

# The parent holds its children's usage summed: 2 requests, 3000 prompt and 500 completion
# tokens, 3000 × 0.001 + 500 × 0.002 = 4.0 = 1.4 (draft) + 2.6 (polish).
parent_costs = costs_of(client.get_call(parent.id, include_costs=True))
check_priced(parent_costs[HOUSE], house_current, per_token=(0.001, 0.002), tokens=(2, 3000, 500))
child_totals = {
    harness.op_short_name(child.op_name): costs_of(child)[HOUSE]["total_cost"]
    for child in client.get_calls(filter={"parent_ids": [parent.id]}, include_costs=True)
}
assert set(child_totals) == {"draft", "polish"}, child_totals
assert math.isclose(child_totals["draft"], 1.4) and math.isclose(child_totals["polish"], 2.6), child_totals
assert math.isclose(parent_costs[HOUSE]["total_cost"], child_totals["draft"] + child_totals["polish"])
assert math.isclose(parent_costs[HOUSE]["total_cost"], 4.0)

# SOLO, priced after the call at the only price there is: 4000 × 0.0005 + 1000 × 0.0015 = 3.5.
solo_costs = costs_of(client.get_call(solo.id, include_costs=True))
check_priced(solo_costs[SOLO], solo_price, per_token=(0.0005, 0.0015), tokens=(1, 4000, 1000))
assert math.isclose(solo_costs[SOLO]["total_cost"], 3.5)

# A model without any price is flagged, its tokens still counted.
unknown_costs = costs_of(client.get_call(unknown.id, include_costs=True))
check_unpriced(unknown_costs[UNKNOWN], (1, 10, 5))


# ---- get_calls(include_costs=True): every call priced the same way -----------------------------

op_of = {call.id: harness.op_short_name(call.op_name) for call in client.get_calls()}
assert sorted(op_of.values()) == sorted(["ask_house", "write", "draft", "polish", "ask_solo", "ask_unknown"])


def totals_by_call() -> dict[str, dict[str, float | None]]:
    """Each call's total_cost per model, as get_calls(include_costs=True) reads them."""
    return {
        call.id: {model: cost["total_cost"] for model, cost in costs_of(call).items()}
        for call in client.get_calls(include_costs=True)
    }


def check_totals(totals: dict[str, dict[str, float | None]], expected_by_op: dict[str, dict]) -> None:
    """Every call's totals are its op's expected ones (None: unpriced)."""
    assert set(totals) == set(op_of), (totals, op_of)
    for call_id, got in totals.items():
        expected = expected_by_op[op_of[call_id]]
        assert set(got) == set(expected), (op_of[call_id], got)
        for model, total in expected.items():
            matches = got[model] is None if total is None else math.isclose(got[model], total)
            assert matches, (op_of[call_id], got)


before_purge = totals_by_call()
expected_before = {
    "ask_house": {HOUSE: 1.4},
    "write": {HOUSE: 4.0},
    "draft": {HOUSE: 1.4},
    "polish": {HOUSE: 2.6},
    "ask_solo": {SOLO: 3.5},
    "ask_unknown": {UNKNOWN: None},
}
check_totals(before_purge, expected_before)
# get_calls and get_call read the same costs.
[single_listed] = client.get_calls(filter={"call_ids": [single.id]}, include_costs=True)
assert costs_of(single_listed) == single_costs, costs_of(single_listed)


# ---- query_costs ------------------------------------------------------------------------------


listed = client.query_costs()
assert {row.id for row in listed} == {house_oldest, house_current, house_future, solo_price}, listed
by_id = client.query_costs(house_current)
assert [row.id for row in by_id] == [house_current], by_id
current_row = by_id[0]
assert (current_row.llm_id, current_row.prompt_token_cost, current_row.completion_token_cost) == (
    HOUSE,
    0.001,
    0.002,
), current_row
assert current_row.effective_date == NOW - 10 * DAY, (current_row.effective_date, NOW - 10 * DAY)
assert (current_row.prompt_token_cost_unit, current_row.completion_token_cost_unit) == ("USD", "USD")
assert current_row.provider_id == "default", current_row
# add_cost sends 0 for the cache prices it was not given.
assert (current_row.cache_read_input_token_cost, current_row.cache_creation_input_token_cost) == (0, 0)
future_row = client.query_costs(house_future)[0]
assert (future_row.provider_id, future_row.effective_date) == ("house", NOW + 10 * DAY), future_row
by_model = client.query_costs(llm_ids=[SOLO])
assert [(row.id, row.llm_id) for row in by_model] == [(solo_price, SOLO)], by_model
assert {row.id for row in client.query_costs(llm_ids=[HOUSE, SOLO, UNKNOWN])} == {
    house_oldest,
    house_current,
    house_future,
    solo_price,
}
assert client.query_costs(llm_ids=[UNKNOWN]) == []
# limit and offset page through the same list.
pages = [client.query_costs(limit=2, offset=offset) for offset in (0, 2, 4)]
assert [[row.id for row in page] for page in pages] == [
    [row.id for row in listed[:2]],
    [row.id for row in listed[2:]],
    [],
], pages
query_rows = {row.id: row.model_dump(mode="json") for row in listed}


# ---- purge_costs: the calls fall back to what is left -----------------------------------------

client.purge_costs(house_current)  # one id, as a string
client.purge_costs([solo_price])
left = client.query_costs()
assert {row.id for row in left} == {house_oldest, house_future}, left
assert client.query_costs(house_current) == []
assert client.query_costs(llm_ids=[SOLO]) == []

# HOUSE: the price of 30 days ago is the one in effect now: 1000 × 0.003 + 200 × 0.004 = 3.8.
single_after = costs_of(client.get_call(single.id, include_costs=True))
check_priced(single_after[HOUSE], house_oldest, per_token=(0.003, 0.004), tokens=(1, 1000, 200))
assert math.isclose(single_after[HOUSE]["total_cost"], 3.8)
# The parent: 3000 × 0.003 + 500 × 0.004 = 11.0 = 3.8 (draft) + 7.2 (polish).
parent_after = costs_of(client.get_call(parent.id, include_costs=True))
assert math.isclose(parent_after[HOUSE]["total_cost"], 11.0), parent_after
# SOLO has no price left: unpriced, like a model that never had one.
solo_after = costs_of(client.get_call(solo.id, include_costs=True))
check_unpriced(solo_after[SOLO], (1, 4000, 1000))

after_purge = totals_by_call()
expected_after = {
    "ask_house": {HOUSE: 3.8},
    "write": {HOUSE: 11.0},
    "draft": {HOUSE: 3.8},
    "polish": {HOUSE: 7.2},
    "ask_solo": {SOLO: None},
    "ask_unknown": {UNKNOWN: None},
}
check_totals(after_purge, expected_after)

harness.emit(
    {
        "init_seconds": init_seconds,
        "now": NOW,
        "calls": {
            "single": single.id,
            "parent": parent.id,
            "solo": solo.id,
            "unknown": unknown.id,
        },
        "prices": {
            "house_oldest": house_oldest,
            "house_current": house_current,
            "house_future": house_future,
            "solo": solo_price,
        },
        "query_rows": query_rows,
        "costs_before": {
            "single": single_costs,
            "parent": parent_costs,
            "solo": solo_costs,
            "unknown": unknown_costs,
        },
        "costs_after": {
            "single": single_after,
            "parent": parent_after,
            "solo": solo_after,
        },
    }
)
client.finish(use_progress_bar=False)
