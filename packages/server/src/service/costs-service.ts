/**
 * The cost routes (docs/protocol.md §17.2): a project's own prices, added, listed and purged, and
 * the default prices loaded from the bundled dataset at start. Calls are priced where they are
 * read (see costs/call-costs.ts).
 */
import {
  type CostCreateReq,
  type CostCreateRes,
  type CostPurgeReq,
  type CostQueryReq,
  type CostQueryRow,
  formatTimestampMicros,
  InvalidRequest,
  parseQuery,
  parseTimestampMicros,
  resolveCostField,
} from '@weft/protocol';
import { uuidv7 } from 'uuidv7';
import { loadDefaultPrices } from '../costs/default-prices.js';
import type { StoredPrice, TraceStore } from '../storage/trace-store.js';
import { purgeIds } from './id-query.js';
import { jsonDocument, offsetPages, renderPages, requestLimit } from './paged-answers.js';

/** A page of prices when the request names no limit; a project keeps a few prices per model. */
const DEFAULT_LIMIT = 1000;

export class CostsService {
  constructor(private readonly store: TraceStore) {}

  /** Loads the bundled default prices into the store unless it holds them already. */
  async loadDefaultPrices(): Promise<boolean> {
    return this.store.replaceDefaultPrices(await loadDefaultPrices(Date.now() * 1000));
  }

  async create(req: CostCreateReq): Promise<CostCreateRes> {
    const now = Date.now() * 1000;
    const prices: StoredPrice[] = Object.entries(req.costs).map(([llmId, cost]) => {
      if (llmId.length === 0 || llmId.length > 512) {
        throw new InvalidRequest(`a model name must be 1 to 512 characters; got ${llmId.length}`);
      }
      return {
        id: uuidv7(),
        pricing_level: 'project',
        pricing_level_id: req.project_id,
        provider_id: cost.provider_id ?? 'default',
        llm_id: llmId,
        effective_date: effectiveDate(cost.effective_date, llmId) ?? now,
        prompt_token_cost: cost.prompt_token_cost,
        completion_token_cost: cost.completion_token_cost,
        cache_read_input_token_cost: cost.cache_read_input_token_cost ?? null,
        cache_creation_input_token_cost: cost.cache_creation_input_token_cost ?? null,
        prompt_token_cost_unit: cost.prompt_token_cost_unit ?? 'USD',
        completion_token_cost_unit: cost.completion_token_cost_unit ?? 'USD',
        created_by: req.wb_user_id ?? null,
        created_at: now,
      };
    });
    await this.store.createPrices(prices);
    return { ids: prices.map((price) => [price.id, price.llm_id]) };
  }

  /**
   * `{"results": [price, ...]}` as JSON text: always the request's project and its own prices,
   * whatever the query says, read and rendered a page at a time (docs/protocol.md §1.5).
   */
  query(req: CostQueryReq): AsyncIterable<string> {
    const sortBy = (req.sort_by ?? []).map((term) => {
      resolveCostField(term.field);
      return term;
    });
    for (const field of req.fields ?? []) resolveCostField(field);
    const query = {
      project_id: req.project_id,
      query: req.query == null ? null : parseQuery(req.query, resolveCostField),
      sort_by: sortBy,
    };
    const fields = req.fields && req.fields.length > 0 ? req.fields : null;
    const pages = offsetPages(
      (limit, offset) => this.store.queryPrices({ ...query, limit, offset }),
      requestLimit(req.limit) ?? DEFAULT_LIMIT,
      req.offset ?? 0,
    );
    return jsonDocument(
      '{"results":[',
      renderPages(pages, (price) => JSON.stringify(pick(costRow(price), fields))),
      ']}',
    );
  }

  async purge(req: CostPurgeReq): Promise<Record<string, never>> {
    await this.store.purgePrices(req.project_id, purgeIds(req.query, 'prices'));
    return {};
  }
}

function effectiveDate(text: string | null | undefined, llmId: string): number | undefined {
  if (text == null) return undefined;
  const micros = parseTimestampMicros(text);
  if (micros === undefined) {
    throw new InvalidRequest(
      `effective_date of ${JSON.stringify(llmId)} is not an ISO-8601 timestamp: ${text}`,
    );
  }
  return micros;
}

export function costRow(price: StoredPrice): CostQueryRow {
  return {
    id: price.id,
    llm_id: price.llm_id,
    prompt_token_cost: price.prompt_token_cost,
    completion_token_cost: price.completion_token_cost,
    cache_read_input_token_cost: price.cache_read_input_token_cost,
    cache_creation_input_token_cost: price.cache_creation_input_token_cost,
    prompt_token_cost_unit: price.prompt_token_cost_unit,
    completion_token_cost_unit: price.completion_token_cost_unit,
    effective_date: formatTimestampMicros(price.effective_date ?? 0),
    provider_id: price.provider_id,
    pricing_level: price.pricing_level,
    pricing_level_id: price.pricing_level_id,
    created_at: formatTimestampMicros(price.created_at),
    created_by: price.created_by,
  };
}

function pick(row: CostQueryRow, fields: readonly string[] | null): Partial<CostQueryRow> {
  if (!fields) return row;
  const picked: Record<string, unknown> = {};
  for (const field of fields) picked[field] = row[field as keyof CostQueryRow];
  return picked as Partial<CostQueryRow>;
}
