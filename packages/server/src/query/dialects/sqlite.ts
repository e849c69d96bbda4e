import type { CallsDialect } from '../dialect.js';
import { rawSql, type Sql, sql } from '../sql.js';

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
  ].map((name) => [name, rawSql(`calls.${name}`)]),
);

export const sqliteCallsDialect: CallsDialect = {
  placeholder: () => '?',
  // One JSON-array parameter whatever the list length, so the statement text (and its cached
  // prepared statement) does not change with the number of ids.
  inList: (expr, values) => sql`${expr} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`,
  column(field) {
    const column = COLUMNS.get(field);
    if (!column) throw new Error(`no calls column named ${field}`);
    return column;
  },
  derived: {
    // research doc §2: error, then running, then descendant_error, then success.
    status: rawSql(
      `(CASE WHEN calls.exception IS NOT NULL THEN 'error' WHEN calls.ended_at IS NULL THEN 'running' ` +
        `WHEN calls.has_failed_descendant = 1 OR calls.summary_reports_error = 1 THEN 'descendant_error' ` +
        `ELSE 'success' END)`,
    ),
    latencyMs: rawSql(
      '(CASE WHEN calls.ended_at IS NULL THEN NULL ELSE (calls.ended_at - calls.started_at) / 1000 END)',
    ),
    traceName: rawSql(`COALESCE(NULLIF(calls.display_name, ''), calls.op_short_name)`),
  },
  orderBy: (expr, direction) => sql`${expr} ${rawSql(direction === 'asc' ? 'ASC' : 'DESC')} NULLS LAST`,
  liveCallsCondition: rawSql('calls.started_at IS NOT NULL AND calls.deleted_at IS NULL'),
};
