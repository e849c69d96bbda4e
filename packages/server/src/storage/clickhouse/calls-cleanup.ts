/**
 * Removing calls for good (docs/protocol.md §3.6, §20): what waits for a start that never came,
 * and a project's calls past its retention. Both are lightweight deletes of the calls' rows in
 * `calls` (ddl.ts, `deleteFrom`); the rows read through the merged view vanish at once.
 */
import { MAX_TREE_DEPTH } from './calls-read.js';
import type { ClickHouseContext } from './context.js';
import { deleteFrom, storageTable } from './ddl.js';
import { insertRows, selectRows } from './query-helpers.js';

/**
 * Removes, across projects, the calls only an end made whose first part arrived before
 * `olderThan`, and drops the failures that wait for such a start: a live failing call whose walk
 * up its ancestors (arrived before `olderThan`) reaches a call that never started stops marking
 * that call, and the calls above it, should its start still come (a part with `walks_dropped_at`;
 * failures that arrive later mark them as usual). Counts the calls, and the calls waited for.
 */
export async function removeOrphans(
  context: ClickHouseContext,
  olderThan: number,
): Promise<{ calls: number; walks: number; removed: Array<{ project_id: string; id: string }> }> {
  const table = context.table('calls');
  const orphans = await selectRows<{ project_id: string; id: string }>(
    context,
    `SELECT project_id, id FROM ${table} GROUP BY project_id, id
     HAVING any(started_at) IS NULL AND any(ended_at) IS NOT NULL AND min(first_arrived_at) < {older_than:Int64}`,
    { older_than: olderThan },
  );
  if (orphans.length > 0) {
    await context.client.command({
      query: `${deleteFrom(context.target, 'calls')} WHERE (project_id, id) IN (
          SELECT project_id, id FROM ${storageTable(context.target, 'calls')} GROUP BY project_id, id
          HAVING any(started_at) IS NULL AND any(ended_at) IS NOT NULL AND min(first_arrived_at) < {older_than:Int64})`,
      query_params: { older_than: olderThan },
    });
  }
  const waitedFor = await selectRows<{ project_id: string; id: string }>(
    context,
    `WITH RECURSIVE tree AS (
        SELECT project_id, id, any(parent_id) AS parent_id, any(exception) AS exception, any(started_at) AS started_at,
          max(deleted_at) AS deleted_at, min(first_arrived_at) AS arrived_at, max(walks_dropped_at) AS walks_dropped_at
        FROM ${table} GROUP BY project_id, id
      ), up AS (
        SELECT project_id, parent_id AS id, arrived_at AS failed_at, 1 AS depth FROM tree
        WHERE exception IS NOT NULL AND started_at IS NOT NULL AND deleted_at IS NULL
          AND parent_id IS NOT NULL AND arrived_at < {older_than:Int64}
        UNION ALL
        SELECT tree.project_id AS project_id, tree.parent_id AS id, up.failed_at AS failed_at, up.depth + 1 AS depth
        FROM up JOIN tree ON tree.project_id = up.project_id AND tree.id = up.id
        WHERE tree.started_at IS NOT NULL AND tree.parent_id IS NOT NULL AND up.depth < ${MAX_TREE_DEPTH}
          AND (tree.walks_dropped_at IS NULL OR tree.walks_dropped_at <= up.failed_at)
      )
      SELECT DISTINCT up.project_id AS project_id, up.id AS id FROM up
      LEFT JOIN tree ON tree.project_id = up.project_id AND tree.id = up.id
      WHERE tree.started_at IS NULL AND (tree.walks_dropped_at IS NULL OR tree.walks_dropped_at <= up.failed_at)`,
    { older_than: olderThan },
  );
  const droppedAt = Date.now() * 1000;
  await insertRows(
    context,
    'call_parts',
    waitedFor.map((call) => ({
      project_id: call.project_id,
      id: call.id,
      walks_dropped_at: droppedAt,
      display_name_rank: 0,
      arrived_at: droppedAt,
    })),
  );
  return { calls: orphans.length, walks: waitedFor.length, removed: orphans };
}

/**
 * Removes a project's calls that started before `before` (deleted ones too), and returns how many
 * it removed. Parts of them that arrive later make calls without a start, removed as orphans.
 */
export async function pruneCalls(
  context: ClickHouseContext,
  projectId: string,
  before: number,
): Promise<{ count: number; ids: string[] }> {
  const pruned = await selectRows<{ id: string }>(
    context,
    `SELECT id FROM ${context.table('calls')} WHERE project_id = {project:String}
     GROUP BY id HAVING any(started_at) < {before:Int64}`,
    { project: projectId, before },
  );
  if (pruned.length > 0) {
    await context.client.command({
      query: `${deleteFrom(context.target, 'calls')} WHERE project_id = {project:String} AND id IN (
          SELECT id FROM ${storageTable(context.target, 'calls')} WHERE project_id = {project:String}
          GROUP BY id HAVING any(started_at) < {before:Int64})`,
      query_params: { project: projectId, before },
    });
  }
  return { count: pruned.length, ids: pruned.map((row) => row.id) };
}
