/**
 * Start windows: how a page in a keyset order (by start time, or by id; storage/paging.ts) merges
 * only the calls near its place in that order instead of the whole project.
 *
 * A calls query reads the merged view (calls-read.ts), which groups a project's call parts by id
 * before anything can be filtered, sorted or cut. But a call's place in a keyset order is carried
 * by its start part alone (`started_at` and `id`), so the calls that can be on a page are found
 * among start parts first: the window is the `size` start parts nearest the page's place (after
 * the page's key, meeting the filter's conditions on start parts, calls-query.ts), and its far
 * end `bound` is the size-th of them. Every call outside the window sorts after every call inside
 * it, so when the window holds a page's worth of calls that match the whole filter, the page read
 * from the window alone is the page read from the whole project. When it does not (a filter on
 * what ends carry, deleted calls), the window grows and the page is read again; a window that
 * reaches the start of the order has no bound and holds every call that can come.
 *
 * Ties at the bound are all inside (`>=` or `<=`), so the window is a prefix of the order
 * whatever breaks ties; a start part sent twice before merging makes it hold fewer calls than
 * `size`, which costs a wider window at worst.
 */
import type { CallsFilter } from '@weft/protocol';
import { startPartConditions } from '../../query/calls-query.js';
import { clickHouseCallsDialect, clickHouseParams } from '../../query/dialects/clickhouse.js';
import { compileSql, joinSql, rawSql, type Sql, sql } from '../../query/sql.js';
import type { KeysetOrder } from '../paging.js';
import type { ClickHouseContext } from './context.js';
import { type SelectOptions, selectRows } from './query-helpers.js';

/** The smallest window read: a few pages of the UI's 50 calls, so that a filter rarely widens it. */
export const MIN_WINDOW = 256;
/** How much a window grows when it held too few matching calls. */
export const WINDOW_GROWTH = 8;

/**
 * The conditions a start part of a call that can be on the page meets: a start (the part that
 * carries the keys), the filter's conditions on starts, and the roots-only filter, which a start
 * can judge since it carries the parent.
 */
export function windowConditions(filter: CallsFilter, afterKey: Sql | null): Sql[] {
  const dialect = clickHouseCallsDialect;
  return [
    sql`${dialect.column('started_at')} IS NOT NULL`,
    ...startPartConditions(filter, dialect),
    ...(filter.trace_roots_only ? [sql`${dialect.column('parent_id')} IS NULL`] : []),
    ...(afterKey ? [afterKey] : []),
  ];
}

/** The column a keyset order's window is bounded by: its first key. */
function boundColumn(order: KeysetOrder): Sql {
  return clickHouseCallsDialect.column(order.keys === 'id' ? 'id' : 'started_at');
}

/**
 * The far end of the window of `size` start parts meeting `conditions`, first in `order`; null
 * when fewer start parts meet them (the window is all of them).
 */
export async function windowBound(
  context: ClickHouseContext,
  projectId: string,
  order: KeysetOrder,
  conditions: readonly Sql[],
  size: number,
  options: SelectOptions = {},
): Promise<string | number | null> {
  const column = boundColumn(order);
  const direction = rawSql(order.direction === 'asc' ? 'ASC' : 'DESC');
  const statement = compileSql(
    sql`SELECT ${column} AS bound FROM ${rawSql(context.table('calls'))} AS calls
      WHERE calls.project_id = ${projectId} AND ${joinSql(conditions, ' AND ')}
      ORDER BY ${column} ${direction} LIMIT 1 OFFSET ${size - 1}`,
    clickHouseCallsDialect.placeholder,
  );
  const [row] = await selectRows<{ bound: string | number }>(
    context,
    statement.text,
    clickHouseParams(statement.params),
    { ...options, timeLimit: 'calls' },
  );
  if (!row) return null;
  return order.keys === 'id' ? String(row.bound) : Number(row.bound);
}

/** The window's own condition: at or before its bound in the order. */
export function withinBound(order: KeysetOrder, bound: string | number): Sql {
  const comparison = rawSql(order.direction === 'asc' ? '<=' : '>=');
  return sql`${boundColumn(order)} ${comparison} ${bound}`;
}
