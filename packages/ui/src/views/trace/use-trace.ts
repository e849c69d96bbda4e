/**
 * The trace view's reads: the selected call with every column (full-call.ts), its whole trace in
 * one streamed read (tree columns only, up to the cap), and polling while any call of the trace
 * still runs.
 */

import { type QueryClient, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { queryCalls } from '../../api/client';
import { callCost } from '../costs/call-cost';
import { callQueryKey, fullCallOptions } from './full-call';
import {
  type LoadedTrace,
  type TraceProgress,
  traceCallsOptions,
  traceProgressKey,
  traceQueryKey,
} from './trace-load';
import {
  lastStartedAt,
  mergeCalls,
  nextPollDelay,
  POLL_FIRST_MS,
  pollRequest,
  rootCostRequest,
  runningIds,
  TRACE_CALL_CAP,
} from './trace-requests';
import type { TraceCall } from './trace-tree';

export type { LoadedTrace, TraceProgress } from './trace-load';

/** One call with inputs, output and everything else; an unknown id is a 404. */
export function useFullCall(projectId: string, callId: string) {
  return useQuery(fullCallOptions(projectId, callId));
}

/**
 * The cost of a trace's root (so, of the trace), asked only when its summary records usage, and
 * again when the root ends (its usage is written then).
 */
export function useRootCost(projectId: string, root: TraceCall | undefined, hasUsage: boolean) {
  return useQuery({
    queryKey: ['trace-view', 'root-cost', projectId, root?.id, root?.ended_at ?? null] as const,
    queryFn: async ({ signal }) => {
      const [call] = await queryCalls(rootCostRequest(projectId, root?.id ?? ''), signal);
      return callCost(call?.summary) ?? null;
    },
    enabled: root !== undefined && hasUsage,
    staleTime: Number.POSITIVE_INFINITY,
  });
}

const NO_PROGRESS: TraceProgress = { loaded: 0, total: undefined };

export function useTraceCalls(projectId: string, traceId: string | undefined) {
  const queryClient = useQueryClient();
  const query = useQuery({
    ...traceCallsOptions(queryClient, projectId, traceId ?? ''),
    enabled: traceId !== undefined,
  });
  // Written by the load as rows arrive (trace-load.ts); never fetched by itself.
  const progress = useQuery<TraceProgress>({
    queryKey: traceProgressKey(projectId, traceId ?? ''),
    queryFn: () => NO_PROGRESS,
    enabled: false,
  });
  return { ...query, progress: progress.data ?? NO_PROGRESS };
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
