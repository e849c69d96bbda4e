import { describe, expect, it } from 'vitest';
import { findOpRefs, tryParseRef } from './refs';

describe('findOpRefs', () => {
  it("finds a model's op refs with where they sit", () => {
    const model = {
      _type: 'MyModel',
      prompt: 'weave:///e/p/object/prompt:abc',
      predict: 'weave:///e/p/op/MyModel.predict:d1',
      scorers: ['weave:///e/p/op/exact_match:d2'],
    };
    expect(findOpRefs(model)).toEqual([
      { path: 'predict', ref: 'weave:///e/p/op/MyModel.predict:d1', name: 'MyModel.predict' },
      { path: 'scorers.0', ref: 'weave:///e/p/op/exact_match:d2', name: 'exact_match' },
    ]);
  });

  it('stops at its limit on a huge value', () => {
    const many = Array.from({ length: 1000 }, (_, i) => `weave:///e/p/op/op${i}:d`);
    expect(findOpRefs(many, 10)).toHaveLength(10);
  });
});

describe('tryParseRef', () => {
  it('answers undefined for text that only looks like a ref', () => {
    expect(tryParseRef('weave:///e')).toBeUndefined();
    expect(tryParseRef('hello')).toBeUndefined();
    expect(tryParseRef('weave:///e/p/table/abc')?.kind).toBe('table');
  });
});
