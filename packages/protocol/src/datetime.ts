/**
 * Timestamps on the wire are ISO-8601 strings; storage keeps integer microseconds since the Unix
 * epoch (UTC), which sorts, subtracts and indexes cheaply. Python clients send µs precision and JS
 * clients ms, so µs keeps both exact. Naive timestamps are UTC (research doc §0, "Datetimes").
 */

const ISO_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Parses an ISO-8601 timestamp into µs since the epoch, or returns undefined if it is not one. */
export function parseTimestampMicros(text: string): number | undefined {
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

/** Formats µs since the epoch as `YYYY-MM-DDTHH:MM:SS.ffffffZ`, the form Weave's server returns. */
export function formatTimestampMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const subMillis = micros - ms * 1000;
  const iso = new Date(ms).toISOString(); // ends in `.mmmZ`
  return `${iso.slice(0, -1)}${String(subMillis).padStart(3, '0')}Z`;
}
