/**
 * End-to-end ingestion: calls made through the SDK, sent over HTTP, stored by `weft serve` in
 * SQLite, timed from the first call to the flush that confirms the last. Then, in the same run,
 * the same rows inserted straight into the same schema with better-sqlite3 in transactions of the
 * SDK's batch size, with the server's pragmas: the ratio says what the server's path costs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { init, op, resetClient } from 'weft';
import { MIGRATIONS } from '../packages/server/dist/storage/sqlite/migrations.js';
import { startWeftServer } from '../test/support/weft-server.js';
import { elapsedMs, nowNs } from './stats.js';

export interface IngestionResult {
  calls: number;
  sdkToSqliteCallsPerSec: number;
  rawInsertCallsPerSec: number;
  ratio: number;
  rowsPerTransaction: number;
}

const PROMPT = 'Summarise the following paragraph in one sentence, keeping every number exact: ';

/**
 * `calls` calls traced through the SDK to a new `weft serve` (started with `serverArgs`), timed
 * from the first call to the flush that confirms the last; the server is stopped after.
 */
export async function ingestThroughSdk(options: {
  calls: number;
  serverArgs?: readonly string[];
}): Promise<{ ms: number; dataDir: string }> {
  const server = await startWeftServer({ args: options.serverArgs ?? [] });
  const client = init('bench/ingestion', {
    serverUrl: server.url,
    batch: { maxQueueItems: 4 * options.calls },
  });
  const answer = op(function answer(_question: string, index: number) {
    return { text: `answer ${index}`, tokens: index % 97 };
  });
  try {
    const start = nowNs();
    for (let i = 0; i < options.calls; i++) {
      answer(PROMPT + i, i);
      // Let the background sender run, as an application's awaits would.
      if (i % 100 === 99) await yieldToEventLoop();
    }
    await client.flush();
    const ms = elapsedMs(start);
    if (client.stats.droppedItems > 0)
      throw new Error(`ingestion dropped ${client.stats.droppedItems} items`);
    return { ms, dataDir: server.dataDir };
  } finally {
    resetClient();
    await server.stop();
  }
}

export async function measureIngestion(options: { calls: number }): Promise<IngestionResult> {
  const { ms: ingestMs, dataDir } = await ingestThroughSdk(options);
  const stored = new Database(join(dataDir, 'weft.db'), { readonly: true });
  // Stored columns only: generated ones (hidden 2 or 3 in table_xinfo) cannot be inserted.
  const storedColumns = (
    stored.prepare('PRAGMA table_xinfo(calls)').all() as Array<{ name: string; hidden: number }>
  )
    .filter((column) => column.hidden === 0)
    .map((column) => column.name);
  const rows = stored.prepare(`SELECT ${storedColumns.join(', ')} FROM calls ORDER BY rowid`).all() as Array<
    Record<string, unknown>
  >;
  stored.close();
  if (rows.length !== options.calls)
    throw new Error(`expected ${options.calls} stored calls, found ${rows.length}`);
  rmSync(dataDir, { recursive: true, force: true });

  const rowsPerTransaction = 1000;
  const rawMs = insertRaw(rows, rowsPerTransaction);
  const sdkRate = options.calls / (ingestMs / 1000);
  const rawRate = options.calls / (rawMs / 1000);
  return {
    calls: options.calls,
    sdkToSqliteCallsPerSec: sdkRate,
    rawInsertCallsPerSec: rawRate,
    ratio: sdkRate / rawRate,
    rowsPerTransaction,
  };
}

function insertRaw(rows: Array<Record<string, unknown>>, perTransaction: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'weft-raw-'));
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  for (const migration of MIGRATIONS) db.exec(migration.sql);
  const columns = Object.keys(rows[0] ?? {});
  // Positional binding, prepared before the clock starts: the fastest plain insert there is.
  const insert = db.prepare(
    `INSERT INTO calls (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
  );
  const values = rows.map((row) => columns.map((column) => row[column]));
  const insertMany = db.transaction((batch: unknown[][]) => {
    for (const row of batch) insert.run(row);
  });
  const start = nowNs();
  for (let index = 0; index < values.length; index += perTransaction) {
    insertMany(values.slice(index, index + perTransaction));
  }
  const ms = elapsedMs(start);
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return ms;
}
