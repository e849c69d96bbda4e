/**
 * Every regular expression of this package that reads logged or client-sent text, proved free of
 * super-linear backtracking by a static ReDoS analyser (issue 13): a logged value can be megabytes
 * long and is matched on every sort or filter that reads it.
 */
import { isSafe } from 'redos-detector';
import { describe, expect, it } from 'vitest';
import { ID_PATTERN } from './ids.js';
import { CONTENT_HASH, TAG_CHARACTERS, TAG_SPACING, VERSION_LIKE } from './objects.js';
import { PLAIN_RUN } from './python-json.js';
import { DOUBLE_TEXT, INTEGER_TEXT } from './query/values.js';
import { PROJECT_ID_PATTERN } from './schema-helpers.js';

const PATTERNS: Record<string, RegExp> = {
  INTEGER_TEXT,
  DOUBLE_TEXT,
  TAG_CHARACTERS,
  TAG_SPACING,
  VERSION_LIKE,
  CONTENT_HASH,
  PLAIN_RUN,
  PROJECT_ID_PATTERN: new RegExp(PROJECT_ID_PATTERN),
  ID_PATTERN: new RegExp(ID_PATTERN),
};

describe('regular expressions on logged text', () => {
  for (const [name, pattern] of Object.entries(PATTERNS)) {
    it(`${name} backtracks at most linearly`, () => {
      expect(isSafe(pattern).safe).toBe(true);
    });
  }

  it('the analyser flags the patterns these replaced', () => {
    expect(isSafe(/^[-\p{L}\p{N}_]+(?: [-\p{L}\p{N}_]+)*$/u).safe).toBe(false);
    expect(isSafe(/^[+-]?(\d+(\.\d*)?|\.\d+|\d+\.?\d*)([eE][+-]?\d+)?$/).safe).toBe(false);
  });
});
