import type { Sql } from './sql.js';

/** A path inside a JSON column: keys and list indexes, outermost first. */
export type JsonPath = ReadonlyArray<string | number>;

/**
 * What differs between databases when querying calls. One query builder and one Query-language
 * compiler use these hooks; each backend supplies a small dialect object (SQLite now, ClickHouse
 * later). Every hook takes request values only as bound parameters.
 */
export interface CallsDialect {
  /** The i-th bound parameter (0-based) in this database's syntax; `value` is what it binds. */
  placeholder(index: number, value: unknown): string;
  /** The LIMIT that means none, for an OFFSET without a limit (SQLite: -1; ClickHouse: a huge one). */
  noLimit: number;
  /** What one statement may hold; larger queries are refused with a 400 before they run. */
  limits: { maxParameters: number; maxSqlChars: number };
  /** `expr IN (values)` with the list bound as parameters, whatever its length. */
  inList(expr: Sql, values: readonly unknown[]): Sql;
  /** The stored column (or expression) behind a top-level call field. */
  column(field: string): Sql;
  /** Expressions for `summary.weave.status`, `summary.weave.latency_ms`, `summary.weave.trace_name`. */
  derived: {
    status: Sql;
    latencyMs: Sql;
    traceName: Sql;
    /** Tokens over every model in `summary.usage`; NULL without usage (docs/protocol.md §17.5). */
    totalTokens: Sql;
    /** The priced models' cost at the call's start; NULL when nothing is priced (§17.5). */
    totalCost: Sql;
  };
  /**
   * The call's first feedback row of a type (`*`: any type) as a JSON object with `payload` and the
   * row's refs, or NULL when it has none (docs/query-language.md, "Feedback").
   */
  feedbackRow(feedbackType: string): Sql;
  /**
   * Every feedback row of a call as a JSON array, oldest first (`include_feedback`); `row` names
   * the table or subquery whose `project_id` and `id` identify the call.
   */
  feedbackList(row: string): Sql;
  /** True when some element of the JSON array in `column` meets `condition` (NULL column: false). */
  anyArrayElement(column: Sql, condition: (element: Sql) => Sql): Sql;
  /** A sort term; `nullable` terms put NULLs last in both directions (docs/protocol.md §4.7). */
  orderBy(expr: Sql, direction: 'asc' | 'desc', nullable: boolean): Sql;
  /** Restricts a query to calls that are visible: start part present and not deleted. */
  liveCallsCondition: Sql;
  /**
   * A condition that is always true but lets the database stop a query past its time limit
   * while it scans (null when the database enforces time limits itself).
   */
  interruptCheck: Sql | null;

  // The Query language's value rules (docs/query-language.md, "Values").
  /** The JSON value at `path` read as text: strings unquoted, other values as JSON text, '' when missing or null. */
  jsonText(column: Sql, path: JsonPath): Sql;
  /** The JSON value at `path` as a number: JSON numbers, and text that parses as a double; else NULL. */
  jsonNumber(column: Sql, path: JsonPath): Sql;
  /** True when `path` exists and is not JSON null. */
  jsonExists(column: Sql, path: JsonPath): Sql;
  /** Text → number or bool by the or-null parsers of `@weft/protocol/query/values`. */
  textToInt(text: Sql): Sql;
  textToDouble(text: Sql): Sql;
  textToBool(text: Sql): Sql;
  /** A number truncated toward zero. */
  truncate(value: Sql): Sql;
  /** µs since the epoch as unix seconds: truncated to an integer, or exact as a double. */
  microsToSeconds(micros: Sql, integer: boolean): Sql;
  /** A number as JSON writes it. */
  numberText(value: Sql): Sql;
  /** A µs timestamp as ISO-8601 text. */
  timestampText(micros: Sql): Sql;
  /** True when `needle` occurs in `haystack`, optionally ignoring case (full Unicode folding). */
  contains(haystack: Sql, needle: Sql, caseInsensitive: boolean): Sql;
  /** A bound boolean parameter (SQLite has no boolean type). */
  boolean(value: boolean): Sql;
}
