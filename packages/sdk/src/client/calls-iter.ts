/**
 * CallsIter: the calls a query matches, fetched lazily `pageSize` at a time (Weave's
 * PaginatedIterator). Iterate with `for await`, collect with `toArray()`, count with `count()`.
 */
import type { Call } from '../tracing/call.js';

/** Where a page starts: after skipping `offset` calls, or right after `after` (keyset paging). */
export interface PageStart {
  offset: number;
  /** The last call of the previous page; sources that can page by key use it instead of the offset. */
  after: Call | undefined;
}

export interface CallsIterSource {
  fetchPage(start: PageStart, limit: number): Promise<Call[]>;
  /** How many calls match the query, ignoring limit and offset. */
  countAll(): Promise<number>;
}

export interface CallsIterOptions {
  pageSize: number;
  /** Stop after this many calls. */
  limit: number | undefined;
  /** Skip this many calls first. */
  offset: number;
}

export class CallsIter implements AsyncIterable<Call> {
  /** Requests made so far; each one fetched at most a page. */
  pagesFetched = 0;

  constructor(
    private readonly source: CallsIterSource,
    private readonly options: CallsIterOptions,
  ) {
    if (!Number.isInteger(options.pageSize) || options.pageSize <= 0) {
      throw new RangeError('pageSize must be a positive integer');
    }
    if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit <= 0)) {
      throw new RangeError('limit must be a positive integer');
    }
    if (!Number.isInteger(options.offset) || options.offset < 0) {
      throw new RangeError('offset must be a non-negative integer');
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Call> {
    const { pageSize, limit, offset } = this.options;
    let yielded = 0;
    let last: Call | undefined;
    while (limit === undefined || yielded < limit) {
      const wanted = limit === undefined ? pageSize : Math.min(pageSize, limit - yielded);
      const page = await this.source.fetchPage({ offset: offset + yielded, after: last }, wanted);
      this.pagesFetched += 1;
      for (const call of page) yield call;
      yielded += page.length;
      last = page[page.length - 1];
      // A short page is the last one.
      if (page.length < wanted) return;
    }
  }

  async toArray(): Promise<Call[]> {
    const calls: Call[] = [];
    for await (const call of this) calls.push(call);
    return calls;
  }

  /** How many calls iterating would yield (from the server's count, with limit and offset applied). */
  async count(): Promise<number> {
    const total = await this.source.countAll();
    const afterOffset = Math.max(0, total - this.options.offset);
    return this.options.limit === undefined ? afterOffset : Math.min(this.options.limit, afterOffset);
  }
}
