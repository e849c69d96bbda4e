/**
 * Keeps the table current without a reload: polls the first page, the held calls that were still
 * running, and the count, and merges what changed into the cached pages (live-merge.ts). Polls
 * every 2 s after a change and backs off to 30 s while nothing changes; pauses while the tab is
 * hidden and polls at once when it is shown again.
 */
import { useQueryClient } from '@tanstack/react-query';
import type { CallSchema } from '@weft/protocol';
import { useEffect, useState } from 'react';
import { countCalls, queryCalls } from '../../api/client';
import { type CallPages, type CallsRequest, callCountKey, callPagesKey } from './calls-data';
import { mergeFreshCalls, nextPollDelay, runningCallIds } from './live-merge';
import { FIRST_PAGE, pageRequest } from './paging';

const FASTEST = 2_000;
const SLOWEST = 30_000;
/** Running calls asked about per poll; the filter takes at most 1000 ids (docs/protocol.md §1.5). */
const MAX_RUNNING_IDS = 500;

/** Returns how many new calls match that the table could not place (for a "show them" notice). */
export function useLiveCalls(request: CallsRequest, enabled: boolean): number {
  const queryClient = useQueryClient();
  const [unplaced, setUnplaced] = useState(0);

  useEffect(() => {
    setUnplaced(0);
    if (!enabled) return;
    const pagesKey = callPagesKey(request);
    const countKey = callCountKey(request);
    const abort = new AbortController();
    let delay = FASTEST;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let lastUnplaced = 0;
    let polling = false;

    const fetching = () => queryClient.isFetching({ queryKey: pagesKey }) > 0;

    async function poll(): Promise<boolean> {
      const held = queryClient.getQueryData<CallPages>(pagesKey);
      if (!held || fetching()) return true;
      const ids = runningCallIds(held.pages, MAX_RUNNING_IDS);
      const [head, updated, count] = await Promise.all([
        queryCalls(pageRequest(request.base, request.sort, FIRST_PAGE), abort.signal),
        ids.length > 0
          ? queryCalls(
              {
                project_id: request.base.project_id,
                filter: { call_ids: ids },
                columns: request.base.columns,
                // A call that ends gets its usage, and with it a cost.
                ...(request.base.include_costs ? { include_costs: true } : {}),
                // Without it the fresh copy would lack the feedback the held one shows.
                ...(request.base.include_feedback ? { include_feedback: true } : {}),
              },
              abort.signal,
            )
          : Promise.resolve([] as CallSchema[]),
        countCalls(request.stats, abort.signal),
      ]);
      // A page fetched meanwhile replaced the cached pages; merge into what is there now, or
      // leave it to the next poll if a fetch is still under way.
      const current = queryClient.getQueryData<CallPages>(pagesKey);
      if (!current || fetching()) return true;
      const merged = mergeFreshCalls(current.pages, { head, updated }, request.sort);
      if (merged.changed > 0)
        queryClient.setQueryData<CallPages>(pagesKey, { ...current, pages: merged.pages });
      const countChanged = queryClient.getQueryData<number>(countKey) !== count;
      if (countChanged) queryClient.setQueryData(countKey, count);
      const unplacedChanged = merged.unplaced !== lastUnplaced;
      lastUnplaced = merged.unplaced;
      setUnplaced(merged.unplaced);
      return merged.changed > 0 || countChanged || unplacedChanged;
    }

    function schedule(): void {
      if (abort.signal.aborted || document.hidden) return;
      timer = setTimeout(async () => {
        timer = undefined;
        if (document.hidden) return;
        let changed = false;
        polling = true;
        try {
          changed = await poll();
        } catch {
          // A failed poll is not worth an error on screen: the rows shown are still right as of
          // the last answer. Back off and try again.
        } finally {
          polling = false;
        }
        delay = nextPollDelay(delay, changed, FASTEST, SLOWEST);
        schedule();
      }, delay);
    }

    function onVisibilityChange(): void {
      if (document.hidden) {
        if (timer) clearTimeout(timer);
        timer = undefined;
      } else if (!timer && !polling) {
        // Back from another tab: things probably changed; look now and poll fast again.
        delay = 0;
        schedule();
        delay = FASTEST;
      }
    }

    document.addEventListener('visibilitychange', onVisibilityChange);
    schedule();
    return () => {
      abort.abort();
      if (timer) clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibilityChange);
    };
  }, [request, enabled, queryClient]);

  return unplaced;
}
