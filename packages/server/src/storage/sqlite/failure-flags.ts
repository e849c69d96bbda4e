/**
 * Keeps `calls.has_failed_descendant` true to the tree as parts arrive in any order, so
 * `descendant_error` is right even for clients that do not roll `status_counts` up.
 *
 * Invariant: a live call is flagged exactly when some live descendant has an exception, and the
 * flags of a started call's ancestors agree. Work happens only where failures are: a batch with
 * no exception in it costs one in-memory check. A failure whose walk up the tree reaches a call
 * that has not started yet (its parent unknown) is parked in `pending_failure_walks` and resumed
 * when that start arrives.
 */
import type Database from 'better-sqlite3';

interface CallState {
  flag: number;
  parent_id: string | null;
  started_at: number | null;
  deleted_at: number | null;
  exception: string | null;
}

export class FailureFlags {
  private readonly state: Database.Statement;
  private readonly setFlag: Database.Statement;
  private readonly childFails: Database.Statement;
  private readonly park: Database.Statement;
  private readonly resume: Database.Statement;
  private readonly countParked: Database.Statement;
  /** Rows in pending_failure_walks; while zero, arriving starts need no lookup at all. */
  private parked: number;

  constructor(db: Database.Database) {
    this.state = db.prepare(
      `SELECT has_failed_descendant AS flag, parent_id, started_at, deleted_at, exception
       FROM calls WHERE project_id = ? AND id = ?`,
    );
    this.setFlag = db.prepare('UPDATE calls SET has_failed_descendant = ? WHERE project_id = ? AND id = ?');
    this.childFails = db
      .prepare(
        `SELECT EXISTS (SELECT 1 FROM calls c WHERE c.project_id = ? AND c.parent_id = ?
           AND c.deleted_at IS NULL AND (c.exception IS NOT NULL OR c.has_failed_descendant = 1))`,
      )
      .pluck();
    this.park = db.prepare(
      'INSERT OR IGNORE INTO pending_failure_walks (project_id, call_id, parked_at) VALUES (?, ?, ?)',
    );
    this.resume = db
      .prepare(
        `DELETE FROM pending_failure_walks
         WHERE project_id = ? AND call_id IN (SELECT value FROM json_each(?)) RETURNING call_id`,
      )
      .pluck();
    this.countParked = db.prepare('SELECT COUNT(*) FROM pending_failure_walks').pluck();
    this.parked = this.countParked.get() as number;
  }

  /** Re-reads the parked count (after a rollback undid rows the count had followed). */
  resync(): void {
    this.parked = this.countParked.get() as number;
  }

  /**
   * Calls whose start just arrived and that a parked walk was waiting for: flags them if a child
   * failed, and returns the ids to walk up from.
   */
  startsArrived(project: string, startedIds: readonly string[]): string[] {
    if (this.parked === 0 || startedIds.length === 0) return [];
    const waiting = this.resume.all(project, JSON.stringify(startedIds)) as string[];
    this.parked -= waiting.length;
    const walks: string[] = [];
    for (const id of waiting) {
      const row = this.state.get(project, id) as CallState | undefined;
      if (!row || row.deleted_at !== null) continue;
      // Re-checked now: the failing child may have been deleted since the walk was parked.
      const childFails = this.childFails.get(project, id) === 1;
      if (childFails !== (row.flag === 1)) this.setFlag.run(childFails ? 1 : 0, project, id);
      if (childFails || row.exception !== null) walks.push(id);
    }
    return walks;
  }

  /** Carries the failure of call `failingId` (its own exception, or a flagged child) up the tree. */
  walkUpFrom(project: string, failingId: string, now: number): void {
    const failing = this.state.get(project, failingId) as CallState | undefined;
    if (!failing || failing.deleted_at !== null) return;
    if (failing.started_at === null) {
      this.parkWalk(project, failingId, now);
      return;
    }
    let id = failing.parent_id;
    while (id !== null) {
      const row = this.state.get(project, id) as CallState | undefined;
      if (!row) {
        // The parent has not arrived at all: flag it, and carry on, when its start does.
        this.parkWalk(project, id, now);
        return;
      }
      if (row.deleted_at !== null || row.flag === 1) return;
      this.setFlag.run(1, project, id);
      if (row.started_at === null) {
        // Only its end has arrived, so its own parent is unknown yet.
        this.parkWalk(project, id, now);
        return;
      }
      id = row.parent_id;
    }
  }

  /** After a subtree disappears, its ancestors may have no failing descendant left. */
  recomputeUpwards(project: string, startId: string): void {
    let id: string | null = startId;
    while (id !== null) {
      const row = this.state.get(project, id) as CallState | undefined;
      if (!row || row.deleted_at !== null) return;
      const flag = this.childFails.get(project, id) as number;
      if (flag === row.flag) return;
      this.setFlag.run(flag, project, id);
      id = row.parent_id;
    }
  }

  private parkWalk(project: string, id: string, now: number): void {
    if (this.park.run(project, id, now).changes > 0) this.parked += 1;
  }
}
