/**
 * parseJsonLosslessly against two oracles: the simple parser it replaced (kept below, verbatim
 * but for names, as the reference for what results must be) on thousands of random texts, valid
 * and broken; and JSON.parse wherever the two mean the same thing.
 */
import { describe, expect, it } from 'vitest';
import { type LosslessJson, PythonFloat, parseJsonLosslessly } from './python-json.js';

// ---------------------------------------------------------------------------------------------
// The oracle: parseJsonLosslessly as it was before it was rewritten for speed.

const ORACLE_MAX_DEPTH = 512;

function oracleParse(text: string): LosslessJson {
  let at = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${at} of the JSON text`);
  };
  const skipSpace = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at] as string)) at++;
  };
  const stringValue = (): string => {
    const end = oracleFindStringEnd(text, at);
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
    if (depth > ORACLE_MAX_DEPTH) fail(`nesting deeper than ${ORACLE_MAX_DEPTH}`);
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

function oracleFindStringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const char = text[i];
    if (char === '\\') i++;
    else if (char === '"') return i;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Comparing results: everything that could differ, spelled out (types, -0, PythonFloat vs int,
// bigint, key order, own properties and their flags, prototypes).

function canonical(value: unknown): unknown {
  if (value instanceof PythonFloat) return { float: Object.is(value.value, -0) ? '-0' : String(value.value) };
  if (typeof value === 'number') return { int: Object.is(value, -0) ? '-0' : String(value) };
  if (typeof value === 'bigint') return { bigint: String(value) };
  if (typeof value === 'string') return { string: [...value].map((unit) => unit.charCodeAt(0)).join(',') };
  if (value === null || typeof value === 'boolean') return value;
  if (Array.isArray(value)) {
    return { array: value.map(canonical), proto: Object.getPrototypeOf(value) === Array.prototype };
  }
  if (typeof value === 'object') {
    return {
      proto: Object.getPrototypeOf(value) === Object.prototype,
      keys: Reflect.ownKeys(value).map((key) => {
        const descriptor = Object.getOwnPropertyDescriptor(value, key) as PropertyDescriptor;
        const flags = `${descriptor.enumerable}${descriptor.writable}${descriptor.configurable}`;
        return [String(key), flags, canonical(descriptor.value)];
      }),
    };
  }
  return { unexpected: typeof value };
}

/** What JSON.parse gives for the same text: floats unwrapped, big integers rounded. */
function asJsonParseWould(value: unknown): unknown {
  if (value instanceof PythonFloat) return value.value;
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(asJsonParseWould);
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      Object.defineProperty(copy, key, {
        value: asJsonParseWould((value as Record<string, unknown>)[key]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return copy;
  }
  return value;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

function attempt(parse: (text: string) => unknown, text: string): Outcome {
  try {
    return { ok: true, value: parse(text) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Parses with both parsers and checks they agree; returns whether the text was accepted. */
function expectSameAsOracle(text: string): boolean {
  const before = attempt(oracleParse, text);
  const after = attempt(parseJsonLosslessly, text);
  const shown = text.length > 300 ? `${text.slice(0, 300)}…` : text;
  expect(after.ok, `accepted? ${JSON.stringify(shown)}`).toBe(before.ok);
  if (!after.ok) {
    expect(after.error, shown).toBeInstanceOf(SyntaxError);
    const match = /at position (\d+) of the JSON text$/.exec((after.error as Error).message);
    expect(match, `${(after.error as Error).message} for ${shown}`).not.toBeNull();
    expect(Number(match?.[1])).toBeLessThanOrEqual(text.length);
    return false;
  }
  if (before.ok) {
    expect(JSON.stringify(canonical(after.value)), shown).toBe(JSON.stringify(canonical(before.value)));
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Random JSON texts, from a seeded generator so a failure can be replayed.

function random(seed: number): () => number {
  // mulberry32
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Generator {
  constructor(private readonly next: () => number) {}

  int(below: number): number {
    return Math.floor(this.next() * below);
  }

  pick<T>(choices: readonly T[]): T {
    return choices[this.int(choices.length)] as T;
  }

  digits(count: number, leading = '0123456789'): string {
    let out = this.pick([...leading]);
    for (let i = 1; i < count; i++) out += String(this.int(10));
    return out;
  }

  space(): string {
    return this.next() < 0.6 ? this.pick(['', ' ']) : this.pick(['\n', '\t', '\r\n  ', '  ', ' \n\t\r ']);
  }

  hex(code: number): string {
    const digits = code.toString(16).padStart(4, '0');
    return this.next() < 0.5 ? digits : digits.toUpperCase();
  }

  number(): string {
    if (this.next() < 0.2) {
      return this.pick([
        '0',
        '-0',
        '0.0',
        '-0.0',
        '1e400',
        '-1e400',
        '1e-400',
        '1E+2',
        '1e2',
        '1E-2',
        '0.1',
        '1.0',
        '2.5',
        '5e-324',
        '2.2250738585072014e-308',
        '1.7976931348623157e308',
        '1.7976931348623159e308',
        '9007199254740991',
        '9007199254740992',
        '9007199254740993',
        '-9007199254740993',
        '123456789012345',
        '1234567890123456',
        '999999999999999',
        '-999999999999999',
        '123456789012345678901234567890',
        '1e22',
        '1e23',
        '123456789012345e-22',
        '0.000000000000000000001',
        '1'.repeat(309),
        '1'.repeat(400),
        '1'.repeat(401),
        `0.${'3'.repeat(398)}`,
        `0.${'3'.repeat(399)}`,
        `-0.${'3'.repeat(397)}`,
        `-0.${'3'.repeat(398)}`,
      ]);
    }
    let out = this.next() < 0.3 ? '-' : '';
    out += this.next() < 0.2 ? '0' : this.digits(1 + this.int(this.pick([3, 16, 25])), '123456789');
    if (this.next() < 0.5) out += `.${this.digits(1 + this.int(this.pick([3, 12, 20])))}`;
    if (this.next() < 0.3) {
      out += this.pick(['e', 'E']) + this.pick(['', '+', '-']) + this.digits(1 + this.int(3));
    }
    return out;
  }

  stringBody(): string {
    let out = '';
    const pieces = this.int(6);
    for (let i = 0; i < pieces; i++) {
      switch (this.int(12)) {
        case 0:
        case 1:
        case 2:
          out += this.pick(['a', 'row', 'hello world', 'x'.repeat(this.int(40)), '0', '__proto__', ' ']);
          break;
        case 3:
          out += this.pick(['é', '中文', 'ÿ', '\u007f', '\u2028', '\uffff']);
          break;
        case 4:
          out += this.pick(['😀', '\ud83d\ude00', '\u{10ffff}']);
          break;
        case 5:
          // Raw lone surrogates, which JavaScript strings (and JSON.parse) allow.
          out += this.pick(['\ud800', '\udfff', '\udc00x']);
          break;
        case 6:
          out += this.pick(['\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t']);
          break;
        case 7:
          out += `\\u${this.hex(this.int(0x10000))}`;
          break;
        case 8:
          // Surrogate escapes: pairs, lone, and reversed.
          out += this.pick([
            `\\u${this.hex(0xd83d)}\\u${this.hex(0xde00)}`,
            `\\u${this.hex(0xd800 + this.int(0x400))}`,
            `\\u${this.hex(0xdc00 + this.int(0x400))}`,
            `\\u${this.hex(0xdc00)}\\u${this.hex(0xd800)}`,
            `\\u${this.hex(0xd800)}x`,
          ]);
          break;
        case 9:
          out += `\\u${this.hex(this.int(0x20))}`;
          break;
        case 10:
          out += `\\u${this.hex(0x5f)}_proto__`;
          break;
        default:
          out += String.fromCharCode(0x20 + this.int(0x5f)).replace(/["\\]/, '');
      }
    }
    return out;
  }

  key(): string {
    if (this.next() < 0.7) {
      return this.pick([
        'id',
        'name',
        'a',
        'b',
        '__proto__',
        'constructor',
        'toString',
        '0',
        '1',
        '10',
        '',
        'é',
      ]);
    }
    return this.stringBody();
  }

  value(depth: number): string {
    const kind = depth > 5 ? this.int(5) : this.int(8);
    switch (kind) {
      case 0:
      case 1:
        return this.number();
      case 2:
      case 3:
        return `"${this.stringBody()}"`;
      case 4:
        return this.pick(['true', 'false', 'null']);
      case 5:
      case 6: {
        const members: string[] = [];
        const count = this.int(5);
        for (let i = 0; i < count; i++) {
          members.push(
            `${this.space()}"${this.key()}"${this.space()}:${this.space()}${this.value(depth + 1)}${this.space()}`,
          );
        }
        return `{${members.join(',') || this.space()}}`;
      }
      default: {
        const items: string[] = [];
        const count = this.int(5);
        for (let i = 0; i < count; i++) items.push(`${this.space()}${this.value(depth + 1)}${this.space()}`);
        return `[${items.join(',') || this.space()}]`;
      }
    }
  }

  text(): string {
    return `${this.space()}${this.value(0)}${this.space()}`;
  }

  /** The text with one random edit, which usually breaks it. */
  mutate(text: string): string {
    const at = this.int(text.length + 1);
    const snippet = this.pick([
      '"',
      '\\',
      ',',
      ':',
      '{',
      '}',
      '[',
      ']',
      '-',
      '.',
      'e',
      '+',
      '0',
      '1',
      ' ',
      '\u0000',
      '\n',
      '\u001f',
      'x',
      'tru',
      'nul',
      '\\u12',
      '\\ud800',
      '\\x',
      '__proto__',
    ]);
    switch (this.int(4)) {
      case 0:
        return text.slice(0, at) + text.slice(at + 1);
      case 1:
        return text.slice(0, at) + snippet + text.slice(at);
      case 2:
        return text.slice(0, at);
      default:
        return text.slice(0, at) + snippet + text.slice(at + 1 + this.int(3));
    }
  }
}

// ---------------------------------------------------------------------------------------------

describe('parseJsonLosslessly against the parser it replaced', () => {
  it('agrees on 4,000 random valid texts, which JSON.parse reads the same way', () => {
    const generate = new Generator(random(20261124));
    let accepted = 0;
    for (let i = 0; i < 4000; i++) {
      const text = generate.text();
      if (!expectSameAsOracle(text)) continue;
      accepted++;
      // Where both accept, JSON.parse means the same apart from number types.
      const plain = attempt(JSON.parse, text);
      expect(plain.ok, text).toBe(true);
      if (plain.ok) {
        expect(JSON.stringify(canonical(asJsonParseWould(parseJsonLosslessly(text))))).toBe(
          JSON.stringify(canonical(asJsonParseWould(plain.value))),
        );
      }
    }
    // Most texts are valid: only the overflowing and over-long numbers are refused.
    expect(accepted).toBeGreaterThan(2500);
  });

  it('agrees on 8,000 randomly broken texts, refusing the same ones', () => {
    const generate = new Generator(random(7));
    let refused = 0;
    for (let i = 0; i < 8000; i++) {
      let text = generate.text();
      for (let edits = 1 + generate.int(2); edits > 0; edits--) text = generate.mutate(text);
      if (!expectSameAsOracle(text)) {
        refused++;
        // JSON.parse refuses them too, unless the lossless parser's limits were hit.
        if (attempt(JSON.parse, text).ok) {
          const outcome = attempt(parseJsonLosslessly, text) as { error: Error };
          expect(outcome.error.message).toMatch(/^a number (too large for a double|longer than 400)/);
        }
      }
    }
    expect(refused).toBeGreaterThan(4000);
  });

  it('reads 100,000 random number literals as Number() does, typed as before', () => {
    const generate = new Generator(random(42));
    const literals: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      let literal = generate.number();
      // Keep to literals both parsers accept; the refused ones are covered above.
      while (literal.length > 400 || !Number.isFinite(Number(literal))) literal = generate.number();
      literals.push(literal);
    }
    const text = `[${literals.join(',')}]`;
    const parsed = parseJsonLosslessly(text) as LosslessJson[];
    const expected = oracleParse(text) as LosslessJson[];
    expect(parsed).toHaveLength(literals.length);
    const wrong = literals.filter((literal, index) => {
      const got = parsed[index];
      const want = expected[index];
      if (!(want instanceof PythonFloat)) return !Object.is(got, want);
      return (
        !(got instanceof PythonFloat) ||
        !Object.is(got.value, want.value) ||
        !Object.is(want.value, Number(literal))
      );
    });
    expect(wrong).toEqual([]);
    expect(expected.filter((value) => value instanceof PythonFloat).length).toBeGreaterThan(30_000);
    expect(expected.filter((value) => typeof value === 'bigint').length).toBeGreaterThan(5_000);
  });

  it('agrees at the nesting limit', () => {
    for (const depth of [511, 512, 513, 514]) {
      expectSameAsOracle(`${'['.repeat(depth)}${']'.repeat(depth)}`);
      expectSameAsOracle(`${'['.repeat(depth)}1${']'.repeat(depth)}`);
      expectSameAsOracle(`${'{"a":'.repeat(depth)}{}${'}'.repeat(depth)}`);
      expectSameAsOracle(`${'{"a":'.repeat(depth)}"x"${'}'.repeat(depth)}`);
    }
    expect(() => parseJsonLosslessly(`${'['.repeat(600)}${']'.repeat(600)}`)).toThrow(
      /nesting deeper than 512/,
    );
  });
});

describe('parseJsonLosslessly', () => {
  it('keeps float literals, big integers, -0 and key order', () => {
    const parsed = parseJsonLosslessly(
      '{"b": 1.0, "a": -0, "c": -0.0, "d": 1E+2, "e": 12345678901234567890, "f": 9007199254740991, "g": 0.1}',
    ) as Record<string, LosslessJson>;
    expect(Object.keys(parsed)).toEqual(['b', 'a', 'c', 'd', 'e', 'f', 'g']);
    expect(parsed.b).toEqual(new PythonFloat(1));
    expect(Object.is(parsed.a, -0)).toBe(true);
    expect(parsed.c).toBeInstanceOf(PythonFloat);
    expect(Object.is((parsed.c as PythonFloat).value, -0)).toBe(true);
    expect(parsed.d).toEqual(new PythonFloat(100));
    expect(parsed.e).toBe(12345678901234567890n);
    expect(parsed.f).toBe(9007199254740991);
    expect(parsed.g).toEqual(new PythonFloat(0.1));
  });

  it('keeps __proto__ as an own key, escaped or not, and lets a duplicate key replace the value in place', () => {
    const parsed = parseJsonLosslessly(
      '{"x": 1, "__proto__": {"polluted": true}, "y": 2, "\\u005f_proto__": [3], "x": 4}',
    ) as Record<string, LosslessJson>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['x', '__proto__', 'y']);
    expect(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value).toEqual([3]);
    expect(parsed.x).toBe(4);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('decodes every escape, keeping lone surrogates', () => {
    expect(
      parseJsonLosslessly('"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u00E9\\ud83d\\ude00\\ud800x\\udc00"'),
    ).toBe('"\\/\b\f\n\r\té\u00e9😀\ud800x\udc00');
    expect(parseJsonLosslessly('"😀 \ud800"')).toBe('😀 \ud800');
  });

  it('reads strings of every length around where the scan changes gear, with a special character anywhere', () => {
    const specials = ['\\n', '\\u00e9', '\\"', '\u0001', '\u001f', '\\', '\\q', 'é', '\ud800', '"'];
    for (let length = 0; length <= 60; length++) {
      expectSameAsOracle(`"${'a'.repeat(length)}"`);
      expectSameAsOracle(`"${'a'.repeat(length)}`);
      for (const special of specials) {
        for (let at = 0; at <= length; at += 1 + (at >> 3)) {
          const body = `${'a'.repeat(at)}${special}${'b'.repeat(length - at)}`;
          expectSameAsOracle(`"${body}"`);
          expectSameAsOracle(`{"${body}": 1}`);
          expectSameAsOracle(`["${body}`);
        }
      }
    }
  });

  it('reads strings of millions of characters, with and without escapes', () => {
    // (Sizes at which a regular expression that backtracks per character overflows the stack.)
    for (const body of ['a'.repeat(20_000_000), 'abcdefgh\\n'.repeat(2_000_000), '\\n'.repeat(3_000_000)]) {
      const text = `["${body}", "x"]`;
      expect(parseJsonLosslessly(text)).toEqual(JSON.parse(text));
    }
  });

  it('names the position of what is wrong', () => {
    const cases: Array<[string, string, number]> = [
      ['{"a": 1,}', 'a missing object key', 8],
      ['[1, 2', 'an unexpected end', 5],
      ['[1 2]', 'a missing "," or "]"', 3],
      ['{"a" 1}', 'a missing ":"', 5],
      ['{"a": 1 "b": 2}', 'a missing "," or "}"', 8],
      ['"abc', 'an unterminated string', 0],
      ['["a\\', 'an unterminated string', 1],
      ['"a\u0001"', 'a control character in a string', 2],
      ['"a\\x"', 'an invalid escape', 3],
      ['"\\u12G4"', 'an invalid \\u escape', 5],
      ['[tru]', 'an unexpected character', 1],
      ['[+1]', 'an unexpected character', 1],
      ['01', 'unexpected text after the value', 1],
      ['1.', 'an unexpected end', 2],
      ['1.e5', 'an invalid number', 2],
      ['[1e]', 'an invalid number', 3],
      ['[1E+', 'an unexpected end', 4],
      ['-', 'an unexpected end', 1],
      ['-x', 'an invalid number', 1],
      ['[1e400]', 'a number too large for a double', 1],
      [`[${'9'.repeat(401)}]`, 'a number longer than 400 characters', 1],
      [`[0.${'9'.repeat(399)}]`, 'a number longer than 400 characters', 1],
      ['', 'an unexpected end', 0],
    ];
    for (const [text, what, position] of cases) {
      expect(() => parseJsonLosslessly(text), text).toThrow(SyntaxError);
      expect(() => parseJsonLosslessly(text), text).toThrow(`${what}`);
      expect(() => parseJsonLosslessly(text), text).toThrow(
        new RegExp(`at position ${position} of the JSON text$`),
      );
      // The old parser refused them too.
      expect(() => oracleParse(text), text).toThrow(SyntaxError);
    }
  });

  it('reads a large table body as before', () => {
    const rows = Array.from(
      { length: 2000 },
      (_, i) =>
        `{"id": ${i}, "name": "row-${i}", "score": ${i / 7}, "weight": 1.0, "big": ${2n ** 60n + BigInt(i)}, ` +
        `"tags": ["a", "b\\n${i}"], "meta": {"ok": ${i % 2 === 0}, "note": null, "ratio": ${i}e-3}}`,
    );
    expectSameAsOracle(`{"table": {"project_id": "entity/project", "rows": [${rows.join(', ')}]}}`);
  });
});
