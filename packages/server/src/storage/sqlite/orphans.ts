/**
 * What waits for a call start that never comes (docs/protocol.md §3.6): a call row made by its
 * end alone, and a failure's walk up the tree parked until an ancestor's start arrives
 * (failure-flags.ts). Each records when it arrived; once older than the server's limit, it is
 * removed, a batch per transaction so that ingestion on the same writer is never held up long.
 */
import type Database from 'better-sqlite3';

/** Rows removed per transaction. */
export const ORPHAN_BATCH = 1_000;

export interface OrphansRemoved {
  calls: number;
  walks: number;
}

export class Orphans {
  private readonly removeCalls: Database.Statement;
  private readonly removeFeedback: Database.Statement;
  private readonly removeWalks: Database.Statement;

  constructor(db: Database.Database) {
    this.removeCalls = db.prepare(
      `DELETE FROM calls WHERE rowid IN (
         SELECT rowid FROM calls WHERE started_at IS NULL AND part_arrived_at < ? LIMIT ?)
       RETURNING project_id, id`,
    );
    this.removeFeedback = db.prepare('DELETE FROM feedback WHERE project_id = ? AND call_id = ?');
    this.removeWalks = db.prepare(
      // A small table (walks wait only on calls whose start is late): no index on parked_at.
      `DELETE FROM pending_failure_walks WHERE (project_id, call_id) IN (
         SELECT project_id, call_id FROM pending_failure_walks WHERE parked_at < ? LIMIT ?)`,
    );
  }

  /** Removes up to ORPHAN_BATCH of each kind that arrived before `olderThan` (µs); the caller wraps a transaction. */
  removeBatch(olderThan: number): OrphansRemoved {
    const calls = this.removeCalls.all(olderThan, ORPHAN_BATCH) as Array<{ project_id: string; id: string }>;
    // Feedback on a call that never started is unreadable; it goes with the call, as on a delete.
    for (const call of calls) this.removeFeedback.run(call.project_id, call.id);
    const walks = this.removeWalks.run(olderThan, ORPHAN_BATCH).changes;
    return { calls: calls.length, walks };
  }
}
