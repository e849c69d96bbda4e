import type { CallsDialect, JsonPath } from '../dialect.js';
import { joinSql, rawSql, type Sql, sql } from '../sql.js';

/** Lists up to this long are bound value by value, so the planner sees them. */
const MAX_INLINE_LIST = 32;
/** The longest $contains needle given to SQLite's instr (see `contains`). */
const INSTR_MAX_NEEDLE = 256;

/** Calls-table columns by field name; anything not listed here cannot reach SQL text. */
const COLUMNS: ReadonlyMap<string, Sql> = new Map(
  [
    'id',
    'project_id',
    'op_name',
    'display_name',
    'trace_id',
    'parent_id',
    'thread_id',
    'turn_id',
    'started_at',
    'ended_at',
    'exception',
    'attributes',
    'inputs',
    'output',
    'summary',
    'wb_user_id',
    'wb_run_id',
    'wb_run_step',
    'wb_run_step_end',
    'deleted_at',
    'has_failed_descendant',
    'summary_reports_error',
    'status',
    'input_refs',
    'output_refs',
  ].map((name) => [name, rawSql(`calls.${name}`)]),
);

/**
 * SQLite's JSON path for `path`, always bound as a parameter. Keys are written as JSON strings,
 * which SQLite's path syntax accepts whatever the key holds (quotes, dots, brackets, NUL).
 */
export function sqliteJsonPath(path: JsonPath): string {
  let text = '$';
  for (const part of path) text += typeof part === 'number' ? `[${part}]` : `.${JSON.stringify(part)}`;
  return text;
}

/**
 * The text a JSON value reads as (docs/query-language.md, "Values"): `->` renders numbers,
 * booleans, lists and objects as minified JSON, and the stored text was written by JSON.stringify,
 * so numbers are already in JSON's canonical form. The path is a bound parameter in queries and a
 * literal in indexed generated columns (storage/sqlite/field-indexes.ts), which must match.
 */
export function sqliteJsonText(column: Sql, path: Sql): Sql {
  return sql`(CASE json_type(${column}, ${path}) WHEN 'text' THEN ${column} ->> ${path} WHEN 'null' THEN '' ELSE COALESCE(${column} -> ${path}, '') END)`;
}

/**
 * The number a JSON value reads as. Integers are read as doubles, as JSON.parse reads them: above
 * 2^53 an exact 64-bit integer would differ from the double a literal is bound as. The path is
 * SQL here (bound in queries, a named parameter in storage/sqlite/feedback-sort-keys.ts).
 */
export function sqliteJsonNumber(column: Sql, path: Sql): Sql {
  return sql`(CASE json_type(${column}, ${path}) WHEN 'integer' THEN CAST(${column} ->> ${path} AS REAL) WHEN 'real' THEN ${column} ->> ${path} WHEN 'text' THEN weft_to_double(${column} ->> ${path}) ELSE NULL END)`;
}

/** True when the JSON value at the path exists and is not null. */
export function sqliteJsonExists(column: Sql, path: Sql): Sql {
  return sql`(COALESCE(json_type(${column}, ${path}), 'null') <> 'null')`;
}

/**
 * A feedback row (table alias `alias`) as the JSON object feedback fields read
 * (docs/query-language.md, "Feedback"): its payload and refs. Calls queries and the sort keys kept
 * for feedback fields (storage/sqlite/feedback-sort-keys.ts) build it the same way.
 */
export function sqliteFeedbackObject(alias: string): Sql {
  return rawSql(
    `json_object('payload', json(${alias}.payload), 'runnable_ref', ${alias}.runnable_ref, 'trigger_ref', ${alias}.trigger_ref, 'call_ref', ${alias}.call_ref, 'annotation_ref', ${alias}.annotation_ref, 'creator', ${alias}.creator, 'wb_user_id', ${alias}.wb_user_id)`,
  );
}

/** Compiled parameters as the object better-sqlite3 binds `@p<i>` placeholders from. */
export function sqliteBindings(params: readonly unknown[]): Record<string, unknown> {
  const bindings: Record<string, unknown> = {};
  params.forEach((value, index) => {
    bindings[`p${index}`] = value;
  });
  return bindings;
}

export const sqliteCallsDialect: CallsDialect = {
  // Named, so a value used several times is bound once (compileSql shares equal values);
  // better-sqlite3 binds named parameters from an object (sqliteBindings).
  placeholder: (index) => `@p${index}`,
  noLimit: -1,
  // SQLite's compile-time limits (SQLITE_MAX_VARIABLE_NUMBER, SQLITE_MAX_SQL_LENGTH).
  limits: { maxParameters: 32_766, maxSqlChars: 1_000_000_000 },
  inList(expr, values) {
    // The planner only uses an index for `=` and `IN (?, …)`; a json_each list hides the values
    // from it (a one-op filter then walked the whole project). Long lists go as one JSON array so
    // the statement text, and the prepared-statement cache, stay small.
    if (values.length === 1) return sql`${expr} = ${values[0]}`;
    if (values.length <= MAX_INLINE_LIST) {
      return sql`${expr} IN (${joinSql(
        values.map((value) => sql`${value}`),
        ', ',
      )})`;
    }
    return sql`${expr} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;
  },
  column(field) {
    const column = COLUMNS.get(field);
    if (!column) throw new Error(`no calls column named ${field}`);
    return column;
  },
  derived: {
    // A generated column (migration 2) computed as docs/protocol.md §4.2 says (error, then running,
    // then descendant_error, else success); indexed with the project and start time.
    status: rawSql('calls.status'),
    latencyMs: rawSql(
      '(CASE WHEN calls.ended_at IS NULL THEN NULL ELSE (calls.ended_at - calls.started_at) / 1000 END)',
    ),
    traceName: rawSql(`COALESCE(NULLIF(calls.display_name, ''), calls.op_short_name)`),
    // JavaScript functions (query-functions.ts, and the read worker's price book for costs): a
    // usage entry's counts follow the same rules as the costs a read returns.
    totalTokens: rawSql('weft_usage_tokens(calls.summary)'),
    totalCost: rawSql('weft_call_cost(calls.summary, calls.started_at)'),
  },
  feedbackRow(feedbackType) {
    const ofType = feedbackType === '*' ? sql`` : sql` AND f.feedback_type = ${feedbackType}`;
    return sql`(SELECT ${sqliteFeedbackObject('f')} FROM feedback AS f WHERE f.project_id = calls.project_id AND f.call_id = calls.id${ofType} ORDER BY f.created_at, f.id LIMIT 1)`;
  },
  // Aggregate ORDER BY (SQLite 3.44+) keeps the rows oldest first while the correlated lookup
  // reads the call's rows from feedback_by_call; a FROM-subquery there cost milliseconds a call.
  feedbackList: (row) =>
    rawSql(
      `(SELECT json_group_array(json_object('id', f.id, 'feedback_type', f.feedback_type, 'weave_ref', f.weave_ref, 'payload', json(f.payload), 'creator', f.creator, 'created_at', weft_timestamp_text(f.created_at), 'wb_user_id', f.wb_user_id, 'runnable_ref', f.runnable_ref, 'call_ref', f.call_ref, 'trigger_ref', f.trigger_ref, 'annotation_ref', f.annotation_ref) ORDER BY f.created_at, f.id) FROM feedback AS f WHERE f.project_id = ${row}.project_id AND f.call_id = ${row}.id)`,
    ),
  anyArrayElement: (column, condition) =>
    sql`EXISTS (SELECT 1 FROM json_each(${column}) AS element WHERE ${condition(rawSql('element.value'))})`,
  orderBy: (expr, direction, nullable) =>
    sql`${expr} ${rawSql(direction === 'asc' ? 'ASC' : 'DESC')}${rawSql(nullable ? ' NULLS LAST' : '')}`,
  liveCallsCondition: rawSql('calls.started_at IS NOT NULL AND calls.deleted_at IS NULL'),
  // better-sqlite3 cannot interrupt a statement, so a scanning query asks the read worker whether
  // its time is up (storage/sqlite/query-functions.ts), which throws to stop it. Only every 1024th
  // row calls into JavaScript: the rowid test costs nanoseconds, the call far more.
  interruptCheck: rawSql('(calls.rowid % 1024 <> 0 OR weft_within_time_limit())'),

  jsonText: (column, path) => sqliteJsonText(column, sql`${sqliteJsonPath(path)}`),
  jsonNumber: (column, path) => sqliteJsonNumber(column, sql`${sqliteJsonPath(path)}`),
  jsonExists: (column, path) => sqliteJsonExists(column, sql`${sqliteJsonPath(path)}`),
  textToInt: (text) => sql`weft_to_int(${text})`,
  textToDouble: (text) => sql`weft_to_double(${text})`,
  textToBool: (text) => sql`weft_to_bool(${text})`,
  // CAST clamps to the 64-bit range; the Query language gives null there instead (values.ts).
  truncate: (value) =>
    sql`(CASE WHEN abs(${value}) < 9223372036854775808.0 THEN CAST(${value} AS INTEGER) END)`,
  // Integer division truncates toward zero, as the reference does.
  microsToSeconds: (micros, integer) => (integer ? sql`(${micros} / 1000000)` : sql`(${micros} / 1000000.0)`),
  numberText: (value) => sql`weft_number_text(${value})`,
  timestampText: (micros) => sql`weft_timestamp_text(${micros})`,
  // instr compares the needle at every position of the haystack: at most INSTR_MAX_NEEDLE
  // characters per position. Longer needles (logged text compared with logged text, or a long
  // search) go to V8's string search instead, so a row costs about its length either way.
  contains: (haystack, needle, caseInsensitive) => {
    const [text, part] = caseInsensitive
      ? [sql`weft_fold_case(${haystack})`, sql`weft_fold_case(${needle})`]
      : [haystack, needle];
    return sql`(CASE WHEN length(${part}) <= ${INSTR_MAX_NEEDLE} THEN instr(${text}, ${part}) > 0 ELSE weft_contains(${text}, ${part}) END)`;
  },
  boolean: (value) => sql`${value ? 1 : 0}`,
};
