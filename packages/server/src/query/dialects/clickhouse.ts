/**
 * The calls query builder's ClickHouse dialect (docs/architecture.md, "ClickHouse"). Queries read
 * `calls` as the merged view the ClickHouse store puts in FROM (storage/clickhouse/calls-read.ts),
 * whose columns carry the names below. Every request value is a typed query parameter
 * (`{p0:String}`), never SQL text.
 */
import { DOUBLE_TEXT, INTEGER_TEXT, MAX_NUMBER_TEXT_CHARS } from '@weft/protocol/query/values';
import { CALL_COLUMNS } from '../../storage/trace-store.js';
import type { CallsDialect, JsonPath } from '../dialect.js';
import { joinSql, rawSql, type Sql, sql } from '../sql.js';
import { clickHouseTotalTokens } from './clickhouse-usage.js';

/** The merged view's columns (storage/clickhouse/calls-read.ts); nothing else reaches SQL text. */
const COLUMNS: ReadonlyMap<string, Sql> = new Map(
  [...CALL_COLUMNS, 'has_failed_descendant', 'summary_reports_error', 'input_refs', 'output_refs'].map(
    (name) => [name, rawSql(`calls.${name}`)],
  ),
);

/** ClickHouse's type for a bound value (the placeholder names it). */
export function clickHouseType(value: unknown): string {
  if (typeof value === 'string') return 'String';
  if (typeof value === 'boolean') return 'Bool';
  if (typeof value === 'bigint') return 'Int64';
  if (typeof value === 'number') return Number.isSafeInteger(value) ? 'Int64' : 'Float64';
  if (Array.isArray(value)) return `Array(${arrayElementType(value)})`;
  if (value === null || value === undefined) return 'Nullable(String)';
  throw new Error(`no ClickHouse parameter type for ${typeof value}`);
}

/** One type for every element of a bound array: strings, numbers, or arrays of them. */
function arrayElementType(items: readonly unknown[]): string {
  if (items.every((item) => typeof item === 'string')) return 'String';
  if (items.every((item) => typeof item === 'number')) {
    return items.every((item) => Number.isSafeInteger(item)) ? 'Int64' : 'Float64';
  }
  if (items.every(Array.isArray)) return `Array(${arrayElementType(items.flat())})`;
  throw new Error('no ClickHouse parameter type for an array of mixed values');
}

/** Compiled parameters as `@clickhouse/client`'s `query_params`, named as the placeholders are. */
export function clickHouseParams(params: readonly unknown[]): Record<string, unknown> {
  const named: Record<string, unknown> = {};
  params.forEach((value, index) => {
    // The client refuses numbers beyond ±2^53 (they would lose digits as integers); as Float64
    // parameters their JSON text is exact.
    named[`p${index}`] =
      typeof value === 'number' && !Number.isSafeInteger(value) ? JSON.stringify(value) : value;
  });
  return named;
}

/** A JSON path as the arguments of ClickHouse's JSON functions: keys, and 1-based indexes. */
function jsonPathArgs(path: JsonPath): Sql {
  if (path.length === 0) return rawSql('');
  return sql`, ${joinSql(
    path.map((part) => (typeof part === 'number' ? sql`${part + 1}` : sql`${part}`)),
    ', ',
  )}`;
}

/** A JSON column's text; NULL (a call without output) reads as JSON null. */
function jsonDocument(column: Sql): Sql {
  return sql`ifNull(${column}, 'null')`;
}

/**
 * The JSON type at `path`, 'Null' when there is nothing there. ClickHouse reads a number in a
 * path as the n-th member of an object as well as of an array; the Query language indexes lists
 * only, so a number under anything but an array finds nothing.
 */
function jsonType(column: Sql, path: JsonPath): Sql {
  const type = sql`JSONType(${jsonDocument(column)}${jsonPathArgs(path)})`;
  const listsIndexed = path.flatMap((part, index) =>
    typeof part === 'number'
      ? [sql`JSONType(${jsonDocument(column)}${jsonPathArgs(path.slice(0, index))}) = 'Array'`]
      : [],
  );
  if (listsIndexed.length === 0) return type;
  return sql`if(${joinSql(listsIndexed, ' AND ')}, ${type}, 'Null')`;
}

/** Text as a finite double, else NULL: ClickHouse reads "1e999" as infinity, the Query language as none. */
function textToDouble(text: Sql): Sql {
  return sql`if(length(${text}) <= ${MAX_NUMBER_TEXT_CHARS} AND match(${text}, ${DOUBLE_TEXT.source}) AND isFinite(toFloat64OrZero(${text})), toFloat64OrNull(${text}), NULL)`;
}

/** A nullable text column as a JSON value: a string, or null. */
function jsonValue(column: string): string {
  return `ifNull(toJSONString(${column}), 'null')`;
}

/**
 * A feedback row (table alias `alias`) as the JSON object feedback fields read
 * (docs/query-language.md, "Feedback"): its payload (stored as JSON text, spliced in whole) and
 * its refs, keyed as SQLite's `sqliteFeedbackObject` keys them.
 */
export function clickHouseFeedbackObject(alias: string): Sql {
  const refs = ['runnable_ref', 'trigger_ref', 'call_ref', 'annotation_ref', 'creator', 'wb_user_id'];
  return rawSql(
    `concat('{"payload":', ${alias}.payload, ${refs.map((name) => `',"${name}":', ${jsonValue(`${alias}.${name}`)}`).join(', ')}, '}')`,
  );
}

/** Every column of a feedback row as `include_feedback` lists it, in SQLite's order. */
function feedbackListItem(alias: string): string {
  const text = (name: string) => `',"${name}":', ${jsonValue(`${alias}.${name}`)}`;
  return `concat('{"id":', toJSONString(${alias}.id), ${text('feedback_type')}, ${text('weave_ref')}, ',"payload":', ${alias}.payload, ${text('creator')}, ',"created_at":', toJSONString(formatDateTime(fromUnixTimestamp64Micro(${alias}.created_at, 'UTC'), '%Y-%m-%dT%H:%i:%S.%fZ')), ${['wb_user_id', 'runnable_ref', 'call_ref', 'trigger_ref', 'annotation_ref'].map(text).join(', ')}, '}')`;
}

/**
 * Every feedback row of a call as a JSON array, oldest first (`include_feedback`): a correlated
 * subquery on `row` (its `project_id` and `id`) over `table`. ClickHouse 26.x runs it in a select
 * list by decorrelating it into a join with the whole table, whose answer keeps the rows of `row`
 * in their order only with `correlated_subqueries_default_join_kind = 'left'` (its default,
 * `right`, does not), and then only as long as the join keeps its input's order.
 */
export function clickHouseFeedbackList(row: string, table: string): Sql {
  return rawSql(
    `ifNull((SELECT concat('[', arrayStringConcat(arrayMap(item -> item.3, arraySort(item -> (item.1, item.2), groupArray((f.created_at, f.id, ${feedbackListItem('f')})))), ','), ']') FROM ${table} AS f FINAL WHERE f.project_id = ${row}.project_id AND f.call_id = ${row}.id), '[]')`,
  );
}

/**
 * The columns the ClickHouse store's merged view of calls gains when a query reads feedback
 * fields (storage/clickhouse/calls-read.ts, `withFeedbackRows`): the call's oldest feedback row
 * as a `clickHouseFeedbackObject` ('' when it has none), and its oldest row of each type the query
 * names, by type.
 */
/**
 * The column the ClickHouse store's merged view gains when a query filters or sorts by
 * `summary.weave.total_cost`: the call's cost at the prices of its project (clickhouse-usage.ts).
 */
export const COST_VIEW_COLUMN = 'priced_total_cost';

export const FEEDBACK_VIEW_COLUMNS = { first: 'feedback_first', byType: 'feedback_by_type' } as const;

export const clickHouseCallsDialect: CallsDialect = {
  placeholder: (index, value) => `{p${index}:${clickHouseType(value)}}`,
  // A negative LIMIT means "the last rows" to ClickHouse.
  noLimit: Number.MAX_SAFE_INTEGER,
  // max_query_size (256 KiB by default) bounds the SQL text; values travel beside it.
  limits: { maxParameters: 100_000, maxSqlChars: 250_000 },
  inList(expr, values) {
    if (values.length === 1) return sql`${expr} = ${values[0]}`;
    // One array parameter however long the list; IN (unlike has()) is NULL for a NULL value,
    // so that NOT over it stays NULL as SQL's three-valued logic says.
    if (values.every((value) => typeof value === 'string')) return sql`(${expr} IN ${values})`;
    return sql`${expr} IN (${joinSql(
      values.map((value) => sql`${value}`),
      ', ',
    )})`;
  },
  column(field) {
    const column = COLUMNS.get(field);
    if (!column) throw new Error(`no calls column named ${field}`);
    return column;
  },
  derived: {
    // docs/protocol.md §4.2: error, then running, then descendant_error, else success.
    status: rawSql(
      `multiIf(calls.exception IS NOT NULL, 'error', calls.ended_at IS NULL, 'running', calls.has_failed_descendant OR ifNull(calls.summary_reports_error, 0) = 1, 'descendant_error', 'success')`,
    ),
    latencyMs: rawSql('if(calls.ended_at IS NULL, NULL, intDiv(calls.ended_at - calls.started_at, 1000))'),
    traceName: rawSql(`coalesce(nullIf(calls.display_name, ''), calls.op_short_name)`),
    totalTokens: clickHouseTotalTokens(rawSql('calls.summary')),
    // Priced per query by the store, which adds the column to the merged view (calls-read.ts).
    totalCost: rawSql(`calls.${COST_VIEW_COLUMN}`),
  },
  // ClickHouse does not run correlated subqueries in ORDER BY (26.x: "Correlated subqueries in
  // ORDER BY are not supported"), and elsewhere turns them into a join over the whole feedback
  // table. So the store joins each call's oldest rows onto the merged view (calls-read.ts): the
  // project's feedback of the types the query names, read once per query by its key.
  feedbackRow: (feedbackType) =>
    feedbackType === '*'
      ? rawSql(`nullIf(calls.${FEEDBACK_VIEW_COLUMNS.first}, '')`)
      : sql`nullIf(calls.${rawSql(FEEDBACK_VIEW_COLUMNS.byType)}[${feedbackType}], '')`,
  // The dialect does not know the store's database, so this names `feedback` as the query
  // builder names `calls`. The ClickHouse store does not use it (it compiles calls queries without
  // include_feedback): the join it becomes reads every project's feedback for each page (the
  // table's key cannot serve a correlated filter) and need not keep the page's order (see
  // clickHouseFeedbackList). The store reads only the page's calls' rows, by key, in a query of
  // its own after the page, and gives the same JSON (storage/clickhouse/feedback.ts,
  // `feedbackLists`; feedback.test.ts holds the two to each other).
  feedbackList: (row) => clickHouseFeedbackList(row, 'feedback'),
  anyArrayElement: (column, condition) =>
    sql`arrayExists(element -> ${condition(rawSql('element'))}, JSONExtract(ifNull(${column}, '[]'), 'Array(String)'))`,
  orderBy: (expr, direction, nullable) =>
    sql`${expr} ${rawSql(direction === 'asc' ? 'ASC' : 'DESC')}${rawSql(nullable ? ' NULLS LAST' : '')}`,
  liveCallsCondition: rawSql('calls.started_at IS NOT NULL AND calls.deleted_at IS NULL'),
  // ClickHouse stops a query past max_execution_time itself.
  interruptCheck: null,

  jsonText: (column, path) => {
    const type = jsonType(column, path);
    const args = jsonPathArgs(path);
    return sql`multiIf(${type} = 'String', JSONExtractString(${jsonDocument(column)}${args}), ${type} = 'Null', '', JSONExtractRaw(${jsonDocument(column)}${args}))`;
  },
  jsonNumber: (column, path) => {
    const type = jsonType(column, path);
    const args = jsonPathArgs(path);
    // A number beyond a double's range (1e999 in logged JSON) reads as none, as its text does.
    const number = sql`JSONExtractFloat(${jsonDocument(column)}${args})`;
    return sql`multiIf(${type} IN ('Int64', 'UInt64', 'Double') AND isFinite(${number}), ${number}, ${type} = 'String', ${textToDouble(sql`JSONExtractString(${jsonDocument(column)}${args})`)}, NULL)`;
  },
  jsonExists: (column, path) => sql`(${jsonType(column, path)} != 'Null')`,
  textToInt: (text) =>
    sql`if(length(${text}) <= ${MAX_NUMBER_TEXT_CHARS} AND match(${text}, ${INTEGER_TEXT.source}), toInt64OrNull(${text}), NULL)`,
  textToDouble,
  textToBool: (text) =>
    sql`multiIf(lower(${text}) IN ('true', '1'), true, lower(${text}) IN ('false', '0'), false, NULL)`,
  truncate: (value) => sql`if(abs(${value}) < 9223372036854775808., toInt64(trunc(${value})), NULL)`,
  microsToSeconds: (micros, integer) =>
    integer ? sql`intDiv(${micros}, 1000000)` : sql`(${micros} / 1000000)`,
  numberText: (value) => sql`toString(${value})`,
  timestampText: (micros) =>
    sql`formatDateTime(fromUnixTimestamp64Micro(${micros}, 'UTC'), '%Y-%m-%dT%H:%i:%S.%fZ')`,
  contains: (haystack, needle, caseInsensitive) =>
    caseInsensitive
      ? sql`(positionCaseInsensitiveUTF8(${haystack}, ${needle}) > 0)`
      : sql`(position(${haystack}, ${needle}) > 0)`,
  boolean: (value) => sql`${value}`,
};
