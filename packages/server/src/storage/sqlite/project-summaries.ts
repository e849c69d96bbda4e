/**
 * The projects page's one query (`TraceStore.projectSummaries`): every project with live calls,
 * live object versions or a registration, with counts and its newest activity. Run on a read
 * worker: it counts every live call of every project.
 */
import type Database from 'better-sqlite3';
import type { StoredProjectSummary } from '../trace-store.js';

/**
 * Calls are counted from the partial index `calls_live_started (project_id, started_at, id) WHERE
 * deleted_at IS NULL`: it holds exactly the live calls, grouped by project, and every column the
 * count reads, so no table row is touched (project-summaries.test.ts checks the bytecode). The
 * rowid is in every index entry, so the time-limit check every 1024th row costs no row read
 * either. Object versions are few beside calls and are read from the table.
 */
export const PROJECT_SUMMARIES_SQL = `
  WITH live_calls AS (
    SELECT project_id, COUNT(*) AS calls, MAX(started_at) AS last_call
    FROM calls
    WHERE deleted_at IS NULL AND started_at IS NOT NULL
      AND (calls.rowid % 1024 <> 0 OR weft_within_time_limit())
    GROUP BY project_id
  ),
  live_objects AS (
    SELECT project_id, COUNT(*) AS objects, MAX(created_at) AS last_object
    FROM objects
    WHERE deleted_at IS NULL
    GROUP BY project_id
  ),
  known AS (
    SELECT project_id FROM live_calls
    UNION SELECT project_id FROM live_objects
    UNION SELECT id FROM projects
  )
  SELECT known.project_id, projects.entity, projects.name,
    COALESCE(live_calls.calls, 0) AS calls,
    COALESCE(live_objects.objects, 0) AS objects,
    -- SQLite's two-argument MAX is NULL when either is; each side falls back on the other.
    MAX(COALESCE(last_call, last_object), COALESCE(last_object, last_call)) AS last_activity
  FROM known
  LEFT JOIN live_calls ON live_calls.project_id = known.project_id
  LEFT JOIN live_objects ON live_objects.project_id = known.project_id
  LEFT JOIN projects ON projects.id = known.project_id
  ORDER BY last_activity IS NULL, last_activity DESC, known.project_id
`;

interface SummaryRow {
  project_id: string;
  /** Null for a project no client registered (only written to): its id names it. */
  entity: string | null;
  name: string | null;
  calls: number;
  objects: number;
  last_activity: number | null;
}

export function readProjectSummaries(statement: Database.Statement): StoredProjectSummary[] {
  return (statement.all() as SummaryRow[]).map((row) => {
    // Wire project ids have exactly one slash (docs/protocol.md §1.2).
    const slash = row.project_id.indexOf('/');
    return {
      project_id: row.project_id,
      entity: row.entity ?? row.project_id.slice(0, slash),
      name: row.name ?? row.project_id.slice(slash + 1),
      calls: row.calls,
      objects: row.objects,
      last_activity: row.last_activity,
    };
  });
}
