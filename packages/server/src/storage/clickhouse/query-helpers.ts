/**
 * What the ClickHouse store's modules (objects, tables, files, projects, prices, keys, retention)
 * share: bound parameters, reads and inserts with the settings a cluster needs, a write clock and
 * a queue that serializes a module's read-then-write steps.
 *
 * ClickHouse has no transactions, unique keys or cheap updates, so these tables only ever get
 * inserts: a change is a new row with a higher version, read back through `FINAL` (or an
 * aggregate) so the newest row of each key is what a read sees, merged or not. Where a write
 * depends on what is stored, the module reads and writes inside its queue: weft runs one server
 * process per store, so in that process no two such steps interleave.
 *
 * Request values only ever reach ClickHouse as query parameters (`{name:Type}` placeholders,
 * bound by `QueryParams`) or as insert data; SQL text is made of the program's own constants.
 */
import type { ClickHouseSettings } from '@clickhouse/client';
import { QueryTimeout } from '@weft/protocol';
import { type ReadKind, timeLimitMessage } from '../time-limit.js';
import type { ClickHouseContext } from './context.js';

/** Bound parameters of one statement: each `bind` adds one and returns its placeholder. */
export class QueryParams {
  readonly values: Record<string, unknown> = {};
  private count = 0;

  /** `type` is a ClickHouse type written by the program (String, Int64, Array(String), ...). */
  bind(value: unknown, type: string): string {
    const name = `p${this.count}`;
    this.count += 1;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }
}

/**
 * On a cluster, subqueries name Distributed tables; the tables they join are sharded alike
 * (objects-schema.ts), so each shard answers them from its own local tables.
 */
function readSettings(context: ClickHouseContext): ClickHouseSettings {
  return context.target.cluster ? { distributed_product_mode: 'local' } : {};
}

/**
 * On a cluster, an insert into a Distributed table returns once the shards have it, so a read
 * right after sees it (a write here is often followed by a read that depends on it).
 */
function writeSettings(context: ClickHouseContext): ClickHouseSettings {
  return context.target.cluster ? { distributed_foreground_insert: 1 } : {};
}

/**
 * Settings for a read the server's time limit applies to (`--query-timeout`: a page of calls, a
 * count, a page of a table, the projects list), as SQLite's read workers apply it: ClickHouse
 * stops the query itself.
 */
function timeLimitSettings(context: ClickHouseContext): ClickHouseSettings {
  if (!context.queryTimeoutMs) return {};
  return { max_execution_time: context.queryTimeoutMs / 1000, timeout_overflow_mode: 'throw' };
}

/** ClickHouse's TIMEOUT_EXCEEDED. */
const TIMEOUT_EXCEEDED = '159';

/**
 * Runs a read under the time limit: ClickHouse's "timeout exceeded" becomes the QueryTimeout
 * clients get (504), with the advice for what `kind` reads.
 */
export async function withinTimeLimit<T>(
  context: ClickHouseContext,
  kind: ReadKind,
  read: (settings: ClickHouseSettings) => Promise<T>,
): Promise<T> {
  try {
    return await read({ ...readSettings(context), ...timeLimitSettings(context) });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (context.queryTimeoutMs && code === TIMEOUT_EXCEEDED) {
      throw new QueryTimeout(timeLimitMessage(context.queryTimeoutMs, kind));
    }
    throw error;
  }
}

export interface SelectOptions {
  signal?: AbortSignal | undefined;
  /** The read is one the server's time limit applies to, and reads this (for the message). */
  timeLimit?: ReadKind;
}

/**
 * `params` are bound by `QueryParams`, or named values for the query's own `{name:Type}`
 * placeholders (or compiled by the query builder, `clickHouseParams`).
 */
export async function selectRows<Row>(
  context: ClickHouseContext,
  query: string,
  params: QueryParams | Readonly<Record<string, unknown>> = {},
  options: SelectOptions = {},
): Promise<Row[]> {
  const run = async (settings: ClickHouseSettings) => {
    const result = await context.client.query({
      query,
      query_params: params instanceof QueryParams ? params.values : params,
      format: 'JSONEachRow',
      clickhouse_settings: settings,
      ...(options.signal ? { abort_signal: options.signal } : {}),
    });
    return result.json<Row>();
  };
  return options.timeLimit ? withinTimeLimit(context, options.timeLimit, run) : run(readSettings(context));
}

/** A statement without an answer (INSERT ... SELECT). */
export async function runStatement(
  context: ClickHouseContext,
  query: string,
  params: QueryParams,
): Promise<void> {
  await context.client.command({
    query,
    query_params: params.values,
    clickhouse_settings: { ...readSettings(context), ...writeSettings(context) },
  });
}

/** Rows of one insert; each insert of rows of one project is applied whole or not at all. */
export async function insertRows<Row extends object>(
  context: ClickHouseContext,
  table: string,
  rows: readonly Row[],
): Promise<void> {
  if (rows.length === 0) return;
  await context.client.insert({
    table: context.table(table),
    values: rows as Row[],
    format: 'JSONEachRow',
    clickhouse_settings: writeSettings(context),
  });
}

/**
 * Splits a long list into lists whose text stays under `maxChars`: a list bound as a parameter
 * travels in the request's URL to a ClickHouse server, whose length is limited (1 MiB).
 */
export function chunksByLength(values: readonly string[], maxChars = 200_000): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let length = 0;
  for (const value of values) {
    if (current.length > 0 && length + value.length + 3 > maxChars) {
      chunks.push(current);
      current = [];
      length = 0;
    }
    current.push(value);
    length += value.length + 3;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Runs writes one at a time, in the order they were asked for. There are no transactions: a
 * write that reads the current state and inserts what follows from it (a version index, the
 * latest version) must not interleave with another such write. The store runs in one server
 * process, so a queue inside it is enough.
 */
export class WriteQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(write: () => Promise<T>): Promise<T> {
    const result = this.tail.then(write);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * Row versions for ReplacingMergeTree rows: µs since the epoch, but always above the last one
 * given, so a later write always wins whatever the clock does. `start` (the highest version
 * stored) keeps that true across restarts when the clock has gone back.
 */
export class WriteClock {
  private last = 0;

  start(highestStored: number): void {
    this.last = Math.max(this.last, highestStored);
  }

  next(): number {
    this.last = Math.max(Date.now() * 1000, this.last + 1);
    return this.last;
  }
}

const processClock = new WriteClock();

/** A version for a new row of a ReplacingMergeTree, from one clock for the whole process. */
export function nextVersion(): number {
  return processClock.next();
}
