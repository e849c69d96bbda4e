/**
 * Turns any JavaScript value into JSON that keeps as much of it as JSON can hold. Called when a
 * call starts (inputs) and ends (output), so later mutation of the user's objects cannot change
 * what was recorded.
 *
 * - Date → ISO string; BigInt → decimal string; NaN/±Infinity → "NaN"/"Infinity"/"-Infinity".
 * - Map → {_type:"Map", entries:[[k,v],…]}; Set → {_type:"Set", values:[…]}.
 * - Error → {_type:"Error", name, message, stack, cause?, …own fields}.
 * - Class instances → own enumerable fields plus `_type: <class name>`; `toJSON()` is honoured, on
 *   plain objects too.
 * - Bytes → {_type:"Uint8Array"|"Buffer"|…, base64}; other typed arrays keep their numbers.
 * - The same object reached twice (not a cycle) is written twice; a real cycle becomes
 *   "[Circular]". `undefined` properties are dropped, as JSON.stringify does.
 * - A value larger than the byte budget is cut: long strings end in a visible marker and the rest
 *   of the structure becomes {_type:"Truncated"}; the result reports that it was truncated. Sizes
 *   are UTF-8 bytes, as the text is sent. The time taken is bounded by the budget, not the value:
 *   Sets, Maps and typed arrays are read only as far as the budget goes (never copied first), a
 *   string is measured only when it may fit, and a key longer than 1,024 characters is cut.
 * - Secrets are never recorded (secrets.ts): a value under a key such as `apiKey`, `api_key`,
 *   `authorization`, `token`, `password` or `secret` becomes "[REDACTED]", and a class instance
 *   that holds one (a provider client) is recorded as its class name alone.
 * - With `refOf`, a published value (an object read back or published, an op) becomes its
 *   `weave:///` ref, as Weave records published values in inputs and outputs.
 */

import { holdsSecret, isSecretKey, REDACTED } from './secrets.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface SerializeOptions {
  /** Approximate size budget of the encoded JSON, in bytes. */
  maxBytes: number;
  /** Nesting deeper than this becomes a Truncated marker. */
  maxDepth: number;
  /** The ref to write instead of an object or function, if it stands for a published version. */
  refOf?: ((value: object) => string | undefined) | undefined;
}

export const DEFAULT_SERIALIZE_OPTIONS: SerializeOptions = { maxBytes: 1024 * 1024, maxDepth: 64 };

export interface Serialized {
  value: JsonValue;
  /** Approximate encoded size, used for the batcher's memory bound. */
  bytes: number;
  truncated: boolean;
}

export const CIRCULAR_MARKER = '[Circular]';

/** Keys longer than this are cut: a key is a name, and a megabyte one would be copied whole. */
const MAX_KEY_CHARS = 1024;

/** A new object each time, so a caller that edits one result cannot change another. */
function truncatedMarker(): JsonValue {
  return { _type: 'Truncated' };
}

/** Assigns a key the way JSON.parse would: an own `__proto__` key stays a key, not a prototype. */
export function setKey(target: { [key: string]: JsonValue }, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else target[key] = value;
}

/** `String(error)` that cannot throw (a thrown null-prototype object has no toString). */
function describeThrown(error: unknown): string {
  try {
    return String(error);
  } catch {
    return '[unprintable thrown value]';
  }
}

class Walker {
  bytes = 0;
  truncated = false;
  // Created on the first object: most op inputs are primitives and never need it.
  private ancestors: Set<object> | undefined;

  constructor(private readonly options: SerializeOptions) {}

  walk(value: unknown, depth: number): JsonValue | undefined {
    switch (typeof value) {
      case 'string':
        return this.string(value);
      case 'number':
        this.bytes += 8;
        if (Number.isFinite(value)) return Object.is(value, -0) ? 0 : value;
        return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
      case 'boolean':
        this.bytes += 5;
        return value;
      case 'undefined':
        return undefined;
      case 'bigint':
        return this.string(value.toString());
      case 'symbol':
        return this.string(value.toString());
      case 'function': {
        const ref = this.options.refOf?.(value);
        return this.string(ref ?? `[Function: ${value.name || 'anonymous'}]`);
      }
      default:
        if (value === null) {
          this.bytes += 4;
          return null;
        }
        return this.object(value as object, depth);
    }
  }

  private string(text: string): string {
    const remaining = this.options.maxBytes - this.bytes;
    // Measured only when it may fit: a text of more UTF-16 units than the budget has bytes cannot,
    // and measuring megabytes only to cut them would cost time the cap is meant to bound.
    if (text.length + 2 <= remaining) {
      const size = Buffer.byteLength(text, 'utf8') + 2;
      if (size <= remaining) {
        this.bytes += size;
        return text;
      }
    }
    this.truncated = true;
    const keep = utf8Prefix(text, Math.max(0, remaining - 64));
    this.bytes += Buffer.byteLength(keep, 'utf8') + 64;
    return `${keep}…[truncated ${text.length - keep.length} characters]`;
  }

  private budgetLeft(): boolean {
    if (this.bytes < this.options.maxBytes) return true;
    this.truncated = true;
    return false;
  }

  private object(value: object, depth: number): JsonValue {
    const ref = this.options.refOf?.(value);
    if (ref !== undefined) return this.string(ref);
    if (depth >= this.options.maxDepth || !this.budgetLeft()) {
      this.truncated = true;
      return truncatedMarker();
    }
    this.ancestors ??= new Set();
    if (this.ancestors.has(value)) {
      this.bytes += CIRCULAR_MARKER.length + 2;
      return CIRCULAR_MARKER;
    }
    this.ancestors.add(value);
    try {
      return this.objectBody(value, depth + 1);
    } finally {
      this.ancestors.delete(value);
    }
  }

  private objectBody(value: object, depth: number): JsonValue {
    if (Array.isArray(value)) return this.array(value, depth);
    const proto: unknown = Object.getPrototypeOf(value);
    const plain = proto === Object.prototype || proto === null;
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (plain && typeof toJSON !== 'function') return this.fields(value, depth, undefined);
    if (value instanceof Date) {
      return Number.isNaN(value.getTime()) ? null : this.string(value.toISOString());
    }
    if (value instanceof Error) return this.error(value, depth);
    if (value instanceof Map) {
      const entries: JsonValue[] = [];
      for (const [key, entry] of value) {
        if (!this.budgetLeft()) {
          entries.push(truncatedMarker());
          break;
        }
        const secret = typeof key === 'string' && isSecretKey(key);
        entries.push([
          this.walk(key, depth) ?? null,
          secret ? this.string(REDACTED) : (this.walk(entry, depth) ?? null),
        ]);
      }
      return { _type: 'Map', entries };
    }
    // Walked as they are iterated, never copied first: a million-entry Set costs what fits.
    if (value instanceof Set) return { _type: 'Set', values: this.array(value, depth) };
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return this.binary(value);
    if (value instanceof RegExp) return this.string(value.toString());
    if (value instanceof Promise) return this.string('[Promise]');
    if (value instanceof WeakMap || value instanceof WeakSet || value instanceof WeakRef) {
      return this.string(`[${value.constructor.name}]`);
    }
    if (value instanceof String || value instanceof Number || value instanceof Boolean) {
      return this.walk(value.valueOf(), depth) ?? null;
    }
    if (typeof toJSON === 'function') {
      const replacement: unknown = toJSON.call(value);
      if (replacement !== value) return this.walk(replacement, depth) ?? null;
    }
    if (plain) return this.fields(value, depth, undefined);
    const className = (value as { constructor?: { name?: unknown } }).constructor?.name;
    const typeName = typeof className === 'string' && className ? className : undefined;
    // A client holding a key: its options and headers may hold the key again, so only its class.
    if (holdsSecret(value)) return { _type: typeName ?? 'Object' };
    return this.fields(value, depth, typeName);
  }

  private array(items: Iterable<unknown>, depth: number): JsonValue[] {
    const out: JsonValue[] = [];
    this.bytes += 2;
    for (const item of items) {
      if (!this.budgetLeft()) {
        out.push(truncatedMarker());
        break;
      }
      this.bytes += 1;
      out.push(this.walk(item, depth) ?? null);
    }
    return out;
  }

  private fields(value: object, depth: number, typeName: string | undefined): JsonValue {
    const out: { [key: string]: JsonValue } = {};
    this.bytes += 2;
    if (typeName !== undefined) {
      out._type = typeName;
      this.bytes += typeName.length + 10;
    }
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      if (!this.budgetLeft()) {
        out._truncated = truncatedMarker();
        break;
      }
      const field = (value as Record<string, unknown>)[key];
      const encoded = isSecretKey(key) && field != null ? this.string(REDACTED) : this.walk(field, depth);
      if (encoded === undefined) continue;
      const kept = key.length <= MAX_KEY_CHARS ? key : this.cutKey(key);
      this.bytes += Buffer.byteLength(kept, 'utf8') + 4;
      setKey(out, kept, encoded);
    }
    return out;
  }

  /** A key too long to keep, cut (never inside a surrogate pair) with a visible marker. */
  private cutKey(key: string): string {
    this.truncated = true;
    let keep = MAX_KEY_CHARS;
    const last = key.charCodeAt(keep - 1);
    if (last >= 0xd800 && last <= 0xdbff) keep -= 1;
    return `${key.slice(0, keep)}…[truncated ${key.length - keep} characters]`;
  }

  private error(error: Error, depth: number): JsonValue {
    const out = this.fields(error, depth, 'Error') as { [key: string]: JsonValue };
    // Walked, not taken as strings: code can replace any of them with something else.
    out.name = this.walk(error.name, depth) ?? null;
    out.message = this.walk(error.message, depth) ?? null;
    if (error.stack !== undefined) out.stack = this.walk(error.stack, depth) ?? null;
    if (error.cause !== undefined) out.cause = this.walk(error.cause, depth) ?? null;
    return out;
  }

  private binary(value: ArrayBufferView | ArrayBuffer): JsonValue {
    const typeName = value.constructor.name;
    if (value instanceof ArrayBuffer || value instanceof Uint8Array || value instanceof DataView) {
      const bytes =
        value instanceof ArrayBuffer
          ? new Uint8Array(value)
          : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      const base64Length = Math.ceil(bytes.length / 3) * 4;
      if (base64Length + 2 > this.options.maxBytes - this.bytes) {
        this.truncated = true;
        return { _type: typeName, length: bytes.length, base64: null, _truncated: true };
      }
      this.bytes += base64Length + 2;
      return { _type: typeName, base64: Buffer.from(bytes).toString('base64') };
    }
    // Read by index only as far as the budget goes: a 20-million-element array is not copied.
    const numbers = value as unknown as ArrayLike<number | bigint>;
    const values: JsonValue[] = [];
    this.bytes += 2;
    for (let index = 0; index < numbers.length; index++) {
      if (!this.budgetLeft()) {
        values.push(truncatedMarker());
        break;
      }
      const item = numbers[index] as number | bigint;
      this.bytes += 1;
      values.push(typeof item === 'bigint' ? this.string(item.toString()) : (this.walk(item, 0) ?? null));
    }
    return { _type: typeName, values };
  }
}

/**
 * The longest start of `text` whose UTF-8 encoding fits in `maxBytes`, never splitting a
 * character (a surrogate pair is one). Reads at most `maxBytes` UTF-16 units of the text.
 */
function utf8Prefix(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return '';
  const head = text.slice(0, maxBytes);
  const { read } = utf8.encodeInto(head, new Uint8Array(maxBytes));
  // The slice may have cut a surrogate pair, whose first half alone must not be kept.
  const last = head.charCodeAt(read - 1);
  return head.slice(0, last >= 0xd800 && last <= 0xdbff ? read - 1 : read);
}

const utf8 = new TextEncoder();

/** The encoded size of a primitive that is stored as it is, or -1 if it needs the full walk. */
export function plainPrimitiveBytes(value: unknown, budget: number): number {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? 8 : -1;
    case 'boolean':
      return 5;
    case 'string': {
      // UTF-8 bytes, as the text will be sent; measured only when it can fit (see Walker.string).
      if (value.length + 2 > budget) return -1;
      const size = Buffer.byteLength(value, 'utf8') + 2;
      return size <= budget ? size : -1;
    }
    default:
      return value === null ? 4 : -1;
  }
}

/** Serializes a value within a size budget; never throws for any input. */
export function serialize(value: unknown, options: SerializeOptions = DEFAULT_SERIALIZE_OPTIONS): Serialized {
  // Most outputs are a string or a number: they need no walker.
  const primitiveBytes = plainPrimitiveBytes(value, options.maxBytes);
  if (primitiveBytes >= 0) return { value: value as JsonValue, bytes: primitiveBytes, truncated: false };
  const walker = new Walker(options);
  let result: JsonValue;
  try {
    result = walker.walk(value, 0) ?? null;
  } catch (error) {
    // A hostile getter or toJSON can throw; record that instead of failing the user's call.
    result = { _type: 'Unserializable', error: describeThrown(error) };
    walker.truncated = true;
  }
  return { value: result, bytes: walker.bytes, truncated: walker.truncated };
}

const ARG_NAMES = Array.from({ length: 16 }, (_, index) => `arg${index}`);

/** Positional argument names as Weave's JS SDK writes them: arg0, arg1, … */
export function argName(index: number): string {
  return ARG_NAMES[index] ?? `arg${index}`;
}

/**
 * Serializes an op's arguments into its `inputs` object, sharing one size budget. `names` gives
 * the keys; missing names fall back to argN.
 */
export function serializeInputs(
  args: readonly unknown[],
  names: readonly string[] | undefined,
  options: SerializeOptions = DEFAULT_SERIALIZE_OPTIONS,
): Serialized {
  const secrets = names !== undefined && namesSecrets(names);
  const fast = secrets ? undefined : serializePrimitiveInputs(args, names, options.maxBytes);
  if (fast) return fast;
  const walker = new Walker(options);
  const inputs: { [key: string]: JsonValue } = {};
  try {
    for (let index = 0; index < args.length; index++) {
      const name = names?.[index] ?? argName(index);
      const secret = secrets && isSecretKey(name) && args[index] != null;
      const encoded = secret ? REDACTED : walker.walk(args[index], 1);
      if (encoded !== undefined) setKey(inputs, name, encoded);
    }
  } catch (error) {
    return { value: { _type: 'Unserializable', error: describeThrown(error) }, bytes: 64, truncated: true };
  }
  return { value: inputs, bytes: walker.bytes + 2, truncated: walker.truncated };
}

/** Whether an op's parameter names include a secret's (`apiKey`), worked out once per op. */
const secretNames = new WeakMap<readonly string[], boolean>();

function namesSecrets(names: readonly string[]): boolean {
  let secret = secretNames.get(names);
  if (secret === undefined) {
    secret = names.some(isSecretKey);
    secretNames.set(names, secret);
  }
  return secret;
}

/** Inputs made only of small primitives (the common case) without the general walk; else undefined. */
function serializePrimitiveInputs(
  args: readonly unknown[],
  names: readonly string[] | undefined,
  budget: number,
): Serialized | undefined {
  const inputs: { [key: string]: JsonValue } = {};
  let bytes = 2;
  for (let index = 0; index < args.length; index++) {
    const value = args[index];
    if (value === undefined) continue;
    const valueBytes = plainPrimitiveBytes(value, budget - bytes);
    if (valueBytes < 0) return undefined;
    const key = names?.[index] ?? argName(index);
    bytes += valueBytes + key.length + 4;
    setKey(inputs, key, value as JsonValue);
  }
  return bytes <= budget ? { value: inputs, bytes, truncated: false } : undefined;
}
