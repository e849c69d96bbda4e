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
