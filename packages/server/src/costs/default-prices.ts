/**
 * Default prices (docs/protocol.md §17.1) from `@pydantic/genai-prices`, a maintained dataset of
 * providers' published prices with their history. The copy bundled with the package is used, never
 * a download: prices change when weft's dependency is upgraded, and the store is refreshed at start.
 */
import { type ModelPrice, type Provider, waitForUpdate } from '@pydantic/genai-prices';
import type { StoredPrice } from '../storage/trace-store.js';

/** The dataset's prices are per million tokens; weft's (like Weave's) are per token. */
function perToken(value: ModelPrice[string]): number | null {
  if (value === undefined) return null;
  // Tiered prices rise past a prompt size (200k tokens and up); a call's usage is a sum over many
  // requests, so the base tier is the one that can be applied to it.
  const perMillion = typeof value === 'number' ? value : value.base;
  return Number((perMillion / 1e6).toPrecision(12));
}

function priceRow(
  provider: string,
  model: string,
  startDate: string | null,
  prices: ModelPrice,
  createdAt: number,
): StoredPrice | null {
  const prompt = perToken(prices.input_mtok);
  const completion = perToken(prices.output_mtok);
  // Models priced per request, per image or per second have no token prices to offer.
  if (prompt === null && completion === null) return null;
  const effective = startDate === null ? null : Date.parse(`${startDate}T00:00:00Z`) * 1000;
  if (Number.isNaN(effective)) return null;
  return {
    id: `default:${provider}:${model}:${startDate ?? 'base'}`,
    pricing_level: 'default',
    pricing_level_id: 'default',
    provider_id: provider,
    llm_id: model,
    effective_date: effective,
    // An embedding model has only an input price: it produces no output tokens.
    prompt_token_cost: prompt ?? 0,
    completion_token_cost: completion ?? 0,
    cache_read_input_token_cost: perToken(prices.cache_read_mtok),
    cache_creation_input_token_cost: perToken(prices.cache_write_mtok),
    prompt_token_cost_unit: 'USD',
    completion_token_cost_unit: 'USD',
    created_by: 'system',
    created_at: createdAt,
  };
}

/** `createdAt`: when the rows are loaded (µs), which is when weft learnt these prices. */
export function defaultPriceRows(providers: readonly Provider[], createdAt: number): StoredPrice[] {
  const rows: StoredPrice[] = [];
  for (const provider of providers) {
    for (const model of provider.models) {
      const versions = Array.isArray(model.prices) ? model.prices : [{ prices: model.prices }];
      for (const version of versions) {
        const constraint = 'constraint' in version ? version.constraint : undefined;
        // Time-of-day discounts (off-peak hours) cannot be told from a day's usage; the
        // unconstrained price applies.
        if (constraint && constraint.type !== 'start_date') continue;
        const row = priceRow(
          provider.id,
          model.id,
          constraint?.start_date ?? null,
          version.prices,
          createdAt,
        );
        if (row) rows.push(row);
      }
    }
  }
  return rows;
}

/** The default price rows of the bundled dataset. */
export async function loadDefaultPrices(createdAt: number): Promise<StoredPrice[]> {
  return defaultPriceRows((await waitForUpdate()) ?? [], createdAt);
}
