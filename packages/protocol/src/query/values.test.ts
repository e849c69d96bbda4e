/**
 * Reading text as numbers (docs/query-language.md, "Values"). Logged values of any length reach
 * these parsers on every sort and filter, so their patterns are checked for backtracking with
 * redos-detector, a static analyser: "safe" means no input can be matched two ways.
 */
import { isSafe } from 'redos-detector';
import { describe, expect, it } from 'vitest';
import {
  DOUBLE_TEXT,
  INTEGER_TEXT,
  MAX_NUMBER_TEXT_CHARS,
  parseDoubleOrNull,
  parseIntOrNull,
} from './values.js';

describe('reading text as numbers', () => {
  it('uses patterns that run in linear time on any text', () => {
    for (const pattern of [INTEGER_TEXT, DOUBLE_TEXT]) {
      expect(isSafe(pattern).safe, String(pattern)).toBe(true);
    }
    // The analyser finds the fault of the pattern used before: in "1111…1x" the digits could be
    // split between `\d+` and `\d*` every way, quadratic in the length.
    expect(isSafe(/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/).safe).toBe(false);
  });

  it('reads decimal and exponent notation, and nothing else', () => {
    const numbers: Array<[string, number]> = [
      ['5', 5],
      ['-5', -5],
      ['+5', 5],
      ['0.5', 0.5],
      ['5.', 5],
      ['.5', 0.5],
      ['-.5', -0.5],
      ['1e21', 1e21],
      ['1E+21', 1e21],
      ['2.5e-3', 0.0025],
      ['007', 7],
    ];
    for (const [text, value] of numbers) expect(parseDoubleOrNull(text), text).toBe(value);
    const notNumbers = [
      '',
      '.',
      '+',
      '-',
      'e5',
      '1e',
      '1e+',
      '1..2',
      '1.2.3',
      ' 1',
      '1 ',
      '0x10',
      'inf',
      'NaN',
      '1e999',
      '1_000',
    ];
    for (const text of notNumbers) expect(parseDoubleOrNull(text), text).toBeNull();
    expect(parseIntOrNull('-42')).toBe(-42);
    expect(parseIntOrNull('4.2')).toBeNull();
  });

  it('reads no text longer than any number needs, whatever it holds', () => {
    const longest = `${'0'.repeat(MAX_NUMBER_TEXT_CHARS - 1)}1`;
    expect(parseDoubleOrNull(longest)).toBe(1);
    expect(parseIntOrNull(longest)).toBe(1);
    expect(parseDoubleOrNull(`0${longest}`)).toBeNull();
    expect(parseIntOrNull(`0${longest}`)).toBeNull();
    // Hostile logged text: digits and a letter, as long as a big prompt.
    expect(parseDoubleOrNull(`${'1'.repeat(40_000)}x`)).toBeNull();
  });
});
