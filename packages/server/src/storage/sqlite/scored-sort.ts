/**
 * Calls pages sorted by a feedback field (`feedback.[wandb.runnable.judge].payload.output.score`),
 * read from the sort keys kept in feedback-sort-keys.ts (docs/protocol.md §18.6).
 *
 * A JSON field sorts the calls where it exists before the calls where it does not, in both
 * directions (docs/query-language.md, "Sorting"). So such a page has two parts:
 * - the calls with a key at that path, read by walking the keys' index in the sort's order and
 *   stopping at the page's end, with the calls table joined by id for the query's other
 *   conditions and columns;
 * - when the page reaches past them, the calls without one, for which the first sort key is the
 *   same (no number, empty text), so they follow the remaining keys.
 * The reader runs both in one read transaction, so they see one snapshot (read-worker.ts).
 */
import { resolveCallField } from '@weft/protocol';
import { callsCount, callsSelect, compileWithinLimits, type PagePlan } from '../../query/calls-query.js';
import { sqliteCallsDialect, sqliteJsonPath } from '../../query/dialects/sqlite.js';
import type { QueryCompileContext } from '../../query/query-expr.js';
import { type CompiledSql, rawSql, sql } from '../../query/sql.js';
import type { CallsQuery } from '../trace-store.js';
import { type SortKeyCoverage, sortKeyReads } from './feedback-key-reads.js';

export interface ScoredSortPlan {
  /** The page's calls that have a key, in order, with the query's own limit and offset. */
  scored: CompiledSql;
  /** How many calls have a key (every one, ignoring the limit). */
  countScored: () => CompiledSql;
  /** The calls without a key, in the remaining keys' order, with the limit and offset given. */
  unscored: (limit: number | null, offset: number) => CompiledSql;
}

/**
 * The plan for a query whose first sort key is a feedback field of one type that the keys answer
 * for; none for any other. Made inside the query's read transaction (see SortKeyCoverage).
 */
export function planScoredSort(
  query: CallsQuery,
  context: QueryCompileContext,
  coverage: SortKeyCoverage,
): ScoredSortPlan | undefined {
  const first = query.sort_by[0];
  if (!first) return undefined;
  const field = resolveCallField(first.field);
  if (field.kind !== 'json' || field.column !== 'feedback') return undefined;
  const feedbackType = field.feedbackType;
  if (feedbackType === undefined || feedbackType === '*') return undefined;
  const path = sqliteJsonPath(field.path);
  if (!coverage.covers(query.project_id, feedbackType, path)) return undefined;

  const { dialect } = context;
  const direction = first.direction;
  // The index whose order is this direction's: number present first, then the number and the
  // text in the sort's direction, then the call id, as the tie-breaker sorts when the feedback
  // field is the only key. INDEXED BY keeps the planner from sorting the whole project instead.
  const index = direction === 'asc' ? 'feedback_sort_keys_asc' : 'feedback_sort_keys_desc';
  const scoredPlan: PagePlan = {
    from: rawSql(
      `feedback_sort_keys AS k INDEXED BY ${index} CROSS JOIN calls ON calls.project_id = k.project_id AND calls.id = k.call_id`,
    ),
    where: [
      sql`k.project_id = ${query.project_id} AND k.feedback_type = ${feedbackType} AND k.path = ${path}`,
    ],
    firstKeyTerms: [
      dialect.orderBy(rawSql('k.number_missing'), 'asc', false),
      dialect.orderBy(rawSql('k.number'), direction, false),
      dialect.orderBy(rawSql('k.text'), direction, false),
    ],
    tieBreaker: rawSql('k.call_id'),
  };
  const unscoredPlan: PagePlan = {
    where: [sql`NOT ${sortKeyReads(feedbackType, path).exists}`],
    firstKeyTerms: [],
  };
  const compile = (statement: ReturnType<typeof callsSelect>) =>
    compileWithinLimits(statement, sqliteCallsDialect);
  return {
    scored: compile(callsSelect(query, context, scoredPlan)),
    countScored: () => compile(callsCount({ ...query, limit: null }, context, scoredPlan)),
    unscored: (limit, offset) => compile(callsSelect({ ...query, limit, offset }, context, unscoredPlan)),
  };
}
