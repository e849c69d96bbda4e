/**
 * How the table's pages are fetched. Sorted by start time, a page continues right after the last
 * call seen (`started_at ≥ t AND (started_at > t OR id > last)`, or the mirror for descending), so
 * every page costs the same however deep the user scrolls and calls logged meanwhile cannot shift
 * pages; this is the SDK's CallsIter rule (packages/sdk/src/client/weave-client.ts, `afterCall`). Other
 * sorts have no key to continue from and page by offset.
 */
import type { CallSchema, CallsQueryReq, Query } from '@weft/protocol';
import type { QueryNode } from './calls-query';
import type { SortTerm } from './view-state';

/** Rows per request: a screenful several times over, small enough to answer fast. */
export const PAGE_SIZE = 150;

/** Where a page starts: after a number of rows, or right after a call (key paging). */
export type PageParam = { kind: 'offset'; offset: number } | { kind: 'after'; startedAt: string; id: string };

export const FIRST_PAGE: PageParam = { kind: 'offset', offset: 0 };

export function pagesByKey(sort: SortTerm): boolean {
  return sort.field === 'started_at';
}

/** The base query narrowed to calls after `param`'s call, in the sort's direction. */
export function afterCallQuery(
  query: Query | null | undefined,
  param: Extract<PageParam, { kind: 'after' }>,
  direction: SortTerm['direction'],
): Query {
  const [beyond, sameOrBeyond] = direction === 'asc' ? ['$gt', '$gte'] : ['$lt', '$lte'];
  const started = { $getField: 'started_at' };
  // The server answers times with µs (docs/protocol.md §1.3), so the text is exact; a Date would
  // round it to the millisecond and skip or repeat calls.
  const at = { $literal: param.startedAt };
  const after: QueryNode = {
    $and: [
      { [sameOrBeyond]: [started, at] },
      { $or: [{ [beyond]: [started, at] }, { [beyond]: [{ $getField: 'id' }, { $literal: param.id }] }] },
    ],
  };
  return { $expr: query ? { $and: [query.$expr, after] } : after };
}

/** The request for one page. */
export function pageRequest(
  base: CallsQueryReq,
  sort: SortTerm,
  param: PageParam,
  limit = PAGE_SIZE,
): CallsQueryReq {
  if (param.kind === 'after') {
    return { ...base, query: afterCallQuery(base.query, param, sort.direction), offset: 0, limit };
  }
  return { ...base, offset: param.offset, limit };
}

/** Where the page after `pages` starts, or undefined when the last page was short (no more calls). */
export function nextPageParam(
  pages: readonly (readonly CallSchema[])[],
  sort: SortTerm,
  limit = PAGE_SIZE,
): PageParam | undefined {
  const lastPage = pages[pages.length - 1];
  if (!lastPage || lastPage.length < limit) return undefined;
  if (pagesByKey(sort)) {
    const last = lastPage[lastPage.length - 1] as CallSchema;
    return { kind: 'after', startedAt: last.started_at, id: last.id };
  }
  // Counted over the rows held, so rows merged in by live updates (live-merge.ts) move the offset too.
  return { kind: 'offset', offset: pages.reduce((total, page) => total + page.length, 0) };
}

/**
 * The held pages as one list of rows, each call once. Offset pages can overlap when calls arrive
 * between two page fetches (rows shift down on the server); the first copy wins.
 */
export function flattenPages(pages: readonly (readonly CallSchema[])[]): CallSchema[] {
  const seen = new Set<string>();
  const rows: CallSchema[] = [];
  for (const page of pages) {
    for (const call of page) {
      if (seen.has(call.id)) continue;
      seen.add(call.id);
      rows.push(call);
    }
  }
  return rows;
}
