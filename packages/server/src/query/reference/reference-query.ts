/**
 * A whole calls query answered by the reference evaluator: filter, sort, then page, as the store
 * does it. The calls given are taken to be every live call of one project (see
 * `withFailedDescendants` for the one flag that needs the tree).
 */
import type { QueryExpr, SortBy } from '@weft/protocol';
import { evaluateQuery } from './evaluate.js';
import type { ReferenceCall } from './reference-call.js';
import { sortCalls } from './sort.js';

export interface ReferenceQuery {
  query: QueryExpr | null;
  sortBy: readonly SortBy[];
  /** null means no limit. */
  limit: number | null;
  offset: number;
}

export function referenceQuery(calls: readonly ReferenceCall[], request: ReferenceQuery): ReferenceCall[] {
  const { query } = request;
  const matching = query === null ? calls : calls.filter((call) => evaluateQuery(query, call) === true);
  const sorted = sortCalls(matching, request.sortBy);
  const end = request.limit === null ? undefined : request.offset + request.limit;
  return sorted.slice(request.offset, end);
}
