/**
 * Every regular expression of the server that reads logged or client-sent text, proved free of
 * super-linear backtracking by a static ReDoS analyser (issue 13). Not analysable, and bounded
 * another way: SINGLE_EMOJI (reactions.ts), a `v`-flag property of strings anchored at both
 * ends, only ever sees at most 64 characters (checked before it runs).
 */
import { isSafe } from 'redos-detector';
import { describe, expect, it } from 'vitest';
import { DATE_SUFFIX } from './costs/model-names.js';
import { SKIN_TONES } from './service/reactions.js';

const PATTERNS: Record<string, RegExp> = { DATE_SUFFIX, SKIN_TONES };

describe('regular expressions on logged text', () => {
  for (const [name, pattern] of Object.entries(PATTERNS)) {
    it(`${name} backtracks at most linearly`, () => {
      expect(isSafe(pattern).safe).toBe(true);
    });
  }
});
