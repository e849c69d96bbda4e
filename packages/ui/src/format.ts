/** How numbers, times and durations read everywhere in the UI. */

const integer = new Intl.NumberFormat('en-US');

export function formatCount(value: number): string {
  return integer.format(value);
}

/** The smallest amount `formatMoney` writes out; anything below reads as "< $0.00000001". */
const SMALLEST_AMOUNT = 1e-8;
const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const CURRENCY_SIGNS: Record<string, string> = { USD: '$', EUR: '€', GBP: '£' };

/** An amount's digits: cents from 1 up, else three significant digits (never fewer than two decimals). */
function amountDigits(amount: number): string {
  if (amount === 0) return '0.00';
  if (amount >= 1) return money.format(amount);
  const decimals = Math.min(8, 2 - Math.floor(Math.log10(amount)));
  const text = amount.toFixed(decimals);
  // Trailing zeros go, down to cents: 0.500 reads 0.50, 0.0500 reads 0.05.
  return text.replace(/0+$/, '').replace(/\.(\d?)$/, (_, digit: string) => `.${digit.padEnd(2, '0')}`);
}

/**
 * An amount of money: `$12.34`, `$0.0123`, `$0.0000231`. Costs of single calls are fractions of a
 * cent, so below a unit three significant digits are kept instead of rounding to `$0.00`. A unit
 * without a sign is written after the number (`0.0123 CHF`).
 */
export function formatMoney(amount: number, unit = 'USD'): string {
  if (!Number.isFinite(amount)) return '—';
  const sign = amount < 0 ? '-' : '';
  const size = Math.abs(amount);
  const below = size > 0 && size < SMALLEST_AMOUNT;
  const digits = below ? amountDigits(SMALLEST_AMOUNT) : amountDigits(size);
  const symbol = CURRENCY_SIGNS[unit];
  const text = symbol ? `${symbol}${digits}` : `${digits} ${unit}`;
  return `${below ? '< ' : ''}${sign}${text}`;
}

/** A per-token price as the price for a million tokens, the way providers list them: `$0.15`. */
export function formatPerMillion(perToken: number, unit = 'USD'): string {
  return formatMoney(perToken * 1_000_000, unit);
}

/** A duration in milliseconds: `850 ms`, `2.41 s`, `3 min 5 s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1) return '<1 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`;
}

/** The milliseconds between two ISO timestamps, or undefined while the call runs. */
export function durationMs(startedAt: string, endedAt: string | null | undefined): number | undefined {
  if (!endedAt) return undefined;
  return Date.parse(endedAt) - Date.parse(startedAt);
}

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** An absolute time in the reader's locale and zone. */
export function formatTime(iso: string): string {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : dateTime.format(time);
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** `3 minutes ago`, `yesterday`: for lists where the order matters more than the time. */
export function formatRelative(iso: string, now = Date.now()): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  const seconds = Math.round((time - now) / 1000);
  const steps: Array<[Intl.RelativeTimeFormatUnit, number]> = [
    ['second', 60],
    ['minute', 60],
    ['hour', 24],
    ['day', 30],
    ['month', 12],
    ['year', Number.POSITIVE_INFINITY],
  ];
  let value = seconds;
  for (const [unit, size] of steps) {
    if (Math.abs(value) < size) return relative.format(value, unit);
    value = Math.round(value / size);
  }
  return formatTime(iso);
}
