import { describe, expect, it } from 'vitest';
import { callRequest } from './full-call';
import {
  lastStartedAt,
  mergeCalls,
  nextPollDelay,
  POLL_FIRST_MS,
  POLL_MAX_MS,
  pollRequest,
  rootCostRequest,
  runningIds,
  TRACE_CALL_CAP,
  traceRequest,
} from './trace-requests';
import type { TraceCall } from './trace-tree';

function call(id: string, second: number, extra: Partial<TraceCall> = {}): TraceCall {
  return {
    id,
    trace_id: 't',
    parent_id: null,
    op_name: 'op',
    display_name: null,
    started_at: `2025-01-01T00:00:${String(second).padStart(2, '0')}.000000Z`,
    ended_at: `2025-01-01T00:01:00.000000Z`,
    exception: null,
    ...extra,
  };
}

describe('requests', () => {
  it('reads one call with every column and its costs', () => {
    const request = callRequest('e/p', 'c1');
    expect(request).toEqual({
      project_id: 'e/p',
      filter: { call_ids: ['c1'] },
      limit: 1,
      include_costs: true,
    });
  });

  it('reads a trace root’s cost alone: its summary, priced', () => {
    expect(rootCostRequest('e/p', 'r1')).toEqual({
      project_id: 'e/p',
      filter: { call_ids: ['r1'] },
      columns: ['id', 'summary'],
      include_costs: true,
      limit: 1,
    });
  });

  it('reads a trace up to the cap, by start, without inputs and output', () => {
    const request = traceRequest('e/p', 't');
    expect(request.filter).toEqual({ trace_ids: ['t'] });
    expect(request.sort_by).toEqual([{ field: 'started_at', direction: 'asc' }]);
    expect(request.offset).toBeUndefined();
    expect(request.limit).toBe(TRACE_CALL_CAP);
    expect(request.columns).not.toContain('inputs');
    expect(request.columns).not.toContain('output');
    expect(request.columns).toContain('summary');
  });
});

describe('polling', () => {
  it('asks again about running calls and for calls started since the last one', () => {
    const request = pollRequest('e/p', 't', ['a', 'b'], '2025-01-01T00:00:05.000000Z', false);
    expect(request.filter).toEqual({ trace_ids: ['t'] });
    expect(request.query).toEqual({
      $expr: {
        $or: [
          { $in: [{ $getField: 'id' }, [{ $literal: 'a' }, { $literal: 'b' }]] },
          { $gte: [{ $getField: 'started_at' }, { $literal: '2025-01-01T00:00:05.000000Z' }] },
        ],
      },
    });
  });

  it('at the cap, asks only about the running calls it shows', () => {
    const request = pollRequest('e/p', 't', ['a'], '2025-01-01T00:00:05.000000Z', true);
    expect(request.query).toEqual({ $expr: { $in: [{ $getField: 'id' }, [{ $literal: 'a' }]] } });
  });

  it('keeps $in within the list cap', () => {
    const ids = Array.from({ length: 1500 }, (_, index) => `c${index}`);
    const request = pollRequest('e/p', 't', ids, undefined, false);
    const expr = request.query?.$expr as { $in: [unknown, unknown[]] };
    expect(expr.$in[1]).toHaveLength(1000);
  });

  it('counts as running the calls that neither ended nor failed', () => {
    expect(
      runningIds([
        call('done', 1),
        call('running', 2, { ended_at: null }),
        call('failed', 3, { ended_at: null, exception: 'x' }),
      ]),
    ).toEqual(['running']);
  });

  it('finds the latest start', () => {
    expect(lastStartedAt([call('a', 3), call('b', 9), call('c', 1)])).toBe(call('b', 9).started_at);
    expect(lastStartedAt([])).toBeUndefined();
  });

  it('backs off while nothing changes and starts over when something does', () => {
    expect(nextPollDelay(POLL_FIRST_MS, false)).toBe(2 * POLL_FIRST_MS);
    expect(nextPollDelay(POLL_MAX_MS, false)).toBe(POLL_MAX_MS);
    expect(nextPollDelay(8000, true)).toBe(POLL_FIRST_MS);
  });
});

describe('mergeCalls', () => {
  const loaded = [call('root', 0, { ended_at: null }), call('a', 1)];

  it('reports no change when the poll brings the same calls', () => {
    const result = mergeCalls(loaded, [loaded[1]!]);
    expect(result.changed).toBe(false);
    expect(result.calls).toEqual(loaded);
  });

  it('replaces a call that ended and says which ended', () => {
    const ended = { ...loaded[0]!, ended_at: '2025-01-01T00:02:00.000000Z' };
    const result = mergeCalls(loaded, [ended]);
    expect(result.changed).toBe(true);
    expect(result.finished).toEqual(['root']);
    expect(result.calls[0]).toBe(ended);
  });

  it('adds new calls in start order, without repeats, up to the cap', () => {
    const result = mergeCalls(loaded, [call('b', 2), call('b', 2), call('early', 0)]);
    expect(result.calls.map((item) => item.id)).toEqual(['early', 'root', 'a', 'b']);
    expect(mergeCalls(loaded, [call('b', 2)], 2).calls).toHaveLength(2);
  });
});
