import { formatTimestampMicros } from '@weft/protocol/datetime';
import { describe, expect, it } from 'vitest';
import { ByteWriter, TimestampField } from './byte-writer.js';

function written(write: (writer: ByteWriter) => void, capacity = 16): string {
  // A small buffer, so that growing it is part of every test.
  const writer = new ByteWriter(capacity);
  write(writer);
  return writer.buffer.subarray(0, writer.length).toString('utf8');
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

const inherited = Object.create({ inheritedKey: 1 }) as Record<string, unknown>;
inherited.own = 2;
const nullPrototype = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1, b: 'two' });

const VALUES: unknown[] = [
  0,
  -0,
  1,
  42,
  9007199254740991,
  // Beyond the safe integers: written as JavaScript prints it.
  2 ** 53 + 2,
  -5,
  0.1,
  1e21,
  1e-7,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  true,
  false,
  null,
  undefined,
  '',
  'plain',
  'with "quotes" and \\ backslash',
  'line\nbreak\ttab\u0001control\u007fdel',
  'ünïcödé and 漢字 and 😀',
  'lone \ud800 surrogate',
  'x'.repeat(63),
  'y'.repeat(64),
  'z'.repeat(65),
  `${'long '.repeat(40)}"quoted"`,
  `${'long '.repeat(40)}ü`,
  { arg0: 1, arg1: 'two' },
  { status_counts: { success: 1, error: 0 } },
  { nested: { deeper: { deepest: { bottom: { floor: [1, 2, { x: null }] } } } } },
  [1, 'a', null, true, [], {}],
  [undefined, () => 1, Symbol('s')],
  { skipped: undefined, fn: () => 1, kept: 1 },
  { toJSON: () => 'custom' },
  { when: new Date(0) },
  new Point(1, 2),
  inherited,
  nullPrototype,
  { 'key with "quotes"': 1, ключ: 2, '': 3, __proto__: { hidden: true } },
  Object.fromEntries(Array.from({ length: 100 }, (_, index) => [`k${index}`, index])),
];

describe('ByteWriter.value', () => {
  it('writes what JSON.stringify writes, for values of every kind', () => {
    VALUES.forEach((value, index) => {
      expect(
        written((writer) => writer.value(value)),
        `value ${index}`,
      ).toBe(JSON.stringify(value) ?? 'null');
    });
  });

  it('writes each value in place after others, however the buffer grows', () => {
    const text = written((writer) => {
      writer.byte(0x5b);
      VALUES.forEach((value, index) => {
        if (index > 0) writer.byte(0x2c);
        writer.value(value);
      });
      writer.byte(0x5d);
    });
    expect(text).toBe(`[${VALUES.map((value) => JSON.stringify(value) ?? 'null').join(',')}]`);
  });

  it('throws where JSON.stringify throws, after writing part of the value (the caller rolls back)', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => written((writer) => writer.value({ big: 1n }))).toThrow(TypeError);
    expect(() => written((writer) => writer.value(cyclic))).toThrow(TypeError);
  });
});

describe('ByteWriter.string', () => {
  it('writes a JSON string literal', () => {
    for (const value of VALUES.filter((item) => typeof item === 'string')) {
      expect(written((writer) => writer.string(value as string))).toBe(JSON.stringify(value));
    }
  });
});

describe('TimestampField', () => {
  it('writes the time up to its microseconds as formatTimestampMicros does, across seconds and fractions', () => {
    const field = new TimestampField(',"at":"');
    const times = [
      0, 1, 999_999, 1_000_000, 1_764_719_999_999_999, 1_764_720_000_000_000, 1_764_720_000_123_456,
    ];
    for (const micros of times) {
      const second = Math.floor(micros / 1_000_000);
      expect(written((writer) => field.write(writer, second, micros - second * 1_000_000))).toBe(
        `,"at":"${formatTimestampMicros(micros)}`.slice(0, -1),
      );
    }
  });
});

/** mulberry32: a small seeded generator, so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  'a',
  'Z',
  ' ',
  '"',
  '\\',
  '\n',
  '\u0000',
  '\u007f',
  'é',
  '漢',
  '😀',
  '\ud800',
  'x'.repeat(70),
];

function randomValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 6 : 9));
  switch (pick) {
    case 0:
      return Math.floor(next() * 1e6);
    case 1:
      return (next() - 0.5) * 10 ** Math.floor(next() * 40 - 20);
    case 2:
      return next() < 0.5;
    case 3:
      return null;
    case 4:
    case 5:
      return Array.from(
        { length: Math.floor(next() * 6) },
        () => PIECES[Math.floor(next() * PIECES.length)],
      ).join('');
    case 6:
      return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let index = Math.floor(next() * 5); index > 0; index--) {
        object[String(randomValue(next, 5))] = next() < 0.1 ? undefined : randomValue(next, depth + 1);
      }
      return object;
    }
  }
}

describe('ByteWriter.value, generated values', () => {
  it('writes what JSON.stringify writes for 2,000 random values', () => {
    const seed = 20261202;
    const next = random(seed);
    for (let index = 0; index < 2000; index++) {
      const value = randomValue(next, 0);
      expect(
        written((writer) => writer.value(value)),
        `seed ${seed}, value ${index}`,
      ).toBe(JSON.stringify(value));
    }
  });
});
