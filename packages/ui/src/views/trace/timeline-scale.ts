/**
 * The waterfall's time axis: every call of the trace on one scale, from the first start to the
 * last end, where a running call ends "now". Positions are fractions of the axis (0–1), so the
 * view can lay bars out in percentages and never measure pixels.
 */
import type { TraceCall } from './trace-tree';

export interface TimeScale {
  /** Unix ms of the axis' left edge. */
  readonly startMs: number;
  /** Milliseconds the axis spans; never 0, so a trace of instant calls still draws. */
  readonly spanMs: number;
}

export interface Bar {
  /** Fraction of the axis where the bar starts. */
  readonly left: number;
  /** Fraction of the axis the bar covers. */
  readonly width: number;
  readonly running: boolean;
}

export interface Tick {
  /** Fraction of the axis. */
  readonly at: number;
  /** Milliseconds after the axis' start. */
  readonly offsetMs: number;
  readonly label: string;
}

/** Parses a call's timestamp; a malformed one reads as undefined rather than NaN on the axis. */
export function timeOf(iso: string | null | undefined): number | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The end a call is drawn to: its end, or now while it runs (never before its start). */
export function drawnEndMs(call: TraceCall, nowMs: number): number | undefined {
  const start = timeOf(call.started_at);
  if (start === undefined) return undefined;
  const end = timeOf(call.ended_at) ?? Math.max(nowMs, start);
  return Math.max(end, start);
}

export function timeScaleOf(calls: Iterable<TraceCall>, nowMs: number): TimeScale {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const call of calls) {
    const start = timeOf(call.started_at);
    const end = drawnEndMs(call, nowMs);
    if (start === undefined || end === undefined) continue;
    if (start < first) first = start;
    if (end > last) last = end;
  }
  if (!Number.isFinite(first)) return { startMs: nowMs, spanMs: 1 };
  return { startMs: first, spanMs: Math.max(1, last - first) };
}

/** A bar narrower than this fraction is widened so that instant calls stay visible. */
const MIN_BAR_WIDTH = 0.002;

export function barOf(call: TraceCall, scale: TimeScale, nowMs: number): Bar | undefined {
  const start = timeOf(call.started_at);
  const end = drawnEndMs(call, nowMs);
  if (start === undefined || end === undefined) return undefined;
  const left = clamp01((start - scale.startMs) / scale.spanMs);
  const right = clamp01((end - scale.startMs) / scale.spanMs);
  const width = Math.max(MIN_BAR_WIDTH, right - left);
  return { left: Math.min(left, 1 - width), width, running: !call.ended_at };
}

/**
 * Ticks at round steps, about `target` of them across the axis: 1, 2 or 5 × a power of ten below a
 * second, and steps a clock reads from a second up (10 s, 15 s, 30 s, 1 min, 5 min, 1 h, …).
 */
export function ticksOf(scale: TimeScale, target = 5): Tick[] {
  const step = timeStep(scale.spanMs / Math.max(1, target));
  const ticks: Tick[] = [];
  for (let offsetMs = 0; offsetMs <= scale.spanMs + 1e-9; offsetMs += step) {
    ticks.push({ at: offsetMs / scale.spanMs, offsetMs, label: tickLabel(offsetMs, step, scale.spanMs) });
  }
  return ticks;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const CLOCK_STEPS = [
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
];

/** A step of about `roughMs` that a reader counts in easily. */
export function timeStep(roughMs: number): number {
  if (!(roughMs > SECOND)) return niceStep(roughMs);
  return CLOCK_STEPS.find((step) => step >= roughMs) ?? niceStep(roughMs / DAY) * DAY;
}

export function niceStep(rough: number): number {
  if (!(rough > 0) || !Number.isFinite(rough)) return 1;
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

function clamp01(value: number): number {
  return value < 0 ? 0 : value > 1 ? 1 : value;
}

/**
 * A tick's label: `0`, then in one unit for the whole axis, with as many decimals as the step
 * needs: ms below 2 s, then s, and min or h once the step is a whole number of them: `250 ms`,
 * `1.5 s`, `90 s`, `4 min`, `6 h`.
 */
export function tickLabel(offsetMs: number, stepMs: number, spanMs: number): string {
  if (offsetMs === 0) return '0';
  if (stepMs >= HOUR && stepMs % HOUR === 0) return `${trimmed(offsetMs / HOUR, stepMs / HOUR)} h`;
  if (stepMs >= MINUTE && stepMs % MINUTE === 0) return `${trimmed(offsetMs / MINUTE, stepMs / MINUTE)} min`;
  if (spanMs >= 2 * SECOND) return `${trimmed(offsetMs / SECOND, stepMs / SECOND)} s`;
  return `${trimmed(offsetMs, stepMs)} ms`;
}

function trimmed(value: number, step: number): string {
  const decimals = step >= 1 ? 0 : Math.min(6, Math.ceil(-Math.log10(step) - 1e-9));
  return value.toFixed(decimals);
}
