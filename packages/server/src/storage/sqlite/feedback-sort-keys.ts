/**
 * Sort keys for feedback fields (docs/protocol.md §18.6). Sorting calls by a field such as
 * `feedback.[wandb.runnable.judge].payload.output.score` would otherwise read every call's oldest
 * feedback row of that type and parse its JSON: seconds at a million calls. So when feedback is
 * written, every value inside a call's oldest row of each type is kept in
 * `feedback_sort_keys` as the number and the text the sort reads (the same SQL expressions the
 * Query compiler uses, so the two never disagree), indexed in both sort orders; the read side is
 * scored-sort.ts (sorted pages) and feedback-key-reads.ts (filters and later sort keys).
 *
 * A path the table cannot answer for is recorded in `feedback_sort_gaps`, and queries on it take
 * the general plan: a path whose text (a list's or an object's is its JSON) is longer than
 * MAX_TEXT_CHARS in some row, and, as the whole type (path ''), a row with more than MAX_NODES
 * values or deeper than MAX_DEPTH. Gaps are never removed: a stale one costs speed only.
 */
import type Database from 'better-sqlite3';
import {
  sqliteFeedbackObject,
  sqliteJsonExists,
  sqliteJsonNumber,
  sqliteJsonPath,
  sqliteJsonText,
} from '../../query/dialects/sqlite.js';
import { compileSql, rawSql, sql } from '../../query/sql.js';

/** Values (leaves and containers) read from one feedback row at most. */
const MAX_NODES = 256;
/** Nesting deeper than this is not walked. */
const MAX_DEPTH = 16;
/** Longer texts are not kept (a note is at most 1,024 characters). */
export const MAX_TEXT_CHARS = 1024;
/** Owners read at a time when the keys are rebuilt. */
const REBUILD_PAGE = 1000;
/** The gap path that stands for every path of a type. */
export const WHOLE_TYPE = '';

/** One call's feedback of one type: whose sort keys a write may have changed. */
export interface SortKeyOwner {
  project_id: string;
  call_id: string;
  feedback_type: string;
}

interface Walked {
  paths: string[];
  wholeTypeGap: boolean;
}

/**
 * The SQLite paths of every value inside `value` (nulls read as missing), lists and objects
 * included: a field may name one, and reads as its JSON text. The root is not one: a feedback
 * field always names a path inside the row. Paths are rendered as queries render them
 * (sqliteJsonPath): object keys as JSON strings, list positions as indexes.
 */
function walk(value: unknown): Walked {
  const walked: Walked = { paths: [], wholeTypeGap: false };
  let nodes = 0;
  const visit = (node: unknown, path: Array<string | number>): void => {
    if (walked.wholeTypeGap || node === null) return;
    nodes += 1;
    if (nodes > MAX_NODES || path.length > MAX_DEPTH) {
      walked.wholeTypeGap = true;
      return;
    }
    if (path.length > 0) walked.paths.push(sqliteJsonPath(path));
    if (typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const [index, item] of node.entries()) visit(item, [...path, index]);
    } else for (const [key, item] of Object.entries(node)) visit(item, [...path, key]);
  };
  visit(value, []);
  return walked;
}

/**
 * A call's keys of one type. It must search the primary key: an index scan of the type's keys here
 * (the planner's choice while by-call was a secondary index) made writing feedback quadratic.
 */
export const CLEAR_KEYS_SQL =
  'DELETE FROM feedback_sort_keys WHERE project_id = ? AND call_id = ? AND feedback_type = ?';

/** These statements name their parameters; a positional one would be a mistake. */
const unnamed = (index: number): string => `?${index + 1}`;

/** The statements that keep the keys; they run inside the caller's write transaction. */
export class FeedbackSortKeys {
  private readonly oldestRow;
  private readonly clear;
  private readonly insertKey;
  private readonly insertGap;
  private readonly owners;

  constructor(db: Database.Database) {
    const oldest = compileSql(
      sql`SELECT ${sqliteFeedbackObject('f')} FROM feedback AS f
          WHERE f.project_id = @project_id AND f.call_id = @call_id AND f.feedback_type = @feedback_type
          ORDER BY f.created_at, f.id LIMIT 1`,
      unnamed,
    );
    this.oldestRow = db.prepare(oldest.text).pluck();
    this.clear = db.prepare(CLEAR_KEYS_SQL);
    // The value expressions are the Query compiler's own, over the row's object and one path. A
    // value is not kept when its text is too long or its path does not resolve (a key SQLite reads
    // differently from JSON.parse); refreshOne then records the path as a gap.
    const row = rawSql('@row');
    const path = rawSql('@path');
    const value = compileSql(
      sql`SELECT @project_id, @feedback_type, @path, @call_id, number IS NULL, number, text FROM (
            SELECT ${sqliteJsonNumber(row, path)} AS number, ${sqliteJsonText(row, path)} AS text
            WHERE ${sqliteJsonExists(row, path)})
          WHERE length(text) <= ${rawSql(String(MAX_TEXT_CHARS))}`,
      unnamed,
    );
    if (oldest.params.length + value.params.length > 0) throw new Error('sort key statements bind by name');
    this.insertKey = db.prepare(
      `INSERT OR REPLACE INTO feedback_sort_keys (project_id, feedback_type, path, call_id, number_missing, number, text) ${value.text}`,
    );
    this.insertGap = db.prepare(
      'INSERT OR IGNORE INTO feedback_sort_gaps (project_id, feedback_type, path) VALUES (?, ?, ?)',
    );
    // Pages by key: a statement cannot stay open on the connection while the keys are written.
    this.owners = db.prepare(
      `SELECT DISTINCT project_id, call_id, feedback_type FROM feedback
       WHERE call_id IS NOT NULL AND (project_id, call_id, feedback_type) > (@project_id, @call_id, @feedback_type)
       ORDER BY project_id, call_id, feedback_type LIMIT ${REBUILD_PAGE}`,
    );
  }

  /** Re-reads the keys of each owner from its oldest row now; inside a write transaction. */
  refresh(owners: Iterable<SortKeyOwner>): void {
    const seen = new Set<string>();
    for (const owner of owners) {
      const key = JSON.stringify([owner.project_id, owner.call_id, owner.feedback_type]);
      if (seen.has(key)) continue;
      seen.add(key);
      this.refreshOne(owner);
    }
  }

  /** Every call's keys from scratch (a database made before the keys existed). */
  rebuild(): void {
    let after: SortKeyOwner = { project_id: '', call_id: '', feedback_type: '' };
    for (;;) {
      const page = this.owners.all(after) as SortKeyOwner[];
      this.refresh(page);
      const last = page.at(-1);
      if (!last || page.length < REBUILD_PAGE) return;
      after = last;
    }
  }

  private refreshOne({ project_id, call_id, feedback_type }: SortKeyOwner): void {
    this.clear.run(project_id, call_id, feedback_type);
    const row = this.oldestRow.get({ project_id, call_id, feedback_type }) as string | undefined;
    if (row === undefined) return;
    const walked = walk(JSON.parse(row));
    if (walked.wholeTypeGap) {
      this.insertGap.run(project_id, feedback_type, WHOLE_TYPE);
      return;
    }
    for (const path of walked.paths) {
      const kept = this.insertKey.run({ project_id, feedback_type, path, call_id, row }).changes;
      // Not kept (a text too long, or a key SQLite reads differently from JSON.parse): queries
      // on this path take the general plan.
      if (kept === 0) this.insertGap.run(project_id, feedback_type, path);
    }
  }
}
