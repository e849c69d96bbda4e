import { describe, expect, it } from 'vitest';
import { REFS_BATCH_SIZE } from './api';
import { batchBounds, batchesToRead, FIRST_REFS_BATCH_SIZE } from './ref-batches';

describe('batchBounds', () => {
  it('reads one screen of rows first, then large batches', () => {
    expect(batchBounds(0)).toEqual([]);
    expect(batchBounds(3)).toEqual([[0, 3]]);
    const bounds = batchBounds(1200);
    expect(bounds[0]).toEqual([0, FIRST_REFS_BATCH_SIZE]);
    expect(bounds[1]).toEqual([FIRST_REFS_BATCH_SIZE, FIRST_REFS_BATCH_SIZE + REFS_BATCH_SIZE]);
    expect(bounds.at(-1)?.[1]).toBe(1200);
  });

  it('keeps every full batch as it was when more refs arrive', () => {
    const before = batchBounds(600);
    const after = batchBounds(1400);
    expect(after.slice(0, before.length - 1)).toEqual(before.slice(0, -1));
  });
});

describe('batchesToRead', () => {
  it('leaves a part-filled last batch for later while rows are still being read', () => {
    const count = FIRST_REFS_BATCH_SIZE + REFS_BATCH_SIZE + 10;
    expect(batchesToRead(count, false)).toEqual(batchBounds(count).slice(0, 2));
    expect(batchesToRead(count, true)).toEqual(batchBounds(count));
    // The first screen never waits.
    expect(batchesToRead(3, false)).toEqual([[0, 3]]);
  });
});
