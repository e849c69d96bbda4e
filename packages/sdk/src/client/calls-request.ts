/**
 * How `getCalls` builds its requests beyond the caller's own query: paging by key when the order
 * is by start time (as Weave's client does, so that a long listing costs the same per page), and
 * `scoredBy` turned into clauses over feedback.
 */
import type { Query, SortBy } from '@weft/protocol';
import { formatTimestampMicros } from '@weft/protocol/datetime';
import type { Call } from '../tracing/call.js';
import type { QueryOperation } from './query.js';

/**
 * The direction when the order is by start time with the id tie-breaker (the default), which
 * pages by key; undefined for other sorts, which page by offset.
 */
export function keysetPagingDirection(sortBy: readonly SortBy[] | undefined): 'asc' | 'desc' | undefined {
  if (sortBy === undefined) return 'asc';
  const [first, second, ...rest] = sortBy;
  if (first?.field !== 'started_at' || rest.length > 0) return undefined;
  if (second && (second.field !== 'id' || second.direction !== first.direction)) return undefined;
  return first.direction;
}

/** The query narrowed to calls after `last` in (started_at, id) order. */
export function afterCall(query: Query | null | undefined, last: Call, direction: 'asc' | 'desc'): Query {
  // µs precision: a Date would round to the millisecond and skip or repeat calls.
  const startedAt = formatTimestampMicros(last._startedAtMicros);
  const [beyond, sameOrBeyond] =
    direction === 'asc' ? (['$gt', '$gte'] as const) : (['$lt', '$lte'] as const);
  const started = { $getField: 'started_at' };
  const after: QueryOperation = {
    $and: [
      { [sameOrBeyond]: [started, { $literal: startedAt }] } as QueryOperation,
      {
        $or: [
          { [beyond]: [started, { $literal: startedAt }] } as QueryOperation,
          { [beyond]: [{ $getField: 'id' }, { $literal: last.id }] } as QueryOperation,
        ],
      },
    ],
  };
  return { $expr: query ? { $and: [query.$expr as QueryOperation, after] } : after } as Query;
}

/** `scoredBy` becomes Query clauses over feedback, as Weave's client builds them. */
export function withScoredBy(
  query: Query | undefined,
  scoredBy: string | string[] | undefined,
): Query | undefined {
  const scorers = scoredBy === undefined ? [] : Array.isArray(scoredBy) ? scoredBy : [scoredBy];
  if (scorers.length === 0) return query;
  const clauses: Record<string, unknown>[] = scorers.map((scorer) => {
    if (scorer.startsWith('weave:///')) {
      const name = scorer.slice(scorer.lastIndexOf('/') + 1).split(':')[0] ?? scorer;
      return { $eq: [{ $getField: `feedback.[wandb.runnable.${name}].runnable_ref` }, { $literal: scorer }] };
    }
    return {
      $eq: [
        {
          $convert: {
            input: { $getField: `feedback.[wandb.runnable.${scorer}].payload.output` },
            to: 'exists',
          },
        },
        { $literal: true },
      ],
    };
  });
  if (query) clauses.unshift(query.$expr);
  return { $expr: clauses.length === 1 ? (clauses[0] as Record<string, unknown>) : { $and: clauses } };
}
