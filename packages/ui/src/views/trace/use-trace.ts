/**
 * The trace view's reads: the selected call with every column (full-call.ts), its whole trace in
 * one streamed read (tree columns only, up to the cap), and polling while any call of the trace
 * still runs.
 */

import { type QueryClient, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { countCalls, queryCalls, streamCalls } from '../../api/client';
import { callQueryKey, fullCallOptions } from './full-call';
import {
  lastStartedAt,
  mergeCalls,
  nextPollDelay,
  POLL_FIRST_MS,
  pollRequest,
  runningIds,
  TRACE_CALL_CAP,
  traceCountRequest,
  traceRequest,
} from './trace-requests';
import type { TraceCall } from './trace-tree';

function traceQueryKey(projectId: string, traceId: string) {
  return ['trace-view', 'trace', projectId, traceId] as const;
}

/** One call with inputs, output and everything else; an unknown id is a 404. */
export function useFullCall(projectId: string, callId: string) {
  return useQuery(fullCallOptions(projectId, callId));
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

/**
 * The trace in one streamed read, and its count alongside (an index count, answered long before
 * the rows), so that progress can say "n of m" while the rows arrive.
 */
async function loadTrace(
  projectId: string,
  traceId: string,
  onProgress: (progress: TraceProgress) => void,
  signal: AbortSignal,
): Promise<LoadedTrace> {
  const calls: TraceCall[] = [];
  let total: number | undefined;
  const counted = countCalls(traceCountRequest(projectId, traceId), signal).then((count) => {
    total = count;
    onProgress({ loaded: calls.length, total });
  });
  // Its failure is dealt with below, once the rows are in; meanwhile it must not go unhandled.
  counted.catch(() => undefined);
  await streamCalls(
    traceRequest(projectId, traceId),
    (received) => {
      for (const call of received) calls.push(call);
      onProgress({ loaded: calls.length, total });
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
