import { describe, expect, it } from 'vitest';
import { formatTimestampMicros, parseTimestampMicros } from './datetime.js';

describe('parseTimestampMicros', () => {
  it('reads JavaScript millisecond timestamps', () => {
    expect(parseTimestampMicros('2026-11-23T17:59:24.446Z')).toBe(
      Date.UTC(2026, 10, 23, 17, 59, 24, 446) * 1000,
    );
  });

  it('keeps the microseconds Python clients send and ignores digits beyond them', () => {
    const base = Date.UTC(2024, 0, 2, 3, 4, 5) * 1000;
    expect(parseTimestampMicros('2024-01-02T03:04:05.123456Z')).toBe(base + 123456);
    expect(parseTimestampMicros('2024-01-02T03:04:05.123456789Z')).toBe(base + 123456);
  });

  it('applies zone offsets and reads naive timestamps as UTC', () => {
    const utc = Date.UTC(2024, 0, 2, 3, 4, 5) * 1000;
    expect(parseTimestampMicros('2024-01-02T05:04:05+02:00')).toBe(utc);
    expect(parseTimestampMicros('2024-01-01T22:34:05-0430')).toBe(utc);
    expect(parseTimestampMicros('2024-01-02T03:04:05')).toBe(utc);
    expect(parseTimestampMicros('2024-01-02 03:04:05')).toBe(utc);
  });

  it('refuses text that is not a real timestamp', () => {
    for (const text of [
      '',
      'yesterday',
      '2024-13-01T00:00:00Z',
      '2024-02-30T00:00:00Z',
      '2024-01-01T25:00:00Z',
      '2024-01-01',
    ]) {
      expect(parseTimestampMicros(text), text).toBeUndefined();
    }
  });
});

describe('formatTimestampMicros', () => {
  it('writes six fractional digits and a Z, and round-trips through the parser', () => {
    const micros = Date.UTC(2026, 10, 23, 17, 59, 24, 446) * 1000 + 789;
    const text = formatTimestampMicros(micros);
    expect(text).toBe('2026-11-23T17:59:24.446789Z');
    expect(parseTimestampMicros(text)).toBe(micros);
  });
});

describe('parseTimestampMicros on the canonical forms', () => {
  it('agrees with the general parser on millisecond and microsecond forms, leap days included', () => {
    const cases = ['2024-02-29T23:59:59.999Z', '1999-12-31T00:00:00.000000Z', '2026-11-23T17:59:24.446789Z'];
    for (const text of cases) {
      const viaDate = Date.parse(text.replace(/(\.\d{3})\d{3}Z$/, '$1Z')) * 1000;
      expect(Math.floor((parseTimestampMicros(text) as number) / 1000) * 1000, text).toBe(viaDate);
    }
    expect(parseTimestampMicros('2023-02-29T00:00:00.000Z')).toBeUndefined();
    expect(parseTimestampMicros('2024-04-31T00:00:00.000000Z')).toBeUndefined();
    expect(parseTimestampMicros('2024-01-01T00:00:00.0a0Z')).toBeUndefined();
  });
});
