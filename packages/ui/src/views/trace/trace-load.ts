/**
 * Loading a whole trace (tree columns only, up to the cap): one streamed read, and its count
 * alongside (an index count, answered long before the rows) so that progress can say "n of m".
 * Outside the view's chunk, so the route's loader can start it as soon as the selected call has
 * said which trace it is in, while the view's code is still loading.
 */
import { type QueryClient, queryOptions } from '@tanstack/react-query';
import { isId } from '@weft/protocol/ids';
import { countCalls, queryCalls, streamCalls } from '../../api/client';
import { fullCallOptions } from './full-call';
import { traceCountRequest, traceRequest } from './trace-requests';
import type { TraceCall } from './trace-tree';

export interface LoadedTrace {
  readonly calls: readonly TraceCall[];
  /** Calls the trace has on the server (may exceed what was loaded). */
  readonly total: number;
}

export interface TraceProgress {
  readonly loaded: number;
  readonly total: number | undefined;
}

export function traceQueryKey(projectId: string, traceId: string) {
  return ['trace-view', 'trace', projectId, traceId] as const;
}

/** Where a load in progress says how far it has got (a cache entry no request fills). */
export function traceProgressKey(projectId: string, traceId: string) {
  return ['trace-view', 'trace-progress', projectId, traceId] as const;
}

/** Calls between two progress reports. */
const PROGRESS_STEP = 1000;

async function loadTrace(
  queryClient: QueryClient,
  projectId: string,
  traceId: string,
  signal: AbortSignal,
): Promise<LoadedTrace> {
  const calls: TraceCall[] = [];
  let total: number | undefined;
  let reported = 0;
  // Progress is told in steps: a render per network chunk would only slow the load it reports.
  const report = (force = false) => {
    if (!force && calls.length - reported < PROGRESS_STEP) return;
    reported = calls.length;
    queryClient.setQueryData<TraceProgress>(traceProgressKey(projectId, traceId), {
      loaded: calls.length,
      total,
    });
  };
  const counted = countCalls(traceCountRequest(projectId, traceId), signal).then((count) => {
    total = count;
    report(true);
  });
  // Its failure is dealt with below, once the rows are in; meanwhile it must not go unhandled.
  counted.catch(() => undefined);
  await streamCalls(
    traceRequest(projectId, traceId),
    (received) => {
      for (const call of received) calls.push(call);
      report();
    },
    signal,
  );
  // Without a count the rows say how many there are at least; a trace that grew meanwhile is
  // caught up by polling.
  await counted.catch((error: unknown) => {
    if (signal.aborted) throw error;
  });
  return { calls, total: Math.max(total ?? 0, calls.length) };
}

/** Whether a trace in the cache holds the call. */
function traceHolding(queryClient: QueryClient, projectId: string, callId: string): boolean {
  const traces = queryClient.getQueriesData<LoadedTrace>({ queryKey: ['trace-view', 'trace', projectId] });
  return traces.some(([, trace]) => trace?.calls.some((call) => call.id === callId) === true);
}

export function traceCallsOptions(queryClient: QueryClient, projectId: string, traceId: string) {
  return queryOptions({
    queryKey: traceQueryKey(projectId, traceId),
    queryFn: ({ signal }) => loadTrace(queryClient, projectId, traceId, signal),
    // Polling keeps a running trace fresh; an ended one does not change.
    staleTime: Number.POSITIVE_INFINITY,
  });
}

/**
 * What a trace view's URL needs, asked for before the view's code has loaded: the selected call
 * whole, and at the same time its trace id alone (a far smaller answer), so that the trace is
 * asked for as soon as that id is known. A failure is left for the view to ask again and show.
 */
export function prefetchTraceView(queryClient: QueryClient, projectId: string, callId: string): void {
  void queryClient.prefetchQuery(fullCallOptions(projectId, callId));
  // Moving through a trace already on screen selects its calls one after another: their trace
  // is loaded, so there is nothing more to ask.
  if (traceHolding(queryClient, projectId, callId) || !isId(callId)) return;
  const whichTrace = {
    project_id: projectId,
    filter: { call_ids: [callId] },
    columns: ['id', 'trace_id'],
    limit: 1,
  };
  queryCalls(whichTrace).then(
    ([call]) => {
      if (call) void queryClient.prefetchQuery(traceCallsOptions(queryClient, projectId, call.trace_id));
    },
    () => undefined,
  );
}
