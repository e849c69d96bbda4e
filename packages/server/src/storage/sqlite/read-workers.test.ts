/**
 * Queries on worker threads: streaming in pages, handing workers back, errors crossing the
 * thread boundary as the same class, and the per-page time limit.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidFieldError, NotImplemented, QueryTimeout } from '@weft/protocol';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  callsQuery,
  collect,
  countQuery,
  finished,
  idsOf,
  MS,
  PROJECT,
  T0,
} from '../contract/call-fixtures.js';
import type { CallsQuery, CallUpsert, TableQuery, TableRow } from '../trace-store.js';
import { QueryAbandoned } from './query-functions.js';
import { ReadWorkers } from './read-workers.js';
import { SqliteTraceStore, type SqliteTraceStoreOptions } from './sqlite-trace-store.js';

const dataDir = mkdtempSync(join(tmpdir(), 'weft-read-workers-'));
let opened = 0;

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

function databasePath(): string {
  opened += 1;
  return join(dataDir, `store-${opened}.db`);
}

function callId(index: number): string {
  return `call-${String(index).padStart(6, '0')}`;
}

/** `count` finished calls, one µs-millisecond apart; every third failed, with unsorted messages. */
function manyCalls(count: number, inputs?: (index: number) => string): CallUpsert[] {
  return Array.from({ length: count }, (_, index) =>
    finished(
      callId(index),
      { started_at: T0 + index * MS, ...(inputs ? { inputs_json: inputs(index) } : {}) },
      index % 3 === 0 ? { exception: `Error ${(index * 7919) % count}`, output_json: null } : {},
    ),
  );
}

async function withStore(
  options: SqliteTraceStoreOptions,
  run: (store: SqliteTraceStore) => Promise<void>,
): Promise<void> {
  const store = SqliteTraceStore.open(databasePath(), options);
  try {
    await run(store);
  } finally {
    await store.close();
  }
}

/**
 * A store of 120,000 calls, and a query on it that sorts them all by a column without an index:
 * over 100 ms of work in SQLite before its first row, where an indexed lookup takes well under one.
 */
async function bigStore(): Promise<{ path: string; store: SqliteTraceStore; total: number }> {
  const path = databasePath();
  const store = SqliteTraceStore.open(path);
  const total = 120_000;
  const calls = manyCalls(total);
  for (let start = 0; start < total; start += 10_000)
    await store.upsertCalls(calls.slice(start, start + 10_000));
  return { path, store, total };
}

function slowQuery(total: number): CallsQuery {
  return callsQuery({ sort_by: [{ field: 'exception', direction: 'desc' }], limit: 10, offset: total - 10 });
}

describe('read workers', () => {
  it('streams thousands of calls across many pages, in order', async () => {
    await withStore({}, async (store) => {
      const calls = manyCalls(3_000);
      await store.upsertCalls(calls);
      expect(await idsOf(store)).toEqual(calls.map((call) => call.id));
      const descending = await idsOf(store, { sort_by: [{ field: 'started_at', direction: 'desc' }] });
      expect(descending).toEqual(calls.map((call) => call.id).reverse());
    });
  });

  it('cuts pages by size too, and keeps large rows whole', async () => {
    await withStore({}, async (store) => {
      // 40 rows of 100 kB: several pages by size, far fewer than 1,000 rows each.
      const calls = manyCalls(40, (index) => JSON.stringify({ index, text: String(index).repeat(100_000) }));
      await store.upsertCalls(calls);
      const read = await collect(store);
      expect(read.map((call) => call.id)).toEqual(calls.map((call) => call.id));
      expect(read.map((call) => JSON.parse(call.inputs_json ?? 'null').index)).toEqual(
        calls.map((_, index) => index),
      );
      expect(read.every((call) => (call.inputs_json?.length ?? 0) > 100_000)).toBe(true);
      // Sorted by a field (no key to continue after): the first page is cut by size, and the rest
      // is read by the ids of one sort, a page at a time, in the same order.
      const descending = calls.map((call) => call.id).reverse();
      for (const limit of [30, null]) {
        const sorted = await idsOf(store, { sort_by: [{ field: 'inputs.index', direction: 'desc' }], limit });
        expect(sorted).toEqual(limit === null ? descending : descending.slice(0, limit));
      }
    });
  });

  it('converts the failure flags to booleans', async () => {
    await withStore({}, async (store) => {
      await store.upsertCalls([finished('plain')]);
      const [call] = await collect(store);
      expect(call?.has_failed_descendant).toBe(false);
      expect(call?.summary_reports_error).toBe(false);
    });
  });

  it('hands the worker back when the consumer stops early', async () => {
    await withStore({ maxReaders: 2 }, async (store) => {
      // More than a page, so a read-ahead page is in flight when the consumer stops.
      await store.upsertCalls(manyCalls(2_500));
      // Each of these would wait 30 s for a free worker if an early stop kept its worker.
      for (let round = 0; round < 5; round += 1) {
        for await (const call of store.queryCalls(callsQuery())) {
          expect(call.id).toBe(callId(0));
          break;
        }
      }
      const iterators = [0, 1].map(() => store.queryCalls(callsQuery())[Symbol.asyncIterator]());
      for (const iterator of iterators) expect((await iterator.next()).value?.id).toBe(callId(0));
      for (const iterator of iterators) await iterator.return?.();
      expect(await store.countCalls(countQuery())).toBe(2_500);
      expect((await idsOf(store, { limit: 3, offset: 997 })).length).toBe(3);
      expect(await store.readCall(PROJECT, callId(500), ['id'])).toMatchObject({ id: callId(500) });
    });
  });

  it('does not count a slow consumer against the time limit', async () => {
    await withStore({ queryTimeoutMs: 50 }, async (store) => {
      await store.upsertCalls(manyCalls(1_000));
      let seen = 0;
      for await (const _call of store.queryCalls(callsQuery())) {
        seen += 1;
        // Far longer than the limit, between and within pages.
        if (seen % 200 === 0) await sleep(120);
      }
      expect(seen).toBe(1_000);
    });
  });

  it('re-creates errors thrown in the worker: protocol errors as the same class', async () => {
    await withStore({}, async (store) => {
      await store.upsertCalls([finished('a')]);
      const notImplemented = await collect(store, {
        sort_by: [{ field: 'annotation_queue_items.queue_id', direction: 'asc' }],
      }).catch((error: unknown) => error);
      expect(notImplemented).toBeInstanceOf(NotImplemented);
      expect((notImplemented as NotImplemented).errorType).toBe('NotImplemented');
      expect((notImplemented as Error).message).toMatch(/annotation_queue_items/);

      const badSort = collect(store, { sort_by: [{ field: 'no_such_field', direction: 'asc' }] });
      await expect(badSort).rejects.toBeInstanceOf(InvalidFieldError);

      // Anything else arrives as a plain Error with the worker's message.
      const plain = await collect(store, { columns: ['no_such_column' as 'id'] }).catch(
        (error: unknown) => error,
      );
      expect(plain).toBeInstanceOf(Error);
      expect(plain).not.toBeInstanceOf(NotImplemented);
      expect((plain as Error).message).toMatch(/no_such_column/);

      // The worker that reported them still answers.
      expect(await idsOf(store)).toEqual(['a']);
    });
  });

  it('fails a query that runs past the time limit with QueryTimeout, then keeps answering', async () => {
    // One worker, so the query after the timeout needs the replacement. The slow query sorts
    // 120,000 rows by a column without an index: over 100 ms of work in SQLite before its first
    // row, against a limit that an indexed lookup (well under a millisecond) never nears.
    await withStore({ maxReaders: 1, queryTimeoutMs: 25 }, async (store) => {
      const total = 120_000;
      const calls = manyCalls(total);
      for (let start = 0; start < total; start += 10_000) {
        await store.upsertCalls(calls.slice(start, start + 10_000));
      }
      // Start the worker first: start-up does not count against the limit, but keep it out of the way.
      expect(await store.readCall(PROJECT, callId(7), ['id'])).toMatchObject({ id: callId(7) });

      const slow = slowQuery(total);
      const error = await collect(store, slow).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(QueryTimeout);
      expect((error as QueryTimeout).message).toMatch(/time limit of 25 ms/);
      expect((error as QueryTimeout).message).toMatch(/narrow the filter/);

      expect(await store.readCall(PROJECT, callId(42), ['id'])).toMatchObject({ id: callId(42) });
      expect(await idsOf(store, { limit: 3 })).toEqual([callId(0), callId(1), callId(2)]);
      await expect(collect(store, slow)).rejects.toBeInstanceOf(QueryTimeout);
      expect(await store.readCall(PROJECT, callId(43), ['id'])).toMatchObject({ id: callId(43) });
    });
  });

  it('stops a scan past the time limit inside its worker, which then answers the next query', async () => {
    const { path, store, total } = await bigStore();
    const workers = new ReadWorkers(path, { maxReaders: 1, queryTimeoutMs: 25 });
    try {
      const slow = slowQuery(total);
      const rows = async (query: CallsQuery) => {
        const ids: string[] = [];
        for await (const call of workers.query(query)) ids.push(call.id);
        return ids;
      };
      expect(await rows(callsQuery({ limit: 1 }))).toEqual([callId(0)]);
      await expect(rows(slow)).rejects.toThrow(/time limit of 25 ms/);
      expect(await rows(callsQuery({ limit: 1 }))).toEqual([callId(0)]);
      // The same thread answered all three: the slow query was stopped, not its worker.
      expect(workers.threadsStarted).toBe(1);
    } finally {
      await workers.close();
      await store.close();
    }
  });

  it('stops a query whose client has gone inside its worker, which then answers the next query', async () => {
    const { path, store, total } = await bigStore();
    // No time limit to speak of: only the departed client can stop the query.
    const workers = new ReadWorkers(path, { maxReaders: 1, queryTimeoutMs: 600_000 });
    try {
      expect(await workers.count(countQuery())).toBe(total);
      const slow = slowQuery(total);
      const gone = new AbortController();
      const rows = workers.query(slow, gone.signal)[Symbol.asyncIterator]();
      const first = rows.next();
      // A turn of the event loop: the query has been handed to the worker, and only the mark
      // the worker reads while SQLite scans can stop it now.
      await new Promise((resolve) => setImmediate(resolve));
      gone.abort();
      await expect(first).rejects.toBeInstanceOf(QueryAbandoned);

      // A client gone before its worker is even asked: nothing is sent to the worker.
      const goneAlready = new AbortController();
      goneAlready.abort();
      await expect(workers.count(countQuery(), goneAlready.signal)).rejects.toBeInstanceOf(QueryAbandoned);

      // The same thread answers on: the queries were stopped, not their worker.
      expect(await workers.count(countQuery())).toBe(total);
      expect(workers.threadsStarted).toBe(1);
    } finally {
      await workers.close();
      await store.close();
    }
  });

  it('lets a query whose client has gone leave the queue for a worker', async () => {
    await withStore({ maxReaders: 1 }, async (store) => {
      await store.upsertCalls(manyCalls(1_000));
      // The only worker is started, then taken by a page read: a worker is taken as the read is
      // asked for, so the count below finds none free and waits in the queue.
      expect(await store.countCalls(countQuery())).toBe(1_000);
      const holding = store.queryCalls(callsQuery())[Symbol.asyncIterator]();
      const first = holding.next();
      const gone = new AbortController();
      // Without leaving the queue this would wait 30 s for the worker, past the test's timeout.
      const waiting = store.countCalls(countQuery(), { signal: gone.signal });
      gone.abort();
      await expect(waiting).rejects.toBeInstanceOf(QueryAbandoned);
      expect((await first).value?.id).toBe(callId(0));
      await holding.return?.();
      expect(await store.countCalls(countQuery())).toBe(1_000);
    });
  });

  it('holds no worker for a stream its consumer has stopped reading', async () => {
    await withStore({ maxReaders: 1 }, async (store) => {
      // Several pages each: every stream stops inside its first page, with more to come.
      await store.upsertCalls(manyCalls(3_000));
      const paused = [0, 1, 2].map(() => store.queryCalls(callsQuery())[Symbol.asyncIterator]());
      for (const stream of paused) expect((await stream.next()).value?.id).toBe(callId(0));
      // With a worker held per open stream, this would wait 30 s for one, past the test's timeout.
      expect(await store.countCalls(countQuery())).toBe(3_000);
      expect(await store.readCall(PROJECT, callId(2_500), ['id'])).toMatchObject({ id: callId(2_500) });
      // The paused streams carry on where they stopped.
      for (const stream of paused) expect((await stream.next()).value?.id).toBe(callId(1));
      for (const stream of paused) await stream.return?.();
    });
  });

  it('holds no read snapshot for a paused stream: a checkpoint empties the WAL meanwhile', async () => {
    const path = databasePath();
    const store = SqliteTraceStore.open(path);
    try {
      await store.upsertCalls(manyCalls(3_000));
      const paused = store.queryCalls(callsQuery())[Symbol.asyncIterator]();
      expect((await paused.next()).value?.id).toBe(callId(0));
      // Written after the stream began: a reader still in the snapshot it began with would keep
      // these frames from being copied back, and the WAL from being emptied.
      await store.upsertCalls([finished('written-later', { started_at: T0 + 10_000 * MS })]);
      const checkpointer = new Database(path);
      try {
        // A reader in the middle of a page is waited for (busy_timeout); one that stays is not.
        checkpointer.pragma('busy_timeout = 5000');
        const [result] = checkpointer.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
        expect(result?.busy).toBe(0);
        expect(statSync(`${path}-wal`).size).toBe(0);
      } finally {
        checkpointer.close();
      }
      // The stream carries on, and reads the call written meanwhile when it gets there.
      const rest: string[] = [];
      for (let next = await paused.next(); !next.done; next = await paused.next()) rest.push(next.value.id);
      expect(rest).toHaveLength(3_000);
      expect(rest.at(-1)).toBe('written-later');
    } finally {
      await store.close();
    }
  });

  it('stops a table scan past the time limit inside its worker, which then answers the next query', async () => {
    const path = databasePath();
    const store = SqliteTraceStore.open(path);
    const total = 200_000;
    const digests = Array.from({ length: total }, (_, index) => `row-${index}`);
    await store.createTable(
      PROJECT,
      'big',
      digests,
      digests.map((digest, index) => ({ digest, val_json: JSON.stringify({ n: (index * 7919) % total }) })),
    );
    await store.createTable(PROJECT, 'small', ['row-1'], []);
    const workers = new ReadWorkers(path, { maxReaders: 1, queryTimeoutMs: 25 });
    try {
      const table = async (digest: string, extra: Partial<TableQuery> = {}) => {
        const rows: TableRow[] = [];
        for await (const page of workers.queryTable({
          project_id: PROJECT,
          digest,
          row_digests: null,
          sort_by: [],
          limit: null,
          offset: 0,
          ...extra,
        }))
          rows.push(...page);
        return rows;
      };
      expect(await table('small')).toEqual([{ digest: 'row-1', val_json: '{"n":7919}', original_index: 0 }]);
      // Sorting 200,000 rows reads them all first: well over the limit, stopped while reading.
      const slow = table('big', { sort_by: [{ path: ['n'], direction: 'desc' }], limit: 10 });
      const error = await slow.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(QueryTimeout);
      expect((error as QueryTimeout).message).toMatch(/time limit of 25 ms; read the table a page at a time/);
      expect(await table('small')).toHaveLength(1);
      // The same thread answered all three: the scan was stopped, not its worker.
      expect(workers.threadsStarted).toBe(1);
    } finally {
      await workers.close();
      await store.close();
    }
  });

  it('stops the projects summary past the time limit inside its worker, with advice of its own', async () => {
    const path = databasePath();
    const store = SqliteTraceStore.open(path);
    const total = 30_000;
    const calls = manyCalls(total);
    for (let start = 0; start < total; start += 10_000)
      await store.upsertCalls(calls.slice(start, start + 10_000));
    // Counting 30,000 index entries takes over 10 ms; the check every 1024th one stops it.
    const workers = new ReadWorkers(path, { maxReaders: 1, queryTimeoutMs: 1 });
    try {
      const error = await workers.projectSummaries().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(QueryTimeout);
      expect((error as QueryTimeout).message).toMatch(
        /time limit of 1 ms; the projects list counts the calls of every project/,
      );
      expect(workers.threadsStarted).toBe(1);
    } finally {
      await workers.close();
    }
    const patient = new ReadWorkers(path, { maxReaders: 1, queryTimeoutMs: 30_000 });
    try {
      expect(await patient.projectSummaries()).toEqual([
        expect.objectContaining({ project_id: PROJECT, calls: total, objects: 0 }),
      ]);
    } finally {
      await patient.close();
      await store.close();
    }
  });

  it('fails queries with a clear error when a worker cannot start, without using up the pool', async () => {
    const path = databasePath();
    const store = SqliteTraceStore.open(path, { maxReaders: 2 });
    try {
      // The workers open the file read-only and only if it exists; the writer's connection stays open.
      rmSync(path);
      for (let attempt = 0; attempt < 4; attempt += 1) {
        await expect(collect(store)).rejects.toThrow(/could not start a read worker: .*unable to open/);
      }
    } finally {
      await store.close();
    }
  });
});
