import { describe, expect, it } from 'vitest';
import { cellPreview, discoverColumns, MAX_COLUMNS, NO_COLUMNS, PREVIEW_LENGTH } from './dataset-columns';

describe('discoverColumns', () => {
  it('takes keys in order of first appearance across rows', () => {
    const columns = discoverColumns(NO_COLUMNS, [
      { question: 'q', answer: 'a' },
      { answer: 'b', score: 1 },
    ]);
    expect(columns.keys).toEqual(['question', 'answer', 'score']);
    expect(columns.overflow).toBe(0);
  });

  it('adds the keys of later pages at the end and never reorders', () => {
    const first = discoverColumns(NO_COLUMNS, [{ b: 1, a: 2 }]);
    const second = discoverColumns(first, [{ c: 3, a: 1 }]);
    expect(second.keys).toEqual(['b', 'a', 'c']);
  });

  it('returns the same object when a page brings nothing new', () => {
    const first = discoverColumns(NO_COLUMNS, [{ a: 1 }]);
    expect(discoverColumns(first, [{ a: 2 }, 'not a row', null])).toBe(first);
  });

  it('stops at MAX_COLUMNS and counts the keys left out', () => {
    const wide = Object.fromEntries(Array.from({ length: MAX_COLUMNS + 5 }, (_, i) => [`k${i}`, i]));
    const columns = discoverColumns(NO_COLUMNS, [wide]);
    expect(columns.keys).toHaveLength(MAX_COLUMNS);
    expect(columns.overflow).toBe(5);
  });
});

describe('cellPreview', () => {
  it('says what kind each value is', () => {
    expect(cellPreview('hi').kind).toBe('string');
    expect(cellPreview(3).kind).toBe('number');
    expect(cellPreview(false)).toEqual({ kind: 'boolean', text: 'false', truncated: false });
    expect(cellPreview(null).kind).toBe('null');
    expect(cellPreview(undefined).kind).toBe('missing');
    expect(cellPreview('weave:///e/p/object/ds:abc').kind).toBe('ref');
  });

  it('shows nested values as compact JSON', () => {
    expect(cellPreview({ a: [1, 'x'] }).text).toBe('{"a": [1, "x"]}');
  });

  it('truncates a giant string and a giant object without reading all of it', () => {
    const long = cellPreview('x'.repeat(100_000));
    expect(long.truncated).toBe(true);
    expect(long.text.length).toBe(PREVIEW_LENGTH + 1);
    const huge = cellPreview({ items: Array.from({ length: 100_000 }, (_, i) => i) });
    expect(huge.truncated).toBe(true);
    expect(huge.text.length).toBeLessThanOrEqual(PREVIEW_LENGTH + 1);
  });

  it('puts a multi-line string on one line', () => {
    expect(cellPreview('a\n\nb').text).toBe('a b');
  });
});
