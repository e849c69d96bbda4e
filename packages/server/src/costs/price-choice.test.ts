/**
 * A price schedule (for stores that price calls in SQL) must pick what `choosePrice` picks at
 * every moment: checked at every step's edge and around it, over random sets of prices.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../query/reference/random.js';
import type { StoredPrice } from '../storage/trace-store.js';
import { choosePrice, type PriceStep, priceSchedule } from './price-choice.js';

function randomPrices(random: Random): StoredPrice[] {
  return Array.from({ length: random.int(0, 6) }, (_, index) => ({
    id: `p${index}`,
    llm_id: 'm',
    pricing_level: random.chance(0.5) ? 'project' : 'default',
    pricing_level_id: 'x',
    provider_id: 'p',
    // Few dates, so that prices share them and ties between them are tried too.
    effective_date: random.chance(0.2) ? null : random.int(0, 5) * 100,
    prompt_token_cost: 1,
    completion_token_cost: 1,
    cache_read_input_token_cost: null,
    cache_creation_input_token_cost: null,
    prompt_token_cost_unit: 'USD',
    completion_token_cost_unit: 'USD',
    created_by: 'tester',
    created_at: random.int(0, 3),
  }));
}

function stepAt(steps: readonly PriceStep[], startedAt: number): StoredPrice | undefined {
  let found: StoredPrice | undefined;
  for (const step of steps) if (step.from <= startedAt) found = step.price;
  return found;
}

describe('price schedule', () => {
  it('picks the price choosePrice picks, at every moment', () => {
    const random = new Random(14);
    for (let round = 0; round < 500; round++) {
      const prices = randomPrices(random);
      const steps = priceSchedule(prices);
      for (let startedAt = -150; startedAt <= 650; startedAt += 50) {
        expect(stepAt(steps, startedAt)?.id).toBe(choosePrice(prices, startedAt)?.id);
      }
      // Steps change the price, in time order.
      for (let index = 1; index < steps.length; index++) {
        expect(steps[index]?.from).toBeGreaterThan(steps[index - 1]?.from ?? Number.POSITIVE_INFINITY);
        expect(steps[index]?.price).not.toBe(steps[index - 1]?.price);
      }
    }
  });

  it('has no steps without prices, and one for a price without a date', () => {
    expect(priceSchedule([])).toEqual([]);
    const [undated] = randomPrices(new Random(1)).map((price) => ({ ...price, effective_date: null }));
    if (!undated) throw new Error('the seed gives at least one price');
    expect(priceSchedule([undated])).toEqual([{ from: Number.NEGATIVE_INFINITY, price: undated }]);
  });
});
