import type { CallSchema, TraceStatus } from '@weft/protocol';
import { describe, expect, it } from 'vitest';
import { mergeFreshCalls, nextPollDelay, runningCallIds } from './live-merge';

function call(id: string, startedAt: string, status: TraceStatus = 'success'): CallSchema {
  return {
    id,
    started_at: startedAt,
    ended_at: status === 'running' ? null : startedAt,
    display_name: null,
    exception: null,
    summary: { weave: { status, latency_ms: status === 'running' ? null : 1 } },
  } as CallSchema;
}

const newestFirst = { field: 'started_at', direction: 'desc' } as const;

describe('merging polled calls into the held pages', () => {
  it('a call that ended is replaced where it stands', () => {
    const pages = [[call('b', 't2', 'running'), call('a', 't1')], [call('z', 't0', 'running')]];
    const result = mergeFreshCalls(
      pages,
      { head: [call('b', 't2'), call('a', 't1')], updated: [call('z', 't0', 'error')] },
      newestFirst,
    );
    expect(result.changed).toBe(2);
    expect(result.pages.map((page) => page.map((c) => c.summary?.weave?.status))).toEqual([
      ['success', 'success'],
      ['error'],
    ]);
  });

  it('nothing changed gives back the same pages', () => {
    const pages = [[call('b', 't2'), call('a', 't1')]];
    const result = mergeFreshCalls(
      pages,
      { head: [call('b', 't2'), call('a', 't1')], updated: [] },
      newestFirst,
    );
    expect(result.changed).toBe(0);
    expect(result.pages[0]).toBe(pages[0]);
  });

  it('new calls sorted by start time are inserted in order into the first page', () => {
    const pages = [[call('c', 't3'), call('a', 't1')], [call('0', 't0')]];
    const head = [call('d', 't4'), call('c', 't3'), call('b', 't2')];
    const result = mergeFreshCalls(pages, { head, updated: [] }, newestFirst);
    expect(result.pages.map((page) => page.map((c) => c.id))).toEqual([['d', 'c', 'b', 'a'], ['0']]);
    expect(result.unplaced).toBe(0);
  });

  it('same start time falls back to id order, as the server sorts', () => {
    const pages = [[call('a', 't1')]];
    const result = mergeFreshCalls(
      pages,
      { head: [call('b', 't1'), call('a', 't1')], updated: [] },
      newestFirst,
    );
    expect(result.pages[0]?.map((c) => c.id)).toEqual(['b', 'a']);
  });

  it('for other sorts new calls are only counted', () => {
    const pages = [[call('a', 't1')]];
    const result = mergeFreshCalls(
      pages,
      { head: [call('x', 't9'), call('a', 't1')], updated: [] },
      { field: 'summary.weave.latency_ms', direction: 'asc' },
    );
    expect(result.unplaced).toBe(1);
    expect(result.pages[0]?.map((c) => c.id)).toEqual(['a']);
  });

  it('running calls are the ones asked about again', () => {
    const pages = [
      [call('a', 't', 'running'), call('b', 't')],
      [call('c', 't', 'running'), call('d', 't', 'running')],
    ];
    expect(runningCallIds(pages, 2)).toEqual(['a', 'c']);
  });
});

describe('poll back-off', () => {
  it('doubles while nothing changes, up to 30 s, and drops to 2 s on a change', () => {
    const delays = [2_000];
    for (let i = 0; i < 5; i++) delays.push(nextPollDelay(delays[delays.length - 1] as number, false));
    expect(delays).toEqual([2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(nextPollDelay(30_000, true)).toBe(2_000);
  });
});
