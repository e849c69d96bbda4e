/**
 * A read worker (node:worker_threads entry): one read-only connection that answers the queries the
 * pool in `read-workers.ts` sends it, so a slow query never blocks the main thread's event loop.
 * Strictly one request at a time, each with exactly one reply, and nothing left open between
 * requests: a long answer is read as pages (storage/paging.ts), each a request of its own.
 */
import { type MessagePort, workerData } from 'node:worker_threads';
import { ProtocolError } from '@weft/protocol';
import Database from 'better-sqlite3';
import { CallCostCalculator } from '../../costs/call-costs.js';
import {
  afterKeyCondition,
  callsCount,
  callsSelect,
  compileWithinLimits,
  type PagePlan,
} from '../../query/calls-query.js';
import { sqliteBindings, sqliteCallsDialect } from '../../query/dialects/sqlite.js';
import type { QueryCompileContext } from '../../query/query-expr.js';
import { type CompiledSql, rawSql, sql } from '../../query/sql.js';
import { callToJson } from '../call-json.js';
import { type CallKey, type CallsPageRead, keysetOrder, MAX_PAGE_CHARS } from '../paging.js';
import { timeLimitMessage } from '../time-limit.js';
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
} from './query-functions.js';
import { planScoredSort } from './scored-sort.js';
import { firstMissingRowSql, tableQuerySql } from './tables.js';

export interface ReadWorkerData {
  path: string;
  /** The time a query may take per page of rows (or for a count) before the worker stops it. */
  timeoutMs: number;
  /** Requests arrive and replies leave here (a port, so the pool can check for a reply synchronously). */
  port: MessagePort;
  /**
   * One Int32 the pool sets to 1 when the client of the request being answered has gone away, and
   * back to 0 before it sends a new request. Shared memory, because the worker is busy inside
   * SQLite and reads no messages until the statement has produced its page.
   */
  abandoned: SharedArrayBuffer;
}

export type ReadRequest =
  /**
   * One page of a calls query (storage/paging.ts), read in a read transaction of its own that ends
   * with the reply: nothing stays open between pages. `lines` renders the calls as CallSchema JSON
   * lines instead of sending rows.
   */
  | { type: 'page'; read: CallsPageRead; format: 'rows' | 'lines' }
  | { type: 'count'; query: CallsStatsQuery }
  /** One page of a table's rows (the query's limit is the page's). */
  | { type: 'table'; query: TableQuery }
  /** Every project with its counts (project-summaries.ts), in one reply. */
  | { type: 'projects' }
  /** The first of these row digests (a JSON array) that names no stored row of the project. */
  | { type: 'missingRow'; projectId: string; rowDigestsJson: string };

/** How a page of calls ended, for the pool to plan the next one (storage/paging.ts, PageResult). */
type PageEnd = { count: number; last: CallKey | null; cut: boolean };

export type ReadReply =
  /** Sent once, when the connection is open. */
  | { type: 'ready' }
  /** A page of calls as rows. */
  | ({ type: 'rows'; rows: StoredCall[] } & PageEnd)
  /** The same as whole JSON lines, each ending in a newline. */
  | ({ type: 'lines'; text: string } & PageEnd)
  /** The ids an `ids` read found, in the query's order. */
  | { type: 'ids'; ids: string[] }
  | { type: 'count'; count: number }
  /** `cut`: the page stopped at MAX_PAGE_CHARS before its limit. */
  | { type: 'tableRows'; rows: Array<TableRow & { original_index: number }>; cut: boolean }
  | { type: 'projects'; projects: StoredProjectSummary[] }
  /** null when every digest names a stored row. */
  | { type: 'missingRow'; digest: string | null }
  /** The request failed; `errorType` is set for protocol errors, which the pool re-creates. */
  | { type: 'error'; errorType: string | null; message: string };

/** A page's SELECT: the query, after a key in a keyset order, or only the calls picked by id. */
function compileSelect(
  read: Exclude<CallsPageRead, { kind: 'ids' }>,
  context: QueryCompileContext,
): CompiledSql {
  const { query } = read;
  let plan: PagePlan = {};
  if (read.kind === 'picked') {
    // The picked ids in their order: a CROSS JOIN walks the list first and looks each call up by
    // its key, and ORDER BY the list position keeps the order the group's sort gave.
    plan = {
      from: sql`json_each(${JSON.stringify(read.ids)}) AS picked CROSS JOIN calls`,
      where: [sql`calls.id = picked.value`],
      order: rawSql('picked.key'),
    };
  } else if (read.after) {
    const order = keysetOrder(query.sort_by);
    if (!order) throw new Error('a page continues after a key only in a keyset order');
    plan = { where: [afterKeyCondition(order, read.after, sqliteCallsDialect)] };
  }
  const pageQuery = read.kind === 'picked' ? { ...query, limit: null, offset: 0 } : query;
  return compileWithinLimits(callsSelect(pageQuery, context, plan), sqliteCallsDialect);
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
  private readonly prices: PriceBook;
  private readonly coverage: SortKeyCoverage;
  /** Prices the page's calls, when its query asked for costs. */
  private costs: CallCostCalculator | undefined;

  constructor(private readonly db: Database.Database) {
    this.statements = new StatementCache(db);
    this.coverage = new SortKeyCoverage(db);
    this.contexts = new QueryContextCache(db);
    this.prices = new PriceBook(db);
  }

  answer(request: ReadRequest): ReadReply {
    try {
      switch (request.type) {
        case 'page':
          return request.read.kind === 'ids'
            ? this.ids(request.read.query)
            : this.page(request.read, request.format);
        case 'count': {
          return this.inReadTransaction(() => {
            const compiled = compileCount(request.query, this.contextFor(request.query.project_id));
            this.pricing(request.query.project_id, compiled, false);
            return { type: 'count', count: this.get(compiled) as number };
          });
        }
        case 'table':
          return this.tablePage(request.query);
        case 'projects': {
          return {
            type: 'projects',
            projects: readProjectSummaries(this.statements.get(PROJECT_SUMMARIES_SQL)),
          };
        }
        case 'missingRow': {
          const compiled = firstMissingRowSql(request.projectId, request.rowDigestsJson);
          return { type: 'missingRow', digest: (this.get(compiled) as string | undefined) ?? null };
        }
      }
    } catch (error) {
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
   * A page's rows, in one read transaction that ends when the rows do or the page is full (the
   * generator's finally). A page sorted by a feedback field the keys answer for
   * (scored-sort.ts) is the calls with a key at that path, then, if the page reaches past them, the
   * calls without one.
   */
  private *stream(read: Exclude<CallsPageRead, { kind: 'ids' }>): Generator<Row> {
    const { query } = read;
    this.db.exec('BEGIN');
    try {
      const context = this.contextFor(query.project_id);
      const scoredSort = read.kind === 'rows' ? planScoredSort(query, context, this.coverage) : undefined;
      const compiled = scoredSort ? scoredSort.scored : compileSelect(read, context);
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

  /**
   * One page of calls: up to the page query's limit, or fewer once they hold MAX_PAGE_CHARS of
   * text. Rendering `lines` here, beside the rows, keeps that work off the main thread, and one
   * string crosses threads far faster than the row objects it came from.
   */
  private page(read: Exclude<CallsPageRead, { kind: 'ids' }>, format: 'rows' | 'lines'): ReadReply {
    const rows = this.stream(read);
    const calls: StoredCall[] = [];
    let text = '';
    let chars = 0;
    let count = 0;
    let last: CallKey | null = null;
    let cut = false;
    try {
      for (let next = rows.next(); !next.done; next = rows.next()) {
        const call = this.toCall(next.value);
        count += 1;
        last = { started_at: call.started_at, id: call.id };
        if (format === 'lines') {
          const line = `${callToJson(call)}\n`;
          text += line;
          chars += line.length;
        } else {
          calls.push(call);
          for (const value of Object.values(call)) if (typeof value === 'string') chars += value.length;
        }
        if (chars >= MAX_PAGE_CHARS) {
          cut = true;
          break;
        }
      }
    } finally {
      // Ends the statement and the read transaction, whether the page was full or failed.
      rows.return(undefined);
    }
    return format === 'lines'
      ? { type: 'lines', text, count, last, cut }
      : { type: 'rows', rows: calls, count, last, cut };
  }

  /** The ids of a group of calls in the query's order (storage/paging.ts, CallsPager). */
  private ids(query: CallsQuery): ReadReply {
    const ids: string[] = [];
    const rows = this.stream({
      kind: 'rows',
      query: { ...query, columns: ['id'], include_costs: false, include_feedback: false },
      after: null,
    });
    for (const row of rows) ids.push(row.id as string);
    return { type: 'ids', ids };
  }

  /** A row as a StoredCall: SQLite has no booleans, and costs are priced here when asked for. */
  private toCall(row: Row): StoredCall {
    row.has_failed_descendant = row.has_failed_descendant === 1;
    row.summary_reports_error = row.summary_reports_error === 1;
    const call = row as unknown as StoredCall;
    if (this.costs) {
      const costs = this.costs.costsOf(call.summary_json, call.started_at);
      if (costs) call.costs = costs;
    }
    return call;
  }

  /** One page of a table's rows, cut short like a page of calls once they hold MAX_PAGE_CHARS. */
  private tablePage(query: TableQuery): ReadReply {
    const compiled = tableQuerySql(query);
    const rows: Array<TableRow & { original_index: number }> = [];
    let chars = 0;
    let cut = false;
    const iterator = this.statements
      .get(compiled.text)
      .iterate(sqliteBindings(compiled.params)) as IterableIterator<TableRow & { original_index: number }>;
    try {
      for (const row of iterator) {
        rows.push(row);
        chars += row.val_json.length;
        if (chars >= MAX_PAGE_CHARS) {
          cut = true;
          break;
        }
      }
    } finally {
      iterator.return?.();
    }
    return { type: 'tableRows', rows, cut };
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
    // Each page gets the whole limit: time the consumer spends between pages never counts.
    deadline = performance.now() + timeoutMs;
    let reply: ReadReply;
    try {
      reply = connection.answer(request);
    } finally {
      deadline = Number.POSITIVE_INFINITY;
    }
    if (reply.type === 'error' && reply.errorType === 'QueryTimeout')
      reply.message = timeLimitMessage(timeoutMs, readOf(request));
    port.postMessage(reply);
  });
  port.postMessage({ type: 'ready' } satisfies ReadReply);
}

main(workerData as ReadWorkerData);
