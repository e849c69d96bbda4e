/**
 * A growing buffer that JSON is written into piece by piece, for batch bodies: constant pieces
 * are copied as bytes, small plain values (ids, a few numbers and short strings: most inputs,
 * outputs and summaries) are written byte by byte, and anything else goes through JSON.stringify
 * and the platform's UTF-8 encoder. Nothing is built as a string only to be copied again, which
 * on the hot path cost more than the encoding itself (and kept the garbage collector busy).
 *
 * What is written is exactly what JSON.stringify would write for the same value.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const NULL_BYTES = Buffer.from('null');
const TRUE_BYTES = Buffer.from('true');
const FALSE_BYTES = Buffer.from('false');

/** Strings longer than this are checked by a regular expression, faster for them than a loop. */
const SHORT_STRING = 64;
/** What JSON.stringify would escape, and anything beyond ASCII (left to the UTF-8 encoder). */
export const NEEDS_ESCAPING = /[^\x20-\x7e]|["\\]/;
/** Which ASCII codes JSON.stringify writes as they are inside a string (1) or escapes (0). */
const PLAIN = new Uint8Array(0x80).map((_, code) =>
  code >= 0x20 && code !== QUOTE && code !== BACKSLASH ? 1 : 0,
);
/** The three ASCII digits of 0–999, in a row. */
const DIGITS = Buffer.from(
  Array.from({ length: 1000 }, (_, value) => String(value).padStart(3, '0')).join(''),
);
/** Values the byte-by-byte path takes on before handing the whole value to JSON.stringify. */
const MAX_FAST_NODES = 64;
const MAX_FAST_DEPTH = 4;

/** Marks a value the byte-by-byte path does not take (the caller rolls back and stringifies). */
const UNSUPPORTED = -1;

export class ByteWriter {
  buffer: Buffer;
  length = 0;
  private nodes = 0;

  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(capacity, 4096));
  }

  /** Makes room for `bytes` more. */
  reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  bytes(piece: Uint8Array): void {
    this.reserve(piece.length);
    this.buffer.set(piece, this.length);
    this.length += piece.length;
  }

  byte(code: number): void {
    this.reserve(1);
    this.buffer[this.length++] = code;
  }

  /** Text that is JSON already. */
  json(text: string): void {
    // A UTF-16 code unit never takes more than three UTF-8 bytes.
    this.reserve(text.length * 3);
    this.length += this.buffer.write(text, this.length, 'utf8');
  }

  /** `text` as a JSON string. */
  string(text: string): void {
    this.byte(QUOTE);
    this.stringContent(text);
    this.byte(QUOTE);
  }

  /** What JSON.stringify writes for `text` between the quotes (the caller writes those). */
  stringContent(text: string): void {
    const count = text.length;
    if (count <= SHORT_STRING) {
      this.reserve(count);
      const buffer = this.buffer;
      let at = this.length;
      for (let index = 0; index < count; index++) {
        const code = text.charCodeAt(index);
        if (code > 0x7e || PLAIN[code] === 0) {
          // Left as it is: `length` has not moved, so the escaped text overwrites what was copied.
          this.escapedContent(text);
          return;
        }
        buffer[at++] = code;
      }
      this.length = at;
    } else if (!NEEDS_ESCAPING.test(text)) {
      // Printable ASCII: its Latin-1 bytes are its UTF-8 bytes, written without a quoted copy.
      this.reserve(count);
      this.length += this.buffer.write(text, this.length, 'latin1');
    } else {
      this.escapedContent(text);
    }
  }

  /** Six digits: the µs of a timestamp within its second (0 to 999,999). */
  microsecondDigits(micros: number): void {
    this.reserve(6);
    const fraction = Math.floor(micros);
    const high = Math.floor(fraction / 1000) * 3;
    const low = (fraction % 1000) * 3;
    const buffer = this.buffer;
    const at = this.length;
    buffer[at] = DIGITS[high] as number;
    buffer[at + 1] = DIGITS[high + 1] as number;
    buffer[at + 2] = DIGITS[high + 2] as number;
    buffer[at + 3] = DIGITS[low] as number;
    buffer[at + 4] = DIGITS[low + 1] as number;
    buffer[at + 5] = DIGITS[low + 2] as number;
    this.length = at + 6;
  }

  /** Any value, as JSON.stringify writes it (`undefined` as `null`). Throws where it throws. */
  value(value: unknown): void {
    const start = this.length;
    this.nodes = 0;
    if (this.fast(value, 0) === UNSUPPORTED) {
      this.length = start;
      this.json(JSON.stringify(value) ?? 'null');
    }
  }

  private escapedContent(text: string): void {
    const quoted = JSON.stringify(text);
    this.json(quoted.slice(1, quoted.length - 1));
  }

  /** Plain objects, arrays and primitives, byte by byte; UNSUPPORTED for anything else. */
  private fast(value: unknown, depth: number): number {
    if (++this.nodes > MAX_FAST_NODES) return UNSUPPORTED;
    switch (typeof value) {
      case 'number':
        this.number(value);
        return 0;
      case 'string':
        this.string(value);
        return 0;
      case 'boolean':
        this.bytes(value ? TRUE_BYTES : FALSE_BYTES);
        return 0;
      case 'object': {
        if (value === null) {
          this.bytes(NULL_BYTES);
          return 0;
        }
        if (depth >= MAX_FAST_DEPTH) return UNSUPPORTED;
        if (Array.isArray(value)) return this.array(value, depth);
        const prototype = Object.getPrototypeOf(value);
        if (prototype !== Object.prototype && prototype !== null) return UNSUPPORTED;
        return this.object(value as Record<string, unknown>, depth);
      }
      default:
        // undefined, functions and symbols are left out or written as null by JSON.stringify,
        // depending on where they are; bigints make it throw. It decides.
        return UNSUPPORTED;
    }
  }

  private object(value: Record<string, unknown>, depth: number): number {
    this.byte(0x7b);
    let first = true;
    for (const key in value) {
      // JSON.stringify writes own keys only (for...in also visits inherited enumerable ones).
      if (!Object.hasOwn(value, key)) continue;
      const item = value[key];
      // toJSON, and values JSON.stringify leaves out, are its business.
      if (key === 'toJSON' || item === undefined || typeof item === 'function') return UNSUPPORTED;
      if (!first) this.byte(COMMA);
      first = false;
      this.string(key);
      this.byte(COLON);
      if (this.fast(item, depth + 1) === UNSUPPORTED) return UNSUPPORTED;
    }
    this.byte(0x7d);
    return 0;
  }

  private array(value: readonly unknown[], depth: number): number {
    this.byte(0x5b);
    for (let index = 0; index < value.length; index++) {
      if (index > 0) this.byte(COMMA);
      if (this.fast(value[index], depth + 1) === UNSUPPORTED) return UNSUPPORTED;
    }
    this.byte(0x5d);
    return 0;
  }

  /** A number as JSON.stringify writes it: integers digit by digit, others as their string. */
  private number(value: number): void {
    if (!(value >= 0 && value <= Number.MAX_SAFE_INTEGER && Number.isInteger(value))) {
      // Negative, fractional, huge or not finite (`null`); -0 is written `0` either way.
      this.json(JSON.stringify(value));
      return;
    }
    let digits = 1;
    for (let power = 10; power <= value; power *= 10) digits += 1;
    this.reserve(digits);
    const buffer = this.buffer;
    let rest = value;
    for (let at = this.length + digits - 1; at >= this.length; at--) {
      buffer[at] = 0x30 + (rest % 10);
      rest = Math.floor(rest / 10);
    }
    this.length += digits;
  }
}

/**
 * The text before a timestamp's microseconds, `<key>YYYY-MM-DDTHH:MM:SS.`, as formatTimestampMicros
 * writes the time: encoded once a second, then copied. `key` is whatever comes before the date
 * (`,"ended_at":"`); the caller writes what follows the digits (`Z"`).
 *
 * The time comes as whole seconds since the epoch and µs within the second, both small integers:
 * a µs timestamp is too large for one, and passing it on would box it on the heap every time.
 */
export class TimestampField {
  private second = Number.NaN;
  private prefix: Buffer = Buffer.alloc(0);

  constructor(private readonly key: string) {}

  write(writer: ByteWriter, second: number, micros: number): void {
    if (second !== this.second) {
      this.second = second;
      this.prefix = Buffer.from(`${this.key}${new Date(second * 1000).toISOString().slice(0, 20)}`);
    }
    writer.bytes(this.prefix);
    writer.microsecondDigits(micros);
  }
}
