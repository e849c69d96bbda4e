/**
 * Reading feedback fields from the sort keys that feedback-sort-keys.ts keeps: a filter or sort
 * on `feedback.[<type>].<path>` then probes one index entry per call instead of building and
 * parsing the call's oldest row of that type (docs/protocol.md §18.6). Only paths without a
 * recorded gap are read this way; the caller asks inside the read transaction its query runs in,
 * so the answer holds for that query's snapshot.
 */
import type Database from 'better-sqlite3';
import type { JsonPath } from '../../query/dialect.js';
import { sqliteJsonPath } from '../../query/dialects/sqlite.js';
import type { JsonReads } from '../../query/query-expr.js';
import { rawSql, type Sql, sql } from '../../query/sql.js';
import { WHOLE_TYPE } from './feedback-sort-keys.js';

/** One column of the calls row's key at a type and a path (`calls` is the outer query's table). */
function keyOf(column: 'text' | 'number' | '1', feedbackType: string, path: string): Sql {
  return sql`(SELECT ${rawSql(column === '1' ? '1' : `sk.${column}`)} FROM feedback_sort_keys AS sk WHERE sk.project_id = calls.project_id AND sk.feedback_type = ${feedbackType} AND sk.path = ${path} AND sk.call_id = calls.id)`;
}

/** A feedback field's reads from its keys: a call without a key reads as missing (`''`, no number). */
export function sortKeyReads(feedbackType: string, path: string): JsonReads {
  return {
    text: sql`COALESCE(${keyOf('text', feedbackType, path)}, '')`,
    number: keyOf('number', feedbackType, path),
    exists: sql`(${keyOf('1', feedbackType, path)} IS NOT NULL)`,
  };
}

export class SortKeyCoverage {
  private readonly gap;

  constructor(db: Database.Database) {
    this.gap = db
      .prepare(
        'SELECT EXISTS (SELECT 1 FROM feedback_sort_gaps WHERE project_id = ? AND feedback_type = ? AND path IN (?, ?))',
      )
      .pluck();
  }

  /** Whether the keys answer for this path of this type in this project. */
  covers(projectId: string, feedbackType: string, path: string): boolean {
    return this.gap.get(projectId, feedbackType, path, WHOLE_TYPE) === 0;
  }

  /** The compile context's `feedbackKeys` for one query of one project (it remembers its answers). */
  readsFor(projectId: string): (feedbackType: string, path: JsonPath) => JsonReads | undefined {
    const answers = new Map<string, JsonReads | undefined>();
    return (feedbackType, path) => {
      const keyPath = sqliteJsonPath(path);
      const key = JSON.stringify([feedbackType, keyPath]);
      if (!answers.has(key)) {
        const covered = this.covers(projectId, feedbackType, keyPath);
        answers.set(key, covered ? sortKeyReads(feedbackType, keyPath) : undefined);
      }
      return answers.get(key);
    };
  }
}
