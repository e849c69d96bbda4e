/**
 * Live updates without a reload: fresh copies of calls (the first page polled again, and the
 * loaded calls that were still running) are merged into the pages the table holds. A changed call
 * is replaced where it stands. A call the table has not seen is inserted in order when the sort is
 * by start time (it is then within the first page's range, see below); for other sorts the browser
 * cannot place it the way the server sorts, so it is only counted and the table offers a reload.
 *
 * Why a new call of the polled first page belongs inside the held first page: the held first page
 * had N calls and they all still exist, so the new first N calls rank at least as high as the
 * held page's last call. Inserting there keeps the order, and key paging still continues after
 * that last call.
 */
import type { CallSchema } from '@weft/protocol';
import type { SortTerm } from './view-state';

/** What a row shows that can change while a call runs or after it ends. */
export function callVersion(call: CallSchema): string {
  return JSON.stringify([call.ended_at, call.display_name, call.exception !== null, call.summary]);
}

/** Start-time order with the id tie-breaker, as the server sorts (buildSortBy). */
export function compareByStart(a: CallSchema, b: CallSchema, direction: SortTerm['direction']): number {
  // Timestamps all have the server's fixed µs form (docs/protocol.md §1.3), so text order is time order.
  const order =
    a.started_at < b.started_at
      ? -1
      : a.started_at > b.started_at
        ? 1
        : a.id < b.id
          ? -1
          : a.id > b.id
            ? 1
            : 0;
  return direction === 'asc' ? order : -order;
}

export interface MergeResult {
  pages: CallSchema[][];
  /** Rows replaced or inserted. */
  changed: number;
  /** Calls of the polled first page the table could not place (sorts other than start time). */
  unplaced: number;
}

export function mergeFreshCalls(
  pages: readonly CallSchema[][],
  fresh: { head: readonly CallSchema[]; updated: readonly CallSchema[] },
  sort: SortTerm,
): MergeResult {
  const freshById = new Map<string, CallSchema>();
  for (const call of [...fresh.head, ...fresh.updated]) freshById.set(call.id, call);
  const held = new Set<string>();
  let changed = 0;
  const merged = pages.map((page) => {
    let copy: CallSchema[] | undefined;
    page.forEach((call, index) => {
      held.add(call.id);
      const newer = freshById.get(call.id);
      if (newer && callVersion(newer) !== callVersion(call)) {
        copy ??= [...page];
        copy[index] = newer;
        changed += 1;
      }
    });
    return copy ?? (page as CallSchema[]);
  });
  const unseen = fresh.head.filter((call) => !held.has(call.id));
  if (unseen.length === 0) return { pages: merged, changed, unplaced: 0 };
  if (sort.field !== 'started_at' || merged.length === 0) {
    return { pages: merged, changed, unplaced: unseen.length };
  }
  const first = [...(merged[0] as CallSchema[]), ...unseen].sort((a, b) =>
    compareByStart(a, b, sort.direction),
  );
  return { pages: [first, ...merged.slice(1)], changed: changed + unseen.length, unplaced: 0 };
}

/** The ids of held calls still running, the ones worth asking about again (at most `limit`). */
export function runningCallIds(pages: readonly (readonly CallSchema[])[], limit: number): string[] {
  const ids: string[] = [];
  for (const page of pages) {
    for (const call of page) {
      if (call.summary?.weave?.status === 'running') {
        ids.push(call.id);
        if (ids.length === limit) return ids;
      }
    }
  }
  return ids;
}

/** The next poll's delay: back to the fastest after a change, else twice as long, up to `max`. */
export function nextPollDelay(previous: number, changed: boolean, min = 2_000, max = 30_000): number {
  return changed ? min : Math.min(max, Math.max(min, previous * 2));
}
