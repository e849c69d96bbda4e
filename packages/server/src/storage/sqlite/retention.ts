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

/** Pages freed per step of a background reclaim, between which the main thread answers requests. */
const VACUUM_STEP_PAGES = 2_048;

/**
 * Gives free pages back to the file system, so the file shrinks. With `exclusive` (the CLI's
 * `weft prune`): all at once, rewriting a database made without auto_vacuum=INCREMENTAL whole
 * (VACUUM, which also switches it), then a checkpoint that waits for readers and truncates the WAL.
 * Without (a running server's background): only a database that frees pages in place (every
 * database weft creates), in steps that yield to the event loop, then a checkpoint that never
 * waits; the file shrinks at that or a later checkpoint. Returns the file's size before and after.
 */
export async function reclaimSpace(
  db: Database.Database,
  sizeOf: () => number,
  options: { exclusive: boolean },
): Promise<{ before: number; after: number }> {
  const before = sizeOf();
  const incremental = (db.pragma('auto_vacuum', { simple: true }) as number) === 2;
  if (options.exclusive) {
    if (incremental) {
      db.pragma('incremental_vacuum');
    } else {
      db.pragma('auto_vacuum = INCREMENTAL');
      db.exec('VACUUM');
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
  } else if (incremental) {
    const freePages = () => db.pragma('freelist_count', { simple: true }) as number;
    for (let left = freePages(); left > 0; ) {
      db.pragma(`incremental_vacuum(${VACUUM_STEP_PAGES})`);
      await new Promise((resolve) => setImmediate(resolve));
      const now = freePages();
      if (now >= left) break;
      left = now;
    }
    db.pragma('wal_checkpoint(PASSIVE)');
  }
  return { before, after: sizeOf() };
}
