import { describe, expect, it } from 'vitest';
import { type PriceRow, priceStatuses, pricesRequest } from './prices';

function price(id: string, llmId: string, effective: string, created = '2026-01-01T00:00:00Z'): PriceRow {
  return {
    id,
    llm_id: llmId,
    prompt_token_cost: 1e-6,
    completion_token_cost: 2e-6,
    cache_read_input_token_cost: null,
    cache_creation_input_token_cost: null,
    prompt_token_cost_unit: 'USD',
    completion_token_cost_unit: 'USD',
    effective_date: effective,
    provider_id: 'default',
    pricing_level: 'project',
    pricing_level_id: 'e/p',
    created_at: created,
    created_by: null,
  };
}

const NOW = Date.parse('2026-06-01T00:00:00Z');

describe('priceStatuses', () => {
  it('marks per model the newest price in effect, the ones it replaced, and the ones to come', () => {
    const statuses = priceStatuses(
      [
        price('a-old', 'a', '2025-01-01T00:00:00Z'),
        price('a-now', 'a', '2026-03-01T00:00:00Z'),
        price('a-next', 'a', '2026-09-01T00:00:00Z'),
        price('b-only', 'b', '2024-01-01T00:00:00Z'),
        price('c-later', 'c', '2027-01-01T00:00:00Z'),
      ],
      NOW,
    );
    expect(Object.fromEntries(statuses)).toEqual({
      'a-old': 'superseded',
      'a-now': 'current',
      'a-next': 'scheduled',
      'b-only': 'current',
      'c-later': 'scheduled',
    });
  });

  it('of two prices of one date, takes the one added last, as the server does', () => {
    const statuses = priceStatuses(
      [
        price('first', 'a', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
        price('second', 'a', '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'),
      ],
      NOW,
    );
    expect(statuses.get('second')).toBe('current');
    expect(statuses.get('first')).toBe('superseded');
  });
});

describe('pricesRequest', () => {
  it('asks for the project’s prices by model, newest first', () => {
    expect(pricesRequest('e/p')).toMatchObject({
      project_id: 'e/p',
      sort_by: [
        { field: 'llm_id', direction: 'asc' },
        { field: 'effective_date', direction: 'desc' },
        { field: 'created_at', direction: 'desc' },
      ],
    });
  });
});
