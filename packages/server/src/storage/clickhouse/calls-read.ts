/**
 * The merged view of a project's calls that every calls query reads as `calls` (the dialect's
 * column names, query/dialects/clickhouse.ts): a call's rows combined with the functions its
 * columns were stored with (calls-schema.ts), so unmerged parts read as one call.
 *
 * `has_failed_descendant` is found at read time, as the set of live calls above a live failing
 * call: a walk up the parent links of the project's failing calls, bounded in depth so that a
 * cycle in logged parent ids (a client bug) cannot make it run forever.
 */
import { rawSql, type Sql, sql } from '../../query/sql.js';
import { CALL_ANY_COLUMNS } from './calls-schema.js';
import type { ClickHouseContext } from './context.js';

/** How far up a failure is carried: deeper than any real call tree. */
export const MAX_TREE_DEPTH = 1000;

/** The protocol's name for each stored column (JSON columns are `<name>_dump` in storage). */
function readName(stored: string): string {
  return stored.endsWith('_dump') ? stored.slice(0, -'_dump'.length) : stored;
}

export function mergedCalls(context: ClickHouseContext, projectId: string): Sql {
  const table = rawSql(context.table('calls'));
  const anyColumns = rawSql(CALL_ANY_COLUMNS.map(([name]) => `any(${name}) AS ${readName(name)}`).join(', '));
  return sql`(WITH RECURSIVE tree AS (
      SELECT id, any(parent_id) AS parent_id, any(exception) AS exception, any(started_at) AS started_at, max(deleted_at) AS deleted_at
      FROM ${table} WHERE project_id = ${projectId} GROUP BY id
    ), failed_up AS (
      SELECT parent_id AS id, 1 AS depth FROM tree
      WHERE exception IS NOT NULL AND started_at IS NOT NULL AND deleted_at IS NULL AND parent_id IS NOT NULL
      UNION ALL
      SELECT tree.parent_id AS id, failed_up.depth + 1 AS depth FROM tree JOIN failed_up ON tree.id = failed_up.id
      WHERE tree.parent_id IS NOT NULL AND failed_up.depth < ${MAX_TREE_DEPTH}
    )
    SELECT project_id, id, ${anyColumns},
      nullIf(argMaxMerge(display_name), '') AS display_name,
      max(deleted_at) AS deleted_at,
      id IN (SELECT id FROM failed_up) AS has_failed_descendant
    FROM ${table} WHERE project_id = ${projectId} GROUP BY project_id, id) AS calls`;
}

/** Query settings the merged view needs: its aliases reuse the stored columns' names. */
export const MERGED_VIEW_SETTINGS = { prefer_column_name_to_alias: 1 } as const;
