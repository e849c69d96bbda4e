/**
 * The cost routes and `include_costs` over HTTP on the real `weft serve` process: prices added,
 * listed and purged as the Python client asks for them, default prices from the bundled dataset,
 * and calls priced on both read routes (docs/protocol.md §17).
 */
import { calcPrice } from '@pydantic/genai-prices';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testId, traceIdOf } from '../../../test/support/batch-items.js';
import {
  postJson,
  removeDataDir,
  startWeftServer,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';

const PROJECT = 'team/costs';
let server: WeftServerProcess;

interface Reply {
  status: number;
  body: Record<string, unknown> & { reason?: string };
}
const post = (path: string, body: Record<string, unknown>, project = PROJECT) =>
  postJson(server.url, path, { project_id: project, ...body }) as Promise<Reply>;
const ALL = { $expr: { $eq: [{ $literal: '1' }, { $literal: '1' }] } };

async function createCosts(
  costs: Record<string, unknown>,
  project = PROJECT,
): Promise<Array<[string, string]>> {
  const res = await post('/cost/create', { costs }, project);
  expect(res.status, res.body.reason).toBe(200);
  return res.body.ids as Array<[string, string]>;
}

async function queryCosts(body: Record<string, unknown>, project = PROJECT) {
  const res = await post('/cost/query', body, project);
  expect(res.status, res.body.reason).toBe(200);
  return res.body.results as Array<Record<string, unknown>>;
}

/**
 * The server takes only UUIDs (or OTel ids) as call ids, so the calls here have readable names
 * ('april') and a UUID each.
 */
const CALL_IDS: Record<string, string> = {
  april: testId('costs-call', 1),
  july: testId('costs-call', 2),
  dataset: testId('costs-call', 3),
};

function callId(name: string): string {
  const id = CALL_IDS[name];
  if (id === undefined) throw new Error(`no call named ${name}`);
  return id;
}

async function logCall(name: string, startedAt: string, usage: Record<string, unknown>): Promise<void> {
  const id = callId(name);
  const start = {
    project_id: PROJECT,
    id,
    trace_id: traceIdOf(id),
    op_name: 'llm',
    started_at: startedAt,
    attributes: {},
    inputs: {},
  };
  expect((await postJson(server.url, '/call/start', { start })).status).toBe(200);
  const end = { project_id: PROJECT, id, ended_at: startedAt, output: null, summary: { usage } };
  expect((await postJson(server.url, '/call/end', { end })).status).toBe(200);
}

/** The costs of the named calls, by name. */
async function streamedCosts(
  names: string[],
): Promise<Record<string, Record<string, Record<string, unknown>>>> {
  const res = await fetch(`${server.url}/calls/stream_query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      project_id: PROJECT,
      filter: { call_ids: names.map(callId) },
      include_costs: true,
      columns: ['id'],
    }),
  });
  expect(res.status).toBe(200);
  const costs: Record<string, Record<string, Record<string, unknown>>> = {};
  const nameOf = new Map(names.map((name) => [callId(name), name]));
  for (const line of (await res.text()).split('\n').filter(Boolean)) {
    const call = JSON.parse(line) as { id: string; summary: { weave: { costs?: never } } };
    costs[nameOf.get(call.id) ?? call.id] = call.summary.weave.costs ?? {};
  }
  return costs;
}

beforeAll(async () => {
  server = await startWeftServer();
});

afterAll(async () => {
  await server?.stop();
  removeDataDir(server?.dataDir);
});

describe('/cost/create, /cost/query and /cost/purge', () => {
  it('answers [id, llm_id] pairs in the order of the request', async () => {
    const ids = await createCosts({
      'zeta-model': { prompt_token_cost: 1, completion_token_cost: 2 },
      'alpha-model': {
        prompt_token_cost: 3,
        completion_token_cost: 4,
        effective_date: '2026-01-01T00:00:00Z',
      },
    });
    expect(ids.map(([, llm]) => llm)).toEqual(['zeta-model', 'alpha-model']);
    const rows = await queryCosts({
      query: { $expr: { $eq: [{ $getField: 'id' }, { $literal: ids[1]?.[0] }] } },
    });
    expect(rows).toEqual([
      expect.objectContaining({
        id: ids[1]?.[0],
        llm_id: 'alpha-model',
        prompt_token_cost: 3,
        completion_token_cost: 4,
        prompt_token_cost_unit: 'USD',
        completion_token_cost_unit: 'USD',
        effective_date: '2026-01-01T00:00:00.000000Z',
        provider_id: 'default',
        pricing_level: 'project',
      }),
    ]);
  });

  it("keeps to the request's project with the Python client's default query, and filters by model", async () => {
    const project = 'team/costs-scoped';
    await createCosts({ a: { prompt_token_cost: 1, completion_token_cost: 1 } }, project);
    await createCosts({ b: { prompt_token_cost: 1, completion_token_cost: 1 } }, project);
    await createCosts({ a: { prompt_token_cost: 9, completion_token_cost: 9 } }, 'team/costs-elsewhere');
    const all = await queryCosts({ query: ALL, offset: 0, limit: 100 }, project);
    expect(all.map((row) => row.llm_id)).toEqual(['a', 'b']);
    // No default price is ever listed, though the dataset prices thousands of models.
    expect(all.every((row) => row.pricing_level === 'project')).toBe(true);
    const onlyA = await queryCosts(
      {
        query: {
          $expr: { $and: [ALL.$expr, { $in: [{ $getField: 'llm_id' }, [{ $literal: 'a' }]] }] },
        },
      },
      project,
    );
    expect(onlyA.map((row) => row.prompt_token_cost)).toEqual([1]);
    expect(await queryCosts({ query: ALL, fields: ['llm_id'] }, project)).toEqual([
      { llm_id: 'a' },
      { llm_id: 'b' },
    ]);
  });

  it('purges by id in every form Weave accepts, and refuses anything else with a reason', async () => {
    const project = 'team/costs-purge';
    const ids = (
      await createCosts(
        Object.fromEntries(
          ['m1', 'm2', 'm3', 'm4'].map((m) => [m, { prompt_token_cost: 1, completion_token_cost: 1 }]),
        ),
        project,
      )
    ).map(([id]) => id);
    const field = { $getField: 'id' };
    const purge = (expr: unknown) => post('/cost/purge', { query: { $expr: expr } }, project);
    expect((await purge({ $eq: [field, { $literal: ids[0] }] })).status).toBe(200);
    expect((await purge({ $in: [field, [{ $literal: ids[1] }]] })).status).toBe(200);
    expect((await purge({ $or: [{ $eq: [field, { $literal: ids[2] }] }] })).status).toBe(200);
    const broad = await purge({ $eq: [{ $getField: 'llm_id' }, { $literal: 'm4' }] });
    expect(broad.status).toBe(400);
    expect(broad.body.reason).toMatch(/only by id/);
    expect((await queryCosts({ query: ALL }, project)).map((row) => row.llm_id)).toEqual(['m4']);
  });

  it('refuses bad prices, dates and fields with a 4xx and a reason', async () => {
    const bad = [
      { costs: { m: { prompt_token_cost: -1, completion_token_cost: 1 } } },
      { costs: { m: { prompt_token_cost: 1 } } },
      { costs: { m: { prompt_token_cost: 1, completion_token_cost: 1, effective_date: 'last tuesday' } } },
      { costs: { '': { prompt_token_cost: 1, completion_token_cost: 1 } } },
    ];
    for (const body of bad) {
      const res = await post('/cost/create', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.reason).toBeTruthy();
    }
    const unknownField = await post('/cost/query', {
      query: { $expr: { $eq: [{ $getField: 'inputs.x' }, { $literal: 1 }] } },
    });
    // An unknown field is a 422, as in call queries (docs/protocol.md §1.4).
    expect(unknownField.status).toBe(422);
    expect(unknownField.body.reason).toMatch(/cost queries can read only/);
  });
});

describe('include_costs', () => {
  it('prices calls on /calls/stream_query and /call/read, the price in effect at each start', async () => {
    await createCosts({
      'house-model': {
        prompt_token_cost: 0.001,
        completion_token_cost: 0.002,
        effective_date: '2026-03-01T00:00:00Z',
      },
    });
    await createCosts({
      'house-model': {
        prompt_token_cost: 0.01,
        completion_token_cost: 0.02,
        effective_date: '2026-06-01T00:00:00Z',
      },
    });
    const usage = {
      'house-model': { requests: 1, prompt_tokens: 1000, completion_tokens: 200, total_tokens: 1200 },
    };
    await logCall('april', '2026-04-01T00:00:00Z', usage);
    await logCall('july', '2026-07-01T00:00:00Z', usage);
    const costs = await streamedCosts(['april', 'july']);
    // 1000 × 0.001 + 200 × 0.002 = 1.4; 1000 × 0.01 + 200 × 0.02 = 14.
    expect(costs.april?.['house-model']).toMatchObject({
      prompt_tokens_total_cost: 1,
      total_cost: 1.4,
      unpriced: false,
    });
    expect(costs.july?.['house-model']).toMatchObject({ prompt_tokens_total_cost: 10, total_cost: 14 });
    const read = await post('/call/read', { id: callId('april'), include_costs: true });
    expect((read.body.call as { summary: { weave: { costs: unknown } } }).summary.weave.costs).toEqual(
      costs.april,
    );
    const plain = await post('/call/read', { id: callId('april') });
    expect(
      (plain.body.call as { summary: { weave: Record<string, unknown> } }).summary.weave.costs,
    ).toBeUndefined();
  });

  it("prices a provider's dated model name at the bundled dataset's default price, and flags unknown models", async () => {
    const usage = {
      'gpt-4o-mini-2024-07-18': { requests: 1, prompt_tokens: 1_000_000, completion_tokens: 1_000_000 },
      'a-model-nobody-prices': { requests: 1, prompt_tokens: 5, completion_tokens: 5 },
    };
    await logCall('dataset', new Date().toISOString(), usage);
    const costs = (await streamedCosts(['dataset'])).dataset ?? {};
    const expected = calcPrice({ input_tokens: 1_000_000, output_tokens: 1_000_000 }, 'gpt-4o-mini');
    expect(expected).not.toBeNull();
    expect(costs['gpt-4o-mini-2024-07-18']).toMatchObject({
      unpriced: false,
      pricing_level: 'default',
      provider_id: 'openai',
      priced_as: 'gpt-4o-mini',
    });
    expect(costs['gpt-4o-mini-2024-07-18']?.total_cost).toBeCloseTo(expected?.total_price ?? Number.NaN, 9);
    expect(costs['a-model-nobody-prices']).toMatchObject({ unpriced: true, total_cost: null });
  });
});
