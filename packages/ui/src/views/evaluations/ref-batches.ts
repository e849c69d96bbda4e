/**
 * How the dataset rows of an evaluation are split into `/refs/read_batch` requests. The server
 * resolves a row ref in about a millisecond, so a first batch of 500 would keep the first screen
 * of rows waiting half a second: the first batch is small (what one screen shows), the rest large.
 */
import { REFS_BATCH_SIZE } from './api';

export const FIRST_REFS_BATCH_SIZE = 50;

/** `[start, end)` of each batch over `count` refs; stable as `count` grows (only the last batch changes). */
export function batchBounds(count: number): Array<[number, number]> {
  const bounds: Array<[number, number]> = [];
  let start = 0;
  while (start < count) {
    const size = start === 0 ? FIRST_REFS_BATCH_SIZE : REFS_BATCH_SIZE;
    const end = Math.min(count, start + size);
    bounds.push([start, end]);
    start = end;
  }
  return bounds;
}

/** The batches worth reading now: while more refs are coming, a last batch that is not full waits. */
export function batchesToRead(count: number, settled: boolean): Array<[number, number]> {
  const bounds = batchBounds(count);
  const last = bounds.at(-1);
  if (settled || !last || bounds.length === 1) return bounds;
  const full = last[1] - last[0] === REFS_BATCH_SIZE;
  return full ? bounds : bounds.slice(0, -1);
}
