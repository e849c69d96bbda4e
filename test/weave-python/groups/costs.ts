/**
 * scripts/costs.py: client.add_cost with effective dates either side of a call's start,
 * query_costs (the default query, by id, by llm_ids), purge_costs, and calls read with
 * include_costs through get_call and get_calls, a parent's costs being its children's summed.
 * The script asserts the numbers Python sees; these checks read the same prices and costs
 * straight from weft's HTTP API.
 */
import { expect, it } from 'vitest';
import { objectName } from '../../support/weft-reads.js';
import { itCompleted, KEY_USER, type PythonGroup, type PythonSuite } from '../support/suite.js';

type ModelCosts = Record<string, Record<string, unknown>>;

interface CostsResult {
  now: string;
  calls: Record<'single' | 'parent' | 'solo' | 'unknown', string>;
  prices: Record<'house_oldest' | 'house_current' | 'house_future' | 'solo', string>;
  /** What query_costs() listed before the purges, by price id, as pydantic dumps it. */
  query_rows: Record<string, Record<string, unknown>>;
  costs_before: Record<'single' | 'parent' | 'solo' | 'unknown', ModelCosts>;
  costs_after: Record<'single' | 'parent' | 'solo', ModelCosts>;
}

const HOUSE = 'weft-house-model';
const SOLO = 'weft-solo-model';
const UNKNOWN = 'weft-unknown-model';
const DAY_MICROS = 86_400_000_000;
/** Weave's query that matches every row: what query_costs sends when it is given none. */
const ALL = { $expr: { $eq: [{ $literal: '1' }, { $literal: '1' }] } };

/** Microseconds since the epoch of an ISO 8601 timestamp, to the microsecond (Date stops at ms). */
function epochMicros(iso: string): number {
  const parts = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})$/.exec(iso);
  expect(parts, iso).not.toBeNull();
  return Date.parse(parts![1]! + parts![3]!) * 1000 + Number((parts![2] ?? '').padEnd(6, '0'));
}

/** Each call's `summary.weave.costs`, read with include_costs from /calls/stream_query. */
async function streamedCosts(
  suite: PythonSuite,
  project: string,
  ids: string[],
): Promise<Record<string, ModelCosts>> {
  const res = await fetch(`${suite.serverUrl}/calls/stream_query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...suite.authHeaders },
    body: JSON.stringify({ project_id: project, filter: { call_ids: ids }, include_costs: true }),
  });
  expect(res.status).toBe(200);
  const costs: Record<string, ModelCosts> = {};
  for (const line of (await res.text()).split('\n').filter(Boolean)) {
    const call = JSON.parse(line) as { id: string; summary: { weave: { costs?: ModelCosts } } };
    costs[call.id] = call.summary.weave.costs ?? {};
  }
  return costs;
}

export const costs: PythonGroup = {
  name: 'costs',
  script: 'costs.py',
  checks(suite, mode) {
    const project = suite.project('costs', mode);
    const readCall = (id: string, includeCosts: boolean) =>
      suite.reader.post<{ call: { summary: { usage?: unknown; weave: { costs?: ModelCosts } } } }>(
        '/call/read',
        { project_id: project, id, include_costs: includeCosts },
      );

    it('runs to completion, every request answered 2xx, over the routes of its mode', () => {
      suite.completed<CostsResult>('costs', mode);
      const calls =
        mode === 'complete' ? ['POST /v2/{entity}/{project}/calls/complete'] : ['POST /call/upsert_batch'];
      expect(suite.routesUsed('costs', mode)).toEqual(
        [
          'GET /server_info',
          'POST /graphql',
          'POST /obj/create',
          'POST /file/create',
          'POST /calls/stream_query',
          'POST /cost/create',
          'POST /cost/query',
          'POST /cost/purge',
          ...calls,
        ].sort(),
      );
    });

    itCompleted<CostsResult>(
      suite,
      'costs',
      mode,
      'add_cost sends one model per request, with its date, units, provider and zero cache prices',
      ({ now }) => {
        const bodies = suite.requestBodies('costs', mode, 'POST', '/cost/create') as Array<{
          project_id: string;
          costs: Record<string, Record<string, unknown> & { effective_date: string }>;
          wb_user_id: unknown;
        }>;
        expect(bodies.map((body) => Object.keys(body.costs))).toEqual([[HOUSE], [HOUSE], [HOUSE], [SOLO]]);
        const sent = bodies.map(({ costs: byModel, ...rest }) => {
          const [model, cost] = Object.entries(byModel)[0]!;
          return { ...rest, model, ...cost };
        });
        const expected = (model: string, prompt: number, completion: number, provider: string) => ({
          project_id: project,
          wb_user_id: null,
          model,
          prompt_token_cost: prompt,
          completion_token_cost: completion,
          cache_read_input_token_cost: 0,
          cache_creation_input_token_cost: 0,
          prompt_token_cost_unit: 'USD',
          completion_token_cost_unit: 'USD',
          provider_id: provider,
          effective_date: expect.any(String),
        });
        expect(sent).toEqual([
          expected(HOUSE, 0.003, 0.004, 'default'),
          expected(HOUSE, 0.001, 0.002, 'default'),
          expected(HOUSE, 0.01, 0.02, 'house'),
          expected(SOLO, 0.0005, 0.0015, 'default'),
        ]);
        // The dates go as ISO 8601 with an offset, to the microsecond; add_cost's default is the
        // moment it is called, after the script's `now`.
        const dates = sent.map((cost) => epochMicros(cost.effective_date));
        expect(dates.slice(0, 3)).toEqual([-30, -10, 10].map((days) => epochMicros(now) + days * DAY_MICROS));
        expect(dates[3]).toBeGreaterThan(epochMicros(now));
      },
    );

    itCompleted<CostsResult>(
      suite,
      'costs',
      mode,
      'query_costs read the prices weft stored; purge_costs removed exactly the ones it named',
      async ({ now, prices, query_rows }) => {
        // What Python listed before the purges: the four prices, as stored.
        expect(Object.keys(query_rows).sort()).toEqual(Object.values(prices).sort());
        // The row's fields as the Python binding declares them, and the ones weft adds that it keeps.
        const row = {
          llm_id: HOUSE,
          cache_read_input_token_cost: 0,
          cache_creation_input_token_cost: 0,
          prompt_token_cost_unit: 'USD',
          completion_token_cost_unit: 'USD',
          provider_id: 'default',
          pricing_level: 'project',
          pricing_level_id: project,
          created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/),
          // The client sends no user; weft fills in the API key's (docs/protocol.md §19.3).
          created_by: KEY_USER,
        };
        expect(query_rows[prices.house_current]).toEqual({
          ...row,
          id: prices.house_current,
          prompt_token_cost: 0.001,
          completion_token_cost: 0.002,
          effective_date: expect.any(String),
        });
        const effective = (id: string) => epochMicros(query_rows[id]!.effective_date as string);
        expect(effective(prices.house_current)).toBe(epochMicros(now) - 10 * DAY_MICROS);
        expect(effective(prices.house_future)).toBe(epochMicros(now) + 10 * DAY_MICROS);

        const { results } = await suite.reader.post<{ results: Array<Record<string, unknown>> }>(
          '/cost/query',
          {
            project_id: project,
            query: ALL,
          },
        );
        expect(results.map((row) => row.id).sort()).toEqual(
          [prices.house_oldest, prices.house_future].sort(),
        );
        const oldest = results.find((row) => row.id === prices.house_oldest);
        expect(oldest).toEqual({
          ...row,
          id: prices.house_oldest,
          prompt_token_cost: 0.003,
          completion_token_cost: 0.004,
          effective_date: query_rows[prices.house_oldest]!.effective_date,
        });
        expect(epochMicros(oldest!.effective_date as string)).toBe(epochMicros(now) - 30 * DAY_MICROS);

        // purge_costs sends `id $in [...]`, for one id given as a string as for a list.
        expect(suite.requestBodies('costs', mode, 'POST', '/cost/purge')).toEqual(
          [prices.house_current, prices.solo].map((id) => ({
            project_id: project,
            query: { $expr: { $in: [{ $getField: 'id' }, [{ $literal: id }]] } },
          })),
        );
        // The default query, by id and by llm_ids, as query_costs sends them.
        const queries = suite.requestBodies('costs', mode, 'POST', '/cost/query') as Array<{
          query: { $expr: unknown };
          limit: number;
          offset: number;
        }>;
        expect(queries[0]).toEqual({
          project_id: project,
          fields: null,
          query: ALL,
          sort_by: null,
          limit: 100,
          offset: 0,
        });
        expect(queries).toContainEqual(
          expect.objectContaining({
            query: { $expr: { $eq: [{ $getField: 'id' }, { $literal: prices.house_current }] } },
          }),
        );
        expect(queries).toContainEqual(
          expect.objectContaining({
            query: { $expr: { $and: [ALL.$expr, { $in: [{ $getField: 'llm_id' }, [{ $literal: SOLO }]] }] } },
          }),
        );
      },
    );

    itCompleted<CostsResult>(
      suite,
      'costs',
      mode,
      'weft prices the calls as Python read them after the purges, on /call/read and /calls/stream_query',
      async ({ calls, costs_after }) => {
        for (const which of ['single', 'parent', 'solo'] as const) {
          const { call } = await readCall(calls[which], true);
          expect(call.summary.weave.costs, which).toEqual(costs_after[which]);
        }
        const streamed = await streamedCosts(suite, project, [calls.single, calls.parent, calls.solo]);
        expect(streamed).toEqual({
          [calls.single]: costs_after.single,
          [calls.parent]: costs_after.parent,
          [calls.solo]: costs_after.solo,
        });
        // Without include_costs: usage, and no costs.
        const { call: plain } = await readCall(calls.single, false);
        expect(plain.summary.weave.costs).toBeUndefined();
        expect(plain.summary.usage).toEqual({
          [HOUSE]: { requests: 1, prompt_tokens: 1000, completion_tokens: 200, total_tokens: 1200 },
        });
      },
    );

    itCompleted<CostsResult>(
      suite,
      'costs',
      mode,
      'each call was priced at the price in effect at its start; after the purges, at what was left',
      async ({ calls, prices, query_rows, costs_before, costs_after }) => {
        // Before: HOUSE's price of 10 days ago (newer than the one of 30 days ago; the one taking
        // effect in 10 days not yet): 1000 × 0.001 + 200 × 0.002 = 1.4.
        const single = costs_before.single[HOUSE]!;
        expect(single).toMatchObject({
          unpriced: false,
          price_id: prices.house_current,
          prompt_token_cost: 0.001,
          completion_token_cost: 0.002,
          pricing_level: 'project',
          pricing_level_id: project,
          provider_id: 'default',
          priced_as: null,
        });
        // The cost names its price's dates, as the price's own row does.
        const { effective_date, created_at } = query_rows[prices.house_current]!;
        expect([single.effective_date, single.created_at].map((iso) => epochMicros(iso as string))).toEqual(
          [effective_date, created_at].map((iso) => epochMicros(iso as string)),
        );
        expect(single.prompt_tokens_total_cost).toBeCloseTo(1, 12);
        expect(single.completion_tokens_total_cost).toBeCloseTo(0.4, 12);
        expect(single.total_cost).toBeCloseTo(1.4, 12);
        // SOLO's only price took effect after its call started: the soonest later price applies.
        // 4000 × 0.0005 + 1000 × 0.0015 = 3.5.
        expect(costs_before.solo[SOLO]).toMatchObject({ unpriced: false, price_id: prices.solo });
        expect(costs_before.solo[SOLO]!.total_cost).toBeCloseTo(3.5, 12);
        expect(costs_before.unknown[UNKNOWN]).toMatchObject({
          unpriced: true,
          total_cost: null,
          price_id: null,
        });
        const { call: unknown } = await readCall(calls.unknown, true);
        expect(unknown.summary.weave.costs).toEqual(costs_before.unknown);

        // After: HOUSE at 30 days ago's price, 1000 × 0.003 + 200 × 0.004 = 3.8; SOLO unpriced.
        expect(costs_after.single[HOUSE]).toMatchObject({ price_id: prices.house_oldest });
        expect(costs_after.single[HOUSE]!.total_cost).toBeCloseTo(3.8, 12);
        expect(costs_after.solo[SOLO]).toMatchObject({
          unpriced: true,
          requests: 1,
          prompt_tokens: 4000,
          completion_tokens: 1000,
          total_cost: null,
          price_id: null,
        });
      },
    );

    itCompleted<CostsResult>(
      suite,
      'costs',
      mode,
      "a parent's usage is its children's summed, and so is its cost",
      async ({ calls, costs_after }) => {
        const { call: parent } = await readCall(calls.parent, false);
        expect(parent.summary.usage).toEqual({
          [HOUSE]: { requests: 2, prompt_tokens: 3000, completion_tokens: 500, total_tokens: 3500 },
        });
        const children = await suite
          .weft('costs', mode)
          .getCalls({ filter: { parent_ids: [calls.parent] } })
          .toArray();
        expect(children.map((call) => objectName(call.op_name)).sort()).toEqual(['draft', 'polish']);
        const childIds = children.map((call) => call.id);
        const childCosts = await streamedCosts(suite, project, childIds);
        const childTotal = childIds.reduce(
          (sum, id) => sum + (childCosts[id]![HOUSE]!.total_cost as number),
          0,
        );
        // draft 1000 × 0.003 + 200 × 0.004 = 3.8, polish 2000 × 0.003 + 300 × 0.004 = 7.2.
        expect(childTotal).toBeCloseTo(11, 12);
        expect(costs_after.parent[HOUSE]!.total_cost).toBeCloseTo(childTotal, 12);
      },
    );
  },
};
