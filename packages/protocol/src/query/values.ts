/**
 * How the Query language reads text as other types (docs/query-language.md, "Values"). These
 * are "or-null" parsers: text that is not exactly a value of the type gives null, never an error.
 * The SQL backends call the same functions (SQLite registers them as SQL functions) so that the
 * database and the reference evaluator cannot drift apart.
 */

/**
 * Logged values reach these patterns, so each must run in linear time on any text: every
 * character can be matched only one way (values.test.ts checks them with a ReDoS analyser).
 * `\d+\.?\d*` was not: "1111…1x" split its digits between the two runs in every way before
 * failing, quadratic in the length (a second per row at 40,000 digits).
 */
export const INTEGER_TEXT = /^[+-]?\d+$/;
export const DOUBLE_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Longer text is not read as a number, whatever it holds: no double needs more (a JSON number is
 * at most 24 characters; this leaves room for leading zeros and long decimals), and the patterns
 * above never see more than this of a logged value.
 */
export const MAX_NUMBER_TEXT_CHARS = 1000;

/** The range of a 64-bit integer; int conversions outside it give null rather than a clamped value. */
export const INT64_LIMIT = 2 ** 63;

/** `^[+-]?\d+$` within the 64-bit range, as a number; anything else (including "5.5" and "") is null. */
export function parseIntOrNull(text: string): number | null {
  if (text.length > MAX_NUMBER_TEXT_CHARS || !INTEGER_TEXT.test(text)) return null;
  const value = Number(text);
  return Math.abs(value) < INT64_LIMIT ? value : null;
}

/** A number truncated toward zero, or null outside the 64-bit range. */
export function truncateOrNull(value: number): number | null {
  const truncated = Math.trunc(value);
  return Math.abs(truncated) < INT64_LIMIT ? truncated : null;
}

/** Decimal or exponent notation as a finite number; "inf", "nan", "1e999", hex and "" are null. */
export function parseDoubleOrNull(text: string): number | null {
  if (text.length > MAX_NUMBER_TEXT_CHARS || !DOUBLE_TEXT.test(text)) return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/** "true"/"false" in any case, "1" and "0"; anything else is null. */
export function parseBoolOrNull(text: string): boolean | null {
  switch (text.toLowerCase()) {
    case 'true':
    case '1':
      return true;
    case 'false':
    case '0':
      return false;
    default:
      return null;
  }
}

/** A number as text, the way JSON writes it (5 → "5", 0.5 → "0.5", 1e21 → "1e+21"). */
export function numberText(value: number): string {
  return JSON.stringify(value);
}

/**
 * Case folding for case-insensitive `$contains`: full Unicode lower-casing, not just ASCII, so
 * "ÉCOLE" contains "é".
 */
export function foldCase(text: string): string {
  return text.toLowerCase();
}
