/**
 * Wall-clock time with sub-millisecond resolution, cheap enough for every call. performance.now()
 * gives µs resolution but drifts from the wall clock over hours, so its offset to Date.now() is
 * re-measured once a second.
 */
let offsetMs = Date.now() - performance.now();
let calibratedAt = performance.now();

/** Milliseconds since the Unix epoch, with a fractional part. */
export function nowMs(): number {
  const monotonic = performance.now();
  if (monotonic - calibratedAt > 1000) {
    offsetMs = Date.now() - monotonic;
    calibratedAt = monotonic;
  }
  return offsetMs + monotonic;
}
