/**
 * The table's reads, as TanStack Query hooks: the calls in pages (useInfiniteQuery, key paging or
 * offsets per paging.ts), their count (`/calls/query_stats`), the project's op names (for the
 * op picker and the quick search) and whether the project has any feedback (which decides whether
 * the default columns include feedback ones, and so whether the pages are read with it).
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
import { projectHasFeedback } from '../../api/feedback';
import { type ProjectRef, projectId } from '../../routes';
import { COST_COLUMN, OUTPUT_COLUMN } from './calls-columns';
import { buildCallsFilter, buildQuery, buildSortBy, opsMatchingSearch } from './calls-query';
import { isFeedbackField } from './feedback-fields';
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

/**
 * Whether the calls are read with their feedback (`include_feedback`, docs/protocol.md §18.4):
 * while a feedback column may be shown. Chosen columns say so themselves; the default columns
 * include feedback ones only in a project that has feedback (`projectHasFeedback`), so a project
 * without any never pays for reading it. Filtering and sorting by feedback need no such option.
 */
export function includesFeedback(state: CallsViewState, projectHasFeedback: boolean): boolean {
  return state.columns === undefined ? projectHasFeedback : state.columns.some(isFeedbackField);
}

export type CallPages = InfiniteData<CallSchema[], PageParam>;

/** The request every page and poll shares (without limit and offset), and its count request. */
export interface CallsRequest {
  base: CallsQueryReq;
  stats: CallsQueryStatsReq;
  sort: SortTerm;
}

/**
 * The requests for a view state; `matchingOps` are the op names the quick search matches,
 * `projectHasFeedback` what the project's feedback probe answered (see includesFeedback).
 */
export function callsRequest(
  state: CallsViewState,
  project: ProjectRef,
  matchingOps: readonly string[],
  projectHasFeedback = false,
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
      ...(includesFeedback(state, projectHasFeedback) ? { include_feedback: true } : {}),
    },
    stats: common,
    sort: state.sort,
  };
}

export function useCallsRequest(
  state: CallsViewState,
  project: ProjectRef,
  opNames: readonly string[],
  projectHasFeedback: boolean,
): CallsRequest {
  const matchingOps = useMemo(() => opsMatchingSearch(opNames, state.search), [opNames, state.search]);
  return useMemo(
    () => callsRequest(state, project, matchingOps, projectHasFeedback),
    [state, project, matchingOps, projectHasFeedback],
  );
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

/** `ready` is false while the request still waits for the feedback probe. */
export function useCallPages(request: CallsRequest, ready: boolean) {
  return useInfiniteQuery({ ...callPagesOptions(request), enabled: ready });
}

/** Held so that a project's answer is reused while the user moves between its pages. */
export const projectFeedbackKey = (project: ProjectRef) =>
  ['calls', 'has-feedback', projectId(project)] as const;

function projectFeedbackOptions(project: ProjectRef) {
  return {
    queryKey: projectFeedbackKey(project),
    queryFn: ({ signal }: { signal: AbortSignal }) => projectHasFeedback(projectId(project), signal),
    staleTime: 60_000,
    // The table waits for this answer: a server without the feedback routes, or a failure, is "no
    // feedback" at once rather than after retries.
    retry: false,
  };
}

/**
 * After feedback was added or removed elsewhere (the trace view): the held pages read with
 * feedback are out of date. They are marked so and read again when the table is next shown, not
 * now (it is not on screen). Feedback added means the project has some, which the default columns
 * depend on.
 */
export function afterFeedbackChange(queryClient: QueryClient, project: ProjectRef, added: boolean): void {
  if (added) queryClient.setQueryData(projectFeedbackKey(project), true);
  const id = projectId(project);
  void queryClient.invalidateQueries({
    queryKey: ['calls', 'pages'],
    predicate: (query) => {
      const base = query.queryKey[2] as CallsQueryReq | undefined;
      return base?.project_id === id && base.include_feedback === true;
    },
    refetchType: 'none',
  });
}

/**
 * Whether the project has any feedback, asked only while the default columns are shown (chosen
 * columns decide for themselves). One row's id from `/feedback/query`: a lookup, not a scan.
 * `settled` is true once there is an answer, or a failure (read as "none"), or no question.
 */
export function useProjectHasFeedback(project: ProjectRef, needed: boolean) {
  const query = useQuery({ ...projectFeedbackOptions(project), enabled: needed });
  return { hasFeedback: query.data ?? false, settled: !needed || query.isSuccess || query.isError };
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
  const prefetch = (hasFeedback: boolean) =>
    queryClient.prefetchInfiniteQuery(callPagesOptions(callsRequest(state, project, [], hasFeedback)));
  if (state.columns !== undefined) {
    void prefetch(false);
    return;
  }
  // The default columns depend on whether the project has feedback: ask that first (a one-row
  // lookup), then the page the view will ask for.
  void queryClient
    .fetchQuery(projectFeedbackOptions(project))
    .catch(() => false)
    .then(prefetch);
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
