/**
 * Retention (docs/protocol.md §20): removing a project's calls that started before a cut-off,
 * with their feedback, a batch per transaction on the call writer; the per-project settings the
 * server applies in the background; and giving freed pages back to the file system.
 */
import type Database from 'better-sqlite3';

/** Calls removed per transaction, so that ingestion on the same writer is never held up long. */
export const PRUNE_BATCH = 1_000;

export class CallPruner {
  private readonly removeCalls: Database.Statement;
  private readonly removeFeedback: Database.Statement;
  private readonly removeWalks: Database.Statement;

  constructor(db: Database.Database) {
    // calls_project_started (project_id, started_at) finds them in order.
    this.removeCalls = db
      .prepare(
        `DELETE FROM calls WHERE rowid IN (
           SELECT rowid FROM calls WHERE project_id = ? AND started_at < ? LIMIT ?)
         RETURNING id`,
      )
      .pluck();
    this.removeFeedback = db.prepare(
      'DELETE FROM feedback WHERE project_id = ? AND call_id IN (SELECT value FROM json_each(?))',
    );
    this.removeWalks = db.prepare(
      'DELETE FROM pending_failure_walks WHERE project_id = ? AND call_id IN (SELECT value FROM json_each(?))',
    );
  }

  /** Removes up to PRUNE_BATCH calls of the project started before `before` (µs); the caller wraps a transaction. */
  removeBatch(projectId: string, before: number): number {
    const ids = this.removeCalls.all(projectId, before, PRUNE_BATCH) as string[];
    if (ids.length > 0) {
      const idsJson = JSON.stringify(ids);
      this.removeFeedback.run(projectId, idsJson);
      this.removeWalks.run(projectId, idsJson);
    }
    return ids.length;
  }
}

export interface RetentionSetting {
  project_id: string;
  /** Calls older than this many days are removed. */
  days: number;
}

export class RetentionSettings {
  private readonly upsert: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly all: Database.Statement;

  constructor(db: Database.Database) {
    this.upsert = db.prepare(
      `INSERT INTO project_retention (project_id, days) VALUES (?, ?)
       ON CONFLICT (project_id) DO UPDATE SET days = excluded.days`,
    );
    this.remove = db.prepare('DELETE FROM project_retention WHERE project_id = ?');
    this.all = db.prepare('SELECT project_id, days FROM project_retention ORDER BY project_id');
  }

  set(projectId: string, days: number | null): void {
    if (days === null) this.remove.run(projectId);
    else this.upsert.run(projectId, days);
  }

  list(): RetentionSetting[] {
    return this.all.all() as RetentionSetting[];
  }
}

/**
 * Gives free pages back to the file system, so the file shrinks: a database made with
 * auto_vacuum=INCREMENTAL (every database weft creates) frees them in place; an older one is
 * rewritten whole by VACUUM, only when `rewrite` allows it (it holds the write lock throughout).
 * Then the WAL is checkpointed and truncated. Returns the database file's size before and after.
 */
export function reclaimSpace(
  db: Database.Database,
  sizeOf: () => number,
  options: { rewrite: boolean },
): { before: number; after: number } {
  const before = sizeOf();
  const mode = db.pragma('auto_vacuum', { simple: true }) as number;
  if (mode === 2) {
    db.pragma('incremental_vacuum');
  } else if (options.rewrite) {
    // Switching to incremental takes effect with the rewrite; later reclaims are in place.
    db.pragma('auto_vacuum = INCREMENTAL');
    db.exec('VACUUM');
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  return { before, after: sizeOf() };
}
