/**
 * The WHERE and ORDER BY of a feedback query (`/feedback/query`, docs/protocol.md §18), for any
 * store: the Query language over the feedback table's columns with the calls dialect's rules,
 * payload paths read as text, and the row id as the last tie-breaker.
 */
import { resolveFeedbackField } from '@weft/protocol';
import type { FeedbackQuery } from '../storage/trace-store.js';
import type { CallsDialect } from './dialect.js';
import { QueryCompiler } from './query-expr.js';
import { joinSql, rawSql, type Sql, sql } from './sql.js';

/** `column` names a feedback column as the store keeps it (a table aliased `feedback`). */
export function feedbackQueryClauses(
  query: FeedbackQuery,
  dialect: CallsDialect,
  column: (field: string) => Sql,
): { where: Sql; orderBy: Sql } {
  const conditions: Sql[] = [sql`feedback.project_id = ${query.project_id}`];
  if (query.query)
    conditions.push(new QueryCompiler({ dialect: { ...dialect, column } }).condition(query.query));
  const terms =
    query.sort_by.length > 0 ? query.sort_by : [{ field: 'created_at', direction: 'asc' as const }];
  const orderBy = joinSql(
    [
      ...terms.map((term) => {
        // A payload path sorts by its text; a column as itself, nulls last.
        const field = resolveFeedbackField(term.field);
        if (field.kind === 'json') {
          return dialect.orderBy(
            dialect.jsonText(rawSql('feedback.payload'), field.path),
            term.direction,
            false,
          );
        }
        if (field.kind !== 'column') throw new Error(`no feedback column for ${term.field}`);
        return dialect.orderBy(column(field.column), term.direction, true);
      }),
      rawSql('feedback.id'),
    ],
    ', ',
  );
  return { where: joinSql(conditions, ' AND '), orderBy };
}
