/**
 * What every query route shares (docs/protocol.md §1.5): its `limit` is checked the same way, its
 * answer is read from the store a page at a time (storage/paging.ts), whatever the limit, and it is
 * rendered as text a page at a time, for the route to send as it is read (http/chunked-reply.ts).
 */
import { InvalidRequest } from '@weft/protocol';
import { OffsetPager } from '../storage/paging.js';

/**
 * A request's limit: null (or none) for no limit. Below 1 is refused: Weave reads 0 and below as
 * "everything", which turns a typo into the largest answer the server can give.
 */
export function requestLimit(limit: number | null | undefined): number | null {
  if (limit == null) return null;
  if (limit < 1) {
    throw new InvalidRequest(
      `limit must be at least 1, got ${limit}; leave it out (or send null) for no limit`,
    );
  }
  return limit;
}

/**
 * The rows `read(limit, offset)` gives, a page at a time, up to `limit` rows from `offset`: for
 * reads the store answers in one piece (objects, feedback, prices), so no request makes one read
 * of more than MAX_PAGE_ROWS rows. Each page is a read of its own, continued by offset.
 */
export async function* offsetPages<T>(
  read: (limit: number, offset: number) => Promise<T[]>,
  limit: number | null,
  offset: number,
): AsyncGenerator<T[]> {
  const pager = new OffsetPager(limit, offset);
  for (;;) {
    const page = pager.read();
    const rows = await read(page.limit, page.offset);
    if (rows.length > 0) yield rows;
    if (!pager.advance({ count: rows.length, cut: false })) return;
  }
}

/**
 * A JSON document `open` + elements + `close` as text chunks, one per group of elements. A group is
 * elements already joined by commas; empty groups are skipped. Nothing is produced until the first
 * group is read, so a read that fails at once fails before any of the answer is sent.
 */
export async function* jsonDocument(
  open: string,
  groups: AsyncIterable<string>,
  close: string,
): AsyncGenerator<string> {
  let first = true;
  for await (const group of groups) {
    if (group.length === 0) continue;
    yield first ? open + group : `,${group}`;
    first = false;
  }
  yield first ? open + close : close;
}

/** Each page of rows rendered as one group of JSON elements. */
export async function* renderPages<T>(
  pages: AsyncIterable<readonly T[]>,
  render: (row: T) => string,
): AsyncGenerator<string> {
  for await (const rows of pages) yield rows.map(render).join(',');
}
