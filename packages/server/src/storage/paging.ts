/**
 * Reading long answers a page at a time (docs/architecture.md, "Reading in pages"): every read a
 * query route makes returns at most one page, and each page is a short read of its own, in its own
 * snapshot. A consumer that stops pulling (a client that stops reading its response) therefore
 * holds nothing in the database between pages: no reader, no read transaction, nothing that keeps
 * WAL checkpoints from finishing. The next page continues where the last ended:
 *
 * - by key when the order is by start time and id, or by id alone (the default order, and how the
 *   SDKs and the web UI page): the next page is the calls after the last one returned, so a call
 *   written or deleted meanwhile never makes the stream repeat or skip one that was there all along;
 * - otherwise by groups of ids: continuing after a key would mean comparing whole sort keys (a JSON
 *   field sorts by three of them, nulls last, costs and feedback through lookups) in a condition no
 *   index serves, at the cost of a sort per page. Instead one sort gives the ids of the next
 *   MAX_ID_GROUP calls, read a page at a time by id; the group after it starts at an offset, so a
 *   call written or deleted meanwhile before that position shifts the rest by one
 *   (docs/protocol.md §1.7 says so).
 *
 * Tables never change once stored, so their pages continue by offset and are exact.
 */
import type { SortBy } from '@weft/protocol';
import type { CallsQuery } from './trace-store.js';

/** The most rows any single read returns, whatever the request's limit (docs/protocol.md §1.5). */
export const MAX_PAGE_ROWS = 1000;
/** A page also ends once its rows hold about this much text; it always holds at least one row. */
export const MAX_PAGE_CHARS = 1024 * 1024;

/** What identifies a call's place in the keyset orders: its start time (µs), then its id. */
export interface CallKey {
  started_at: number;
  id: string;
}

/** An order a page can continue by key: `started_at` then `id`, or `id` alone, one direction. */
export interface KeysetOrder {
  keys: 'started_at,id' | 'id';
  direction: 'asc' | 'desc';
}

/** Without `sort_by`, calls come oldest first (docs/protocol.md §4.7). */
export const DEFAULT_CALLS_ORDER: readonly SortBy[] = [{ field: 'started_at', direction: 'asc' }];

/**
 * The keyset order `sortBy` amounts to, or null when a page must continue by offset. The query
 * builder adds `id` after a trailing `started_at` in its direction (query/calls-query.ts), so
 * `[started_at]` orders by (started_at, id) too.
 */
export function keysetOrder(sortBy: readonly SortBy[]): KeysetOrder | null {
  const [first, second] = sortBy;
  if (!first) return null;
  if (first.field === 'id') return { keys: 'id', direction: first.direction };
  if (first.field !== 'started_at' || sortBy.length > 2) return null;
  if (second && (second.field !== 'id' || second.direction !== first.direction)) return null;
  return { keys: 'started_at,id', direction: first.direction };
}

/** How many ids one sort hands out for the pages after it, in orders without a key (see CallsPager). */
export const MAX_ID_GROUP = 10 * MAX_PAGE_ROWS;

/**
 * One read of a calls answer:
 * - `rows`: the query itself, with the page's limit and offset, continued after a key if given;
 * - `ids`: the ids of the next group of calls in the query's order (up to MAX_ID_GROUP): the sort
 *   done once for many pages;
 * - `picked`: the calls with these ids, in this order, as far as they still match the query.
 */
export type CallsPageRead =
  | { kind: 'rows'; query: CallsQuery; after: CallKey | null }
  | { kind: 'ids'; query: CallsQuery }
  | { kind: 'picked'; query: CallsQuery; ids: readonly string[] };

/** What a page read returned, as much as paging needs to know. */
export interface PageResult {
  /** Rows in the page. */
  count: number;
  /** The last row's key (calls only); null for an empty page. */
  last: CallKey | null;
  /** The page stopped at MAX_PAGE_CHARS before its limit: there may be more rows. */
  cut: boolean;
  /** The ids an `ids` read found, in order. */
  ids?: readonly string[];
}

/**
 * Plans the page reads of one query. A query with no sort order is given the default one, since
 * pages need a stable order to continue from.
 *
 * In a keyset order every page is a `rows` read after the last call returned. In any other order
 * a request for at most a page starts with a `rows` read (most answers fit one page, and then
 * nothing changes); a longer answer goes in groups: one sort gives the ids of the next
 * MAX_ID_GROUP calls (one read), and pages then read those calls by id, in that order.
 * Re-sorting at an offset for every page would cost a sort per page, and pages of large calls
 * are short.
 */
export class CallsPager {
  private readonly query: CallsQuery;
  private readonly keyset: KeysetOrder | null;
  /** Rows the request still wants, beyond those read or grouped; null for all. */
  private remaining: number | null;
  private offset: number;
  private after: CallKey | null = null;
  /** Outside keyset orders: reads go by groups of ids (after a first page, or from the start). */
  private grouped: boolean;
  /** Ids of the current group not yet read, in order. */
  private ids: string[] = [];
  /** The last group read held every call left at its offset: no group comes after it. */
  private lastGroup = false;

  constructor(query: CallsQuery) {
    this.query = query.sort_by.length === 0 ? { ...query, sort_by: [...DEFAULT_CALLS_ORDER] } : query;
    this.keyset = keysetOrder(this.query.sort_by);
    this.remaining = query.limit;
    this.offset = query.offset;
    // An answer that may be longer than a page starts with its group's sort right away.
    this.grouped = !this.keyset && (query.limit === null || query.limit > MAX_PAGE_ROWS);
  }

  /** The next read. */
  read(): CallsPageRead {
    if (this.keyset || !this.grouped) {
      return {
        kind: 'rows',
        query: { ...this.query, limit: pageLimit(this.remaining), offset: this.offset },
        after: this.after,
      };
    }
    if (this.ids.length === 0) {
      const limit = this.remaining === null ? MAX_ID_GROUP : Math.min(this.remaining, MAX_ID_GROUP);
      return { kind: 'ids', query: { ...this.query, limit, offset: this.offset } };
    }
    return { kind: 'picked', query: this.query, ids: this.ids.slice(0, MAX_PAGE_ROWS) };
  }

  /** Takes in what the last read returned; false when the answer is complete. */
  advance(result: PageResult): boolean {
    const read = this.read();
    this.grouped = true;
    switch (read.kind) {
      case 'rows': {
        const asked = read.query.limit ?? MAX_PAGE_ROWS;
        this.take(result.count);
        this.offset += result.count;
        if (result.count === 0 || this.remaining === 0 || (result.count < asked && !result.cut)) return false;
        if (this.keyset && result.last) {
          // The offset was spent on the first page; the key says where the rest starts.
          this.after = result.last;
          this.offset = 0;
        }
        return true;
      }
      case 'ids': {
        const ids = result.ids ?? [];
        this.ids = [...ids];
        this.take(ids.length);
        this.offset += ids.length;
        this.lastGroup = ids.length < (read.query.limit ?? MAX_ID_GROUP);
        return ids.length > 0;
      }
      case 'picked': {
        // Calls deleted (or no longer matching) since their group was read are left out; a page
        // cut short ends at its last call, and the ids after it come next.
        const through = result.cut && result.last ? read.ids.indexOf(result.last.id) + 1 : read.ids.length;
        // Never none: a cut page holds at least one call, and every call it holds was picked.
        this.ids.splice(0, Math.max(1, through));
        return this.ids.length > 0 || !(this.lastGroup || this.remaining === 0);
      }
    }
  }

  private take(count: number): void {
    if (this.remaining !== null) this.remaining -= count;
  }
}

/** Plans the page reads of a query paged by offset (tables, and the routes paged in the service). */
export class OffsetPager {
  private remaining: number | null;

  constructor(
    limit: number | null,
    private offset: number,
  ) {
    this.remaining = limit;
  }

  read(): { limit: number; offset: number } {
    return { limit: pageLimit(this.remaining), offset: this.offset };
  }

  /** Takes in what the last read returned; false when the answer is complete. */
  advance(result: Pick<PageResult, 'count' | 'cut'>): boolean {
    const asked = pageLimit(this.remaining);
    if (this.remaining !== null) this.remaining -= result.count;
    this.offset += result.count;
    return !(result.count === 0 || this.remaining === 0 || (result.count < asked && !result.cut));
  }
}

function pageLimit(remaining: number | null): number {
  return remaining === null ? MAX_PAGE_ROWS : Math.min(remaining, MAX_PAGE_ROWS);
}
