/**
 * `weft serve --store chdb:<folder>`: the real server process on the ClickHouse store, with the
 * engine of the `chdb` package inside it. Calls go in as today's SDKs send them (the v2 route)
 * and come back through the query routes, priced at the project's prices.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchItemBuilders, traceIdOf } from '../../../test/support/batch-items.js';
import {
  postJson,
  removeDataDir,
  startWeftServer,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';

const PROJECT = 'team/on-clickhouse';
const { uniqueId, complete } = batchItemBuilders(PROJECT);
const storeDir = mkdtempSync(join(tmpdir(), 'weft-chdb-serve-'));
let server: WeftServerProcess;

beforeAll(async () => {
  server = await startWeftServer({ args: ['--store', `chdb:${storeDir}`] });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  removeDataDir(server?.dataDir);
  removeDataDir(storeDir);
});

async function streamQuery(body: Record<string, unknown>): Promise<Array<Record<string, unknown>>> {
  const response = await fetch(`${server.url}/calls/stream_query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ project_id: PROJECT, ...body }),
  });
  expect(response.status).toBe(200);
  const text = await response.text();
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('weft serve on the ClickHouse store (chdb)', () => {
  it('says which store it serves from, without a password', () => {
    expect(server.output()).toContain(`(store: chdb:${storeDir})`);
  });

  it('stores calls from the v2 route and answers the query routes', async () => {
    const root = uniqueId('root');
    const child = uniqueId('child');
    const trace = traceIdOf(root);
    const sent = await postJson(server.url, `/v2/${PROJECT}/calls/complete`, {
      batch: [
        complete(root, { trace_id: trace, display_name: 'the root' }),
        complete(child, {
          trace_id: trace,
          parent_id: root,
          started_at: '2026-01-01T00:00:00.500Z',
          exception: 'ValueError: boom',
          output: null,
        }),
      ],
    });
    expect(sent).toEqual({ status: 200, body: {} });

    const calls = await streamQuery({
      filter: { trace_ids: [trace] },
      sort_by: [{ field: 'started_at', direction: 'asc' }],
    });
    expect(calls.map((call) => [call.id, call.parent_id, call.display_name])).toEqual([
      [root, null, 'the root'],
      [child, root, null],
    ]);
    expect(calls.map((call) => (call.summary as { weave: { status: string } }).weave.status)).toEqual([
      'descendant_error',
      'error',
    ]);
    const read = await postJson(server.url, '/call/read', { project_id: PROJECT, id: child });
    expect(read.status).toBe(200);
    expect((read.body as { call: { exception: string } }).call.exception).toBe('ValueError: boom');
    const stats = await postJson(server.url, '/calls/query_stats', {
      project_id: PROJECT,
      filter: { trace_ids: [trace] },
    });
    expect(stats).toEqual({ status: 200, body: { count: 2, has_more: false } });

    const renamed = await postJson(server.url, '/call/update', {
      project_id: PROJECT,
      call_id: child,
      display_name: 'renamed',
    });
    expect(renamed.status).toBe(200);
    const deleted = await postJson(server.url, '/calls/delete', { project_id: PROJECT, call_ids: [root] });
    expect(deleted).toEqual({ status: 200, body: { num_deleted: 2 } });
    expect(await streamQuery({ filter: { trace_ids: [trace] } })).toEqual([]);
  });

  it("prices calls at the project's prices, and filters and sorts by their cost", async () => {
    const created = await postJson(server.url, '/cost/create', {
      project_id: PROJECT,
      costs: { 'house-model': { prompt_token_cost: 0.001, completion_token_cost: 0.002 } },
    });
    expect(created.status).toBe(200);
    const usage = (prompt: number) => ({
      usage: { 'house-model': { requests: 1, prompt_tokens: prompt, completion_tokens: 200 } },
    });
    const [cheap, dear, free] = [uniqueId('cheap'), uniqueId('dear'), uniqueId('free')];
    const sent = await postJson(server.url, `/v2/${PROJECT}/calls/complete`, {
      batch: [
        complete(cheap, { trace_id: traceIdOf(cheap), summary: usage(100) }),
        complete(dear, { trace_id: traceIdOf(dear), summary: usage(1000) }),
        complete(free, { trace_id: traceIdOf(free) }),
      ],
    });
    expect(sent).toEqual({ status: 200, body: {} });
    const mine = { call_ids: [cheap, dear, free] };
    // 1000 × 0.001 + 200 × 0.002 = 1.4 and 100 × 0.001 + 200 × 0.002 = 0.5; no usage, no cost.
    const byCost = await streamQuery({
      filter: mine,
      include_costs: true,
      sort_by: [{ field: 'summary.weave.total_cost', direction: 'desc' }],
    });
    expect(byCost.map((call) => call.id)).toEqual([dear, cheap, free]);
    const costs = byCost.map(
      (call) => (call.summary as { weave: { costs?: Record<string, { total_cost: number }> } }).weave.costs,
    );
    expect(costs.map((cost) => cost?.['house-model']?.total_cost)).toEqual([1.4, 0.5, undefined]);
    const dearOnly = await postJson(server.url, '/calls/query_stats', {
      project_id: PROJECT,
      filter: mine,
      query: { $expr: { $gt: [{ $getField: 'summary.weave.total_cost' }, { $literal: 1 }] } },
    });
    expect(dearOnly).toEqual({ status: 200, body: { count: 1, has_more: false } });
  });
});
