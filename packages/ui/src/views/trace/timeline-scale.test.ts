import { describe, expect, it } from 'vitest';
import { barOf, niceStep, tickLabel, ticksOf, timeScaleOf, timeStep } from './timeline-scale';
import type { TraceCall } from './trace-tree';

const base = Date.parse('2025-01-01T00:00:00.000Z');
function call(startMs: number, endMs: number | null): TraceCall {
  return {
    id: String(startMs),
    trace_id: 't',
    parent_id: null,
    op_name: 'op',
    display_name: null,
    started_at: new Date(base + startMs).toISOString(),
    ended_at: endMs === null ? null : new Date(base + endMs).toISOString(),
    exception: null,
  };
}

describe('timeScaleOf', () => {
  it('spans from the first start to the last end', () => {
    expect(timeScaleOf([call(100, 300), call(0, 200)], base + 10_000)).toEqual({
      startMs: base,
      spanMs: 300,
    });
  });

  it('extends a running call to now', () => {
    expect(timeScaleOf([call(0, 100), call(50, null)], base + 1000)).toEqual({ startMs: base, spanMs: 1000 });
  });

  it('never spans zero, and survives no calls or malformed times', () => {
    expect(timeScaleOf([call(0, 0)], base).spanMs).toBe(1);
    expect(timeScaleOf([], base)).toEqual({ startMs: base, spanMs: 1 });
    const broken = { ...call(0, 10), started_at: 'yesterday' };
    expect(timeScaleOf([broken, call(5, 15)], base)).toEqual({ startMs: base + 5, spanMs: 10 });
  });
});

describe('barOf', () => {
  const scale = { startMs: base, spanMs: 1000 };
  it('places a bar from start to end as fractions of the axis', () => {
    expect(barOf(call(250, 750), scale, base + 2000)).toEqual({ left: 0.25, width: 0.5, running: false });
  });

  it('draws a running call up to now, clamped to the axis', () => {
    expect(barOf(call(500, null), scale, base + 5000)).toEqual({ left: 0.5, width: 0.5, running: true });
  });

  it('gives an instant call a visible width that stays on the axis', () => {
    const bar = barOf(call(1000, 1000), scale, base)!;
    expect(bar.width).toBeGreaterThan(0);
    expect(bar.left + bar.width).toBeLessThanOrEqual(1);
  });

  it('has no bar for a call without a readable start', () => {
    expect(barOf({ ...call(0, 1), started_at: '' }, scale, base)).toBeUndefined();
  });
});

describe('ticks', () => {
  it('steps by 1, 2 or 5 times a power of ten', () => {
    expect(niceStep(180)).toBe(200);
    expect(niceStep(3)).toBe(5);
    expect(niceStep(7)).toBe(10);
    expect(niceStep(0.03)).toBeCloseTo(0.05);
    expect(niceStep(0)).toBe(1);
  });

  it('steps as a clock reads from a second up', () => {
    expect(timeStep(1500)).toBe(2000);
    expect(timeStep(24_000)).toBe(30_000);
    expect(timeStep(50_000)).toBe(60_000);
    expect(timeStep(200_000)).toBe(300_000);
    expect(timeStep(40 * 60_000)).toBe(3_600_000);
    expect(timeStep(3 * 86_400_000)).toBe(5 * 86_400_000);
    expect(timeStep(180)).toBe(200);
    // A trace of two minutes reads 0, 30 s, 60 s, …, not 0, 0.8 min, 1.7 min.
    const ticks = ticksOf({ startMs: 0, spanMs: 120_000 }, 5);
    expect(ticks.map((tick) => tick.label)).toEqual(['0', '30 s', '60 s', '90 s', '120 s']);
  });

  it('starts at zero and stays within the axis', () => {
    const ticks = ticksOf({ startMs: 0, spanMs: 1000 }, 5);
    expect(ticks.map((tick) => tick.offsetMs)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(ticks.at(-1)?.at).toBe(1);
  });
});

describe('tickLabel', () => {
  it('labels every tick of an axis in one unit, with the decimals its step needs', () => {
    expect(tickLabel(0, 200, 1000)).toBe('0');
    expect(tickLabel(400, 200, 1000)).toBe('400 ms');
    expect(tickLabel(0.4, 0.2, 1)).toBe('0.4 ms');
    expect(tickLabel(1500, 500, 2500)).toBe('1.5 s');
    expect(tickLabel(10_000, 5000, 13_000)).toBe('10 s');
    expect(tickLabel(240_000, 120_000, 600_000)).toBe('4 min');
    expect(tickLabel(90_000, 30_000, 150_000)).toBe('90 s');
    expect(tickLabel(6 * 3_600_000, 3 * 3_600_000, 20 * 3_600_000)).toBe('6 h');
  });
});
