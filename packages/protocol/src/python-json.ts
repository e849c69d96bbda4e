/**
 * JSON exactly as Python's `json.dumps(value, sort_keys=True)` writes it, which is what Weave's
 * digests hash (docs/protocol.md §7.2): `", "` and `": "` separators, keys sorted by code
 * point, non-ASCII escaped as `\uXXXX`, floats in Python's repr (`1.0`, `1e-05`, `1e+16`).
 *
 * JavaScript numbers cannot tell `1` from `1.0`, and Python prints them differently, so a value
 * that must hash like Python's comes from `parseJsonLosslessly`, which keeps float literals as
 * `PythonFloat` and integers beyond 2^53 as bigint.
 */

/** A number written as a float in the source JSON (`1.0`, `2.5`, `1e3`). */
export class PythonFloat {
  constructor(readonly value: number) {}
}

export type LosslessJson =
  | null
  | boolean
  | string
  | number
  | bigint
  | PythonFloat
  | LosslessJson[]
  | { [key: string]: LosslessJson };

/** A JSON object as `parseJsonLosslessly` gives it: not a list, not null, not a PythonFloat. */
export function isLosslessObject(value: unknown): value is { [key: string]: LosslessJson } {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof PythonFloat)
  );
}

/** Python's float repr: the shortest round-trip digits, fixed notation for 1e-4 ≤ |x| < 1e16. */
export function pythonFloatRepr(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`${value} cannot be written as JSON`);
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  // toExponential() without digits gives the shortest round-trip mantissa, as repr does.
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  // In this range JavaScript writes the same digits in fixed notation (it switches at 1e-7 and 1e21).
  const fixed = String(value);
  return fixed.includes('.') ? fixed : `${fixed}.0`;
}

function escapeString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const char = text[i] as string;
    if (char === '"') out += '\\"';
    else if (char === '\\') out += '\\\\';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (char === '\b') out += '\\b';
    else if (char === '\f') out += '\\f';
    // Below 0x20 and above 0x7e, as ensure_ascii writes them (UTF-16 units, so astral characters
    // come out as surrogate pairs, as in Python).
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return `${out}"`;
}

/** Python's order of str values (by code point), which is also the byte order of UTF-8. */
export function compareCodePoints(left: string, right: string): number {
  // Python sorts str keys by code point; JavaScript's default sort compares UTF-16 units.
  const a = [...left];
  const b = [...right];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const difference = (a[i] as string).codePointAt(0)! - (b[i] as string).codePointAt(0)!;
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

/** `json.dumps(value, sort_keys=True)`. Integral JS numbers are ints; wrap floats in PythonFloat. */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return escapeString(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pythonFloatRepr(value);
  if (value instanceof PythonFloat) return pythonFloatRepr(value.value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value).sort(compareCodePoints);
    const record = value as Record<string, unknown>;
    return `{${keys.map((key) => `${escapeString(key)}: ${pythonJsonDumps(record[key])}`).join(', ')}}`;
  }
  throw new TypeError(`${typeof value} cannot be written as JSON`);
}

/** Nesting deeper than this is refused rather than risking the stack. */
const MAX_DEPTH = 512;
/** Longer number literals are refused (BigInt and Number take time growing with the length). */
const MAX_NUMBER_LENGTH = 400;

/**
 * JSON.parse that keeps what Python would see: float literals as PythonFloat, integers beyond
 * 2^53 as bigint. (Node 20's JSON.parse cannot show a number's source text, hence a parser.)
 * Object keys are own data properties, so a "__proto__" key stays a key. Throws SyntaxError,
 * naming the position of the offending character.
 *
 * Written for speed (it reads whole request bodies on the event loop): one pass with
 * charCodeAt, strings without escapes sliced from the text, strings with escapes decoded by
 * JSON.parse, and numbers converted as they are scanned where that is exact. (So a long string
 * in the result may be a V8 slice sharing the text's memory, as substrings do.)
 */
export function parseJsonLosslessly(source: string): LosslessJson {
  text = source;
  at = 0;
  try {
    const result = parseValue(0);
    let c = text.charCodeAt(at);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++at);
    if (at < text.length) fail('unexpected text after the value');
    return result;
  } finally {
    text = '';
  }
}

// The parser's state: the text and the position of the next character to read. Module
// variables rather than closures or an object, so the hot functions read them cheaply; the
// parser calls out to nothing that could re-enter it.
let text = '';
let at = 0;

function fail(what: string): never {
  const problem = at < text.length ? what : 'an unexpected end';
  throw new SyntaxError(`${problem} at position ${at} of the JSON text`);
}

// Whitespace is skipped inline (`while (c === 0x20 || …)`) throughout: JSON's four characters.

function parseValue(depth: number): LosslessJson {
  if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH}`);
  let c = text.charCodeAt(at);
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++at);
  switch (c) {
    case 0x22: // "
      return parseString();
    case 0x7b: // {
      return parseObject(depth);
    case 0x5b: // [
      return parseArray(depth);
    case 0x74: // t
      if (text.startsWith('true', at)) {
        at += 4;
        return true;
      }
      break;
    case 0x66: // f
      if (text.startsWith('false', at)) {
        at += 5;
        return false;
      }
      break;
    case 0x6e: // n
      if (text.startsWith('null', at)) {
        at += 4;
        return null;
      }
      break;
    default:
      return parseNumber();
  }
  return fail('an unexpected character');
}

function parseObject(depth: number): { [key: string]: LosslessJson } {
  const object: { [key: string]: LosslessJson } = {};
  let c = text.charCodeAt(++at);
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++at);
  if (c === 0x7d) {
    at++;
    return object;
  }
  for (;;) {
    if (c !== 0x22) fail('a missing object key');
    const key = parseString();
    c = text.charCodeAt(at);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++at);
    if (c !== 0x3a) fail('a missing ":"');
    at++;
    const value = parseValue(depth + 1);
    // Assignment would call Object.prototype's __proto__ setter; every other key is an own data
    // property either way (a later duplicate replaces the value, keeping the first one's place).
    if (key === '__proto__') {
      Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
    } else object[key] = value;
    c = text.charCodeAt(at);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++at);
    if (c === 0x2c) {
      c = text.charCodeAt(++at);
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++at);
    } else if (c === 0x7d) {
      at++;
      return object;
    } else fail('a missing "," or "}"');
  }
}

function parseArray(depth: number): LosslessJson[] {
  const list: LosslessJson[] = [];
  let c = text.charCodeAt(++at);
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++at);
  if (c === 0x5d) {
    at++;
    return list;
  }
  for (;;) {
    list.push(parseValue(depth + 1));
    c = text.charCodeAt(at);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++at);
    if (c === 0x2c) at++;
    else if (c === 0x5d) {
      at++;
      return list;
    } else fail('a missing "," or "]"');
  }
}

/**
 * A run of string characters that need no attention: any UTF-16 unit but a quote, a backslash
 * or a control character (below U+0020).
 */
export const PLAIN_RUN = /[\u0020\u0021\u0023-\u005b\u005d-\uffff]*/y;

/** The string whose opening quote is at `at`. */
function parseString(): string {
  const start = at + 1;
  const longAt = start + 24;
  let i = start;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      at = i + 1;
      return text.slice(start, i);
    }
    if (c === 0x5c) return parseStringWithEscapes(start, i);
    // Control characters, and NaN past the end of the text.
    if (!(c >= 0x20)) return failInString(start);
    if (++i === longAt) {
      // A long string: the regular expression engine scans faster than a loop here.
      PLAIN_RUN.lastIndex = i;
      PLAIN_RUN.test(text);
      i = PLAIN_RUN.lastIndex;
    }
  }
}

/** The rest of a string with a backslash at `backslash`: JSON.parse decodes it natively. */
function parseStringWithEscapes(start: number, backslash: number): string {
  let i = backslash;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x22) break;
    if (c === 0x5c) i += 2;
    else if (c >= 0x20) {
      PLAIN_RUN.lastIndex = i + 1;
      PLAIN_RUN.test(text);
      i = PLAIN_RUN.lastIndex;
    } else return failInString(start);
  }
  let value: string;
  try {
    value = JSON.parse(text.slice(start - 1, i + 1)) as string;
  } catch {
    return failInString(start);
  }
  at = i + 1;
  return value;
}

/** Throws for the first fault in the string starting at `start` (after its opening quote). */
function failInString(start: number): never {
  for (let i = start; ; ) {
    const c = text.charCodeAt(i);
    if (c === 0x22) break;
    if (i >= text.length) {
      at = start - 1;
      fail('an unterminated string');
    }
    at = i;
    if (c < 0x20) fail('a control character in a string');
    if (c !== 0x5c) {
      i++;
      continue;
    }
    const escaped = text.charCodeAt(i + 1);
    if (escaped === 0x75) {
      for (let k = i + 2; k < i + 6; k++) {
        if (!isHexDigit(text.charCodeAt(k))) {
          at = k;
          fail('an invalid \\u escape');
        }
      }
      i += 6;
    } else if (SIMPLE_ESCAPES.includes(escaped)) i += 2;
    else if (i + 1 < text.length) {
      at = i + 1;
      fail('an invalid escape');
    } else {
      at = start - 1;
      fail('an unterminated string');
    }
  }
  // Not reached for a string JSON.parse refused; kept so the function never returns.
  at = start - 1;
  return fail('an invalid string');
}

/** The characters that may follow a backslash, besides `u`: `" \ / b f n r t`. */
const SIMPLE_ESCAPES = [0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74];

function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** 10^0 … 10^22: the powers of ten a double holds exactly. */
const POWERS_OF_TEN = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
  1e20, 1e21, 1e22,
];

/** The number at `at`: an int (bigint past 2^53) or, if written with `.` or an exponent, a float. */
function parseNumber(): LosslessJson {
  const start = at;
  let i = at;
  let c = text.charCodeAt(i);
  const negative = c === 0x2d;
  if (negative) c = text.charCodeAt(++i);
  // The digits read so far as an integer, exact while there are at most 15 of them.
  let mantissa = 0;
  let digits = 0;
  if (c === 0x30) c = text.charCodeAt(++i);
  else if (c >= 0x31 && c <= 0x39) {
    do {
      mantissa = mantissa * 10 + (c - 0x30);
      digits++;
      c = text.charCodeAt(++i);
    } while (c >= 0x30 && c <= 0x39);
  } else {
    at = i;
    fail(negative ? 'an invalid number' : 'an unexpected character');
  }
  if (c !== 0x2e && c !== 0x65 && c !== 0x45) {
    at = i;
    if (digits <= 15) return negative ? -mantissa : mantissa;
    if (i - start > MAX_NUMBER_LENGTH) {
      at = start;
      fail(`a number longer than ${MAX_NUMBER_LENGTH} characters`);
    }
    const source = text.slice(start, i);
    const number = Number(source);
    if (!Number.isFinite(number)) {
      at = start;
      fail(`a number too large for a double (${source.slice(0, 20)}…)`);
    }
    return Number.isSafeInteger(number) ? number : BigInt(source);
  }
  // A float: the value is mantissa × 10^exponent.
  let exponent = 0;
  if (c === 0x2e) {
    const fractionStart = i + 1;
    c = text.charCodeAt(fractionStart);
    if (!(c >= 0x30 && c <= 0x39)) {
      at = fractionStart;
      fail('an invalid number');
    }
    do c = text.charCodeAt(++i);
    while (c >= 0x30 && c <= 0x39);
    exponent = fractionStart - i;
    digits -= exponent;
    if (digits <= 15) {
      for (let k = fractionStart; k < i; k++) mantissa = mantissa * 10 + (text.charCodeAt(k) - 0x30);
    }
  }
  if (c === 0x65 || c === 0x45) {
    c = text.charCodeAt(++i);
    const negativeExponent = c === 0x2d;
    if (negativeExponent || c === 0x2b) c = text.charCodeAt(++i);
    if (!(c >= 0x30 && c <= 0x39)) {
      at = i;
      fail('an invalid number');
    }
    let written = 0;
    do {
      if (written < 1e6) written = written * 10 + (c - 0x30);
      c = text.charCodeAt(++i);
    } while (c >= 0x30 && c <= 0x39);
    exponent += negativeExponent ? -written : written;
  }
  at = i;
  if (i - start > MAX_NUMBER_LENGTH) {
    at = start;
    fail(`a number longer than ${MAX_NUMBER_LENGTH} characters`);
  }
  // Clinger's fast path: an integer below 2^53 times or divided by an exactly held power of ten
  // is one correctly rounded operation, so it gives what Number(source) gives.
  if (digits <= 15 && exponent >= -22 && exponent <= 22) {
    const magnitude =
      exponent < 0
        ? mantissa / (POWERS_OF_TEN[-exponent] as number)
        : mantissa * (POWERS_OF_TEN[exponent] as number);
    return new PythonFloat(negative ? -magnitude : magnitude);
  }
  const source = text.slice(start, i);
  const number = Number(source);
  if (!Number.isFinite(number)) {
    at = start;
    fail(`a number too large for a double (${source.slice(0, 20)}…)`);
  }
  return new PythonFloat(number);
}

/**
 * Compact JSON in the value's own key order, keeping what `parseJsonLosslessly` kept (floats
 * written as floats, big integers exactly): how stored values are written back to clients.
 */
export function losslessJsonStringify(value: unknown): string {
  if (value instanceof PythonFloat) return pythonFloatRepr(value.value);
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map(losslessJsonStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .map((key) => `${JSON.stringify(key)}:${losslessJsonStringify(record[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
