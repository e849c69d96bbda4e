/**
 * `limit` on every query route of the real `weft serve` process (docs/protocol.md §1.5): below 1 is
 * a 400 that says why (Weave read it as "everything"), and a limit beyond the server's page size is
 * answered in full, read and sent a page at a time, so no client of the official SDKs (pages of
 * 1,000 calls, Datasets read whole) is ever refused for asking for much.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  postJson,
  removeDataDir,
  SERVERS_ON_CHDB,
  startWeftServer,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';
import { finished, MS, T0 } from '../src/storage/contract/call-fixtures.js';
import { MAX_PAGE_ROWS } from '../src/storage/paging.js';
import { SqliteTraceStore } from '../src/storage/sqlite/sqlite-trace-store.js';

const PROJECT = 'team/limits';
/** More than two pages of everything. */
const CALLS = 2 * MAX_PAGE_ROWS + 500;
const TABLE_ROWS = 2 * MAX_PAGE_ROWS + 500;
const OBJECTS = MAX_PAGE_ROWS + 200;
const FEEDBACK = MAX_PAGE_ROWS + 100;
const PRICES = MAX_PAGE_ROWS + 100;

const callId = (index: number) => `call-${String(index).padStart(5, '0')}`;

let dataDir: string;
let server: WeftServerProcess;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'weft-limits-'));
  const store = SqliteTraceStore.open(join(dataDir, 'weft.db'));
  try {
    await store.upsertCalls(
      Array.from({ length: CALLS }, (_, index) =>
        finished(callId(index), { started_at: T0 + index * MS }, {}, PROJECT),
      ),
    );
    const digests = Array.from({ length: TABLE_ROWS }, (_, index) => `row-${index}`);
    await store.createTable(
      PROJECT,
      'table',
      digests,
      digests.map((digest, index) => ({ digest, val_json: JSON.stringify({ index }) })),
    );
    for (let index = 0; index < OBJECTS; index += 1) {
      await store.createObject({
        project_id: PROJECT,
        object_id: `object-${index}`,
        digest: `digest-${index}`,
        kind: 'object',
        base_object_class: null,
        leaf_object_class: null,
        val_json: JSON.stringify({ index }),
        created_at: T0 + index * MS,
        wb_user_id: null,
      });
    }
    await store.createFeedback(
      Array.from({ length: FEEDBACK }, (_, index) => ({
        project_id: PROJECT,
        id: `feedback-${String(index).padStart(5, '0')}`,
        weave_ref: `weave:///${PROJECT}/call/${callId(0)}`,
        call_id: callId(0),
        creator: null,
        feedback_type: 'custom',
        payload_json: JSON.stringify({ index }),
        annotation_ref: null,
        runnable_ref: null,
        call_ref: null,
        trigger_ref: null,
        wb_user_id: null,
        created_at: T0 + index * MS,
      })),
    );
    await store.createPrices(
      Array.from({ length: PRICES }, (_, index) => ({
        id: `price-${String(index).padStart(5, '0')}`,
        pricing_level: 'project' as const,
        pricing_level_id: PROJECT,
        provider_id: 'default',
        llm_id: `model-${index}`,
        effective_date: T0,
        prompt_token_cost: 0.001,
        completion_token_cost: 0.002,
        cache_read_input_token_cost: null,
        cache_creation_input_token_cost: null,
        prompt_token_cost_unit: 'USD',
        completion_token_cost_unit: 'USD',
        created_by: null,
        created_at: T0 + index * MS,
      })),
    );
  } finally {
    await store.close();
  }
  server = await startWeftServer({ dataDir });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  removeDataDir(dataDir);
});

/** Every query route, with a body that names what it reads. */
const ROUTES: Array<[string, Record<string, unknown>]> = [
  ['/calls/stream_query', { project_id: PROJECT }],
  ['/calls/query', { project_id: PROJECT }],
  ['/calls/query_stats', { project_id: PROJECT }],
  ['/objs/query', { project_id: PROJECT }],
  ['/table/query', { project_id: PROJECT, digest: 'table' }],
  ['/feedback/query', { project_id: PROJECT }],
  ['/cost/query', { project_id: PROJECT }],
];

describe('query limits', () => {
  it('refuses a limit below 1 on every query route, saying why', async () => {
    for (const [path, body] of ROUTES) {
      for (const limit of [0, -1, -1000]) {
        const res = await postJson(server.url, path, { ...body, limit });
        expect({ path, limit, ...res }).toEqual({
          path,
          limit,
          status: 400,
          body: {
            reason: `limit must be at least 1, got ${limit}; leave it out (or send null) for no limit`,
            error_type: 'InvalidRequest',
          },
        });
      }
    }
  });

  // Its data is written straight into the SQLite file (beforeAll), faster than over HTTP.
  it.skipIf(SERVERS_ON_CHDB)('answers a limit beyond a page in full, in order, on every route', async () => {
    const ids = (calls: unknown) => (calls as Array<{ id: string }>).map((call) => call.id);
    const allCalls = Array.from({ length: CALLS }, (_, index) => callId(index));

    // The Python SDK's get_calls asks for pages of 1,000; a user may ask for any page size.
    const stream = await postJson(server.url, '/calls/stream_query', {
      project_id: PROJECT,
      limit: CALLS - 100,
    });
    expect(stream.status).toBe(200);
    expect(ids(stream.body)).toEqual(allCalls.slice(0, CALLS - 100));
    const all = await postJson(server.url, '/calls/stream_query', { project_id: PROJECT, limit: null });
    expect(ids(all.body)).toEqual(allCalls);
    const document = await postJson(server.url, '/calls/query', {
      project_id: PROJECT,
      offset: 100,
      limit: MAX_PAGE_ROWS + 500,
    });
    expect(document.status).toBe(200);
    expect(ids((document.body as { calls: unknown }).calls)).toEqual(
      allCalls.slice(100, MAX_PAGE_ROWS + 600),
    );

    // The npm SDK reads a Dataset's table whole, without a limit, and pairs rows by position.
    const indexes = (res: { body: unknown }) =>
      (res.body as { rows: Array<{ original_index: number }> }).rows.map((row) => row.original_index);
    const table = await postJson(server.url, '/table/query', { project_id: PROJECT, digest: 'table' });
    expect(table.status).toBe(200);
    expect(indexes(table)).toEqual(Array.from({ length: TABLE_ROWS }, (_, index) => index));
    const window = await postJson(server.url, '/table/query', {
      project_id: PROJECT,
      digest: 'table',
      offset: MAX_PAGE_ROWS - 1,
      limit: MAX_PAGE_ROWS + 2,
    });
    expect(indexes(window)).toEqual(
      Array.from({ length: MAX_PAGE_ROWS + 2 }, (_, index) => MAX_PAGE_ROWS - 1 + index),
    );

    const objs = await postJson(server.url, '/objs/query', { project_id: PROJECT, metadata_only: true });
    expect(objs.status).toBe(200);
    expect((objs.body as { objs: Array<{ object_id: string }> }).objs.map((obj) => obj.object_id)).toEqual(
      Array.from({ length: OBJECTS }, (_, index) => `object-${index}`),
    );
    const someObjs = await postJson(server.url, '/objs/query', {
      project_id: PROJECT,
      offset: 50,
      limit: OBJECTS - 100,
    });
    expect((someObjs.body as { objs: unknown[] }).objs).toHaveLength(OBJECTS - 100);

    const feedback = await postJson(server.url, '/feedback/query', {
      project_id: PROJECT,
      limit: FEEDBACK - 50,
    });
    expect(feedback.status).toBe(200);
    expect((feedback.body as { result: Array<{ id: string }> }).result.map((row) => row.id)).toEqual(
      Array.from({ length: FEEDBACK - 50 }, (_, index) => `feedback-${String(index).padStart(5, '0')}`),
    );
    const allFeedback = await postJson(server.url, '/feedback/query', { project_id: PROJECT, limit: null });
    expect((allFeedback.body as { result: unknown[] }).result).toHaveLength(FEEDBACK);

    const prices = await postJson(server.url, '/cost/query', { project_id: PROJECT, limit: PRICES });
    expect(prices.status).toBe(200);
    expect((prices.body as { results: unknown[] }).results).toHaveLength(PRICES);
  });
});
