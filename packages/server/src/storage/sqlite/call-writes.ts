/**
 * The SQL that merges call parts into rows and keeps `has_failed_descendant` true to the tree.
 * Every statement here runs inside the batch's transaction.
 */

import { opDisplayName } from '@weft/protocol';
import type Database from 'better-sqlite3';
import type { CallEndPart, CallStartPart, CallUpsert } from '../trace-store.js';

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
  'otel_dump',
  'wb_user_id',
  'wb_run_id',
  'wb_run_step',
] as const;

const END_COLUMNS = [
  'ended_at',
  'exception',
  'output',
  'summary',
  'summary_reports_error',
  'wb_run_step_end',
] as const;

/** display_name_level values: which kind of write set the name (see migration 1). */
const NAME_FROM_START = 1;
const NAME_FROM_END = 2;
export const NAME_FROM_UPDATE = 3;

function upsertSql(columns: readonly string[]): string {
  const all = ['project_id', 'id', ...columns, 'display_name', 'display_name_level'];
  const updates = columns.map((column) => `${column} = excluded.${column}`);
  updates.push(
    'display_name = CASE WHEN excluded.display_name_level >= calls.display_name_level ' +
      'THEN excluded.display_name ELSE calls.display_name END',
    'display_name_level = MAX(excluded.display_name_level, calls.display_name_level)',
  );
  return (
    `INSERT INTO calls (${all.join(', ')}) VALUES (${all.map((column) => `@${column}`).join(', ')}) ` +
    `ON CONFLICT (project_id, id) DO UPDATE SET ${updates.join(', ')}`
  );
}

type Row = Record<string, string | number | null>;

function startValues(start: CallStartPart, row: Row): void {
  row.trace_id = start.trace_id;
  row.parent_id = start.parent_id;
  row.op_name = start.op_name;
  row.op_short_name = opDisplayName(start.op_name);
  row.thread_id = start.thread_id;
  row.turn_id = start.turn_id;
  row.started_at = start.started_at;
  row.attributes = start.attributes_json;
  row.inputs = start.inputs_json;
  row.otel_dump = start.otel_dump_json;
  row.wb_user_id = start.wb_user_id;
  row.wb_run_id = start.wb_run_id;
  row.wb_run_step = start.wb_run_step;
}

function endValues(end: CallEndPart, row: Row): void {
  row.ended_at = end.ended_at;
  row.exception = end.exception;
  row.output = end.output_json;
  row.summary = end.summary_json;
  row.summary_reports_error = end.summary_reports_error ? 1 : 0;
  row.wb_run_step_end = end.wb_run_step_end;
}

export class CallWriter {
  private readonly upsertStart: Database.Statement;
  private readonly upsertEnd: Database.Statement;
  private readonly upsertBoth: Database.Statement;
  private readonly underDeletedParents: Database.Statement;
  private readonly flagFromChildren: Database.Statement;
  private readonly flagAncestors: Database.Statement;
  private readonly deleteSubtree: Database.Statement;
  private readonly parentsOf: Database.Statement;
  private readonly flagState: Database.Statement;
  private readonly childFails: Database.Statement;
  private readonly setFlag: Database.Statement;
  private readonly renameCall: Database.Statement;

  constructor(db: Database.Database) {
    this.upsertStart = db.prepare(upsertSql(START_COLUMNS));
    this.upsertEnd = db.prepare(upsertSql(END_COLUMNS));
    this.upsertBoth = db.prepare(upsertSql([...START_COLUMNS, ...END_COLUMNS]));
    const failing = '(c.exception IS NOT NULL OR c.has_failed_descendant = 1)';
    this.underDeletedParents = db.prepare(
      `SELECT c.id AS id, p.deleted_at AS deleted_at FROM calls c
       JOIN calls p ON p.project_id = c.project_id AND p.id = c.parent_id
       WHERE c.project_id = @project AND c.id IN (SELECT value FROM json_each(@ids))
         AND c.deleted_at IS NULL AND p.deleted_at IS NOT NULL`,
    );
    this.flagFromChildren = db.prepare(
      `UPDATE calls SET has_failed_descendant = 1
       WHERE project_id = @project AND id IN (SELECT value FROM json_each(@ids)) AND has_failed_descendant = 0
         AND EXISTS (SELECT 1 FROM calls c WHERE c.project_id = calls.project_id AND c.parent_id = calls.id
                     AND c.deleted_at IS NULL AND ${failing})`,
    );
    // Walks up from failing calls of the batch; it stops at a call already flagged, whose
    // ancestors are flagged already by the invariant.
    this.flagAncestors = db.prepare(
      `WITH RECURSIVE ancestors(id) AS (
         SELECT c.parent_id FROM calls c
         WHERE c.project_id = @project AND c.id IN (SELECT value FROM json_each(@ids))
           AND c.parent_id IS NOT NULL AND c.deleted_at IS NULL AND ${failing}
         UNION
         SELECT c.parent_id FROM calls c JOIN ancestors a ON c.project_id = @project AND c.id = a.id
         WHERE c.parent_id IS NOT NULL AND c.has_failed_descendant = 0
       )
       UPDATE calls SET has_failed_descendant = 1
       WHERE project_id = @project AND id IN (SELECT id FROM ancestors) AND has_failed_descendant = 0`,
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
    this.parentsOf = db
      .prepare(
        `SELECT DISTINCT parent_id FROM calls
         WHERE project_id = @project AND id IN (SELECT value FROM json_each(@ids)) AND parent_id IS NOT NULL`,
      )
      .pluck();
    this.flagState = db.prepare(
      'SELECT has_failed_descendant AS flag, parent_id, deleted_at FROM calls WHERE project_id = @project AND id = @id',
    );
    this.childFails = db
      .prepare(
        `SELECT EXISTS (SELECT 1 FROM calls c WHERE c.project_id = @project AND c.parent_id = @id
                        AND c.deleted_at IS NULL AND ${failing})`,
      )
      .pluck();
    this.setFlag = db.prepare(
      'UPDATE calls SET has_failed_descendant = @flag WHERE project_id = @project AND id = @id',
    );
    this.renameCall = db.prepare(
      `UPDATE calls SET display_name = NULLIF(@name, ''), display_name_level = ${NAME_FROM_UPDATE}
       WHERE project_id = @project AND id = @id AND started_at IS NOT NULL AND deleted_at IS NULL`,
    );
  }

  /** Upserts one batch; the caller wraps this in a transaction. */
  upsert(batch: readonly CallUpsert[]): void {
    const startedIdsByProject = new Map<string, string[]>();
    const touchedIdsByProject = new Map<string, string[]>();
    for (const call of batch) {
      const row: Row = {
        project_id: call.project_id,
        id: call.id,
        display_name: null,
        display_name_level: 0,
      };
      if (call.start) {
        startValues(call.start, row);
        if (call.start.display_name !== null) {
          row.display_name = call.start.display_name;
          row.display_name_level = NAME_FROM_START;
        }
      }
      if (call.end) {
        endValues(call.end, row);
        if (call.end.display_name !== null) {
          row.display_name = call.end.display_name;
          row.display_name_level = NAME_FROM_END;
        }
      }
      const statement = call.start ? (call.end ? this.upsertBoth : this.upsertStart) : this.upsertEnd;
      statement.run(row);
      pushTo(touchedIdsByProject, call.project_id, call.id);
      if (call.start) pushTo(startedIdsByProject, call.project_id, call.id);
    }
    for (const [project, startedIds] of startedIdsByProject) {
      const ids = JSON.stringify(startedIds);
      // A call whose parent was deleted before it arrived is deleted with it, subtree and all.
      for (const orphan of this.underDeletedParents.all({ project, ids }) as Array<{
        id: string;
        deleted_at: number;
      }>) {
        this.deleteSubtree.run({ project, ids: JSON.stringify([orphan.id]), deleted_at: orphan.deleted_at });
      }
      // Children that arrived before this call could not flag it then.
      this.flagFromChildren.run({ project, ids });
    }
    for (const [project, touchedIds] of touchedIdsByProject) {
      this.flagAncestors.run({ project, ids: JSON.stringify(touchedIds) });
    }
  }

  /** Soft-deletes the calls and their live descendants; returns the number of calls deleted. */
  delete(project: string, ids: readonly string[], deletedAt: number): number {
    const idsJson = JSON.stringify(ids);
    const parents = this.parentsOf.all({ project, ids: idsJson }) as string[];
    const deleted = this.deleteSubtree.run({ project, ids: idsJson, deleted_at: deletedAt }).changes;
    for (const parent of parents) this.recomputeUpwards(project, parent);
    return deleted;
  }

  /** After a subtree disappears its ancestors may have no failing descendant left. */
  private recomputeUpwards(project: string, startId: string): void {
    let id: string | null = startId;
    while (id !== null) {
      const state = this.flagState.get({ project, id }) as
        | { flag: number; parent_id: string | null; deleted_at: number | null }
        | undefined;
      if (!state || state.deleted_at !== null) return;
      const flag = this.childFails.get({ project, id }) as number;
      if (flag === state.flag) return;
      this.setFlag.run({ project, id, flag });
      id = state.parent_id;
    }
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
