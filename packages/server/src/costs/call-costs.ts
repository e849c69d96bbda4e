/**
 * `summary.weave.costs` for one call (docs/protocol.md §17.3): each model in the call's
 * `summary.usage` priced at the price chosen for the call's start. Clients roll their children's
 * usage up into a parent's summary, so a parent's costs are its subtree's.
 */
import { formatTimestampMicros, type LlmCost } from '@weft/protocol';
import type { StoredPrice } from '../storage/trace-store.js';
import { type DatasetModel, priceNames } from './model-names.js';
import { choosePrice } from './price-choice.js';
import { type TokenCounts, tokenCounts } from './usage.js';

/**
 * The project's prices kept under any of `projectNames`, and the default prices of the dataset
 * model. Backends answer it from their price table.
 */
export type PriceSource = (
  projectNames: readonly string[],
  datasetModel: DatasetModel | null,
) => StoredPrice[];

/** More models than any real call uses; a hostile summary cannot make one row cost more. */
export const MAX_MODELS_PER_CALL = 256;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The usage entries of a stored summary (JSON text), at most MAX_MODELS_PER_CALL of them. */
function usageEntries(summaryJson: string | null | undefined): Array<[string, unknown]> {
  if (!summaryJson?.includes('"usage"')) return [];
  const summary: unknown = JSON.parse(summaryJson);
  if (!isRecord(summary) || !isRecord(summary.usage)) return [];
  return Object.entries(summary.usage).slice(0, MAX_MODELS_PER_CALL);
}

/** A call's tokens over all its models (`summary.weave.total_tokens`); null without usage. */
export function totalTokensOf(summaryJson: string | null | undefined): number | null {
  let total: number | null = null;
  for (const [, usage] of usageEntries(summaryJson)) {
    const counts = tokenCounts(usage);
    if (counts) total = (total ?? 0) + counts.total;
  }
  return total;
}

/** Prices each call of one query; a model's prices are looked up once per query. */
export class CallCostCalculator {
  private readonly pricesByName = new Map<string, StoredPrice[]>();

  constructor(private readonly source: PriceSource) {}

  /** The costs for a stored summary (JSON text), or undefined when it records no usage. */
  costsOf(summaryJson: string | null | undefined, startedAt: number): Record<string, LlmCost> | undefined {
    let costs: Record<string, LlmCost> | undefined;
    for (const [name, usage] of usageEntries(summaryJson)) {
      const counts = tokenCounts(usage);
      if (!counts) continue;
      costs ??= {};
      costs[name] = llmCost(counts, choosePrice(this.pricesFor(name), startedAt), name);
    }
    return costs;
  }

  /** What the priced models cost (`summary.weave.total_cost`); null when none is priced. */
  totalCostOf(summaryJson: string | null | undefined, startedAt: number): number | null {
    let total: number | null = null;
    for (const cost of Object.values(this.costsOf(summaryJson, startedAt) ?? {})) {
      if (cost.total_cost !== null) total = (total ?? 0) + cost.total_cost;
    }
    return total;
  }

  /** The prices that may price usage logged under `name`; `choosePrice` picks one by a call's start. */
  pricesFor(name: string): StoredPrice[] {
    let prices = this.pricesByName.get(name);
    if (!prices) {
      const { projectNames, datasetModel } = priceNames(name);
      const rows = this.source(projectNames, datasetModel);
      // The project's prices under the most specific name that has any: a price for
      // `gpt-4o-2024-08-06` is meant for that snapshot, one for `gpt-4o` for all of them.
      const ownName = projectNames.find((candidate) =>
        rows.some((row) => row.pricing_level === 'project' && row.llm_id === candidate),
      );
      prices = rows.filter((row) =>
        row.pricing_level === 'project' ? row.llm_id === ownName : datasetModel !== null,
      );
      this.pricesByName.set(name, prices);
    }
    return prices;
  }
}

function timestampOrNull(micros: number | null): string | null {
  return micros === null ? null : formatTimestampMicros(micros);
}

/**
 * Cached tokens are part of the prompt; the rest of the prompt is billed at the prompt price.
 * One object literal, never a spread: V8 builds a literal of known shape at once, while a spread
 * followed by twenty more keys cost some 20 µs per call in transitions.
 */
export function llmCost(counts: TokenCounts, price: StoredPrice | undefined, name: string): LlmCost {
  if (!price) {
    return {
      requests: counts.requests,
      prompt_tokens: counts.prompt,
      completion_tokens: counts.completion,
      total_tokens: counts.total,
      cache_read_input_tokens: counts.cacheRead,
      cache_creation_input_tokens: counts.cacheCreation,
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
  }
  // Without a price of their own, cached tokens cost what other prompt tokens cost.
  const cacheReadPrice = price.cache_read_input_token_cost ?? price.prompt_token_cost;
  const cacheCreationPrice = price.cache_creation_input_token_cost ?? price.prompt_token_cost;
  const uncachedPrompt = Math.max(0, counts.prompt - counts.cacheRead - counts.cacheCreation);
  const promptCost = uncachedPrompt * price.prompt_token_cost;
  const completionCost = counts.completion * price.completion_token_cost;
  const cacheReadCost = counts.cacheRead * cacheReadPrice;
  const cacheCreationCost = counts.cacheCreation * cacheCreationPrice;
  return {
    requests: counts.requests,
    prompt_tokens: counts.prompt,
    completion_tokens: counts.completion,
    total_tokens: counts.total,
    cache_read_input_tokens: counts.cacheRead,
    cache_creation_input_tokens: counts.cacheCreation,
    unpriced: false,
    prompt_token_cost: price.prompt_token_cost,
    completion_token_cost: price.completion_token_cost,
    cache_read_input_token_cost: cacheReadPrice,
    cache_creation_input_token_cost: cacheCreationPrice,
    prompt_tokens_total_cost: promptCost,
    completion_tokens_total_cost: completionCost,
    cache_read_input_tokens_total_cost: cacheReadCost,
    cache_creation_input_tokens_total_cost: cacheCreationCost,
    total_cost: promptCost + completionCost + cacheReadCost + cacheCreationCost,
    prompt_token_cost_unit: price.prompt_token_cost_unit,
    completion_token_cost_unit: price.completion_token_cost_unit,
    price_id: price.id,
    priced_as: price.llm_id === name ? null : price.llm_id,
    effective_date: timestampOrNull(price.effective_date),
    provider_id: price.provider_id,
    pricing_level: price.pricing_level,
    pricing_level_id: price.pricing_level_id,
    created_at: formatTimestampMicros(price.created_at),
    created_by: price.created_by,
  };
}
