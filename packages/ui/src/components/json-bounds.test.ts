import { describe, expect, it } from 'vitest';
import { boundJson, MORE_KEY } from './json-bounds';

describe('boundJson', () => {
  it('leaves a small value as it is', () => {
    const value = { a: [1, 2, { b: 'c' }], d: null };
    expect(boundJson(value)).toEqual({ value, bounded: false });
  });

  it('keeps the first entries of a long list and says how many were left out', () => {
    const { value, bounded } = boundJson({ items: Array.from({ length: 10 }, (_, i) => i) }, 3);
    expect(value).toEqual({ items: [0, 1, 2, '… 7 more items'] });
    expect(bounded).toBe(true);
  });

  it('keeps the first keys of a wide object', () => {
    const wide = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`k${i}`, i]));
    expect(boundJson(wide, 2).value).toEqual({ k0: 0, k1: 1, [MORE_KEY]: '3 more keys' });
  });

  it('stops at the depth limit', () => {
    const deep = { a: { b: { c: [1] } } };
    expect(boundJson(deep, 10, 2)).toEqual({
      value: { a: { b: '{… nested too deep to show}' } },
      bounded: true,
    });
  });
});
