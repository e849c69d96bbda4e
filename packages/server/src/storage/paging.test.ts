/**
 * Planning page reads (paging.ts): which orders continue after a key, and the reads a pager asks
 * for as results come in, for keyset orders, orders read by groups of ids, and offset paging.
 */
import { describe, expect, it } from 'vitest';
import { callsQuery } from './contract/call-fixtures.js';
import { CallsPager, keysetOrder, MAX_ID_GROUP, MAX_PAGE_ROWS, OffsetPager } from './paging.js';

const key = (id: string, startedAt = 7) => ({ started_at: startedAt, id });

describe('keysetOrder', () => {
  it('continues after a key by start time and id, or by id alone, in one direction', () => {
    expect(keysetOrder([{ field: 'started_at', direction: 'asc' }])).toEqual({
      keys: 'started_at,id',
      direction: 'asc',
    });
    expect(
      keysetOrder([
        { field: 'started_at', direction: 'desc' },
        { field: 'id', direction: 'desc' },
      ]),
    ).toEqual({ keys: 'started_at,id', direction: 'desc' });
    expect(keysetOrder([{ field: 'id', direction: 'desc' }])).toEqual({ keys: 'id', direction: 'desc' });
    expect(
      keysetOrder([
        { field: 'started_at', direction: 'asc' },
        { field: 'id', direction: 'desc' },
      ]),
    ).toBeNull();
    expect(keysetOrder([{ field: 'inputs.n', direction: 'asc' }])).toBeNull();
    expect(
      keysetOrder([
        { field: 'started_at', direction: 'asc' },
        { field: 'op_name', direction: 'asc' },
      ]),
    ).toBeNull();
    expect(keysetOrder([])).toBeNull();
  });
});

describe('CallsPager', () => {
  it('reads pages after the last call in a keyset order, the offset on the first page only', () => {
    const pager = new CallsPager(callsQuery({ limit: 2 * MAX_PAGE_ROWS + 10, offset: 5 }));
    expect(pager.read()).toMatchObject({
      kind: 'rows',
      query: { limit: MAX_PAGE_ROWS, offset: 5 },
      after: null,
    });
    expect(pager.advance({ count: MAX_PAGE_ROWS, last: key('a'), cut: false })).toBe(true);
    expect(pager.read()).toMatchObject({
      kind: 'rows',
      query: { limit: MAX_PAGE_ROWS, offset: 0 },
      after: key('a'),
    });
    // Cut short by size: the next page continues after its last call, for the rest of the limit.
    expect(pager.advance({ count: 3, last: key('b'), cut: true })).toBe(true);
    expect(pager.read()).toMatchObject({ kind: 'rows', query: { limit: MAX_PAGE_ROWS }, after: key('b') });
    expect(pager.advance({ count: MAX_PAGE_ROWS, last: key('c'), cut: false })).toBe(true);
    expect(pager.read()).toMatchObject({ query: { limit: 7 }, after: key('c') });
    expect(pager.advance({ count: 7, last: key('d'), cut: false })).toBe(false);
  });

  it('ends at a short page, and reads an empty sort in the default order', () => {
    const pager = new CallsPager(callsQuery({ sort_by: [], limit: null }));
    const first = pager.read();
    expect(first.query.sort_by).toEqual([{ field: 'started_at', direction: 'asc' }]);
    expect(pager.advance({ count: MAX_PAGE_ROWS - 1, last: key('a'), cut: false })).toBe(false);
  });

  it('reads one page directly in other orders, and the rest by groups of ids', () => {
    const sort_by = [{ field: 'inputs.n', direction: 'desc' as const }];
    const pager = new CallsPager(callsQuery({ sort_by, limit: MAX_PAGE_ROWS, offset: 4 }));
    expect(pager.read()).toMatchObject({
      kind: 'rows',
      query: { limit: MAX_PAGE_ROWS, offset: 4 },
      after: null,
    });
    // Large calls: the page is cut after 2; one sort then gives the ids of the other 998.
    expect(pager.advance({ count: 2, last: key('b'), cut: true })).toBe(true);
    expect(pager.read()).toMatchObject({ kind: 'ids', query: { limit: MAX_PAGE_ROWS - 2, offset: 6 } });
    expect(pager.advance({ count: 0, last: null, cut: false, ids: ['c', 'd', 'e'] })).toBe(true);
    expect(pager.read()).toMatchObject({ kind: 'picked', ids: ['c', 'd', 'e'] });
    // Cut after d: e comes next. The group was short, so it is the last.
    expect(pager.advance({ count: 2, last: key('d'), cut: true })).toBe(true);
    expect(pager.read()).toMatchObject({ kind: 'picked', ids: ['e'] });
    // e was deleted meanwhile: nothing read, nothing left.
    expect(pager.advance({ count: 0, last: null, cut: false })).toBe(false);
  });

  it('goes by groups from the start when the answer may be longer than a page', () => {
    const sort_by = [{ field: 'summary.weave.latency_ms', direction: 'asc' as const }];
    const pager = new CallsPager(callsQuery({ sort_by, limit: null, offset: 0 }));
    expect(pager.read()).toMatchObject({ kind: 'ids', query: { limit: MAX_ID_GROUP, offset: 0 } });
    const group = Array.from({ length: MAX_ID_GROUP }, (_, index) => `id-${index}`);
    expect(pager.advance({ count: 0, last: null, cut: false, ids: group })).toBe(true);
    expect(pager.read()).toMatchObject({ kind: 'picked', ids: group.slice(0, MAX_PAGE_ROWS) });
    for (let page = 0; page < MAX_ID_GROUP / MAX_PAGE_ROWS; page += 1) {
      expect(pager.read()).toMatchObject({ kind: 'picked' });
      const last = MAX_PAGE_ROWS * (page + 1) - 1;
      expect(pager.advance({ count: MAX_PAGE_ROWS, last: key(`id-${last}`), cut: false })).toBe(true);
    }
    // A full group: another may follow, at the next offset.
    expect(pager.read()).toMatchObject({ kind: 'ids', query: { offset: MAX_ID_GROUP } });
    expect(pager.advance({ count: 0, last: null, cut: false, ids: [] })).toBe(false);
  });
});

describe('OffsetPager', () => {
  it('pages by offset up to the limit, on past a page cut short', () => {
    const pager = new OffsetPager(2 * MAX_PAGE_ROWS + 5, 3);
    expect(pager.read()).toEqual({ limit: MAX_PAGE_ROWS, offset: 3 });
    expect(pager.advance({ count: 10, cut: true })).toBe(true);
    expect(pager.read()).toEqual({ limit: MAX_PAGE_ROWS, offset: 13 });
    expect(pager.advance({ count: MAX_PAGE_ROWS, cut: false })).toBe(true);
    expect(pager.read()).toEqual({ limit: MAX_PAGE_ROWS - 5, offset: 13 + MAX_PAGE_ROWS });
    expect(pager.advance({ count: MAX_PAGE_ROWS - 5, cut: false })).toBe(false);
    const unlimited = new OffsetPager(null, 0);
    expect(unlimited.advance({ count: MAX_PAGE_ROWS, cut: false })).toBe(true);
    expect(unlimited.advance({ count: MAX_PAGE_ROWS - 1, cut: false })).toBe(false);
  });
});
