import { describe, expect, it } from 'vitest';
import { formatMoney, formatPerMillion } from './format';

describe('formatMoney', () => {
  it('writes cents from one unit up, with thousands separated', () => {
    expect(formatMoney(12.345)).toBe('$12.35');
    expect(formatMoney(1)).toBe('$1.00');
    expect(formatMoney(1234.5)).toBe('$1,234.50');
  });

  it('keeps three significant digits below one unit, so a call’s fraction of a cent is not $0.00', () => {
    expect(formatMoney(0.0123)).toBe('$0.0123');
    expect(formatMoney(0.0000231)).toBe('$0.0000231');
    expect(formatMoney(0.000012299999999999999)).toBe('$0.0000123');
    expect(formatMoney(0.123456)).toBe('$0.123');
  });

  it('drops trailing zeros down to cents', () => {
    expect(formatMoney(0.5)).toBe('$0.50');
    expect(formatMoney(0.05)).toBe('$0.05');
    expect(formatMoney(0.15000000000000002)).toBe('$0.15');
    expect(formatMoney(0)).toBe('$0.00');
  });

  it('says an amount too small to write is below the smallest it writes', () => {
    expect(formatMoney(1e-12)).toBe('< $0.00000001');
    expect(formatMoney(1e-8)).toBe('$0.00000001');
  });

  it('writes units without a sign after the number', () => {
    expect(formatMoney(0.0123, 'EUR')).toBe('€0.0123');
    expect(formatMoney(2, 'credits')).toBe('2.00 credits');
  });

  it('shows a dash for what is not a number', () => {
    expect(formatMoney(Number.NaN)).toBe('—');
  });
});

describe('formatPerMillion', () => {
  it('lists a per-token price per million tokens', () => {
    expect(formatPerMillion(1.5e-7)).toBe('$0.15');
    expect(formatPerMillion(0.0000025)).toBe('$2.50');
    expect(formatPerMillion(0.000075)).toBe('$75.00');
    expect(formatPerMillion(1e-9)).toBe('$0.001');
  });
});
