/**
 * Slow queries on the real `weft serve` process: they run on worker threads, so ingestion and
 * health checks are answered while they run, and one past the time limit gets a 504 while the
 * server carries on. The data folder is filled in-process first, then served.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  postJson,
  removeDataDir,
  startWeftServer,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';
import { finished, MS, T0 } from '../src/storage/contract/call-fixtures.js';
import { SqliteTraceStore } from '../src/storage/sqlite/sqlite-trace-store.js';
import type { CallUpsert } from '../src/storage/trace-store.js';

const SCAN_PROJECT = 'team/slow-scan';
const INGEST_PROJECT = 'team/slow-ingest';
/** Enough calls (with ~600 B of inputs) that sorting them all by an unindexed column takes a second or more. */
const SCAN_CALLS = 120_000;

/**
 * Sorts every call of the project by `exception` (no index) and skips to the last page, so the
 * whole sort happens in SQLite before the first row while the response stays small.
 */
const SLOW_SCAN = {
  project_id: SCAN_PROJECT,
  sort_by: [{ field: 'exception', direction: 'desc' }],
  limit: 10,
  offset: SCAN_CALLS - 10,
};

let dataDir: string;

function scanId(index: number): string {
  return `scan-${String(index).padStart(6, '0')}`;
}

/** Every third call failed; the others have no exception and sort last, by id. */
function failed(index: number): boolean {
  return index % 3 === 0;
}

/** SLOW_SCAN's answer: the ten highest ids among the calls without an exception. */
function slowScanIds(): string[] {
  const ids: string[] = [];
  for (let index = SCAN_CALLS - 1; ids.length < 10; index -= 1)
    if (!failed(index)) ids.unshift(scanId(index));
  return ids;
}

function upsertItems(id: string, second: number): unknown[] {
  const startedAt = new Date(Date.UTC(2026, 2, 1) + second * 1000).toISOString();
  return [
    {
      mode: 'start',
      req: {
        start: {
          project_id: INGEST_PROJECT,
          id,
          trace_id: `trace-${id}`,
          op_name: `weave:///${INGEST_PROJECT}/op/ingest:v1`,
          started_at: startedAt,
          attributes: {},
          inputs: { id },
        },
      },
    },
    {
      mode: 'end',
      req: { end: { project_id: INGEST_PROJECT, id, ended_at: startedAt, output: 'ok', summary: {} } },
    },
  ];
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'weft-slow-query-'));
  const store = SqliteTraceStore.open(join(dataDir, 'weft.db'));
  try {
    const filler = 'x'.repeat(600);
    for (let start = 0; start < SCAN_CALLS; start += 10_000) {
      const batch: CallUpsert[] = [];
      for (let index = start; index < start + 10_000; index += 1) {
        batch.push(
          finished(
            scanId(index),
            { started_at: T0 + index * MS, inputs_json: JSON.stringify({ index, filler }) },
            failed(index) ? { exception: `Error ${(index * 7919) % SCAN_CALLS}`, output_json: null } : {},
            SCAN_PROJECT,
          ),
        );
      }
      await store.upsertCalls(batch);
    }
  } finally {
    await store.close();
  }
}, 60_000);

afterAll(() => {
  removeDataDir(dataDir);
});

describe('slow queries beside ingestion', () => {
  let server: WeftServerProcess;

  beforeAll(async () => {
    // A generous limit: on a busy machine three concurrent scans can take well over the default.
    server = await startWeftServer({ dataDir, args: ['--query-timeout', '300'] });
  });

  afterAll(async () => {
    await server.stop();
  });

  it('acknowledges every ingestion batch and health check before the slow queries finish', async () => {
    // The order in which requests are answered; wall-clock times would depend on the machine.
    const settled: string[] = [];
    const slow = [0, 1, 2].map(async () => {
      const res = await postJson(server.url, '/calls/stream_query', SLOW_SCAN);
      settled.push('slow query');
      return res;
    });

    let ingesting = true;
    const ingestion = (async () => {
      try {
        for (let batch = 0; batch < 10; batch += 1) {
          const items: unknown[] = [];
          for (let n = 0; n < 500; n += 1) {
            const index = batch * 500 + n;
            items.push(...upsertItems(`ingest-${String(index).padStart(4, '0')}`, index));
          }
          const res = await postJson(server.url, '/call/upsert_batch', { batch: items });
          expect(res.status).toBe(200);
          settled.push('ingestion batch');
        }
      } finally {
        ingesting = false;
      }
    })();
    const health = (async () => {
      while (ingesting) {
        const res = await fetch(`${server.url}/health`);
        expect(await res.json()).toEqual({ status: 'ok' });
        settled.push('health');
        await sleep(10);
      }
    })();

    await Promise.all([ingestion, health]);
    const results = await Promise.all(slow);

    const answeredMeanwhile = settled.length - slow.length;
    expect(settled.filter((event) => event === 'ingestion batch')).toHaveLength(10);
    expect(settled.filter((event) => event === 'health').length).toBeGreaterThan(0);
    expect(settled.slice(answeredMeanwhile)).toEqual(['slow query', 'slow query', 'slow query']);
    for (const res of results) {
      expect(res.status).toBe(200);
      expect((res.body as Array<{ id: string }>).map((call) => call.id)).toEqual(slowScanIds());
    }

    const stats = await postJson(server.url, '/calls/query_stats', { project_id: INGEST_PROJECT });
    expect(stats).toEqual({ status: 200, body: { count: 5_000, has_more: false } });
  });
  it('gives read workers back when clients hang up before the first rows', async () => {
    // More abandoned queries than read workers (4): if any kept its worker, the last query would
    // wait 30 s for one and get a 503.
    const abandoned = Array.from({ length: 5 }, async () => {
      const controller = new AbortController();
      const response = fetch(`${server.url}/calls/stream_query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(SLOW_SCAN),
        signal: controller.signal,
      });
      await sleep(100);
      controller.abort();
      await response.catch(() => undefined);
    });
    await Promise.all(abandoned);
    const page = await postJson(server.url, '/calls/stream_query', { project_id: SCAN_PROJECT, limit: 3 });
    expect(page.status).toBe(200);
    expect((page.body as Array<{ id: string }>).map((call) => call.id)).toEqual([
      scanId(0),
      scanId(1),
      scanId(2),
    ]);
  }, 60_000);
});

describe('a query past the time limit', () => {
  let server: WeftServerProcess;

  beforeAll(async () => {
    // A quarter second: the slow scan takes several times longer, an indexed lookup a tiny fraction.
    server = await startWeftServer({ dataDir, args: ['--query-timeout', '0.25'] });
  });

  afterAll(async () => {
    await server.stop();
  });

  it('gets a 504 QueryTimeout, and the server keeps serving', async () => {
    const res = await postJson(server.url, '/calls/stream_query', SLOW_SCAN);
    expect(res.status).toBe(504);
    expect(res.body).toEqual({
      reason: expect.stringMatching(/time limit of 250 ms.*narrow the filter/),
      error_type: 'QueryTimeout',
    });

    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: 'ok' });
    const upsert = await postJson(server.url, '/call/upsert_batch', {
      batch: upsertItems('after-timeout', 1),
    });
    expect(upsert.status).toBe(200);
    const page = await postJson(server.url, '/calls/stream_query', {
      project_id: SCAN_PROJECT,
      limit: 3,
    });
    expect(page.status).toBe(200);
    expect((page.body as Array<{ id: string }>).map((call) => call.id)).toEqual([
      scanId(0),
      scanId(1),
      scanId(2),
    ]);
    const read = await postJson(server.url, '/call/read', {
      project_id: INGEST_PROJECT,
      id: 'after-timeout',
    });
    expect(read.status).toBe(200);
  });
});
