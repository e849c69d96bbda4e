import type Database from 'better-sqlite3';
import { sqliteBindings, sqliteCallsDialect } from '../../query/dialects/sqlite.js';
import { feedbackQueryClauses } from '../../query/feedback-query.js';
import { compileSql, rawSql, type Sql, sql } from '../../query/sql.js';
import type { FeedbackQuery, StoredFeedback } from '../trace-store.js';
import { FeedbackSortKeys, type SortKeyOwner } from './feedback-sort-keys.js';

const FEEDBACK_COLUMNS = [
  'project_id',
  'id',
  'weave_ref',
  'call_id',
  'creator',
  'feedback_type',
  'payload',
  'annotation_ref',
  'runnable_ref',
  'call_ref',
  'trigger_ref',
  'wb_user_id',
  'created_at',
] as const;

/** The columns a query may name (protocol names; `payload` is read through JSON paths). */
const QUERYABLE = new Set<string>(FEEDBACK_COLUMNS);

const SELECT_LIST = FEEDBACK_COLUMNS.map((column) =>
  column === 'payload' ? 'feedback.payload AS payload_json' : `feedback.${column} AS ${column}`,
).join(', ');

function column(field: string): Sql {
  if (!QUERYABLE.has(field)) throw new Error(`no feedback column named ${field}`);
  return rawSql(`feedback.${field}`);
}

function* ownersOf(rows: readonly StoredFeedback[]): Generator<SortKeyOwner> {
  for (const row of rows) {
    if (row.call_id !== null) {
      yield { project_id: row.project_id, call_id: row.call_id, feedback_type: row.feedback_type };
    }
  }
}

export class Feedback {
  private readonly insert;
  private readonly byId;
  private readonly deleteOne;
  private readonly ownerOf;
  private readonly sortKeys: FeedbackSortKeys;

  constructor(private readonly db: Database.Database) {
    this.sortKeys = new FeedbackSortKeys(db);
    this.insert = db.prepare(
      `INSERT OR IGNORE INTO feedback (${FEEDBACK_COLUMNS.join(', ')}) VALUES (${FEEDBACK_COLUMNS.map((c) => `@${c === 'payload' ? 'payload_json' : c}`).join(', ')})`,
    );
    this.byId = db.prepare(`SELECT ${SELECT_LIST} FROM feedback WHERE project_id = ? AND id = ?`);
    this.deleteOne = db.prepare('DELETE FROM feedback WHERE project_id = ? AND id = ?');
    this.ownerOf = db.prepare(
      'SELECT project_id, call_id, feedback_type FROM feedback WHERE project_id = ? AND id = ? AND call_id IS NOT NULL',
    );
  }

  /** Inside the caller's write transaction. */
  create(rows: readonly StoredFeedback[]): StoredFeedback[] {
    const stored = rows.map((row) => {
      this.insert.run(row);
      return this.byId.get(row.project_id, row.id) as StoredFeedback;
    });
    // A new row may be the oldest of its type for its call (the client chooses created_at).
    this.sortKeys.refresh(ownersOf(stored));
    return stored;
  }

  query(query: FeedbackQuery): StoredFeedback[] {
    const { where, orderBy } = feedbackQueryClauses(query, sqliteCallsDialect, column);
    const limit = query.limit === null ? -1 : query.limit;
    const compiled = compileSql(
      sql`SELECT ${rawSql(SELECT_LIST)} FROM feedback WHERE ${where} ORDER BY ${orderBy} LIMIT ${limit} OFFSET ${query.offset}`,
      sqliteCallsDialect.placeholder,
    );
    return this.db.prepare(compiled.text).all(sqliteBindings(compiled.params)) as StoredFeedback[];
  }

  /** Inside the caller's write transaction. */
  purge(projectId: string, ids: readonly string[]): number {
    let deleted = 0;
    const owners: SortKeyOwner[] = [];
    for (const id of new Set(ids)) {
      const owner = this.ownerOf.get(projectId, id) as SortKeyOwner | undefined;
      if (owner) owners.push(owner);
      deleted += this.deleteOne.run(projectId, id).changes;
    }
    // The delete trigger dropped those calls' keys of that type; the oldest row left brings them back.
    this.sortKeys.refresh(owners);
    return deleted;
  }
}
