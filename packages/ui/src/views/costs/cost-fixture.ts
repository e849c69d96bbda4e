/** `summary.weave.costs` entries as the server writes them, for the unit tests. */
import type { LlmCost } from '@weft/protocol';

const UNPRICED: LlmCost = {
  requests: 1,
  prompt_tokens: 0,
  completion_tokens: 0,
  total_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
  unpriced: true,
  prompt_token_cost: null,
  completion_token_cost: null,
  cache_read_input_token_cost: null,
  cache_creation_input_token_cost: null,
  prompt_tokens_total_cost: null,
  completion_tokens_total_cost: null,
  cache_read_input_tokens_total_cost: null,
  cache_creation_input_tokens_total_cost: null,
  total_cost: null,
  prompt_token_cost_unit: null,
  completion_token_cost_unit: null,
  price_id: null,
  priced_as: null,
  effective_date: null,
  provider_id: null,
  pricing_level: null,
  pricing_level_id: null,
  created_at: null,
  created_by: null,
};

/** An unpriced model's entry with these counts. */
export function unpricedCost(prompt: number, completion: number): LlmCost {
  return {
    ...UNPRICED,
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
}

/** A priced entry, worked out as the server does (packages/server/src/costs/call-costs.ts). */
export function pricedCost(
  counts: { prompt: number; completion: number; cacheRead?: number; cacheCreation?: number },
  price: {
    prompt: number;
    completion: number;
    cacheRead?: number;
    unit?: string;
    level?: 'project' | 'default';
  },
): LlmCost {
  const cacheRead = counts.cacheRead ?? 0;
  const cacheCreation = counts.cacheCreation ?? 0;
  const cacheReadPrice = price.cacheRead ?? price.prompt;
  const promptCost = Math.max(0, counts.prompt - cacheRead - cacheCreation) * price.prompt;
  const completionCost = counts.completion * price.completion;
  const cacheReadCost = cacheRead * cacheReadPrice;
  const cacheCreationCost = cacheCreation * price.prompt;
  const unit = price.unit ?? 'USD';
  return {
    ...UNPRICED,
    prompt_tokens: counts.prompt,
    completion_tokens: counts.completion,
    total_tokens: counts.prompt + counts.completion,
    cache_read_input_tokens: cacheRead,
    cache_creation_input_tokens: cacheCreation,
    unpriced: false,
    prompt_token_cost: price.prompt,
    completion_token_cost: price.completion,
    cache_read_input_token_cost: cacheReadPrice,
    cache_creation_input_token_cost: price.prompt,
    prompt_tokens_total_cost: promptCost,
    completion_tokens_total_cost: completionCost,
    cache_read_input_tokens_total_cost: cacheReadCost,
    cache_creation_input_tokens_total_cost: cacheCreationCost,
    total_cost: promptCost + completionCost + cacheReadCost + cacheCreationCost,
    prompt_token_cost_unit: unit,
    completion_token_cost_unit: unit,
    price_id: 'price-1',
    effective_date: price.level === 'project' ? '2026-01-01T00:00:00.000000Z' : null,
    provider_id: price.level === 'project' ? 'default' : 'openai',
    pricing_level: price.level ?? 'default',
    pricing_level_id: price.level === 'project' ? 'e/p' : 'default',
    created_at: '2026-01-01T00:00:00.000000Z',
    created_by: null,
  };
}
