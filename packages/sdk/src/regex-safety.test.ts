/**
 * Every regular expression of the SDK that reads traced values or names, proved free of
 * super-linear backtracking by a static ReDoS analyser (issue 13): it runs in the host
 * application, on whatever the application passes to an op.
 */
import { isSafe } from 'redos-detector';
import { describe, expect, it } from 'vitest';
import { MAY_BE_SECRET } from './serialize/secrets.js';
import { NOT_ID_CHARACTERS, objectIdFromName, SEPARATOR_RUNS } from './tracing/op-state.js';
import { NEEDS_ESCAPING } from './transport/byte-writer.js';

const PATTERNS: Record<string, RegExp> = { MAY_BE_SECRET, NOT_ID_CHARACTERS, SEPARATOR_RUNS, NEEDS_ESCAPING };

describe('regular expressions on traced values', () => {
  for (const [name, pattern] of Object.entries(PATTERNS)) {
    it(`${name} backtracks at most linearly`, () => {
      expect(isSafe(pattern).safe).toBe(true);
    });
  }

  it('the analyser flags the trimming pattern objectIdFromName no longer uses', () => {
    expect(isSafe(/^[-_]+|[-_]+$/g).safe).toBe(false);
  });

  it('object ids still lose their leading and trailing separators', () => {
    expect(objectIdFromName('__my op!!__')).toBe('my-op');
    expect(objectIdFromName(`a${'_'.repeat(100_000)}b`)).toBe(`a${'_'.repeat(100_000)}b`.slice(0, 128));
    expect(objectIdFromName('-_-')).toBe('anonymous');
  });
});
