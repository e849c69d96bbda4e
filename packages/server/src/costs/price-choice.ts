/**
 * Choosing one price for a call (docs/protocol.md §17.4), the order Weave uses: prices in effect
 * at the call's start first, project prices before default ones, then the newest. When no price
 * was in effect yet (a price added today, looking at last month's calls), the one taking effect
 * soonest after the start applies, so a newly priced model is priced for its old calls too.
 */
import type { StoredPrice } from '../storage/trace-store.js';

function effectiveAt(price: StoredPrice): number {
  return price.effective_date ?? Number.NEGATIVE_INFINITY;
}

/** Negative when `a` is preferred for a call started at `startedAt`. */
function compare(a: StoredPrice, b: StoredPrice, startedAt: number): number {
  const aInEffect = effectiveAt(a) <= startedAt;
  const bInEffect = effectiveAt(b) <= startedAt;
  if (aInEffect !== bInEffect) return aInEffect ? -1 : 1;
  if (a.pricing_level !== b.pricing_level) return a.pricing_level === 'project' ? -1 : 1;
  const byDate = aInEffect ? effectiveAt(b) - effectiveAt(a) : effectiveAt(a) - effectiveAt(b);
  if (byDate !== 0) return byDate;
  // Two prices of one date: the one added last wins; ids break exact ties so the choice is stable.
  return b.created_at - a.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function choosePrice(prices: readonly StoredPrice[], startedAt: number): StoredPrice | undefined {
  let best: StoredPrice | undefined;
  for (const price of prices) if (!best || compare(price, best, startedAt) < 0) best = price;
  return best;
}

/** From `from` (µs; -Infinity for the first) until the next step's start, `price` applies. */
export interface PriceStep {
  from: number;
  price: StoredPrice;
}

/**
 * The prices `choosePrice` picks over all time, as steps: which prices are in effect changes only
 * at their effective dates, so the choice does too. A store that prices calls in SQL finds a
 * call's price as the last step starting at or before the call's start. Each step is worked out
 * by `choosePrice` itself, so the two cannot disagree.
 */
export function priceSchedule(prices: readonly StoredPrice[]): PriceStep[] {
  const dates = [...new Set(prices.map(effectiveAt).filter(Number.isFinite))].sort((a, b) => a - b);
  const steps: PriceStep[] = [];
  for (const from of [Number.NEGATIVE_INFINITY, ...dates]) {
    const price = choosePrice(prices, from);
    if (!price) continue;
    // A date that does not change the choice adds no step.
    if (steps[steps.length - 1]?.price !== price) steps.push({ from, price });
  }
  return steps;
}
