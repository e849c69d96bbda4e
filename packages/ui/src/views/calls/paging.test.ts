import type { CallSchema, CallsQueryReq } from '@weft/protocol';
import { describe, expect, it } from 'vitest';
import { FIRST_PAGE, flattenPages, nextPageParam, pageRequest } from './paging';

function call(id: string, startedAt: string): CallSchema {
  return { id, started_at: startedAt } as CallSchema;
}

const base: CallsQueryReq = {
  project_id: 'team/proj',
  filter: { trace_roots_only: true },
  sort_by: [
    { field: 'started_at', direction: 'desc' },
    { field: 'id', direction: 'desc' },
  ],
};
const newestFirst = { field: 'started_at', direction: 'desc' } as const;

describe('paging through calls', () => {
  it('the first page is offset 0 with the page size as limit', () => {
    expect(pageRequest(base, newestFirst, FIRST_PAGE, 3)).toEqual({ ...base, offset: 0, limit: 3 });
  });

  it('a short page is the last one', () => {
    expect(nextPageParam([[call('a', 't1'), call('b', 't2')]], newestFirst, 3)).toBeUndefined();
    expect(nextPageParam([], newestFirst, 3)).toBeUndefined();
  });

  it('sorted by start time, the next page continues after the last call seen', () => {
    const page = [call('c', '2025-01-03T00:00:00.000003Z'), call('b', '2025-01-02T00:00:00.000002Z')];
    const param = nextPageParam([page], newestFirst, 2);
    expect(param).toEqual({ kind: 'after', startedAt: '2025-01-02T00:00:00.000002Z', id: 'b' });
    const request = pageRequest(base, newestFirst, param!, 2);
    const at = { $literal: '2025-01-02T00:00:00.000002Z' };
    expect(request.offset).toBe(0);
    expect(request.query).toEqual({
      $expr: {
        $and: [
          { $lte: [{ $getField: 'started_at' }, at] },
          {
            $or: [
              { $lt: [{ $getField: 'started_at' }, at] },
              { $lt: [{ $getField: 'id' }, { $literal: 'b' }] },
            ],
          },
        ],
      },
    });
  });

  it('oldest first continues with greater-than, and the user query stays ANDed in', () => {
    const userQuery = { $expr: { $eq: [{ $getField: 'summary.weave.status' }, { $literal: 'error' }] } };
    const request = pageRequest(
      { ...base, query: userQuery },
      { field: 'started_at', direction: 'asc' },
      { kind: 'after', startedAt: 't', id: 'x' },
      2,
    );
    expect(request.query).toEqual({
      $expr: {
        $and: [
          userQuery.$expr,
          {
            $and: [
              { $gte: [{ $getField: 'started_at' }, { $literal: 't' }] },
              {
                $or: [
                  { $gt: [{ $getField: 'started_at' }, { $literal: 't' }] },
                  { $gt: [{ $getField: 'id' }, { $literal: 'x' }] },
                ],
              },
            ],
          },
        ],
      },
    });
  });

  it('other sorts page by offset: the number of rows held', () => {
    const sort = { field: 'summary.weave.latency_ms', direction: 'desc' } as const;
    const pages = [
      [call('a', 't'), call('b', 't')],
      [call('c', 't'), call('d', 't')],
    ];
    expect(nextPageParam(pages, sort, 2)).toEqual({ kind: 'offset', offset: 4 });
    expect(pageRequest(base, sort, { kind: 'offset', offset: 4 }, 2)).toMatchObject({ offset: 4, limit: 2 });
  });
});

describe('flattening pages', () => {
  it('keeps each call once, in page order', () => {
    const pages = [
      [call('a', 't'), call('b', 't')],
      [call('b', 't'), call('c', 't')],
    ];
    expect(flattenPages(pages).map((c) => c.id)).toEqual(['a', 'b', 'c']);
  });
});
