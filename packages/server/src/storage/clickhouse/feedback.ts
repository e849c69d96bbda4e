/**
 * Feedback on ClickHouse (docs/protocol.md §18): the `feedback` table (feedback-schema.ts), a
 * ReplacingMergeTree(version, is_deleted) read with FINAL. A new row is an insert; a purge, the
 * row a replace removes and the feedback of a deleted call are tombstones. Calls queries read it
 * too: feedback fields through rows joined onto the merged calls (calls-read.ts), and
 * `include_feedback` through `feedbackLists` below.
 *
 * Ids are unique within a project, as on SQLite; ClickHouse has no unique keys, so the writes that
 * depend on what is stored (skip an id that exists, count what a purge removed, replace a row
 * that is there) read and insert in this module's queue (query-helpers.ts): within the server
 * process no two of them interleave. Each such write is one INSERT, applied whole on a node.
 *
 * Feedback queries (`/feedback/query`) are compiled to SQL with the shared Query compiler and
 * ClickHouse's calls dialect, over the feedback columns, as SQLite compiles them with its own.
 * Prices evaluate their queries in TypeScript (price-query.ts) because a project keeps a handful
 * of them, read whole. Feedback grows with the calls (a score per call per scorer), so reading a
 * project's rows into the server for every page would cost in proportion to the project: here
 * ClickHouse reads the project's range of the table, filters it and keeps the top of the sort
 * (ORDER BY ... LIMIT), and only the page crosses the wire. The dialect's value rules are the
 * ones the calls queries use, which their contract holds to the protocol's.
 */
import { FEEDBACK_COLUMNS, formatTimestampMicros } from '@weft/protocol';
import { compileWithinLimits } from '../../query/calls-query.js';
import { clickHouseCallsDialect, clickHouseParams } from '../../query/dialects/clickhouse.js';
import { feedbackQueryClauses } from '../../query/feedback-query.js';
import { rawSql, type Sql, sql } from '../../query/sql.js';
import type { FeedbackQuery, StoredFeedback, TraceStore } from '../trace-store.js';
import type { ClickHouseContext } from './context.js';
import {
  chunksByLength,
  insertRows,
  nextVersion,
  QueryParams,
  runStatement,
  selectRows,
  WriteQueue,
} from './query-helpers.js';

export type FeedbackMethods = Pick<
  TraceStore,
  'createFeedback' | 'queryFeedback' | 'purgeFeedback' | 'replaceFeedback'
>;

/** The protocol's feedback columns and the call a row is about ('' for objects), as stored. */
const STORED_COLUMNS = [...FEEDBACK_COLUMNS, 'call_id'] as const;

const TABLE_COLUMNS = [...STORED_COLUMNS, 'version', 'is_deleted'].join(', ');

/** StoredFeedback's names: `payload` is `payload_json`; `call_id` is '' for objects (made null below). */
const SELECT_LIST = STORED_COLUMNS.map((column) =>
  column === 'payload' ? 'feedback.payload AS payload_json' : `feedback.${column} AS ${column}`,
).join(', ');

/** The columns a query may name (protocol names; `payload` is read through JSON paths). */
const QUERYABLE = new Set<string>(STORED_COLUMNS);

function column(field: string): Sql {
  if (!QUERYABLE.has(field)) throw new Error(`no feedback column named ${field}`);
  return rawSql(field === 'call_id' ? `nullIf(feedback.call_id, '')` : `feedback.${field}`);
}

type FeedbackRow = Omit<StoredFeedback, 'call_id'> & { call_id: string };

function stored(row: FeedbackRow): StoredFeedback {
  return { ...row, call_id: row.call_id === '' ? null : row.call_id };
}

/** The feedback as a row of `feedback`, only its own fields (a caller's object may carry more). */
function toRow(feedback: StoredFeedback, version: number, deleted: boolean): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const name of STORED_COLUMNS) {
    row[name] = name === 'payload' ? feedback.payload_json : feedback[name];
  }
  row.call_id = feedback.call_id ?? '';
  row.version = version;
  row.is_deleted = deleted ? 1 : 0;
  return row;
}

/** Only StoredFeedback's fields, as a read gives them back. */
function ownFields(feedback: StoredFeedback): StoredFeedback {
  return {
    project_id: feedback.project_id,
    id: feedback.id,
    weave_ref: feedback.weave_ref,
    call_id: feedback.call_id,
    creator: feedback.creator,
    feedback_type: feedback.feedback_type,
    payload_json: feedback.payload_json,
    annotation_ref: feedback.annotation_ref,
    runnable_ref: feedback.runnable_ref,
    call_ref: feedback.call_ref,
    trigger_ref: feedback.trigger_ref,
    wb_user_id: feedback.wb_user_id,
    created_at: feedback.created_at,
  };
}

const key = (projectId: string, id: string) => `${projectId}\n${id}`;

export class ClickHouseFeedback implements FeedbackMethods {
  private readonly writes = new WriteQueue();

  constructor(readonly context: ClickHouseContext) {}

  createFeedback(rows: readonly StoredFeedback[]): Promise<StoredFeedback[]> {
    if (rows.length === 0) return Promise.resolve([]);
    return this.writes.run(async () => {
      const known = await this.readByIds(rows.map((row) => [row.project_id, row.id] as const));
      const version = nextVersion();
      const fresh: Array<Record<string, unknown>> = [];
      const result = rows.map((row) => {
        // What its project holds under the id already (a re-sent row, or an earlier one of this
        // batch) stays, as INSERT OR IGNORE keeps it on SQLite.
        const existing = known.get(key(row.project_id, row.id));
        if (existing) return existing;
        const own = ownFields(row);
        known.set(key(row.project_id, row.id), own);
        fresh.push(toRow(own, version, false));
        return own;
      });
      await insertRows(this.context, 'feedback', fresh);
      return result;
    });
  }

  async queryFeedback(query: FeedbackQuery): Promise<StoredFeedback[]> {
    const dialect = clickHouseCallsDialect;
    const { where, orderBy } = feedbackQueryClauses(query, dialect, column);
    const statement = compileWithinLimits(
      sql`SELECT ${rawSql(SELECT_LIST)} FROM ${rawSql(this.context.table('feedback'))} AS feedback FINAL
        WHERE ${where}
        ORDER BY ${orderBy} LIMIT ${query.limit ?? dialect.noLimit} OFFSET ${query.offset}`,
      dialect,
    );
    const rows = await selectRows<FeedbackRow>(
      this.context,
      statement.text,
      clickHouseParams(statement.params),
    );
    return rows.map(stored);
  }

  purgeFeedback(projectId: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return Promise.resolve(0);
    return this.writes.run(async () => {
      const found = await this.readByIds(ids.map((id) => [projectId, id] as const));
      const version = nextVersion();
      await insertRows(
        this.context,
        'feedback',
        [...found.values()].map((row) => toRow(row, version, true)),
      );
      return found.size;
    });
  }

  replaceFeedback(projectId: string, id: string, row: StoredFeedback): Promise<boolean> {
    return this.writes.run(async () => {
      const found = await this.readByIds([
        [projectId, id],
        [row.project_id, row.id],
      ]);
      const old = found.get(key(projectId, id));
      if (!old) return false;
      // The tombstone and the new row in one INSERT; the new row's version is above the
      // tombstone's, so a new row under the old one's id and key outlives it. A new id its project
      // holds already keeps what it holds, as on SQLite.
      const tombstone = toRow(old, nextVersion(), true);
      const taken =
        found.has(key(row.project_id, row.id)) && key(row.project_id, row.id) !== key(projectId, id);
      await insertRows(this.context, 'feedback', [
        tombstone,
        ...(taken ? [] : [toRow(ownFields(row), nextVersion(), false)]),
      ]);
      return true;
    });
  }

  /** The live rows under these (project, id) pairs, keyed `project\nid`. */
  private async readByIds(
    pairs: ReadonlyArray<readonly [string, string]>,
  ): Promise<Map<string, StoredFeedback>> {
    const idsByProject = new Map<string, Set<string>>();
    for (const [projectId, id] of pairs) {
      const ids = idsByProject.get(projectId) ?? new Set<string>();
      ids.add(id);
      idsByProject.set(projectId, ids);
    }
    const found = new Map<string, StoredFeedback>();
    for (const [projectId, ids] of idsByProject) {
      for (const chunk of chunksByLength([...ids])) {
        const rows = await selectRows<FeedbackRow>(
          this.context,
          `SELECT ${SELECT_LIST} FROM ${this.context.table('feedback')} AS feedback FINAL
           WHERE feedback.project_id = {project:String} AND feedback.id IN {ids:Array(String)}`,
          { project: projectId, ids: chunk },
        );
        for (const row of rows) found.set(key(projectId, row.id), stored(row));
      }
    }
    return found;
  }
}

/**
 * Deletes the feedback on these calls of a project (docs/protocol.md §18.1: feedback goes with its
 * call): a tombstone for each live row, written by one INSERT ... SELECT that reads the calls'
 * ranges of the table by its key.
 */
export async function deleteFeedbackOfCalls(
  context: ClickHouseContext,
  projectId: string,
  callIds: readonly string[],
): Promise<void> {
  const table = context.table('feedback');
  for (const chunk of chunksByLength([...new Set(callIds)])) {
    const params = new QueryParams();
    const columns = STORED_COLUMNS.join(', ');
    await runStatement(
      context,
      `INSERT INTO ${table} (${TABLE_COLUMNS})
       SELECT ${columns}, ${params.bind(nextVersion(), 'UInt64')}, 1 FROM ${table} FINAL
       WHERE project_id = ${params.bind(projectId, 'String')} AND call_id IN ${params.bind(chunk, 'Array(String)')}`,
      params,
    );
  }
}

interface ListedRow {
  call_id: string;
  id: string;
  feedback_type: string;
  weave_ref: string;
  payload: string;
  creator: string | null;
  created_at: number;
  wb_user_id: string | null;
  runnable_ref: string | null;
  call_ref: string | null;
  trigger_ref: string | null;
  annotation_ref: string | null;
}

/** One row as `include_feedback` lists it: SQLite's keys in SQLite's order, the payload as stored. */
function listItem(row: ListedRow): string {
  const text = JSON.stringify;
  return `{"id":${text(row.id)},"feedback_type":${text(row.feedback_type)},"weave_ref":${text(row.weave_ref)},"payload":${row.payload},"creator":${text(row.creator)},"created_at":${text(formatTimestampMicros(row.created_at))},"wb_user_id":${text(row.wb_user_id)},"runnable_ref":${text(row.runnable_ref)},"call_ref":${text(row.call_ref)},"trigger_ref":${text(row.trigger_ref)},"annotation_ref":${text(row.annotation_ref)}}`;
}

/**
 * `include_feedback` for a page of calls: each call's feedback rows as a JSON array, oldest first
 * (created_at, then id), by call id; calls without feedback are not in the map. One query reads
 * the page's calls' ranges of the table by its key, so a page costs what its calls' feedback
 * costs, however much feedback the project has. (The dialect's correlated `feedbackList` gives
 * the same JSON, but ClickHouse turns it into a join that reads the whole table for each page and
 * need not keep the page's order.)
 */
export async function feedbackLists(
  context: ClickHouseContext,
  projectId: string,
  callIds: readonly string[],
): Promise<Map<string, string>> {
  const items = new Map<string, string[]>();
  for (const chunk of chunksByLength([...new Set(callIds)])) {
    const rows = await selectRows<ListedRow>(
      context,
      `SELECT call_id, id, feedback_type, weave_ref, payload, creator, created_at, wb_user_id,
         runnable_ref, call_ref, trigger_ref, annotation_ref
       FROM ${context.table('feedback')} FINAL
       WHERE project_id = {project:String} AND call_id IN {ids:Array(String)}
       ORDER BY call_id, created_at, id`,
      { project: projectId, ids: chunk },
    );
    for (const row of rows) {
      const list = items.get(row.call_id);
      if (list) list.push(listItem(row));
      else items.set(row.call_id, [listItem(row)]);
    }
  }
  return new Map([...items].map(([callId, list]) => [callId, `[${list.join(',')}]`]));
}
