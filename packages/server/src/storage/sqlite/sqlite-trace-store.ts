import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { callsCount, callsSelect } from '../../query/calls-query.js';
import { sqliteCallsDialect } from '../../query/dialects/sqlite.js';
import type { QueryCompileContext } from '../../query/query-expr.js';
import { compileSql } from '../../query/sql.js';
import type {
  CallColumn,
  CallsQuery,
  CallsStatsQuery,
  CallUpsert,
  StoredCall,
  TraceStore,
} from '../trace-store.js';
import { CallWriter } from './call-writes.js';
import { QueryContextCache } from './field-indexes.js';
import { MIGRATIONS } from './migrations.js';
import { registerQueryFunctions } from './query-functions.js';
import { ReadPool, StatementCache } from './read-pool.js';

export interface SqliteTraceStoreOptions {
  /** Concurrent read connections (streaming queries each hold one while they drain). */
  maxReaders?: number;
}

/** How many rows a streaming query reads before letting other work (ingestion, health) run. */
const ROWS_PER_TURN = 256;

export class SqliteTraceStore implements TraceStore {
  private readonly db: Database.Database;
  private readonly writer: CallWriter;
  private readonly readers: ReadPool;
  private readonly statementCaches = new WeakMap<Database.Database, StatementCache>();
  private readonly queryContexts = new WeakMap<Database.Database, QueryContextCache>();
  private readonly applyBatch: (batch: readonly CallUpsert[]) => void;
  private closed = false;

  private constructor(path: string, options: SqliteTraceStoreOptions) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    // WAL lets readers run beside the writer; synchronous=FULL makes every acknowledged batch
    // durable across power loss, not just across a process crash.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
    this.writer = new CallWriter(this.db);
    this.applyBatch = this.db.transaction((batch: readonly CallUpsert[]) => this.writer.upsert(batch));
    this.readers = new ReadPool(path, options.maxReaders ?? 4);
  }

  /** Opens (creating if needed) the database file and applies pending migrations. */
  static open(path: string, options: SqliteTraceStoreOptions = {}): SqliteTraceStore {
    return new SqliteTraceStore(path, options);
  }

  async upsertCalls(batch: readonly CallUpsert[]): Promise<void> {
    this.assertOpen();
    if (batch.length === 0) return;
    try {
      this.applyBatch(batch);
    } catch (error) {
      // The transaction rolled back; in-memory bookkeeping may have moved with it.
      this.writer.resync();
      throw error;
    }
  }

  async readCall(
    projectId: string,
    id: string,
    columns: readonly CallColumn[],
  ): Promise<StoredCall | undefined> {
    for await (const call of this.queryCalls({
      project_id: projectId,
      filter: { call_ids: [id] },
      query: null,
      sort_by: [],
      limit: 1,
      offset: 0,
      columns,
    })) {
      return call;
    }
    return undefined;
  }

  async *queryCalls(query: CallsQuery): AsyncIterable<StoredCall> {
    this.assertOpen();
    const db = await this.readers.acquire();
    try {
      const compiled = compileSql(callsSelect(query, this.queryContext(db)), sqliteCallsDialect.placeholder);
      const statement = this.statementCache(db).get(db, compiled.text);
      let sinceYield = 0;
      for (const row of statement.iterate(...compiled.params) as Iterable<StoredCall>) {
        row.has_failed_descendant = (row.has_failed_descendant as unknown) === 1;
        row.summary_reports_error = (row.summary_reports_error as unknown) === 1;
        yield row;
        if (++sinceYield >= ROWS_PER_TURN) {
          sinceYield = 0;
          await yieldToEventLoop();
        }
      }
    } finally {
      this.readers.release(db);
    }
  }

  async countCalls(query: CallsStatsQuery): Promise<number> {
    this.assertOpen();
    const db = await this.readers.acquire();
    try {
      const compiled = compileSql(callsCount(query, this.queryContext(db)), sqliteCallsDialect.placeholder);
      const statement = this.statementCache(db).get(db, compiled.text);
      return statement.pluck().get(...compiled.params) as number;
    } finally {
      this.readers.release(db);
    }
  }

  async deleteCalls(projectId: string, ids: readonly string[], deletedAt: number): Promise<number> {
    this.assertOpen();
    return this.db.transaction(() => this.writer.delete(projectId, ids, deletedAt))();
  }

  async updateDisplayName(projectId: string, id: string, displayName: string): Promise<boolean> {
    this.assertOpen();
    return this.writer.rename(projectId, id, displayName);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.readers.close();
    this.db.pragma('optimize');
    this.db.close();
  }

  private queryContext(db: Database.Database): QueryCompileContext {
    let cache = this.queryContexts.get(db);
    if (!cache) {
      registerQueryFunctions(db);
      cache = new QueryContextCache(db);
      this.queryContexts.set(db, cache);
    }
    return cache.current();
  }

  private statementCache(db: Database.Database): StatementCache {
    let cache = this.statementCaches.get(db);
    if (!cache) {
      cache = new StatementCache();
      this.statementCaches.set(db, cache);
    }
    return cache;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the trace store is closed');
  }
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}
