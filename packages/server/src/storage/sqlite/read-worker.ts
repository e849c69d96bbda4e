/**
 * A read worker (node:worker_threads entry): one read-only connection that answers the queries the
 * pool in `read-workers.ts` sends it, so a slow query never blocks the main thread's event loop.
 * Strictly one request at a time: every request but `cancel` gets exactly one reply.
 */
import { type MessagePort, workerData } from 'node:worker_threads';
import { ProtocolError } from '@weft/protocol';
import Database from 'better-sqlite3';
import { CallCostCalculator } from '../../costs/call-costs.js';
import { callsCount, callsSelect, compileWithinLimits } from '../../query/calls-query.js';
import { sqliteBindings, sqliteCallsDialect } from '../../query/dialects/sqlite.js';
import type { QueryCompileContext } from '../../query/query-expr.js';
import type { CompiledSql } from '../../query/sql.js';
import { callToJson } from '../call-json.js';
import type {
  CallsQuery,
  CallsStatsQuery,
  StoredCall,
  StoredProjectSummary,
  TableQuery,
  TableRow,
} from '../trace-store.js';
import { SortKeyCoverage } from './feedback-key-reads.js';
import { QueryContextCache } from './field-indexes.js';
import { PriceBook } from './prices.js';
import { PROJECT_SUMMARIES_SQL, readProjectSummaries } from './project-summaries.js';
import {
  QueryAbandoned,
  QueryTimeLimitExceeded,
  readOf,
  registerQueryFunctions,
  type StopReason,
  timeLimitMessage,
} from './query-functions.js';
import { planScoredSort } from './scored-sort.js';
import { tableQuerySql } from './tables.js';

export interface ReadWorkerData {
  path: string;
  /** The time a query may take per batch of rows (or for a count) before the worker stops it. */
  timeoutMs: number;
  /** Requests arrive and replies leave here (a port, so the pool can check for a reply synchronously). */
  port: MessagePort;
  /**
   * One Int32 the pool sets to 1 when the client of the request being answered has gone away, and
   * back to 0 before it sends a new request. Shared memory, because the worker is busy inside
   * SQLite and reads no messages until the statement yields a batch.
   */
  abandoned: SharedArrayBuffer;
}

export type ReadRequest =
  /**
   * Opens a stream; replies with its first batch. Closes any stream left open. `lines` streams
   * the calls rendered as CallSchema JSON lines instead of rows.
   */
  | { type: 'query'; query: CallsQuery; format: 'rows' | 'lines' }
  /** Replies with the open stream's next batch. */
  | { type: 'next' }
  /** Closes the open stream; no reply. */
  | { type: 'cancel' }
  | { type: 'count'; query: CallsStatsQuery }
  /** A page of a table's rows, in one reply. */
  | { type: 'table'; query: TableQuery }
  /** Every project with its counts (project-summaries.ts), in one reply. */
  | { type: 'projects' };

export type ReadReply =
  /** Sent once, when the connection is open. */
  | { type: 'ready' }
  /** `done` means the stream is finished and closed; the rows are its last. */
  | { type: 'batch'; rows: StoredCall[]; done: boolean }
  /** The same for a `lines` stream: whole JSON lines, each ending in a newline. */
  | { type: 'lines'; text: string; done: boolean }
  | { type: 'count'; count: number }
  | { type: 'tableRows'; rows: Array<TableRow & { original_index: number }> }
  | { type: 'projects'; projects: StoredProjectSummary[] }
  /** The request failed; `errorType` is set for protocol errors, which the pool re-creates. */
  | { type: 'error'; errorType: string | null; message: string };

/** A batch ends at this many rows or this much text, whichever comes first. */
const MAX_BATCH_ROWS = 256;
const MAX_BATCH_CHARS = 1024 * 1024;

function compileSelect(query: CallsQuery, context: QueryCompileContext): CompiledSql {
  return compileWithinLimits(callsSelect(query, context), sqliteCallsDialect);
}

function compileCount(query: CallsStatsQuery, context: QueryCompileContext): CompiledSql {
  return compileWithinLimits(callsCount(query, context), sqliteCallsDialect);
}

/** Prepared statements by SQL text; bounded so ad-hoc query shapes cannot grow it. */
class StatementCache {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    private readonly maxEntries = 256,
  ) {}

  get(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (statement) {
      // Refresh recency: Map iteration order is insertion order, so the oldest entry is first.
      this.statements.delete(text);
    } else {
      statement = this.db.prepare(text);
      if (this.statements.size >= this.maxEntries) {
        const oldest = this.statements.keys().next().value;
        if (oldest !== undefined) this.statements.delete(oldest);
      }
    }
    this.statements.set(text, statement);
    return statement;
  }
}

type Row = Record<string, unknown>;

class ReadConnection {
  private readonly statements: StatementCache;
  /** Knows the indexed JSON fields, reloaded when another connection adds or drops one. */
  private readonly contexts: QueryContextCache;
  /** The stream's rows; its statement stays open (and keeps its snapshot) until it ends or is cancelled. */
  private open: Iterator<Row> | undefined;
  private format: 'rows' | 'lines' = 'rows';
  private readonly prices: PriceBook;
  private readonly coverage: SortKeyCoverage;
  /** Prices the open stream's calls, when its query asked for costs. */
  private costs: CallCostCalculator | undefined;

  constructor(private readonly db: Database.Database) {
    this.statements = new StatementCache(db);
    this.coverage = new SortKeyCoverage(db);
    this.contexts = new QueryContextCache(db);
    this.prices = new PriceBook(db);
  }

  answer(request: ReadRequest): ReadReply | undefined {
    try {
      switch (request.type) {
        case 'query':
          this.cancel();
          this.open = this.stream(request.query);
          this.format = request.format;
          return this.next();
        case 'next':
          return this.next();
        case 'cancel':
          this.cancel();
          return undefined;
        case 'count': {
          this.cancel();
          return this.inReadTransaction(() => {
            const compiled = compileCount(request.query, this.contextFor(request.query.project_id));
            this.pricing(request.query.project_id, compiled, false);
            return { type: 'count', count: this.get(compiled) as number };
          });
        }
        case 'table': {
          this.cancel();
          const compiled = tableQuerySql(request.query);
          const rows = this.statements.get(compiled.text).all(sqliteBindings(compiled.params));
          return { type: 'tableRows', rows: rows as Array<TableRow & { original_index: number }> };
        }
        case 'projects': {
          this.cancel();
          return {
            type: 'projects',
            projects: readProjectSummaries(this.statements.get(PROJECT_SUMMARIES_SQL)),
          };
        }
      }
    } catch (error) {
      this.cancel();
      return errorReply(error);
    }
  }

  /**
   * Prices for a query that reports costs or filters or sorts by them (`summary.weave.total_cost`),
   * made the calculator the SQL function uses; none for any other query.
   */
  private pricing(
    projectId: string,
    compiled: CompiledSql,
    reportsCosts: boolean,
  ): CallCostCalculator | undefined {
    const sqlPrices = compiled.text.includes('weft_call_cost(');
    sqlPricing.calculator =
      reportsCosts || sqlPrices ? new CallCostCalculator(this.prices.sourceFor(projectId)) : undefined;
    return sqlPricing.calculator;
  }

  /** The compile context for a query of one project: its feedback fields read kept keys where they can. */
  private contextFor(projectId: string): QueryCompileContext {
    return { ...this.contexts.current(), feedbackKeys: this.coverage.readsFor(projectId) };
  }

  /**
   * Queries run in a read transaction from before they are compiled, which reads which feedback
   * paths have kept keys (feedback-key-reads.ts), to the end of their rows: one snapshot for both,
   * and for both parts of a page sorted by a feedback field.
   */
  private inReadTransaction<T>(work: () => T): T {
    this.db.exec('BEGIN');
    try {
      return work();
    } finally {
      this.db.exec('COMMIT');
    }
  }

  /**
   * A query's rows, in one read transaction that ends when the rows do or the stream is cancelled
   * (the generator's finally). A page sorted by a feedback field the keys answer for
   * (scored-sort.ts) is the calls with a key at that path, then, if the page reaches past them, the
   * calls without one.
   */
  private *stream(query: CallsQuery): Generator<Row> {
    this.db.exec('BEGIN');
    try {
      const context = this.contextFor(query.project_id);
      const scoredSort = planScoredSort(query, context, this.coverage);
      const compiled = scoredSort ? scoredSort.scored : compileSelect(query, context);
      // Before the rows: the connection cannot run another statement while one is open.
      const pricing = this.pricing(query.project_id, compiled, query.include_costs ?? false);
      this.costs = query.include_costs ? pricing : undefined;
      if (!scoredSort) {
        yield* this.rows(compiled);
        return;
      }
      let scored = 0;
      for (const row of this.rows(scoredSort.scored)) {
        scored += 1;
        yield row;
      }
      const { limit, offset } = query;
      if (limit !== null && scored >= limit) return;
      // The page ran out of scored calls, so all of them come before it ends: offset + scored of
      // them, unless it started past the last, when only a count says how many there are.
      const scoredBefore =
        scored > 0 || offset === 0 ? offset + scored : (this.get(scoredSort.countScored()) as number);
      yield* this.rows(
        scoredSort.unscored(limit === null ? null : limit - scored, Math.max(0, offset - scoredBefore)),
      );
    } finally {
      this.db.exec('COMMIT');
    }
  }

  private rows(compiled: CompiledSql): IterableIterator<Row> {
    return this.statements
      .get(compiled.text)
      .iterate(sqliteBindings(compiled.params)) as IterableIterator<Row>;
  }

  private get(compiled: CompiledSql): unknown {
    return this.statements.get(compiled.text).pluck().get(sqliteBindings(compiled.params));
  }

  private next(): ReadReply {
    return this.format === 'rows' ? this.nextRows() : this.nextLines();
  }

  /** The open stream's next row, as a StoredCall, or undefined (and the stream closed) at its end. */
  private nextRow(): StoredCall | undefined {
    const rows = this.open;
    if (!rows) throw new Error('no query is open on this read worker');
    const next = rows.next();
    if (next.done) {
      this.open = undefined;
      return undefined;
    }
    const row = next.value;
    // SQLite has no booleans; the flags come back as 0/1.
    row.has_failed_descendant = row.has_failed_descendant === 1;
    row.summary_reports_error = row.summary_reports_error === 1;
    const call = row as unknown as StoredCall;
    if (this.costs) {
      const costs = this.costs.costsOf(call.summary_json, call.started_at);
      if (costs) call.costs = costs;
    }
    return call;
  }

  private nextRows(): ReadReply {
    const batch: StoredCall[] = [];
    let chars = 0;
    while (batch.length < MAX_BATCH_ROWS && chars < MAX_BATCH_CHARS) {
      const row = this.nextRow();
      if (!row) return { type: 'batch', rows: batch, done: true };
      for (const value of Object.values(row)) if (typeof value === 'string') chars += value.length;
      batch.push(row);
    }
    return { type: 'batch', rows: batch, done: false };
  }

  /**
   * Rendering here, beside the rows, keeps that work off the main thread, and one string crosses
   * threads far faster than the row objects it came from.
   */
  private nextLines(): ReadReply {
    let text = '';
    for (let count = 0; count < MAX_BATCH_ROWS && text.length < MAX_BATCH_CHARS; count++) {
      const row = this.nextRow();
      if (!row) return { type: 'lines', text, done: true };
      text += `${callToJson(row)}\n`;
    }
    return { type: 'lines', text, done: false };
  }

  private cancel(): void {
    const rows = this.open;
    this.open = undefined;
    rows?.return?.();
  }
}

/** SQLite's refusals of a statement too big to prepare: the request's fault, so a 400, not a 500. */
const TOO_LARGE = /too many SQL variables|Expression tree is too large|string or blob too big|too many terms/;

function errorReply(error: unknown): ReadReply {
  if (error instanceof ProtocolError) {
    return { type: 'error', errorType: error.errorType, message: error.message };
  }
  if (error instanceof QueryAbandoned) {
    return { type: 'error', errorType: null, message: error.message };
  }
  if (error instanceof QueryTimeLimitExceeded) {
    // The message is filled in with the limit by the caller, which knows it.
    return { type: 'error', errorType: 'QueryTimeout', message: error.message };
  }
  if (error instanceof Error && TOO_LARGE.test(error.message)) {
    return {
      type: 'error',
      errorType: 'InvalidRequest',
      message: `the query is too large for the database: ${error.message}`,
    };
  }
  return { type: 'error', errorType: null, message: error instanceof Error ? error.message : String(error) };
}

/** The prices `weft_call_cost` reads for the query being answered (see ReadConnection.pricing). */
const sqlPricing: { calculator: CallCostCalculator | undefined } = { calculator: undefined };

/** When the request being answered must stop (performance.now() time); none between requests. */
let deadline = Number.POSITIVE_INFINITY;

function openConnection(path: string, abandoned: Int32Array): Database.Database {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    const stopReason = (): StopReason => {
      if (Atomics.load(abandoned, 0) === 1) return 'abandoned';
      return performance.now() > deadline ? 'time-limit' : undefined;
    };
    registerQueryFunctions(db, stopReason, (summary, startedAt) =>
      sqlPricing.calculator ? sqlPricing.calculator.totalCostOf(summary, startedAt) : null,
    );
    return db;
  } catch (error) {
    // Thrown out of the worker, a SqliteError reaches the pool without its message; an Error keeps it.
    throw new Error(error instanceof Error ? error.message : String(error));
  }
}

function main({ path, port, timeoutMs, abandoned: abandonedBuffer }: ReadWorkerData): void {
  const abandoned = new Int32Array(abandonedBuffer);
  const db = openConnection(path, abandoned);
  const connection = new ReadConnection(db);
  port.on('message', (request: ReadRequest) => {
    // Each batch gets the whole limit: time the consumer spends between batches never counts.
    deadline = performance.now() + timeoutMs;
    let reply: ReadReply | undefined;
    try {
      reply = connection.answer(request);
    } finally {
      deadline = Number.POSITIVE_INFINITY;
    }
    if (reply?.type === 'error' && reply.errorType === 'QueryTimeout')
      reply.message = timeLimitMessage(timeoutMs, readOf(request));
    if (reply) port.postMessage(reply);
  });
  port.postMessage({ type: 'ready' } satisfies ReadReply);
}

main(workerData as ReadWorkerData);
