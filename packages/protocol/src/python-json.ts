/**
 * JSON exactly as Python's `json.dumps(value, sort_keys=True)` writes it, which is what Weave's
 * digests hash (research doc §5, "Digests"): `", "` and `": "` separators, keys sorted by code
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

function compareCodePoints(left: string, right: string): number {
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

/**
 * JSON.parse that keeps what Python would see: float literals as PythonFloat, integers beyond
 * 2^53 as bigint. (Node 20's JSON.parse cannot show a number's source text, hence a parser.)
 * Object keys are own data properties, so a "__proto__" key stays a key. Throws SyntaxError.
 */
export function parseJsonLosslessly(text: string): LosslessJson {
  let at = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${at} of the JSON text`);
  };
  const skipSpace = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at] as string)) at++;
  };
  const stringValue = (): string => {
    const end = findStringEnd(text, at);
    if (end < 0) fail('an unterminated string');
    const raw = text.slice(at, end + 1);
    at = end + 1;
    return JSON.parse(raw) as string;
  };
  const numberValue = (): LosslessJson => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(at, at + 400));
    if (!match) return fail('an invalid number');
    const source = match[0];
    at += source.length;
    const number = Number(source);
    if (!Number.isFinite(number)) fail(`a number too large for a double (${source.slice(0, 20)}…)`);
    if (/[.eE]/.test(source)) return new PythonFloat(number);
    return Number.isSafeInteger(number) ? number : BigInt(source);
  };
  const value = (depth: number): LosslessJson => {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH}`);
    skipSpace();
    const char = text[at];
    if (char === '{') {
      at++;
      const object: { [key: string]: LosslessJson } = {};
      skipSpace();
      if (text[at] === '}') {
        at++;
        return object;
      }
      for (;;) {
        skipSpace();
        if (text[at] !== '"') fail('a missing object key');
        const key = stringValue();
        skipSpace();
        if (text[at] !== ':') fail('a missing ":"');
        at++;
        Object.defineProperty(object, key, {
          value: value(depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
        skipSpace();
        if (text[at] === ',') at++;
        else if (text[at] === '}') {
          at++;
          return object;
        } else fail('a missing "," or "}"');
      }
    }
    if (char === '[') {
      at++;
      const list: LosslessJson[] = [];
      skipSpace();
      if (text[at] === ']') {
        at++;
        return list;
      }
      for (;;) {
        list.push(value(depth + 1));
        skipSpace();
        if (text[at] === ',') at++;
        else if (text[at] === ']') {
          at++;
          return list;
        } else fail('a missing "," or "]"');
      }
    }
    if (char === '"') return stringValue();
    for (const [word, result] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return result;
      }
    }
    return numberValue();
  };
  const result = value(0);
  skipSpace();
  if (at < text.length) fail('unexpected text after the value');
  return result;
}

/** The index of the quote closing the string that opens at `start`, or -1. */
function findStringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const char = text[i];
    if (char === '\\') i++;
    else if (char === '"') return i;
  }
  return -1;
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
