import { describe, expect, it } from 'vitest';
import { agoIso, fromLocalInput, toLocalInput } from './time-input';

describe('datetime-local inputs', () => {
  it('a local input value and an ISO instant convert back and forth in the local zone', () => {
    const local = '2025-03-04T05:06';
    const iso = fromLocalInput(local);
    expect(iso).toBe(new Date(2025, 2, 4, 5, 6).toISOString());
    expect(toLocalInput(iso)).toBe(local);
  });

  it('empty and unreadable values are nothing', () => {
    expect(fromLocalInput('')).toBeUndefined();
    expect(fromLocalInput('not a date')).toBeUndefined();
    expect(toLocalInput(undefined)).toBe('');
    expect(toLocalInput('garbage')).toBe('');
  });

  it('presets count back from now', () => {
    expect(agoIso(3_600_000, Date.UTC(2025, 0, 1, 12))).toBe('2025-01-01T11:00:00.000Z');
  });
});
