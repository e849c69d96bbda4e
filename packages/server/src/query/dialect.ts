import type { Sql } from './sql.js';

/**
 * What differs between databases when querying calls. One query builder uses these hooks; each
 * backend supplies a small dialect object (SQLite now, ClickHouse later).
 */
export interface CallsDialect {
  /** The i-th bound parameter (0-based) in this database's syntax. */
  placeholder(index: number): string;
  /** `expr IN (values)` with the list bound as parameters, whatever its length. */
  inList(expr: Sql, values: readonly unknown[]): Sql;
  /** The stored column (or expression) behind a top-level call field. */
  column(field: string): Sql;
  /** Expressions for `summary.weave.status`, `summary.weave.latency_ms`, `summary.weave.trace_name`. */
  derived: {
    status: Sql;
    latencyMs: Sql;
    traceName: Sql;
  };
  /** A sort term with NULLs last in both directions (research doc §3, "sort_by"). */
  orderBy(expr: Sql, direction: 'asc' | 'desc'): Sql;
  /** Restricts a query to calls that are visible: start part present and not deleted. */
  liveCallsCondition: Sql;
}
