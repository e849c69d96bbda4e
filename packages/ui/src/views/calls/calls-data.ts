/**
 * The table's reads, as TanStack Query hooks: the calls in pages (useInfiniteQuery, key paging or
 * offsets per paging.ts), their count (`/calls/query_stats`) and the project's op names (for the
 * op picker and the quick search).
 */
import {
  type InfiniteData,
  infiniteQueryOptions,
  type QueryClient,
  useInfiniteQuery,
  useQuery,
} from '@tanstack/react-query';
import type { CallSchema, CallsQueryReq, CallsQueryStatsReq, ObjQueryRes } from '@weft/protocol';
import { useMemo } from 'react';
import { countCalls, postJson, queryCalls } from '../../api/client';
import { type ProjectRef, projectId } from '../../routes';
import { COST_COLUMN, OUTPUT_COLUMN } from './calls-columns';
import { buildCallsFilter, buildQuery, buildSortBy, opsMatchingSearch } from './calls-query';
import { FIRST_PAGE, nextPageParam, type PageParam, pageRequest } from './paging';
import { type CallsViewState, parseViewState, type SortTerm } from './view-state';

/**
 * What a row needs. Inputs and attributes stay on the server: they are the heavy part of a call
 * and the trace view reads them. The output is asked for only while its column is shown (it is a
 * preview, cut to a line, but arrives whole). `summary` brings `ended_at`, `exception` and
 * `display_name` along (docs/protocol.md §4.8).
 */
export const LIST_COLUMNS = [
  'id',
  'trace_id',
  'parent_id',
  'op_name',
  'display_name',
  'started_at',
  'summary',
];

/** Whether a column may be on screen: it is chosen, or the user chose none (the defaults). */
function mayShow(state: CallsViewState, column: string): boolean {
  return state.columns === undefined || state.columns.includes(column);
}

/** The columns a view state asks for: the output only while its column is shown. */
export function listColumns(state: CallsViewState): string[] {
  return mayShow(state, OUTPUT_COLUMN) ? [...LIST_COLUMNS, OUTPUT_COLUMN] : LIST_COLUMNS;
}

/**
 * Whether the server is asked to price the calls (`include_costs`, docs/protocol.md §17.3): while
 * the Cost column may be shown. It prices only calls whose summary records usage, per page.
 */
export function includesCosts(state: CallsViewState): boolean {
  return mayShow(state, COST_COLUMN);
}

export type CallPages = InfiniteData<CallSchema[], PageParam>;

/** The request every page and poll shares (without limit and offset), and its count request. */
export interface CallsRequest {
  base: CallsQueryReq;
  stats: CallsQueryStatsReq;
  sort: SortTerm;
}

/** The requests for a view state; `matchingOps` are the op names the quick search matches. */
export function callsRequest(
  state: CallsViewState,
  project: ProjectRef,
  matchingOps: readonly string[],
): CallsRequest {
  const filter = buildCallsFilter(state, project);
  const query = buildQuery(state, matchingOps);
  const common = { project_id: projectId(project), filter, ...(query ? { query } : {}) };
  return {
    base: {
      ...common,
      sort_by: buildSortBy(state.sort),
      columns: listColumns(state),
      ...(includesCosts(state) ? { include_costs: true } : {}),
    },
    stats: common,
    sort: state.sort,
  };
}

export function useCallsRequest(
  state: CallsViewState,
  project: ProjectRef,
  opNames: readonly string[],
): CallsRequest {
  const matchingOps = useMemo(() => opsMatchingSearch(opNames, state.search), [opNames, state.search]);
  return useMemo(() => callsRequest(state, project, matchingOps), [state, project, matchingOps]);
}

export const callPagesKey = (request: CallsRequest) => ['calls', 'pages', request.base] as const;
export const callCountKey = (request: CallsRequest) => ['calls', 'count', request.stats] as const;

function callPagesOptions(request: CallsRequest) {
  return infiniteQueryOptions({
    queryKey: callPagesKey(request),
    queryFn: ({ pageParam, signal }) =>
      queryCalls(pageRequest(request.base, request.sort, pageParam), signal),
    initialPageParam: FIRST_PAGE,
    getNextPageParam: (_lastPage, pages) => nextPageParam(pages, request.sort),
    // Live updates (use-live-calls.ts) keep the held pages current; refetching every loaded page
    // when the user comes back would cost a request per page.
    staleTime: Number.POSITIVE_INFINITY,
  });
}

export function useCallPages(request: CallsRequest) {
  return useInfiniteQuery(callPagesOptions(request));
}

/**
 * Asks for the first page of the table a URL shows as soon as the URL is known (the route's
 * loader), while the view's own code is still loading, so the two overlap instead of following
 * one another. The view then finds the page in the cache, or on its way.
 */
export function prefetchFirstCallPage(
  queryClient: QueryClient,
  project: ProjectRef,
  search: URLSearchParams,
): void {
  const state = parseViewState(search);
  // The quick search also matches op names, which are not known yet: that view asks for itself.
  if (state.search.trim().length > 0) return;
  void queryClient.prefetchInfiniteQuery(callPagesOptions(callsRequest(state, project, [])));
}

/**
 * The count, asked once the first page has arrived: on a big project both are scans, and the rows
 * matter more than the number, so the count does not compete with the first page for the server.
 */
export function useCallCount(request: CallsRequest, firstPageLoaded: boolean) {
  return useQuery({
    queryKey: callCountKey(request),
    queryFn: ({ signal }) => countCalls(request.stats, signal),
    staleTime: Number.POSITIVE_INFINITY,
    enabled: firstPageLoaded,
  });
}

/** The names of the project's ops (their latest versions), sorted. */
export function useProjectOps(project: ProjectRef) {
  return useQuery({
    queryKey: ['ops', 'names', projectId(project)],
    queryFn: async ({ signal }) => {
      const { objs } = await postJson<ObjQueryRes>(
        '/objs/query',
        { project_id: projectId(project), filter: { is_op: true, latest_only: true }, metadata_only: true },
        signal,
      );
      return [...new Set(objs.map((obj) => obj.object_id))].sort((a, b) => a.localeCompare(b));
    },
    staleTime: 60_000,
  });
}
