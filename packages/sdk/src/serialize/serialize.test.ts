import { describe, expect, it } from 'vitest';
import {
  argName,
  CIRCULAR_MARKER,
  DEFAULT_SERIALIZE_OPTIONS,
  type JsonValue,
  type SerializeOptions,
  serialize,
  serializeInputs,
} from './serialize.js';

type JsonObject = { [key: string]: JsonValue };

function asObject(value: JsonValue | undefined): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`expected a JSON object, got ${JSON.stringify(value)}`);
  }
  return value;
}

function asArray(value: JsonValue | undefined): JsonValue[] {
  if (!Array.isArray(value)) throw new Error(`expected a JSON array, got ${JSON.stringify(value)}`);
  return value;
}

function asString(value: JsonValue | undefined): string {
  if (typeof value !== 'string') throw new Error(`expected a string, got ${JSON.stringify(value)}`);
  return value;
}

/** Fails with the path of the first node that JSON could not hold exactly as it is. */
function expectPlainJson(value: unknown, path = '$'): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || Object.is(value, -0)) throw new Error(`${path}: non-JSON number ${value}`);
    return;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) expectPlainJson(item, `${path}[${index}]`);
    return;
  }
  if (typeof value === 'object') {
    if (Object.getPrototypeOf(value) !== Object.prototype) throw new Error(`${path}: not a plain object`);
    for (const [key, item] of Object.entries(value)) expectPlainJson(item, `${path}.${key}`);
    return;
  }
  throw new Error(`${path}: ${typeof value} is not JSON`);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function options(overrides: Partial<SerializeOptions>): SerializeOptions {
  return { ...DEFAULT_SERIALIZE_OPTIONS, ...overrides };
}

describe('serialize: primitives', () => {
  it('keeps strings, finite numbers, booleans and null unchanged', () => {
    expect(serialize('hello').value).toBe('hello');
    expect(serialize('').value).toBe('');
    expect(serialize(42).value).toBe(42);
    expect(serialize(-3.5).value).toBe(-3.5);
    expect(serialize(true).value).toBe(true);
    expect(serialize(false).value).toBe(false);
    expect(serialize(null).value).toBeNull();
    expect(serialize({ s: 'x', n: 1, b: false, z: null }).value).toEqual({ s: 'x', n: 1, b: false, z: null });
  });

  it('a primitive fits the budget and is not reported as truncated', () => {
    const result = serialize('hello');
    expect(result.truncated).toBe(false);
    expect(result.bytes).toBeGreaterThan(0);
  });

  it('writes -0 as 0', () => {
    const result = serialize(-0);
    expect(Object.is(result.value, 0)).toBe(true);
    expect(Object.is(asArray(serialize([-0]).value)[0], 0)).toBe(true);
  });

  it('writes NaN, Infinity and -Infinity as strings', () => {
    expect(serialize(Number.NaN).value).toBe('NaN');
    expect(serialize(Number.POSITIVE_INFINITY).value).toBe('Infinity');
    expect(serialize(Number.NEGATIVE_INFINITY).value).toBe('-Infinity');
    expect(serialize({ n: Number.NaN, list: [Number.POSITIVE_INFINITY] }).value).toEqual({
      n: 'NaN',
      list: ['Infinity'],
    });
  });

  it('a top-level undefined becomes null', () => {
    expect(serialize(undefined).value).toBeNull();
  });

  it('drops undefined properties and turns undefined array items into null', () => {
    const result = serialize({ kept: 1, dropped: undefined, list: [1, undefined, 3] });
    expect(result.value).toEqual({ kept: 1, list: [1, null, 3] });
    expect(Object.hasOwn(asObject(result.value), 'dropped')).toBe(false);
  });

  it('turns holes in a sparse array into null', () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is what is being tested.
    expect(serialize([1, , 3]).value).toEqual([1, null, 3]);
  });

  it('writes a Date as its ISO string', () => {
    const date = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
    expect(serialize(date).value).toBe('2024-01-02T03:04:05.678Z');
    expect(serialize({ at: date }).value).toEqual({ at: '2024-01-02T03:04:05.678Z' });
  });

  it('writes an invalid Date as null', () => {
    expect(serialize(new Date('not a date')).value).toBeNull();
    expect(serialize({ at: new Date(Number.NaN) }).value).toEqual({ at: null });
  });

  it('writes a BigInt as its decimal string', () => {
    expect(serialize(12345678901234567890n).value).toBe('12345678901234567890');
    expect(serialize({ big: -7n }).value).toEqual({ big: '-7' });
  });

  it('writes a symbol as its description marker', () => {
    expect(serialize(Symbol('tag')).value).toBe('Symbol(tag)');
    expect(serialize({ s: Symbol() }).value).toEqual({ s: 'Symbol()' });
  });

  it('writes a function as a marker with its name, or anonymous', () => {
    function namedFunction(): number {
      return 1;
    }
    expect(serialize(namedFunction).value).toBe('[Function: namedFunction]');
    expect(serialize({ callback: namedFunction }).value).toEqual({ callback: '[Function: namedFunction]' });
    expect(serialize([() => 1]).value).toEqual(['[Function: anonymous]']);
  });

  it('unwraps boxed primitives', () => {
    expect(serialize(new String('boxed')).value).toBe('boxed');
    expect(serialize(new Number(3)).value).toBe(3);
    expect(serialize(new Boolean(false)).value).toBe(false);
  });

  it('writes a RegExp as its source text and a Promise as a marker', () => {
    expect(serialize(/ab+c/gi).value).toBe('/ab+c/gi');
    expect(serialize(Promise.resolve(1)).value).toBe('[Promise]');
  });
});

describe('serialize: collections and objects', () => {
  it('writes a Map as its entries, including non-string keys', () => {
    const map = new Map<unknown, unknown>([
      ['name', 'weft'],
      [1, 'one'],
      [{ id: 2 }, [true]],
      [null, undefined],
    ]);
    expect(serialize(map).value).toEqual({
      _type: 'Map',
      entries: [
        ['name', 'weft'],
        [1, 'one'],
        [{ id: 2 }, [true]],
        [null, null],
      ],
    });
  });

  it('writes a Set as its values', () => {
    expect(serialize(new Set([1, 'a', { b: 2 }])).value).toEqual({
      _type: 'Set',
      values: [1, 'a', { b: 2 }],
    });
  });

  it('writes an Error with name, message, stack and cause', () => {
    const cause = new Error('root cause');
    const error = new Error('boom', { cause });
    const value = asObject(serialize(error).value);
    expect(value._type).toBe('Error');
    expect(value.name).toBe('Error');
    expect(value.message).toBe('boom');
    expect(asString(value.stack)).toContain('boom');
    const serializedCause = asObject(value.cause);
    expect(serializedCause._type).toBe('Error');
    expect(serializedCause.message).toBe('root cause');
  });

  it('keeps an Error subclass name and its own enumerable fields such as code', () => {
    class HttpError extends Error {
      override name = 'HttpError';
      status = 503;
    }
    const error = Object.assign(new HttpError('unavailable'), { code: 'E_UNAVAILABLE' });
    const value = asObject(serialize(error).value);
    expect(value).toMatchObject({
      _type: 'Error',
      name: 'HttpError',
      message: 'unavailable',
      status: 503,
      code: 'E_UNAVAILABLE',
    });
    expect(Object.hasOwn(value, 'cause')).toBe(false);
  });

  it('an Error whose name and message were replaced by non-strings still serializes', () => {
    const error = new Error('original');
    Object.defineProperty(error, 'message', { value: undefined });
    Object.defineProperty(error, 'name', { value: 42 });
    const result = serialize({ error });
    const value = asObject(asObject(result.value).error);
    expect(value._type).toBe('Error');
    expect(value.name).toBe(42);
    expect(JSON.stringify(result.value)).not.toContain('Unserializable');
  });

  it('writes a class instance as its own fields plus _type with the class name', () => {
    class Point {
      x: number;
      y: number;
      #secret = 'hidden';
      constructor(x: number, y: number) {
        this.x = x;
        this.y = y;
      }
      get length(): number {
        return Math.hypot(this.x, this.y);
      }
      describe(): string {
        return `${this.x},${this.y},${this.#secret}`;
      }
    }
    expect(serialize(new Point(3, 4)).value).toEqual({ _type: 'Point', x: 3, y: 4 });
  });

  it('honours toJSON on a class instance', () => {
    class Money {
      constructor(
        readonly cents: number,
        readonly currency: string,
      ) {}
      toJSON(): string {
        return `${(this.cents / 100).toFixed(2)} ${this.currency}`;
      }
    }
    expect(serialize({ price: new Money(1250, 'EUR') }).value).toEqual({ price: '12.50 EUR' });
  });

  it('honours toJSON on a plain object, as JSON.stringify does', () => {
    const value = { secret: 'do not record', toJSON: () => ({ redacted: true }) };
    expect(serialize(value).value).toEqual({ redacted: true });
    expect(serialize({ nested: value }).value).toEqual({ nested: { redacted: true } });
  });

  it('keeps an own __proto__ key as an ordinary key', () => {
    const parsed: unknown = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
    const value = asObject(serialize(parsed).value);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(JSON.stringify(value)).toBe('{"__proto__":{"polluted":true},"a":1}');
  });

  it('writes a Uint8Array as base64 tagged with its type', () => {
    expect(serialize(new Uint8Array([1, 2, 3])).value).toEqual({ _type: 'Uint8Array', base64: 'AQID' });
  });

  it('writes a Buffer as base64 tagged Buffer', () => {
    expect(serialize(Buffer.from('hello')).value).toEqual({ _type: 'Buffer', base64: 'aGVsbG8=' });
  });

  it('encodes only the bytes a view covers, not its whole buffer', () => {
    const view = new Uint8Array([0, 1, 2, 3]).subarray(1, 3);
    expect(serialize(view).value).toEqual({ _type: 'Uint8Array', base64: 'AQI=' });
  });

  it('writes a Float64Array as its numbers, with non-finite numbers as strings', () => {
    expect(serialize(new Float64Array([1.5, -2, Number.NaN])).value).toEqual({
      _type: 'Float64Array',
      values: [1.5, -2, 'NaN'],
    });
  });

  it('writes a BigInt64Array as decimal strings', () => {
    expect(serialize(new BigInt64Array([1n, -2n])).value).toEqual({
      _type: 'BigInt64Array',
      values: ['1', '-2'],
    });
  });
});

describe('serialize: references and cycles', () => {
  it('writes an object reached twice (not a cycle) in full both times', () => {
    const shared = { a: 1, inner: { b: [2] } };
    const result = serialize({ left: shared, right: shared, list: [shared, shared] });
    expect(result.value).toEqual({
      left: { a: 1, inner: { b: [2] } },
      right: { a: 1, inner: { b: [2] } },
      list: [
        { a: 1, inner: { b: [2] } },
        { a: 1, inner: { b: [2] } },
      ],
    });
    expect(JSON.stringify(result.value)).not.toContain(CIRCULAR_MARKER);
  });

  it('replaces a real cycle with "[Circular]" and keeps its siblings', () => {
    const node: { name: string; sibling: { ok: boolean }; self?: unknown; after: number } = {
      name: 'root',
      sibling: { ok: true },
      after: 7,
    };
    node.self = node;
    expect(serialize(node).value).toEqual({
      name: 'root',
      sibling: { ok: true },
      after: 7,
      self: '[Circular]',
    });
    expect(CIRCULAR_MARKER).toBe('[Circular]');
  });

  it('replaces an indirect cycle through an array and a Map with "[Circular]"', () => {
    const parent: { children: unknown[]; index: Map<string, unknown> } = { children: [], index: new Map() };
    const child = { parent, label: 'child' };
    parent.children.push(child);
    parent.index.set('child', child);
    expect(serialize(parent).value).toEqual({
      children: [{ parent: '[Circular]', label: 'child' }],
      index: { _type: 'Map', entries: [['child', { parent: '[Circular]', label: 'child' }]] },
    });
  });

  it('replaces an Error that is its own cause with "[Circular]"', () => {
    const error = new Error('loop');
    error.cause = error;
    expect(asObject(serialize(error).value).cause).toBe('[Circular]');
  });
});

describe('serialize: size and depth budget', () => {
  it('cuts a string longer than the budget and ends it with a visible truncation marker', () => {
    const long = 'x'.repeat(10_000);
    const result = serialize(long, options({ maxBytes: 1000 }));
    const text = asString(result.value);
    expect(result.truncated).toBe(true);
    expect(text).toContain('truncated');
    expect(text.startsWith('x'.repeat(500))).toBe(true);
    expect(text.length).toBeLessThanOrEqual(1000);
  });

  it('cuts a long string nested in an object and reports truncation', () => {
    const result = serialize({ prompt: 'y'.repeat(5000), short: 'ok' }, options({ maxBytes: 1000 }));
    expect(result.truncated).toBe(true);
    expect(asString(asObject(result.value).prompt)).toContain('truncated');
  });

  it('counts text in UTF-8 bytes, as it is sent', () => {
    // 400 euro signs: 400 UTF-16 units, but 1,200 bytes.
    const euros = '€'.repeat(400);
    const cut = serialize({ text: euros }, options({ maxBytes: 1000 }));
    expect(cut.truncated).toBe(true);
    const kept = asString(asObject(cut.value).text);
    expect(Buffer.byteLength(kept.slice(0, kept.indexOf('…')), 'utf8')).toBeLessThanOrEqual(1000);
    expect(kept.slice(0, kept.indexOf('…'))).toMatch(/^€+$/);

    const fits = serialize({ text: '€'.repeat(100) }, options({ maxBytes: 1000 }));
    expect(fits.truncated).toBe(false);
    expect(fits.bytes).toBeGreaterThanOrEqual(300);
    expect(serialize('€'.repeat(100), options({ maxBytes: 1000 })).bytes).toBe(302);
    expect(serialize('€'.repeat(400), options({ maxBytes: 1000 })).truncated).toBe(true);
  });

  it('cuts text of many 4-byte characters between characters, never inside a surrogate pair', () => {
    const emoji = '😀'.repeat(1000);
    const kept = asString(serialize(emoji, options({ maxBytes: 501 })).value);
    const prefix = kept.slice(0, kept.indexOf('…'));
    expect(prefix).toMatch(/^(😀)*$/u);
    expect(Buffer.byteLength(prefix, 'utf8')).toBeLessThanOrEqual(501);
  });

  it('truncating a string never splits a surrogate pair', () => {
    for (let prefix = 0; prefix < 4; prefix++) {
      const text = `${'a'.repeat(prefix)}${'😀'.repeat(200)}`;
      const cut = asString(serialize(text, options({ maxBytes: 150 })).value);
      expect(cut).toContain('truncated');
      expect(cut).not.toMatch(LONE_SURROGATE);
    }
  });

  it('ends a huge array over the budget with a Truncated marker', () => {
    const huge = Array.from({ length: 10_000 }, (_, index) => index);
    const result = serialize(huge, options({ maxBytes: 1000 }));
    const list = asArray(result.value);
    expect(result.truncated).toBe(true);
    expect(list.length).toBeGreaterThan(10);
    expect(list.length).toBeLessThan(10_000);
    expect(list.at(-1)).toEqual({ _type: 'Truncated' });
    expect(list.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
  });

  it('ends a huge object over the budget with a Truncated marker', () => {
    const huge = Object.fromEntries(Array.from({ length: 10_000 }, (_, index) => [`key${index}`, index]));
    const result = serialize(huge, options({ maxBytes: 1000 }));
    const value = asObject(result.value);
    expect(result.truncated).toBe(true);
    expect(Object.keys(value).length).toBeLessThan(10_000);
    expect(value.key0).toBe(0);
    expect(value._truncated).toEqual({ _type: 'Truncated' });
  });

  it('ends a huge Map and a huge Set over the budget with Truncated markers', () => {
    const entries = Array.from({ length: 5000 }, (_, index): [string, number] => [`k${index}`, index]);
    const map = asObject(serialize(new Map(entries), options({ maxBytes: 500 })).value);
    expect(asArray(map.entries).at(-1)).toEqual({ _type: 'Truncated' });
    const set = asObject(serialize(new Set(entries.map(([key]) => key)), options({ maxBytes: 500 })).value);
    expect(asArray(set.values).at(-1)).toEqual({ _type: 'Truncated' });
  });

  it('reads a huge Set only as far as the budget goes, without copying it first', () => {
    let read = 0;
    class CountingSet<T> extends Set<T> {
      override *[Symbol.iterator](): SetIterator<T> {
        for (const item of super.values()) {
          read += 1;
          yield item;
        }
        return undefined;
      }
    }
    const huge = new CountingSet(Array.from({ length: 1_000_000 }, (_, index) => index));
    const result = serialize(huge, options({ maxBytes: 10_000 }));
    expect(result.truncated).toBe(true);
    expect(asArray(asObject(result.value).values).at(-1)).toEqual({ _type: 'Truncated' });
    expect(read).toBeLessThan(2_000);
  });

  it('reads a huge typed array only as far as the budget goes, without copying it first', () => {
    let iterated = 0;
    class CountingFloats extends Float32Array {
      override *[Symbol.iterator](): ArrayIterator<number> {
        for (let index = 0; index < this.length; index++) {
          iterated += 1;
          yield this[index] as number;
        }
        return undefined;
      }
    }
    const result = serialize(new CountingFloats(2_000_000), options({ maxBytes: 10_000 }));
    expect(result.truncated).toBe(true);
    const values = asArray(asObject(result.value).values);
    expect(values.length).toBeLessThan(2_000);
    expect(values.at(-1)).toEqual({ _type: 'Truncated' });
    expect(iterated).toBeLessThan(2_000);
  });

  it('cuts a key of megabytes to a marked prefix, and keeps ordinary keys whole', () => {
    const key = 'k'.repeat(5_000_000);
    const result = serialize({ [key]: 1, short: 2 }, options({ maxBytes: 10_000 }));
    expect(result.truncated).toBe(true);
    const keys = Object.keys(asObject(result.value));
    expect(keys).toContain('short');
    expect(keys.find((kept) => kept.startsWith('kkk'))).toMatch(/^k{1024}…\[truncated 4998976 characters\]$/);
    expect(JSON.stringify(result.value).length).toBeLessThan(2_000);
  });

  it('replaces bytes larger than the budget with a marker that keeps their length', () => {
    const result = serialize(new Uint8Array(10_000), options({ maxBytes: 1000 }));
    expect(result.truncated).toBe(true);
    expect(result.value).toEqual({ _type: 'Uint8Array', length: 10_000, base64: null, _truncated: true });
  });

  it('keeps the encoded output near the byte budget', () => {
    const huge = Array.from({ length: 10_000 }, (_, index) => ({ id: index, text: 'lorem ipsum dolor' }));
    const result = serialize(huge, options({ maxBytes: 2000 }));
    expect(result.truncated).toBe(true);
    expect(JSON.stringify(result.value).length).toBeLessThan(2000 * 1.5);
  });

  it('a value within the budget is not reported as truncated', () => {
    const result = serialize(
      { list: Array.from({ length: 50 }, (_, index) => index) },
      options({ maxBytes: 1000 }),
    );
    expect(result.truncated).toBe(false);
    expect(JSON.stringify(result.value)).not.toContain('Truncated');
  });

  it('replaces nesting deeper than maxDepth with a Truncated marker', () => {
    const nested = { l1: { l2: { l3: { l4: { l5: 'deep' } } } } };
    const result = serialize(nested, options({ maxDepth: 3 }));
    expect(result.value).toEqual({ l1: { l2: { l3: { _type: 'Truncated' } } } });
    expect(result.truncated).toBe(true);
  });

  it('counts arrays towards the depth like objects', () => {
    expect(serialize([[[['deep']]]], options({ maxDepth: 2 })).value).toEqual([[{ _type: 'Truncated' }]]);
  });

  it('cuts 100 000 levels of nesting at the default depth without overflowing the stack', () => {
    let deep: { next?: unknown } = {};
    for (let level = 0; level < 100_000; level++) deep = { next: deep };
    const result = serialize(deep);
    expect(result.truncated).toBe(true);
    let levels = 0;
    let node: JsonValue | undefined = result.value;
    while (typeof node === 'object' && node !== null && !Array.isArray(node) && 'next' in node) {
      node = node.next;
      levels++;
    }
    expect(levels).toBe(DEFAULT_SERIALIZE_OPTIONS.maxDepth);
    expect(node).toEqual({ _type: 'Truncated' });
  });

  it('grows bytes with the size of the content', () => {
    const small = serialize('a'.repeat(10));
    const large = serialize('a'.repeat(1000));
    expect(large.bytes).toBeGreaterThan(small.bytes);
    expect(large.bytes - small.bytes).toBeGreaterThanOrEqual(990);
    const fewItems = serialize(Array.from({ length: 10 }, (_, index) => ({ index })));
    const manyItems = serialize(Array.from({ length: 1000 }, (_, index) => ({ index })));
    expect(manyItems.bytes).toBeGreaterThan(fewItems.bytes * 50);
  });

  it('estimates bytes within a factor of two of the encoded JSON length', () => {
    const value = {
      name: 'weft',
      tags: ['a', 'bb', 'ccc'],
      nested: { count: 12345, ratio: 0.5, ok: true, none: null },
      rows: Array.from({ length: 20 }, (_, index) => ({ id: `row-${index}`, score: index / 3 })),
    };
    const result = serialize(value);
    const encodedLength = JSON.stringify(result.value).length;
    expect(result.bytes).toBeGreaterThan(encodedLength / 2);
    expect(result.bytes).toBeLessThan(encodedLength * 2);
  });
});

describe('serialize: robustness', () => {
  it('a throwing getter does not throw out of serialize and is reported', () => {
    const hostile = {
      ok: 1,
      get bad(): never {
        throw new Error('getter exploded');
      },
    };
    let result: ReturnType<typeof serialize> | undefined;
    expect(() => {
      result = serialize({ hostile });
    }).not.toThrow();
    expect(result?.truncated).toBe(true);
    const encoded = JSON.stringify(result?.value);
    expect(encoded).toContain('Unserializable');
    expect(encoded).toContain('getter exploded');
  });

  it('a throwing toJSON does not throw out of serialize', () => {
    const hostile = {
      toJSON(): never {
        throw new TypeError('toJSON exploded');
      },
    };
    class Hostile {
      toJSON(): never {
        throw new TypeError('toJSON exploded');
      }
    }
    for (const value of [hostile, new Hostile()]) {
      const result = serialize(value);
      expect(result.truncated).toBe(true);
      expect(JSON.stringify(result.value)).toContain('toJSON exploded');
    }
  });

  it('a getter throwing a value that cannot be turned into a string does not throw out of serialize', () => {
    const unprintable: unknown = Object.create(null);
    const hostile = {
      get bad(): never {
        throw unprintable;
      },
    };
    expect(() => serialize(hostile)).not.toThrow();
    expect(serialize(hostile).truncated).toBe(true);
    expect(() => serializeInputs([hostile], undefined)).not.toThrow();
    expect(serializeInputs([hostile], undefined).truncated).toBe(true);
  });

  it('a proxy whose traps throw does not throw out of serialize', () => {
    const proxy = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('no keys for you');
        },
        getPrototypeOf() {
          throw new Error('no prototype for you');
        },
      },
    );
    const result = serialize({ proxy });
    expect(result.truncated).toBe(true);
    expect(() => JSON.stringify(result.value)).not.toThrow();
  });

  it('returns a deep copy: mutating the input afterwards does not change the result', () => {
    const input = {
      list: [1, 2, { deep: 'before' }],
      nested: { a: 1 },
      map: new Map([['k', { v: 'before' }]]),
    };
    const result = serialize(input);
    const snapshot = JSON.stringify(result.value);
    input.list.push(3);
    input.nested.a = 2;
    (input.list[2] as { deep: string }).deep = 'after';
    const mapped = input.map.get('k');
    if (mapped) mapped.v = 'after';
    expect(JSON.stringify(result.value)).toBe(snapshot);
    expect(asObject(result.value).nested).not.toBe(input.nested);
    expect(asObject(result.value).list).not.toBe(input.list);
  });

  it('results never share a Truncated marker: changing one does not change another', () => {
    const first = asArray(serialize([1, 2, 3, 4, 5, 6], options({ maxBytes: 10 })).value);
    const marker = asObject(first.at(-1));
    expect(marker).toEqual({ _type: 'Truncated' });
    marker.changed = true;
    const second = asArray(serialize([1, 2, 3, 4, 5, 6], options({ maxBytes: 10 })).value);
    expect(second.at(-1)).toEqual({ _type: 'Truncated' });
  });

  it('always produces a value that JSON.stringify accepts and that round-trips unchanged', () => {
    const cyclic: { self?: unknown; big: bigint } = { big: 10n };
    cyclic.self = cyclic;
    const values: unknown[] = [
      undefined,
      Number.NaN,
      -0,
      12n,
      Symbol('s'),
      () => 1,
      cyclic,
      new Map<unknown, unknown>([[{ k: 1n }, new Set([Symbol('x'), undefined])]]),
      new Error('e', { cause: cyclic }),
      new Uint8Array([255]),
      new Float32Array([Number.POSITIVE_INFINITY]),
      new ArrayBuffer(4),
      new DataView(new ArrayBuffer(2)),
      new WeakMap(),
      { date: new Date(0), invalid: new Date(Number.NaN), nested: [[[undefined]]] },
      Object.create(null),
      new (class Empty {})(),
    ];
    for (const value of values) {
      const result = serialize(value);
      const encoded = JSON.stringify(result.value);
      expect(typeof encoded).toBe('string');
      expect(JSON.parse(encoded)).toEqual(result.value);
      expectPlainJson(result.value);
    }
  });
});

describe('serializeInputs', () => {
  it('names positional arguments arg0, arg1, … without parameter names', () => {
    const result = serializeInputs(['a', 2, { three: 3 }], undefined);
    expect(result.value).toEqual({ arg0: 'a', arg1: 2, arg2: { three: 3 } });
    expect(result.truncated).toBe(false);
  });

  it('uses the parameter names when given, falling back to argN past their end', () => {
    expect(serializeInputs(['hi', 3, true], ['prompt', 'n']).value).toEqual({
      prompt: 'hi',
      n: 3,
      arg2: true,
    });
  });

  it('drops undefined arguments', () => {
    expect(serializeInputs(['a', undefined, 3], ['x', 'y', 'z']).value).toEqual({ x: 'a', z: 3 });
    expect(serializeInputs([undefined], undefined).value).toEqual({});
  });

  it('keeps a parameter named __proto__ as an ordinary input', () => {
    const value = asObject(serializeInputs([{ a: 1 }], ['__proto__']).value);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(JSON.stringify(value)).toBe('{"__proto__":{"a":1}}');
  });

  it('serializes each argument like serialize does', () => {
    const date = new Date(0);
    expect(serializeInputs([date, 5n, new Set([1])], undefined).value).toEqual({
      arg0: '1970-01-01T00:00:00.000Z',
      arg1: '5',
      arg2: { _type: 'Set', values: [1] },
    });
  });

  it('counts the inputs object as one nesting level, like serialize of the same object', () => {
    const arg = { a: { b: { c: 1 } } };
    const limits = options({ maxDepth: 2 });
    const inputs = serializeInputs([arg], ['p'], limits);
    expect(inputs.value).toEqual({ p: { a: { _type: 'Truncated' } } });
    expect(inputs.value).toEqual(serialize({ p: arg }, limits).value);
  });

  it('shares one size budget across all arguments', () => {
    const result = serializeInputs(
      ['a'.repeat(600), 'b'.repeat(600)],
      undefined,
      options({ maxBytes: 1000 }),
    );
    const value = asObject(result.value);
    expect(result.truncated).toBe(true);
    expect(value.arg0).toBe('a'.repeat(600));
    expect(asString(value.arg1)).toContain('truncated');
  });

  it('writes the same object passed twice in full both times', () => {
    const shared = { k: 'v' };
    expect(serializeInputs([shared, shared], undefined).value).toEqual({
      arg0: { k: 'v' },
      arg1: { k: 'v' },
    });
  });

  it('copies arguments: mutating them afterwards does not change the inputs', () => {
    const arg = { list: [1] };
    const result = serializeInputs([arg], undefined);
    arg.list.push(2);
    expect(result.value).toEqual({ arg0: { list: [1] } });
  });

  it('a throwing getter in an argument does not throw out of serializeInputs', () => {
    const hostile = {
      get bad(): never {
        throw new Error('input getter exploded');
      },
    };
    const result = serializeInputs([1, hostile], undefined);
    expect(result.truncated).toBe(true);
    expect(JSON.stringify(result.value)).toContain('input getter exploded');
  });

  it('grows bytes with the size of the arguments', () => {
    const small = serializeInputs(['x'], undefined);
    const large = serializeInputs(['x'.repeat(5000)], undefined);
    expect(large.bytes - small.bytes).toBeGreaterThanOrEqual(4999);
  });

  it('argName gives arg0, arg1, … for any index', () => {
    expect(argName(0)).toBe('arg0');
    expect(argName(15)).toBe('arg15');
    expect(argName(16)).toBe('arg16');
    expect(argName(123)).toBe('arg123');
  });
});
