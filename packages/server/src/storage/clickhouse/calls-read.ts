/**
 * The merged view of a project's calls that every calls query reads as `calls` (the dialect's
 * column names, query/dialects/clickhouse.ts): a call's rows combined with the functions its
 * columns were stored with (calls-schema.ts), so unmerged parts read as one call.
 *
 * `has_failed_descendant` is found at read time, as the set of live calls above a live failing
 * call, in one of two ways:
 * - before the query, when it filters or sorts by `summary.weave.status` and its start
 *   conditions narrow the calls merged (a window, calls-window.ts; a trace; an op): from the
 *   calls of those calls' traces, as below, when they are at most MAX_TREE_ROWS;
 * - in SQL, when such a query merges more: a walk up the parent links of the project's failing
 *   calls, bounded in depth so that a cycle in logged parent ids (a client bug) cannot make it
 *   run forever; it reads the project's tree once per step;
 * - otherwise after the page is read, for the page's calls only, from the calls of their traces
 *   (`FailedAncestors`): far cheaper, and what almost every read needs.
 *
 * Feedback fields (`feedback.[type].payload...`) read each call's oldest feedback row of a type,
 * which the view gains as columns when a query names such fields (`withFeedbackRows`): a LEFT
 * JOIN onto the project's feedback of the types named, aggregated by call. ClickHouse cannot run
 * the correlated subquery SQLite uses in ORDER BY, and elsewhere decorrelates it into a join over
 * the whole feedback table; this join reads the project's range of it once per query.
 *
 * `summary.weave.total_cost` in a filter or sort reads a column the view gains then
 * (`withCosts`): each call priced in SQL from the project's prices, bound per query
 * (calls-costs.ts).
 */
import { resolveCallField, type SortBy } from '@weft/protocol';
import {
  COST_VIEW_COLUMN,
  clickHouseCallsDialect,
  clickHouseFeedbackObject,
  clickHouseParams,
  FEEDBACK_VIEW_COLUMNS,
} from '../../query/dialects/clickhouse.js';
import { clickHouseTotalCost, type UsagePrices } from '../../query/dialects/clickhouse-usage.js';
import { compileSql, joinSql, rawSql, type Sql, sql } from '../../query/sql.js';
import { CALL_ANY_COLUMNS } from './calls-schema.js';
import type { ClickHouseContext } from './context.js';
import { selectRows } from './query-helpers.js';

/** How far up a failure is carried: deeper than any real call tree. */
export const MAX_TREE_DEPTH = 1000;

/** The protocol's name for each stored column (JSON columns are `<name>_dump` in storage). */
function readName(stored: string): string {
  return stored.endsWith('_dump') ? stored.slice(0, -'_dump'.length) : stored;
}

/** What a query needs of the merged view beyond the stored columns. */
export interface ViewNeeds {
  /**
   * Where `has_failed_descendant` is found: in the query, after it for the page's calls, or
   * before it, as the ids that have it (`flaggedAmongTracesOf`).
   */
  flags: 'sql' | 'later' | { ids: readonly string[] };
  /** The feedback fields the query reads (the view joins the calls' oldest rows of their types). */
  feedback?: FeedbackFields | null;
  /** The project's prices, when the query reads `summary.weave.total_cost` (the view prices each call). */
  prices?: UsagePrices | null;
  /**
   * Conditions on start-part columns (`calls.trace_id IN …`, query/calls-query.ts
   * `startPartConditions`): only calls whose start meets them are merged, so a trace, an op or a
   * call by id reads its own parts rather than the project's. The query still applies its whole
   * filter to the merged calls.
   */
  startConditions?: readonly Sql[];
}

export function mergedCalls(context: ClickHouseContext, projectId: string, needs: ViewNeeds): Sql {
  const { flags, feedback = null, prices = null, startConditions = [] } = needs;
  const table = rawSql(context.table('calls'));
  const started =
    startConditions.length === 0
      ? sql``
      : sql` AND id IN (SELECT calls.id FROM ${table} AS calls WHERE calls.project_id = ${projectId} AND ${joinSql(startConditions, ' AND ')})`;
  const anyColumns = rawSql(CALL_ANY_COLUMNS.map(([name]) => `any(${name}) AS ${readName(name)}`).join(', '));
  const merged = (hasFailedDescendant: Sql) =>
    withCosts(
      prices,
      withFeedbackRows(
        context,
        projectId,
        feedback,
        sql`SELECT project_id, id, ${anyColumns},
      nullIf(argMaxMerge(display_name), '') AS display_name,
      max(deleted_at) AS deleted_at,
      ${hasFailedDescendant} AS has_failed_descendant
    FROM ${table} WHERE project_id = ${projectId}${started} GROUP BY project_id, id`,
      ),
    );
  if (flags === 'later') return sql`(${merged(rawSql('false'))}) AS calls`;
  if (typeof flags === 'object') {
    return sql`(${merged(flags.ids.length === 0 ? rawSql('false') : sql`has(${flags.ids}, id)`)}) AS calls`;
  }
  return sql`(WITH RECURSIVE tree AS (
      SELECT id, any(parent_id) AS parent_id, any(exception) AS exception, any(started_at) AS started_at,
        max(deleted_at) AS deleted_at, min(first_arrived_at) AS arrived_at, max(walks_dropped_at) AS walks_dropped_at
      FROM ${table} WHERE project_id = ${projectId} GROUP BY id
    ), failed_up AS (
      SELECT above.id AS id, failed.arrived_at AS failed_at, 1 AS depth
      FROM tree AS failed JOIN tree AS above ON above.id = failed.parent_id
      WHERE failed.exception IS NOT NULL AND failed.started_at IS NOT NULL AND failed.deleted_at IS NULL
        AND (above.walks_dropped_at IS NULL OR above.walks_dropped_at <= failed.arrived_at)
      UNION ALL
      SELECT above.id AS id, failed_up.failed_at AS failed_at, failed_up.depth + 1 AS depth
      FROM failed_up JOIN tree AS reached ON reached.id = failed_up.id JOIN tree AS above ON above.id = reached.parent_id
      WHERE failed_up.depth < ${MAX_TREE_DEPTH}
        AND (above.walks_dropped_at IS NULL OR above.walks_dropped_at <= failed_up.failed_at)
    )
    ${merged(rawSql('id IN (SELECT id FROM failed_up)'))}) AS calls`;
}

/** The feedback types a query's feedback fields name; `any` when one names every type (`*`). */
export interface FeedbackFields {
  types: string[];
  any: boolean;
}

/** The feedback fields a query filters or sorts by, or null when it has none. */
export function feedbackFieldsOf(query: {
  query: unknown;
  sort_by?: readonly SortBy[];
}): FeedbackFields | null {
  const types = new Set<string>();
  const collect = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) collect(item);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    if (record.kind === 'json' && record.column === 'feedback') {
      types.add(typeof record.feedbackType === 'string' ? record.feedbackType : '*');
    }
    for (const value of Object.values(record)) collect(value);
  };
  collect(query.query);
  for (const term of query.sort_by ?? []) collect(resolveCallField(term.field));
  if (types.size === 0) return null;
  const any = types.delete('*');
  return { types: [...types], any };
}

/**
 * The merged calls with the columns the dialect's `feedbackRow` reads (FEEDBACK_VIEW_COLUMNS):
 * each call's oldest feedback row (by created_at, then id, as on SQLite) of any type, and of
 * each type the query names, as JSON objects. Only the project's feedback of those types is read
 * (all of it for `*`), by the table's key; calls without any read '' and an empty map.
 */
function withFeedbackRows(
  context: ClickHouseContext,
  projectId: string,
  feedback: FeedbackFields | null,
  merged: Sql,
): Sql {
  if (!feedback) return merged;
  const ofTypes = feedback.any ? sql`` : sql` AND feedback_type IN ${feedback.types}`;
  return sql`SELECT merged.*,
      feedback_rows.first_row AS ${rawSql(FEEDBACK_VIEW_COLUMNS.first)},
      feedback_rows.by_type AS ${rawSql(FEEDBACK_VIEW_COLUMNS.byType)}
    FROM (${merged}) AS merged
    LEFT JOIN (
      SELECT call_id, argMin(type_row, type_key) AS first_row,
        mapFromArrays(groupArray(toString(feedback_type)), groupArray(type_row)) AS by_type
      FROM (
        SELECT call_id, feedback_type, argMin(${clickHouseFeedbackObject('f')}, (created_at, id)) AS type_row,
          min((created_at, id)) AS type_key
        FROM ${rawSql(context.table('feedback'))} AS f FINAL
        WHERE project_id = ${projectId} AND call_id != ''${ofTypes}
        GROUP BY call_id, feedback_type
      )
      GROUP BY call_id
    ) AS feedback_rows ON feedback_rows.call_id = merged.id`;
}

/**
 * The merged calls with the column the dialect's `totalCost` reads (COST_VIEW_COLUMN): each
 * call's cost at the prices given (query/dialects/clickhouse-usage.ts).
 */
function withCosts(prices: UsagePrices | null, merged: Sql): Sql {
  if (!prices) return merged;
  return sql`SELECT merged.*, ${clickHouseTotalCost(rawSql('merged.summary'), rawSql('merged.started_at'), prices)} AS ${rawSql(COST_VIEW_COLUMN)}
    FROM (${merged}) AS merged`;
}

/** Whether a query filters or sorts by the derived field `summary.weave.<name>`. */
export function readsDerivedField(
  query: { query: unknown; sort_by?: readonly SortBy[] },
  name: 'status' | 'total_cost',
): boolean {
  const sorts = (query.sort_by ?? []).some((term) => {
    const field = resolveCallField(term.field);
    return field.kind === 'derived' && field.name === name;
  });
  return sorts || mentionsDerived(query.query, name);
}

function mentionsDerived(node: unknown, name: string): boolean {
  if (Array.isArray(node)) return node.some((item) => mentionsDerived(item, name));
  if (typeof node !== 'object' || node === null) return false;
  const record = node as Record<string, unknown>;
  if (record.kind === 'derived' && record.name === name) return true;
  return Object.values(record).some((value) => mentionsDerived(value, name));
}

interface TreeRow {
  id: string;
  trace_id: string;
  parent_id: string | null;
  failed: boolean | number;
  arrived_at: number;
  walks_dropped_at: number | null;
}

/**
 * Which of a page's calls have a live failing call below them, from the live calls of their
 * traces (a call's descendants share its trace). A failure stops below a call whose waiting walks
 * were dropped after it arrived (orphans.ts). Bounded as the SQL walk is.
 *
 * One per query: the trees of the traces of the page before are kept for the next, so the pages
 * of one trace's calls (the trace view reads 10,000 calls in ten pages) read its tree once. Only
 * one page's traces are kept at a time.
 */
export class FailedAncestors {
  private kept = new Map<string, TreeRow[]>();

  constructor(
    private readonly context: ClickHouseContext,
    private readonly projectId: string,
  ) {}

  async among(calls: ReadonlyArray<{ id: string; trace_id: string }>): Promise<Set<string>> {
    const traces = new Set(calls.map((call) => call.trace_id));
    const trees = new Map<string, TreeRow[]>();
    for (const trace of traces) {
      const rows = this.kept.get(trace);
      if (rows) trees.set(trace, rows);
    }
    const missing = [...traces].filter((trace) => !trees.has(trace));
    if (missing.length > 0) {
      for (const row of await this.read(missing)) {
        const rows = trees.get(row.trace_id) ?? [];
        rows.push(row);
        trees.set(row.trace_id, rows);
      }
    }
    this.kept = trees;
    return flaggedIn([...trees.values()].flat());
  }

  private read(traces: readonly string[]): Promise<TreeRow[]> {
    return treeRows(this.context, this.projectId, sql`trace_id IN ${traces}`);
  }
}

/** The most calls a status query's traces may hold for its flags to be found before it. */
export const MAX_TREE_ROWS = 20_000;

/**
 * The ids with a live failing call below them among the calls of the traces of the calls whose
 * start meets `startConditions`; null when those traces hold more than MAX_TREE_ROWS calls (the
 * query walks the tree in SQL then).
 */
export async function flaggedAmongTracesOf(
  context: ClickHouseContext,
  projectId: string,
  startConditions: readonly Sql[],
): Promise<string[] | null> {
  const table = rawSql(context.table('calls'));
  const rows = await treeRows(
    context,
    projectId,
    sql`trace_id IN (SELECT calls.trace_id FROM ${table} AS calls WHERE calls.project_id = ${projectId} AND ${joinSql(startConditions, ' AND ')})`,
    MAX_TREE_ROWS + 1,
  );
  return rows.length > MAX_TREE_ROWS ? null : [...flaggedIn(rows)];
}

/** The live calls of the traces `inTraces` picks (a condition on start parts' `trace_id`). */
function treeRows(
  context: ClickHouseContext,
  projectId: string,
  inTraces: Sql,
  limit?: number,
): Promise<TreeRow[]> {
  const table = rawSql(context.table('calls'));
  const statement = compileSql(
    sql`SELECT id, any(trace_id) AS trace_id, any(parent_id) AS parent_id, any(exception) IS NOT NULL AS failed,
        min(first_arrived_at) AS arrived_at, max(walks_dropped_at) AS walks_dropped_at
      FROM ${table}
      WHERE project_id = ${projectId} AND id IN (SELECT id FROM ${table} WHERE project_id = ${projectId} AND ${inTraces})
      GROUP BY id HAVING any(started_at) IS NOT NULL AND max(deleted_at) IS NULL${limit === undefined ? sql`` : sql` LIMIT ${limit}`}`,
    clickHouseCallsDialect.placeholder,
  );
  return selectRows<TreeRow>(context, statement.text, clickHouseParams(statement.params), {
    timeLimit: 'calls',
  });
}

/** The calls with a failing call below them in `rows` (whole traces). */
function flaggedIn(rows: readonly TreeRow[]): Set<string> {
  const flagged = new Set<string>();
  const byId = new Map(rows.map((row) => [row.id, row]));
  for (const failed of rows) {
    if (!failed.failed) continue;
    let above = failed.parent_id === null ? undefined : byId.get(failed.parent_id);
    for (let depth = 0; above && depth < MAX_TREE_DEPTH; depth++) {
      if (above.walks_dropped_at !== null && above.walks_dropped_at > failed.arrived_at) break;
      flagged.add(above.id);
      above = above.parent_id === null ? undefined : byId.get(above.parent_id);
    }
  }
  return flagged;
}

/** Query settings the merged view needs: its aliases reuse the stored columns' names. */
export const MERGED_VIEW_SETTINGS = { prefer_column_name_to_alias: 1 } as const;
