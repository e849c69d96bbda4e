/**
 * Builds the SQL for calls queries (filter, Query expression, sort, paging, projection) from
 * normalized requests, through a dialect's hooks.
 */
import {
  CALL_JSON_COLUMNS,
  type CallsFilter,
  InvalidRequest,
  resolveCallField,
  type SortBy,
} from '@weft/protocol';
import type { CallKey, KeysetOrder } from '../storage/paging.js';
import type { CallColumn, CallsQuery, CallsStatsQuery } from '../storage/trace-store.js';
import { ALWAYS_SELECTED } from './calls-fields.js';
import type { CallsDialect } from './dialect.js';
import { type QueryCompileContext, QueryCompiler } from './query-expr.js';
import { type CompiledSql, compileSql, joinSql, rawSql, type Sql, sql } from './sql.js';

/** Columns every live call has, so sorting on them needs no NULL placement. */
const NEVER_NULL: ReadonlySet<string> = new Set(['id', 'project_id', 'trace_id', 'op_name', 'started_at']);

/**
 * The ORDER BY terms for one sort key (docs/query-language.md, "Sorting"). JSON fields sort by
 * existence first, then as numbers, then as text (docs/protocol.md §4.7).
 */
const NULLABLE_DERIVED: ReadonlySet<string> = new Set(['latency_ms', 'total_tokens', 'total_cost']);

export function sortTerms(term: SortBy, context: QueryCompileContext): Sql[] {
  const { dialect } = context;
  const field = resolveCallField(term.field);
  const compiler = new QueryCompiler(context);
  switch (field.kind) {
    case 'column': {
      const expr = compiler.value({ kind: 'field', path: term.field, field });
      return [dialect.orderBy(expr, term.direction, !NEVER_NULL.has(field.column))];
    }
    case 'derived':
      // Only status and trace name are never null; null numbers sort last either way.
      return [
        dialect.orderBy(compiler.derived(field.name), term.direction, NULLABLE_DERIVED.has(field.name)),
      ];
    case 'json':
      return [
        dialect.orderBy(compiler.jsonExists(field), 'desc', false),
        dialect.orderBy(compiler.jsonNumber(field), term.direction, true),
        dialect.orderBy(compiler.jsonText(field), term.direction, false),
      ];
  }
}

function hasItems<T>(list: readonly T[] | null | undefined): list is readonly T[] {
  return Array.isArray(list) && list.length > 0;
}

/**
 * `expr` equals one of `values`, where a value ending in `:*` matches every version: anything
 * that starts with `<prefix>:` (docs/protocol.md §4.6). A range keeps an index usable; ';' is the
 * character right after ':'.
 */
function refsCondition(values: readonly string[], expr: Sql, dialect: CallsDialect): Sql {
  const exact = values.filter((name) => !name.endsWith(':*'));
  const prefixes = values.filter((name) => name.endsWith(':*')).map((name) => name.slice(0, -1));
  const alternatives: Sql[] = [];
  if (exact.length > 0) alternatives.push(dialect.inList(expr, exact));
  for (const prefix of prefixes) {
    const upperBound = `${prefix.slice(0, -1)};`;
    alternatives.push(sql`(${expr} >= ${prefix} AND ${expr} < ${upperBound})`);
  }
  return sql`(${joinSql(alternatives, ' OR ')})`;
}

/**
 * The filter's conditions on what a call's start carries (ids, trace, parent, op, thread, turn,
 * user, run): `calls.<column> IN (…)` and op-name ranges, never true for a NULL. A store that
 * keeps a call's parts apart (ClickHouse) narrows its calls to those whose start part meets them
 * before it merges the parts; the whole filter is applied to the merged calls after.
 */
export function startPartConditions(filter: CallsFilter, dialect: CallsDialect): Sql[] {
  const conditions: Sql[] = [];
  for (const [key, column] of START_PART_MEMBERSHIPS) {
    const values = filter[key];
    if (Array.isArray(values) && values.length > 0) {
      conditions.push(dialect.inList(dialect.column(column), values));
    }
  }
  if (hasItems(filter.op_names))
    conditions.push(refsCondition(filter.op_names, dialect.column('op_name'), dialect));
  return conditions;
}

/** The filter's lists, each of the column it lists values of. */
const START_PART_MEMBERSHIPS: ReadonlyArray<[keyof CallsFilter, string]> = [
  ['call_ids', 'id'],
  ['trace_ids', 'trace_id'],
  ['parent_ids', 'parent_id'],
  ['thread_ids', 'thread_id'],
  ['turn_ids', 'turn_id'],
  ['wb_user_ids', 'wb_user_id'],
  ['wb_run_ids', 'wb_run_id'],
];

function filterConditions(filter: CallsFilter, dialect: CallsDialect): Sql[] {
  const conditions = startPartConditions(filter, dialect);
  if (filter.trace_roots_only) conditions.push(sql`${dialect.column('parent_id')} IS NULL`);
  // A call matches when any ref found in its inputs (output) is one of the listed refs.
  for (const [refs, column] of [
    [filter.input_refs, 'input_refs'],
    [filter.output_refs, 'output_refs'],
  ] as const) {
    if (hasItems(refs)) {
      conditions.push(
        dialect.anyArrayElement(dialect.column(column), (element) => refsCondition(refs, element, dialect)),
      );
    }
  }
  return conditions;
}

/** The WHERE conditions shared by queries and counts. */
export function callsWhere(query: CallsStatsQuery, context: QueryCompileContext): Sql {
  const { dialect } = context;
  const conditions: Sql[] = [
    // First, so that it runs on every row a scan reads, not only on rows other terms let through.
    ...(dialect.interruptCheck ? [dialect.interruptCheck] : []),
    dialect.liveCallsCondition,
    sql`${dialect.column('project_id')} = ${query.project_id}`,
    ...filterConditions(query.filter, dialect),
  ];
  // Only a true result selects a call; unknown (NULL) does not.
  if (query.query) conditions.push(new QueryCompiler(context).condition(query.query));
  return joinSql(conditions, ' AND ');
}

/**
 * How a page is read when not straight from `calls` in the sort's own terms: a page sorted by a
 * feedback field is read from kept sort keys (storage/sqlite/scored-sort.ts).
 */
export interface PagePlan {
  /** The FROM clause, which must name the calls table `calls`; just `calls` when not given. */
  from?: Sql;
  /** Conditions besides the query's own. */
  where?: readonly Sql[];
  /** ORDER BY terms in place of the first sort key's (none: that key is constant on this page). */
  firstKeyTerms?: readonly Sql[];
  /** The call id the tie-breaker sorts by (a column equal to `calls.id`). */
  tieBreaker?: Sql;
  /** The whole ORDER BY in place of the sort's: calls picked by id, in the order given. */
  order?: Sql;
}

function orderByClause(sortBy: readonly SortBy[], context: QueryCompileContext, plan: PagePlan): Sql {
  if (plan.order) return sql` ORDER BY ${plan.order}`;
  if (sortBy.length === 0) return rawSql('');
  const terms = sortBy.flatMap((term, index) =>
    index === 0 && plan.firstKeyTerms ? plan.firstKeyTerms : sortTerms(term, context),
  );
  if (!sortBy.some((term) => term.field === 'id')) {
    // A stable tie-breaker; it follows a trailing started_at so pages read naturally in time order.
    const last = sortBy[sortBy.length - 1];
    const direction = last?.field === 'started_at' ? last.direction : 'asc';
    terms.push(context.dialect.orderBy(plan.tieBreaker ?? context.dialect.column('id'), direction, false));
  }
  return terms.length === 0 ? rawSql('') : sql` ORDER BY ${joinSql(terms, ', ')}`;
}

function limitClause(limit: number | null, offset: number, dialect: CallsDialect): Sql {
  if (limit === null && offset === 0) return rawSql('');
  return sql` LIMIT ${limit ?? dialect.noLimit} OFFSET ${offset}`;
}

/**
 * The calls after `key` in a keyset order: how a page continues where the one before it ended
 * (storage/paging.ts). As a row value, (started_at, id) is one range of the indexes that end with
 * `started_at, id`, so a later page starts where it continues instead of counting its way there.
 */
export function afterKeyCondition(order: KeysetOrder, key: CallKey, dialect: CallsDialect): Sql {
  const after = rawSql(order.direction === 'asc' ? '>' : '<');
  if (order.keys === 'id') return sql`${dialect.column('id')} ${after} ${key.id}`;
  return sql`(${dialect.column('started_at')}, ${dialect.column('id')}) ${after} (${key.started_at}, ${key.id})`;
}

/** Column aliases match StoredCall: JSON columns come back as `<name>_json`. */
const JSON_COLUMNS = CALL_JSON_COLUMNS;

export function callsSelect(query: CallsQuery, context: QueryCompileContext, plan: PagePlan = {}): Sql {
  const { dialect } = context;
  // The identity columns come first and always, so every row is a whole StoredCall even when the
  // caller's projection left them out.
  const columns = new Set<CallColumn>([...ALWAYS_SELECTED, ...query.columns]);
  const selected = [...columns].map((column) =>
    JSON_COLUMNS.has(column)
      ? sql`${dialect.column(column)} AS ${rawSql(`${column}_json`)}`
      : sql`${dialect.column(column)} AS ${rawSql(column)}`,
  );
  // What summary.weave.status is derived from, besides the columns above.
  selected.push(
    sql`${dialect.column('has_failed_descendant')} AS has_failed_descendant`,
    sql`${dialect.column('summary_reports_error')} AS summary_reports_error`,
  );
  const where = joinSql([callsWhere(query, context), ...(plan.where ?? [])], ' AND ');
  const page = sql`SELECT ${joinSql(selected, ', ')} FROM ${plan.from ?? rawSql('calls')} WHERE ${where}${orderByClause(
    query.sort_by,
    context,
    plan,
  )}${limitClause(query.limit, query.offset, dialect)}`;
  if (!query.include_feedback) return page;
  // Feedback is gathered for the page's calls only, around the sorted and limited page: in the
  // select list of the inner query it would be gathered for every call the sort reads. A simple
  // SELECT over a subquery keeps the subquery's order.
  return sql`SELECT page.*, ${dialect.feedbackList('page')} AS feedback_json FROM (${page}) AS page`;
}

/** Compiles a statement, refusing (400) one beyond what the database accepts. */
export function compileWithinLimits(statement: Sql, dialect: CallsDialect): CompiledSql {
  const compiled = compileSql(statement, dialect.placeholder);
  const { maxParameters, maxSqlChars } = dialect.limits;
  if (compiled.params.length > maxParameters || compiled.text.length > maxSqlChars) {
    throw new InvalidRequest(
      `the query is too large for the database (${compiled.params.length} values, ${compiled.text.length} characters of SQL; at most ${maxParameters} values): split it or use shorter lists`,
    );
  }
  return compiled;
}

export function callsCount(query: CallsStatsQuery, context: QueryCompileContext, plan: PagePlan = {}): Sql {
  const where = joinSql([callsWhere(query, context), ...(plan.where ?? [])], ' AND ');
  const from = plan.from ?? rawSql('calls');
  if (query.limit === null) return sql`SELECT COUNT(*) AS count FROM ${from} WHERE ${where}`;
  return sql`SELECT COUNT(*) AS count FROM (SELECT 1 FROM ${from} WHERE ${where} LIMIT ${query.limit})`;
}
