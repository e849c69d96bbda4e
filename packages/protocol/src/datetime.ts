/**
 * Timestamps on the wire are ISO-8601 strings; storage keeps integer microseconds since the Unix
 * epoch (UTC), which sorts, subtracts and indexes cheaply. Python clients send µs precision and JS
 * clients ms, so µs keeps both exact. Naive timestamps are UTC (docs/protocol.md §1.3).
 */

const ISO_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

const ZERO = 48;

function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let index = start; index < start + count; index++) {
    const digit = text.charCodeAt(index) - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The two forms clients send for nearly every call, read without a regular expression:
 * `YYYY-MM-DDTHH:MM:SS.mmmZ` (JavaScript) and `YYYY-MM-DDTHH:MM:SS.ffffffZ` (Python, weft).
 */
function parseCanonical(text: string): number | undefined {
  const length = text.length;
  if ((length !== 24 && length !== 27) || text.charCodeAt(length - 1) !== 90 /* Z */) return undefined;
  if (
    text[4] !== '-' ||
    text[7] !== '-' ||
    text[10] !== 'T' ||
    text[13] !== ':' ||
    text[16] !== ':' ||
    text[19] !== '.'
  ) {
    return undefined;
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  const fraction = digits(text, 20, length - 21);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return undefined;
  if (minute < 0 || minute > 59 || second < 0 || second > 59 || fraction < 0) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number))) return undefined;
  const micros = length === 24 ? fraction * 1000 : fraction;
  return Date.UTC(year, month - 1, day, hour, minute, second) * 1000 + micros;
}

/** Parses an ISO-8601 timestamp into µs since the epoch, or returns undefined if it is not one. */
export function parseTimestampMicros(text: string): number | undefined {
  const canonical = parseCanonical(text);
  if (canonical !== undefined) return canonical;
  const match = ISO_PATTERN.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second = '0', fraction = '', zone = 'Z'] = match;
  const ms = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
  );
  if (Number.isNaN(ms)) return undefined;
  // Date.UTC silently rolls 2024-02-31 over into March; a timestamp that does not survive the
  // round trip was not a real date.
  const check = new Date(ms);
  if (check.getUTCDate() !== Number(day) || check.getUTCMonth() !== Number(month) - 1) return undefined;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return undefined;
  const micros = Number(fraction.padEnd(6, '0').slice(0, 6));
  return (ms - zoneOffsetMs(zone)) * 1000 + micros;
}

function zoneOffsetMs(zone: string): number {
  if (zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4) || '0');
  return sign * (hours * 60 + minutes) * 60_000;
}

let cachedSecond = Number.NaN;
let cachedPrefix = '';

/**
 * Formats µs since the epoch as `YYYY-MM-DDTHH:MM:SS.ffffffZ`, the form Weave's server returns.
 * Called for every timestamp sent or served, so the part up to the second is reused within a second.
 */
export function formatTimestampMicros(micros: number): string {
  const second = Math.floor(micros / 1_000_000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20); // `YYYY-MM-DDTHH:MM:SS.`
  }
  const fraction = Math.floor(micros - second * 1_000_000);
  return `${cachedPrefix}${String(fraction).padStart(6, '0')}Z`;
}
