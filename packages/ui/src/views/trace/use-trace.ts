/**
 * The trace view's reads: the selected call with every column, its whole trace in pages (tree
 * columns only, up to the cap), and polling while any call of the trace still runs.
 */

import { type QueryClient, useQuery, useQueryClient } from '@tanstack/react-query';
import type { CallSchema } from '@weft/protocol';
import { useEffect, useState } from 'react';
import { ApiError, countCalls, queryCalls } from '../../api/client';
import {
  callRequest,
  lastStartedAt,
  mergeCalls,
  nextPollDelay,
  POLL_FIRST_MS,
  pageCountFor,
  pollRequest,
  runningIds,
  TRACE_CALL_CAP,
  traceCountRequest,
  tracePageRequest,
} from './trace-requests';
import type { TraceCall } from './trace-tree';

export function callQueryKey(projectId: string, callId: string) {
  return ['trace-view', 'call', projectId, callId] as const;
}

function traceQueryKey(projectId: string, traceId: string) {
  return ['trace-view', 'trace', projectId, traceId] as const;
}

/** One call with inputs, output and everything else; an unknown id is a 404. */
export function useFullCall(projectId: string, callId: string) {
  return useQuery({
    queryKey: callQueryKey(projectId, callId),
    queryFn: async ({ signal }): Promise<CallSchema> => {
      const [call] = await queryCalls(callRequest(projectId, callId), signal);
      if (!call) throw new ApiError(404, `no call ${callId}`);
      return call;
    },
  });
}

export interface LoadedTrace {
  readonly calls: readonly TraceCall[];
  /** Calls the trace has on the server (may exceed what was loaded). */
  readonly total: number;
}

export interface TraceProgress {
  readonly loaded: number;
  readonly total: number | undefined;
}

/** Pages are read a few at a time: enough to overlap, not enough to crowd out other reads. */
const PAGES_AT_ONCE = 3;

async function loadTrace(
  projectId: string,
  traceId: string,
  onProgress: (progress: TraceProgress) => void,
  signal: AbortSignal,
): Promise<LoadedTrace> {
  // The first page and the count are asked at once; the count answers first (it reads no rows),
  // and then the other pages are asked for without waiting for the first.
  const firstPage = queryCalls(tracePageRequest(projectId, traceId, 0), signal);
  const total = await countCalls(traceCountRequest(projectId, traceId), signal);
  const pages: TraceCall[][] = [];
  let loaded = 0;
  const received = (page: number, calls: TraceCall[]) => {
    pages[page] = calls;
    loaded += calls.length;
    onProgress({ loaded, total });
  };
  onProgress({ loaded, total });
  let next = 1;
  const wanted = pageCountFor(total);
  const worker = async () => {
    while (next < wanted) {
      const page = next++;
      received(page, await queryCalls(tracePageRequest(projectId, traceId, page), signal));
    }
  };
  await Promise.all([
    firstPage.then((calls) => received(0, calls)),
    ...Array.from({ length: PAGES_AT_ONCE }, worker),
  ]);
  // A trace that grew between the count and the pages is caught up by polling, not here.
  const calls = pages.flat().slice(0, TRACE_CALL_CAP);
  return { calls, total: Math.max(total, calls.length) };
}

export function useTraceCalls(projectId: string, traceId: string | undefined) {
  const [progress, setProgress] = useState<TraceProgress>({ loaded: 0, total: undefined });
  const query = useQuery({
    queryKey: traceQueryKey(projectId, traceId ?? ''),
    enabled: traceId !== undefined,
    // Polling keeps a running trace fresh; an ended one does not change.
    staleTime: Number.POSITIVE_INFINITY,
    queryFn: ({ signal }) => loadTrace(projectId, traceId!, setProgress, signal),
  });
  return { ...query, progress };
}

/**
 * While any loaded call runs, asks for the running calls and new ones, backing off while nothing
 * changes. A call that finishes while selected has its full read (inputs, output) refreshed.
 */
export function useTracePolling(
  projectId: string,
  traceId: string | undefined,
  trace: LoadedTrace | undefined,
  selectedCallId: string,
) {
  const queryClient = useQueryClient();
  const anyRunning = trace !== undefined && runningIds(trace.calls).length > 0;
  useEffect(() => {
    if (!traceId || !anyRunning) return;
    const key = traceQueryKey(projectId, traceId);
    const controller = new AbortController();
    let delay = POLL_FIRST_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const current = queryClient.getQueryData<LoadedTrace>(key);
      if (!current) return;
      const running = runningIds(current.calls);
      if (running.length === 0) return;
      let changed = false;
      // A hidden tab does not poll; it looks again at the slowest pace.
      if (!document.hidden) {
        try {
          const atCap = current.calls.length >= TRACE_CALL_CAP;
          const polled = await queryCalls(
            pollRequest(projectId, traceId, running, lastStartedAt(current.calls), atCap),
            controller.signal,
          );
          changed = applyPoll(queryClient, key, polled, projectId, selectedCallId);
        } catch {
          if (controller.signal.aborted) return;
          // A failed poll is tried again later; the trace on screen stays as it was.
        }
      }
      delay = nextPollDelay(delay, changed);
      timer = setTimeout(tick, delay);
    };
    timer = setTimeout(tick, delay);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [queryClient, projectId, traceId, anyRunning, selectedCallId]);
}

function applyPoll(
  queryClient: QueryClient,
  key: ReturnType<typeof traceQueryKey>,
  polled: readonly TraceCall[],
  projectId: string,
  selectedCallId: string,
): boolean {
  const current = queryClient.getQueryData<LoadedTrace>(key);
  if (!current) return false;
  const merged = mergeCalls(current.calls, polled);
  if (!merged.changed) return false;
  queryClient.setQueryData<LoadedTrace>(key, {
    calls: merged.calls,
    total: Math.max(current.total, merged.calls.length),
  });
  if (merged.finished.includes(selectedCallId)) {
    void queryClient.invalidateQueries({ queryKey: callQueryKey(projectId, selectedCallId) });
  }
  return true;
}
