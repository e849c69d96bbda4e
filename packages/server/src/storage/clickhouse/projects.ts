/**
 * Projects and their summaries on ClickHouse (docs/protocol.md §13). Registrations are rows of
 * `projects` (admin-schema.ts), an AggregatingMergeTree keyed by the wire id whose `created_at`
 * merges by `min`: a registration is inserted once and never changes, and should two processes
 * race to register one id, both rows read (and merge) as the first. Within the server process,
 * `ensureProject` reads and inserts in this store's queue (query-helpers.ts), so a second
 * registration finds the first and returns it without writing.
 *
 * Summaries are counted when asked, not kept: the live calls per project from `calls`
 * (calls-schema.ts: a call's rows combined by id, live when it has a start and no deletion), the
 * live object versions from `objects` (objects-schema.ts), and the registrations, in one query.
 */
import type { StoredProject, StoredProjectSummary, TraceStore } from '../trace-store.js';
import type { ClickHouseContext } from './context.js';
import { insertRows, selectRows, WriteQueue } from './query-helpers.js';

export type ProjectsMethods = Pick<TraceStore, 'ensureProject' | 'listProjects' | 'projectSummaries'>;

/**
 * Something a project holds that the projects page counts: SQL over the store's tables giving one
 * row per project with any, as `project_id String, things UInt64, last Nullable(Int64)` (how
 * many live ones, and the newest one's time in µs).
 */
export interface ProjectActivity {
  kind: 'calls' | 'objects';
  select(context: ClickHouseContext): string;
}

/** Live calls per project: a call's rows combined by (project_id, id) as calls-schema.ts says. */
export const LIVE_CALLS: ProjectActivity = {
  kind: 'calls',
  select: (context) => `
    SELECT project_id, count() AS things, max(call_start) AS last
    FROM (
      SELECT project_id, id, any(started_at) AS call_start, max(deleted_at) AS call_deleted
      FROM ${context.table('calls')}
      GROUP BY project_id, id
      HAVING call_start IS NOT NULL AND call_deleted IS NULL
    )
    GROUP BY project_id`,
};

/**
 * Live object versions per project (objects-schema.ts: a version's newest state is its row of
 * `objects` under FINAL; ops count too).
 */
export const LIVE_OBJECT_VERSIONS: ProjectActivity = {
  kind: 'objects',
  select: (context) => `
    SELECT project_id, count() AS things, max(created_at) AS last
    FROM ${context.table('objects')} FINAL
    WHERE deleted_at IS NULL
    GROUP BY project_id`,
};

/** A registration; the aliases differ from the columns they aggregate, for any ClickHouse version. */
interface ProjectRow {
  project_id: string;
  project_entity: string;
  project_name: string;
  registered_at: number;
}

const REGISTRATIONS =
  'project_id, any(entity) AS project_entity, any(name) AS project_name, min(created_at) AS registered_at';

function fromRow(row: ProjectRow): StoredProject {
  return { entity: row.project_entity, name: row.project_name, created_at: row.registered_at };
}

interface SummaryRow {
  project_id: string;
  /** Null for a project no client registered (only written to): its id names it. */
  entity: string | null;
  name: string | null;
  calls: number;
  objects: number;
  last_activity: number | null;
}

export class ClickHouseProjects implements ProjectsMethods {
  private readonly writes = new WriteQueue();
  private readonly activities: readonly ProjectActivity[];

  /** `activities`: what the summaries count besides registrations (tests pass their own). */
  constructor(
    readonly context: ClickHouseContext,
    activities: readonly ProjectActivity[] = [LIVE_CALLS, LIVE_OBJECT_VERSIONS],
  ) {
    this.activities = activities;
  }

  ensureProject(project: StoredProject): Promise<StoredProject> {
    const projectId = `${project.entity}/${project.name}`;
    return this.writes.run(async () => {
      const [existing] = await selectRows<ProjectRow>(
        this.context,
        `SELECT ${REGISTRATIONS} FROM ${this.context.table('projects')}
         WHERE project_id = {project_id:String} GROUP BY project_id`,
        { project_id: projectId },
      );
      if (existing) return fromRow(existing);
      await insertRows(this.context, 'projects', [
        { project_id: projectId, entity: project.entity, name: project.name, created_at: project.created_at },
      ]);
      return { entity: project.entity, name: project.name, created_at: project.created_at };
    });
  }

  async listProjects(): Promise<StoredProject[]> {
    const rows = await selectRows<ProjectRow>(
      this.context,
      `SELECT ${REGISTRATIONS} FROM ${this.context.table('projects')}
       GROUP BY project_id ORDER BY registered_at, project_id`,
    );
    return rows.map(fromRow);
  }

  async projectSummaries(): Promise<StoredProjectSummary[]> {
    // One row per source and project, then per project: counts add up, the newest time wins
    // (max skips NULL), and the registration's entity and name are the only non-NULL ones.
    const sources = [
      ...this.activities.map(
        (activity) => `
        SELECT project_id, CAST(NULL, 'Nullable(String)') AS source_entity,
          CAST(NULL, 'Nullable(String)') AS source_name,
          ${activity.kind === 'calls' ? 'toUInt64(things)' : 'toUInt64(0)'} AS source_calls,
          ${activity.kind === 'objects' ? 'toUInt64(things)' : 'toUInt64(0)'} AS source_objects,
          CAST(last, 'Nullable(Int64)') AS source_last
        FROM (${activity.select(this.context)})`,
      ),
      `
        SELECT project_id, CAST(any(entity), 'Nullable(String)') AS source_entity,
          CAST(any(name), 'Nullable(String)') AS source_name, toUInt64(0) AS source_calls,
          toUInt64(0) AS source_objects, CAST(NULL, 'Nullable(Int64)') AS source_last
        FROM ${this.context.table('projects')} GROUP BY project_id`,
    ];
    const rows = await selectRows<SummaryRow>(
      this.context,
      `SELECT project_id, any(source_entity) AS entity, any(source_name) AS name,
         sum(source_calls) AS calls, sum(source_objects) AS objects, max(source_last) AS last_activity
       FROM (${sources.join(' UNION ALL ')})
       GROUP BY project_id
       ORDER BY last_activity DESC NULLS LAST, project_id
       SETTINGS optimize_aggregation_in_order = 1`,
      {},
      { timeLimit: 'projects' },
    );
    return rows.map((row) => {
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
}
