import { describe, expect, it } from 'vitest';
import { MAX_JSON_NESTING, nestingDepth, valueNestsDeeper } from './json-nesting.js';

const nested = (levels: number) => `${'{"d":['.repeat(levels)}1${']}'.repeat(levels)}`;

describe('nestingDepth', () => {
  it('counts objects and arrays, not brackets inside strings', () => {
    expect(nestingDepth('1')).toBe(0);
    expect(nestingDepth('{"a": [1, {"b": []}]}')).toBe(4);
    expect(nestingDepth('{"a": "[[[{{{", "b": "\\\\", "c": "\\"[["}')).toBe(1);
    expect(nestingDepth('["\\\\\\"[", [[]]]')).toBe(3);
  });

  it('stops as soon as the limit is passed', () => {
    expect(nestingDepth(nested(MAX_JSON_NESTING / 2))).toBe(MAX_JSON_NESTING);
    expect(nestingDepth(nested(100_000))).toBe(MAX_JSON_NESTING + 1);
    expect(nestingDepth('['.repeat(10), 5)).toBe(6);
  });

  it('reads an unterminated string as ending the text', () => {
    expect(nestingDepth('[["abc')).toBe(2);
  });
});

describe('valueNestsDeeper', () => {
  it('measures a parsed value as nestingDepth measures its text, at any depth', () => {
    for (const text of ['1', '{"a": [1, {"b": []}]}', nested(10), nested(300)]) {
      const depth = nestingDepth(text, Number.POSITIVE_INFINITY);
      expect(valueNestsDeeper(JSON.parse(text), depth)).toBe(false);
      if (depth > 0) expect(valueNestsDeeper(JSON.parse(text), depth - 1)).toBe(true);
    }
    expect(valueNestsDeeper(JSON.parse(nested(100_000)))).toBe(true);
  });
});
