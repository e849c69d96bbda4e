/**
 * Slow queries on the real `weft serve` process: they run on worker threads, so ingestion and
 * health checks are answered while they run, and one past the time limit gets a 504 while the
 * server carries on. The data folder is filled in-process first, then served.
 *
 * Nothing here depends on how long a query takes: the slow query is held inside its read worker by
 * a gate (support/read-gate.mjs, loaded into the server with `node --import`) until the test opens
 * it, so "while it runs" is a fact the test knows, not a race it hopes to win.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testId, traceIdOf } from '../../../test/support/batch-items.js';
import {
  postJson,
  removeDataDir,
  SERVERS_ON_CHDB,
  startWeftServer,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';
import { finished, MS, T0 } from '../src/storage/contract/call-fixtures.js';
import { SqliteTraceStore } from '../src/storage/sqlite/sqlite-trace-store.js';
import type { CallUpsert } from '../src/storage/trace-store.js';

const READ_GATE = fileURLToPath(new URL('./support/read-gate.mjs', import.meta.url));
/** In the SQL of SLOW_SCAN only: its sort. */
const GATED_SQL = 'calls.exception DESC';

/** A gate folder: the server's workers say in it which queries wait, and wait until it is opened. */
class ReadGate {
  readonly dir: string;

  constructor(parent: string, name: string) {
    this.dir = join(parent, name);
    mkdirSync(this.dir);
  }

  /** What `startWeftServer` needs to load the gate into the server. */
  get serverOptions(): { nodeArgs: string[]; env: Record<string, string> } {
    return {
      nodeArgs: ['--import', READ_GATE],
      env: { WEFT_TEST_GATE_DIR: this.dir, WEFT_TEST_GATE_SQL: GATED_SQL },
    };
  }

  /** How many gated queries have arrived at the gate so far (waiting or let through). */
  arrived(): number {
    return readdirSync(this.dir).filter((name) => name.startsWith('waiting-')).length;
  }

  /** Resolves once `count` gated queries in all have arrived. */
  async untilArrived(count: number): Promise<void> {
    while (this.arrived() < count) await sleep(20);
  }

  open(): void {
    writeFileSync(join(this.dir, 'open'), '');
  }

  close(): void {
    if (existsSync(join(this.dir, 'open'))) rmSync(join(this.dir, 'open'));
  }
}

const SCAN_PROJECT = 'team/slow-scan';
const INGEST_PROJECT = 'team/slow-ingest';
/** Enough calls (with ~600 B of inputs) that sorting them all by an unindexed column is real work. */
const SCAN_CALLS = 120_000;

/**
 * Sorts every call of the project by `exception` (no index) and skips to the last page, so the
 * whole sort happens in SQLite before the first row while the response stays small. Its SQL is the
 * only one the read gate holds (GATED_SQL).
 */
const SLOW_SCAN = {
  project_id: SCAN_PROJECT,
  sort_by: [{ field: 'exception', direction: 'desc' }],
  limit: 10,
  offset: SCAN_CALLS - 10,
};

let dataDir: string;

/** The server takes only UUIDs (or OTel ids) as call ids; these count up, so they sort by index. */
function scanId(index: number): string {
  return testId('scan', index);
}

function ingestId(index: number): string {
  return testId('ingest', index);
}

/** The call logged after a query timed out. */
const AFTER_TIMEOUT = testId('after-timeout', 1);

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
          trace_id: traceIdOf(id),
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
            {
              trace_id: traceIdOf(scanId(index)),
              started_at: T0 + index * MS,
              inputs_json: JSON.stringify({ index, filler }),
            },
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

// SQLite's read workers, held at a gate in them; the ClickHouse time limit: storage/clickhouse/time-limit.test.ts.
describe.skipIf(SERVERS_ON_CHDB)('slow queries beside ingestion', () => {
  let server: WeftServerProcess;
  let gate: ReadGate;

  beforeAll(async () => {
    gate = new ReadGate(dataDir, 'gate-beside-ingestion');
    server = await startWeftServer({ dataDir, args: ['--query-timeout', '300'], ...gate.serverOptions });
  });

  afterAll(async () => {
    gate.open();
    await server.stop();
  });

  it('acknowledges every ingestion batch and health check while slow queries run', async () => {
    // The order in which requests are answered; wall-clock times would depend on the machine.
    const settled: string[] = [];
    const slow = [0, 1, 2].map(async () => {
      const res = await postJson(server.url, '/calls/stream_query', SLOW_SCAN);
      settled.push('slow query');
      return res;
    });
    // All three are inside their read workers, held there until the gate opens.
    await gate.untilArrived(3);

    for (let batch = 0; batch < 10; batch += 1) {
      const items: unknown[] = [];
      for (let n = 0; n < 500; n += 1) {
        const index = batch * 500 + n;
        items.push(...upsertItems(ingestId(index), index));
      }
      const res = await postJson(server.url, '/call/upsert_batch', { batch: items });
      expect(res.status).toBe(200);
      expect((res.body as { errors?: unknown }).errors).toBeUndefined();
      settled.push('ingestion batch');
      const health = await fetch(`${server.url}/health`);
      expect(await health.json()).toEqual({ status: 'ok' });
      settled.push('health');
    }
    const stats = await postJson(server.url, '/calls/query_stats', { project_id: INGEST_PROJECT });
    expect(stats).toEqual({ status: 200, body: { count: 5_000, has_more: false } });
    // Every write and health check was answered while the slow queries were still inside SQLite's
    // work: none of them has finished, since none can before the gate opens.
    expect(settled).toHaveLength(20);
    expect(settled).not.toContain('slow query');

    gate.open();
    const results = await Promise.all(slow);
    expect(settled.slice(20)).toEqual(['slow query', 'slow query', 'slow query']);
    for (const res of results) {
      expect(res.status).toBe(200);
      expect((res.body as Array<{ id: string }>).map((call) => call.id)).toEqual(slowScanIds());
    }
  });

  it('gives read workers back when clients hang up before the first rows', async () => {
    gate.close();
    const arrivedBefore = gate.arrived();
    // More abandoned queries than read workers (4): if any kept its worker, the last query would
    // wait 30 s for one and get a 503.
    const controllers = Array.from({ length: 5 }, () => new AbortController());
    const responses = controllers.map((controller) =>
      fetch(`${server.url}/calls/stream_query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(SLOW_SCAN),
        signal: controller.signal,
      }).catch(() => undefined),
    );
    // Four hold every worker; the fifth waits in the queue for one.
    await gate.untilArrived(arrivedBefore + 4);
    for (const controller of controllers) controller.abort();
    await Promise.all(responses);
    // Let the four go on into SQLite, where the mark of their departed clients stops them.
    gate.open();
    const page = await postJson(server.url, '/calls/stream_query', { project_id: SCAN_PROJECT, limit: 3 });
    expect(page.status).toBe(200);
    expect((page.body as Array<{ id: string }>).map((call) => call.id)).toEqual([
      scanId(0),
      scanId(1),
      scanId(2),
    ]);
  }, 60_000);
});

// The slow query waits at a gate in SQLite's read workers.
describe.skipIf(SERVERS_ON_CHDB)('a query past the time limit', () => {
  let server: WeftServerProcess;
  let gate: ReadGate;

  beforeAll(async () => {
    // The slow scan waits at a gate that never opens, so the only way it ends is the time limit;
    // a quarter second keeps the test short.
    gate = new ReadGate(dataDir, 'gate-time-limit');
    server = await startWeftServer({ dataDir, args: ['--query-timeout', '0.25'], ...gate.serverOptions });
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
    expect(gate.arrived()).toBe(1);

    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: 'ok' });
    const upsert = await postJson(server.url, '/call/upsert_batch', {
      batch: upsertItems(AFTER_TIMEOUT, 1),
    });
    expect(upsert.status).toBe(200);
    expect((upsert.body as { errors?: unknown }).errors).toBeUndefined();
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
      id: AFTER_TIMEOUT,
    });
    expect(read.status).toBe(200);
  });
});
