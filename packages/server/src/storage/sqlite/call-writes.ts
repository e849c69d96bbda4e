/**
 * The writes to the calls table: merging call parts into rows (the store runs a batch in one
 * transaction), soft deletes (in their own transaction) and renames (one statement). Failure
 * flags are kept true to the tree by FailureFlags.
 */

import { opDisplayName } from '@weft/protocol';
import type Database from 'better-sqlite3';
import type { CallEndPart, CallStartPart, CallUpsert } from '../trace-store.js';
import { FailureFlags } from './failure-flags.js';

const START_COLUMNS = [
  'trace_id',
  'parent_id',
  'op_name',
  'op_short_name',
  'thread_id',
  'turn_id',
  'started_at',
  'attributes',
  'inputs',
  'input_refs',
  'otel_dump',
  'wb_user_id',
  'wb_run_id',
  'wb_run_step',
] as const;

const END_COLUMNS = [
  'ended_at',
  'exception',
  'output',
  'output_refs',
  'summary',
  'summary_reports_error',
  'wb_run_step_end',
] as const;

/** display_name_level values: which kind of write set the name (see migration 1). */
const NAME_FROM_START = 1;
const NAME_FROM_END = 2;
const NAME_FROM_UPDATE = 3;

/**
 * INSERT … ON CONFLICT for one kind of part. Values are bound by position, in the order
 * `project_id, id, <columns>, display_name, display_name_level`: positional binding is the cheap
 * path in better-sqlite3, and this statement runs once per call ingested.
 */
function upsertSql(columns: readonly string[], insertOnly: readonly string[] = []): string {
  const all = ['project_id', 'id', ...columns, 'display_name', 'display_name_level', ...insertOnly];
  const updates = columns.map((column) => `${column} = excluded.${column}`);
  updates.push(
    'display_name = CASE WHEN excluded.display_name_level >= calls.display_name_level ' +
      'THEN excluded.display_name ELSE calls.display_name END',
    'display_name_level = MAX(excluded.display_name_level, calls.display_name_level)',
  );
  return (
    `INSERT INTO calls (${all.join(', ')}) VALUES (${all.map(() => '?').join(', ')}) ` +
    `ON CONFLICT (project_id, id) DO UPDATE SET ${updates.join(', ')}`
  );
}

type Value = string | number | null;

/** Op refs repeat across calls; their short names are parsed once. */
const shortNames = new Map<string, string>();

function opShortName(opName: string): string {
  let name = shortNames.get(opName);
  if (name === undefined) {
    name = opDisplayName(opName);
    if (shortNames.size >= 10_000) shortNames.clear();
    shortNames.set(opName, name);
  }
  return name;
}

/** Values in START_COLUMNS order. */
function pushStartValues(start: CallStartPart, values: Value[]): void {
  values.push(
    start.trace_id,
    start.parent_id,
    start.op_name,
    opShortName(start.op_name),
    start.thread_id,
    start.turn_id,
    start.started_at,
    start.attributes_json,
    start.inputs_json,
    start.input_refs_json ?? null,
    start.otel_dump_json,
    start.wb_user_id,
    start.wb_run_id,
    start.wb_run_step,
  );
}

/** Values in END_COLUMNS order. */
function pushEndValues(end: CallEndPart, values: Value[]): void {
  values.push(
    end.ended_at,
    end.exception,
    end.output_json,
    end.output_refs_json ?? null,
    end.summary_json,
    end.summary_reports_error ? 1 : 0,
    end.wb_run_step_end,
  );
}

export class CallWriter {
  private readonly upsertStart: Database.Statement;
  private readonly upsertEnd: Database.Statement;
  private readonly upsertBoth: Database.Statement;
  private readonly hasDeletions: Database.Statement;
  private readonly underDeletedParents: Database.Statement;
  private readonly deleteSubtree: Database.Statement;
  private readonly deleteFeedbackOfDeleted: Database.Statement;
  private readonly parentsOf: Database.Statement;
  private readonly renameCall: Database.Statement;
  private readonly flags: FailureFlags;
  /** Projects known to have (true) or not have (false) deleted calls. */
  private readonly projectsWithDeletions = new Map<string, boolean>();

  constructor(db: Database.Database) {
    this.upsertStart = db.prepare(upsertSql(START_COLUMNS));
    // A row an end creates records when it arrived (orphans.ts); a later part leaves that as it is.
    this.upsertEnd = db.prepare(upsertSql(END_COLUMNS, ['part_arrived_at']));
    this.upsertBoth = db.prepare(upsertSql([...START_COLUMNS, ...END_COLUMNS]));
    this.hasDeletions = db
      .prepare('SELECT EXISTS (SELECT 1 FROM calls WHERE project_id = ? AND deleted_at IS NOT NULL)')
      .pluck();
    this.underDeletedParents = db.prepare(
      `SELECT c.id AS id, p.deleted_at AS deleted_at FROM calls c
       JOIN calls p ON p.project_id = c.project_id AND p.id = c.parent_id
       WHERE c.project_id = @project AND c.id IN (SELECT value FROM json_each(@ids))
         AND c.deleted_at IS NULL AND p.deleted_at IS NOT NULL`,
    );
    this.deleteSubtree = db.prepare(
      `WITH RECURSIVE subtree(id) AS (
         SELECT value FROM json_each(@ids)
         UNION
         SELECT c.id FROM calls c JOIN subtree s ON c.project_id = @project AND c.parent_id = s.id
         WHERE c.deleted_at IS NULL
       )
       UPDATE calls SET deleted_at = @deleted_at
       WHERE project_id = @project AND id IN (SELECT id FROM subtree) AND deleted_at IS NULL`,
    );
    this.deleteFeedbackOfDeleted = db.prepare(
      `DELETE FROM feedback WHERE project_id = @project AND call_id IN (
         SELECT id FROM calls WHERE project_id = @project AND deleted_at = @deleted_at)`,
    );
    this.parentsOf = db
      .prepare(
        `SELECT DISTINCT parent_id FROM calls
         WHERE project_id = @project AND id IN (SELECT value FROM json_each(@ids)) AND parent_id IS NOT NULL`,
      )
      .pluck();
    this.renameCall = db.prepare(
      `UPDATE calls SET display_name = NULLIF(@name, ''), display_name_level = ${NAME_FROM_UPDATE}
       WHERE project_id = @project AND id = @id AND started_at IS NOT NULL AND deleted_at IS NULL`,
    );
    this.flags = new FailureFlags(db);
  }

  /** Upserts one batch; the caller wraps this in a transaction. */
  upsert(batch: readonly CallUpsert[], arrivedAt: number = Date.now() * 1000): void {
    const startedIdsByProject = new Map<string, string[]>();
    // Calls whose failure must travel up the tree once every part of the batch is in.
    const walks: Array<[project: string, id: string]> = [];
    for (const call of batch) {
      const values: Value[] = [call.project_id, call.id];
      let displayName: string | null = null;
      let displayNameLevel = 0;
      if (call.start) {
        pushStartValues(call.start, values);
        if (call.start.display_name !== null) {
          displayName = call.start.display_name;
          displayNameLevel = NAME_FROM_START;
        }
      }
      if (call.end) {
        pushEndValues(call.end, values);
        if (call.end.display_name !== null) {
          displayName = call.end.display_name;
          displayNameLevel = NAME_FROM_END;
        }
      }
      values.push(displayName, displayNameLevel);
      if (!call.start) values.push(arrivedAt);
      const statement = call.start ? (call.end ? this.upsertBoth : this.upsertStart) : this.upsertEnd;
      statement.run(values);
      if (call.end?.exception != null) walks.push([call.project_id, call.id]);
      if (call.start) pushTo(startedIdsByProject, call.project_id, call.id);
    }
    for (const [project, startedIds] of startedIdsByProject) {
      this.deleteUnderDeletedParents(project, startedIds);
      for (const id of this.flags.startsArrived(project, startedIds)) walks.push([project, id]);
    }
    for (const [project, id] of walks) this.flags.walkUpFrom(project, id, arrivedAt);
  }

  /** A call whose parent was deleted before it arrived is deleted with it, subtree and all. */
  private deleteUnderDeletedParents(project: string, startedIds: readonly string[]): void {
    let known = this.projectsWithDeletions.get(project);
    if (known === undefined) {
      known = this.hasDeletions.get(project) === 1;
      this.projectsWithDeletions.set(project, known);
    }
    if (!known) return;
    const orphans = this.underDeletedParents.all({ project, ids: JSON.stringify(startedIds) }) as Array<{
      id: string;
      deleted_at: number;
    }>;
    for (const orphan of orphans) {
      this.deleteSubtree.run({ project, ids: JSON.stringify([orphan.id]), deleted_at: orphan.deleted_at });
    }
  }

  /** Soft-deletes the calls and their live descendants; returns the number of calls deleted. */
  delete(project: string, ids: readonly string[], deletedAt: number): number {
    const idsJson = JSON.stringify(ids);
    const parents = this.parentsOf.all({ project, ids: idsJson }) as string[];
    const deleted = this.deleteSubtree.run({ project, ids: idsJson, deleted_at: deletedAt }).changes;
    if (deleted > 0) {
      this.projectsWithDeletions.set(project, true);
      // Feedback goes with its call (docs/protocol.md §18.1); a purge cannot be undone either.
      this.deleteFeedbackOfDeleted.run({ project, deleted_at: deletedAt });
    }
    for (const parent of parents) this.flags.recomputeUpwards(project, parent);
    return deleted;
  }

  /** Re-reads what this writer keeps in memory, after a transaction rolled back. */
  resync(): void {
    this.projectsWithDeletions.clear();
    this.flags.resync();
  }

  rename(project: string, id: string, name: string): boolean {
    return this.renameCall.run({ project, id, name }).changes > 0;
  }
}

function pushTo(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
