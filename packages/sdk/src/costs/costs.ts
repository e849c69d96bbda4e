/**
 * A project's own token prices (the seed's `add_cost`, `query_costs`, `purge_costs`;
 * docs/protocol.md §17). Prices are per token. Calls read with `includeCosts` are priced by the
 * server from their usage at the price in effect when they started.
 */
import type { CostQueryRow, PricingLevel, Query } from '@weft/protocol';
import { type QueryExpression, type QueryOperation, toQueryExpression } from '../client/query.js';
import type { TraceServer } from '../transport/trace-server.js';

export interface AddCostOptions {
  /** The model name as calls record it in `summary.usage` (`gpt-4o`, `my-model`). */
  llmId: string;
  /** Price of one prompt (input) token. */
  promptTokenCost: number;
  /** Price of one completion (output) token. */
  completionTokenCost: number;
  /** From when the price applies (default: now). Calls that started earlier keep earlier prices. */
  effectiveDate?: Date | string;
  /** Default `USD`. */
  promptTokenCostUnit?: string;
  completionTokenCostUnit?: string;
  /** Who sells the model (`openai`); reported with the price, not used to match calls. */
  providerId?: string;
  /** Price of one prompt token read from the provider's cache (default: the prompt price). */
  cacheReadInputTokenCost?: number;
  /** Price of one prompt token written to the provider's cache (default: the prompt price). */
  cacheCreationInputTokenCost?: number;
}

export interface AddCostResult {
  /** `[llmId, price id]` for the price added (as the seed's CostCreateRes describes it). */
  ids: Array<[string, string]>;
}

export interface QueryCostsOptions {
  /** A price id, or a Query expression over price fields (`llm_id`, `effective_date`, …). */
  query?: string | Query | QueryExpression | QueryOperation;
  /** Only prices of these models. */
  llmIds?: readonly string[];
  offset?: number;
  /** Default 100. */
  limit?: number;
}

/** One of the project's prices. */
export interface Price {
  id: string;
  llmId: string;
  promptTokenCost: number;
  completionTokenCost: number;
  cacheReadInputTokenCost: number | null;
  cacheCreationInputTokenCost: number | null;
  promptTokenCostUnit: string;
  completionTokenCostUnit: string;
  effectiveDate: Date;
  providerId: string;
  pricingLevel: PricingLevel;
  createdAt: Date;
  createdBy: string | null;
}

/** What the Python client sends for "every price": the server scopes it to the project. */
const EVERY_PRICE = { $eq: [{ $literal: '1' }, { $literal: '1' }] };

export async function addCost(
  server: TraceServer,
  projectId: string,
  options: AddCostOptions,
): Promise<AddCostResult> {
  const effective = options.effectiveDate ?? new Date();
  const res = await server.costCreate({
    project_id: projectId,
    costs: {
      [options.llmId]: {
        prompt_token_cost: options.promptTokenCost,
        completion_token_cost: options.completionTokenCost,
        prompt_token_cost_unit: options.promptTokenCostUnit ?? 'USD',
        completion_token_cost_unit: options.completionTokenCostUnit ?? 'USD',
        effective_date: typeof effective === 'string' ? effective : effective.toISOString(),
        provider_id: options.providerId ?? 'default',
        ...(options.cacheReadInputTokenCost !== undefined
          ? { cache_read_input_token_cost: options.cacheReadInputTokenCost }
          : {}),
        ...(options.cacheCreationInputTokenCost !== undefined
          ? { cache_creation_input_token_cost: options.cacheCreationInputTokenCost }
          : {}),
      },
    },
  });
  // The wire puts the id first; the seed documents the pair the other way round.
  return { ids: res.ids.map(([id, llmId]) => [llmId, id]) };
}

function queryExpr(options: QueryCostsOptions): Query {
  const clauses: unknown[] = [];
  const { query } = options;
  if (typeof query === 'string') clauses.push({ $eq: [{ $getField: 'id' }, { $literal: query }] });
  else if (query !== undefined) clauses.push((toQueryExpression(query as QueryExpression) as Query).$expr);
  if (options.llmIds) {
    clauses.push({ $in: [{ $getField: 'llm_id' }, options.llmIds.map((llmId) => ({ $literal: llmId }))] });
  }
  if (clauses.length === 0) return { $expr: EVERY_PRICE };
  return { $expr: clauses.length === 1 ? (clauses[0] as Record<string, unknown>) : { $and: clauses } };
}

export async function queryCosts(
  server: TraceServer,
  projectId: string,
  options: QueryCostsOptions = {},
): Promise<Price[]> {
  const res = await server.costQuery({
    project_id: projectId,
    query: queryExpr(options),
    offset: options.offset ?? 0,
    limit: options.limit ?? 100,
  });
  return res.results.map((row) => toPrice(row as CostQueryRow));
}

export async function purgeCosts(
  server: TraceServer,
  projectId: string,
  ids: string | readonly string[],
): Promise<void> {
  const list = typeof ids === 'string' ? [ids] : [...ids];
  if (list.length === 0) return;
  await server.costPurge({
    project_id: projectId,
    query: { $expr: { $in: [{ $getField: 'id' }, list.map((id) => ({ $literal: id }))] } },
  });
}

function toPrice(row: CostQueryRow): Price {
  return {
    id: row.id,
    llmId: row.llm_id,
    promptTokenCost: row.prompt_token_cost,
    completionTokenCost: row.completion_token_cost,
    cacheReadInputTokenCost: row.cache_read_input_token_cost ?? null,
    cacheCreationInputTokenCost: row.cache_creation_input_token_cost ?? null,
    promptTokenCostUnit: row.prompt_token_cost_unit,
    completionTokenCostUnit: row.completion_token_cost_unit,
    effectiveDate: new Date(row.effective_date),
    providerId: row.provider_id,
    pricingLevel: row.pricing_level,
    createdAt: new Date(row.created_at),
    createdBy: row.created_by ?? null,
  };
}
