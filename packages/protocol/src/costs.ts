/**
 * Cost routes and the derived `summary.weave.costs` (docs/protocol.md §17): per-token prices with
 * effective dates, at the default level (from a price dataset) and the project level (added by
 * users), and the cost each call's `summary.usage` comes to.
 */
import { type Static, Type } from '@sinclair/typebox';
import { Query, SortBy } from './calls-query.js';
import { InvalidFieldError } from './errors.js';
import type { QueryField } from './query/ast.js';
import { MAX_PAGE_BOUND, Nullable, PageLimit, ProjectId, Timestamp } from './schema-helpers.js';

/** A price per token; finite and never negative (JSON has no NaN, so only the sign needs a rule). */
const TokenPrice = Type.Number({ minimum: 0 });
const Unit = Type.String({ minLength: 1, maxLength: 32 });

export const CostCreateInput = Type.Object({
  prompt_token_cost: TokenPrice,
  completion_token_cost: TokenPrice,
  prompt_token_cost_unit: Type.Optional(Nullable(Unit)),
  completion_token_cost_unit: Type.Optional(Nullable(Unit)),
  /** When the price takes effect; now when absent. */
  effective_date: Type.Optional(Nullable(Timestamp)),
  provider_id: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 256 }))),
  cache_read_input_token_cost: Type.Optional(Nullable(TokenPrice)),
  cache_creation_input_token_cost: Type.Optional(Nullable(TokenPrice)),
});
export type CostCreateInput = Static<typeof CostCreateInput>;

export const CostCreateReq = Type.Object({
  project_id: ProjectId,
  /** Model name → its new price; one project-level price row per entry. */
  costs: Type.Record(Type.String(), CostCreateInput, { maxProperties: 1000 }),
  wb_user_id: Type.Optional(Nullable(Type.String())),
});
export type CostCreateReq = Static<typeof CostCreateReq>;

export interface CostCreateRes {
  /** `[price id, llm_id]` per entry, in the request's order (the id first, as Weave answers). */
  ids: Array<[string, string]>;
}

export const CostQueryReq = Type.Object({
  project_id: ProjectId,
  fields: Type.Optional(Nullable(Type.Array(Type.String(), { maxItems: 50 }))),
  query: Type.Optional(Nullable(Query)),
  sort_by: Type.Optional(Nullable(Type.Array(SortBy, { maxItems: 10 }))),
  limit: Type.Optional(Nullable(PageLimit)),
  offset: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: MAX_PAGE_BOUND }))),
});
export type CostQueryReq = Static<typeof CostQueryReq>;

/** A project price as `/cost/query` answers it. */
export interface CostQueryRow {
  id: string;
  llm_id: string;
  prompt_token_cost: number;
  completion_token_cost: number;
  cache_read_input_token_cost: number | null;
  cache_creation_input_token_cost: number | null;
  prompt_token_cost_unit: string;
  completion_token_cost_unit: string;
  effective_date: string;
  provider_id: string;
  pricing_level: PricingLevel;
  pricing_level_id: string;
  created_at: string;
  created_by: string | null;
}

export interface CostQueryRes {
  results: Array<Partial<CostQueryRow>>;
}

export const CostPurgeReq = Type.Object({
  project_id: ProjectId,
  /** Only ids: `$eq` or `$in` on `id`, or an `$or` of `$eq`s (docs/protocol.md §17.2). */
  query: Query,
});
export type CostPurgeReq = Static<typeof CostPurgeReq>;

export type PricingLevel = 'default' | 'project';

/**
 * One model's entry in `summary.weave.costs`. Token counts come from the call's `summary.usage`;
 * prices from the price chosen for the call's start. When no price matches, `unpriced` is true and
 * every price and cost is null: unknown, never 0.
 */
export interface LlmCost {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  unpriced: boolean;
  prompt_token_cost: number | null;
  completion_token_cost: number | null;
  cache_read_input_token_cost: number | null;
  cache_creation_input_token_cost: number | null;
  prompt_tokens_total_cost: number | null;
  completion_tokens_total_cost: number | null;
  cache_read_input_tokens_total_cost: number | null;
  cache_creation_input_tokens_total_cost: number | null;
  /** All four totals added up. */
  total_cost: number | null;
  prompt_token_cost_unit: string | null;
  completion_token_cost_unit: string | null;
  /** The chosen price row. */
  price_id: string | null;
  /** The name the price is kept under, when it is not the recorded one (`gpt-4o` for `gpt-4o-2024-08-06`). */
  priced_as: string | null;
  effective_date: string | null;
  provider_id: string | null;
  pricing_level: PricingLevel | null;
  pricing_level_id: string | null;
  created_at: string | null;
  created_by: string | null;
}

/** The columns a cost query may filter and sort on (docs/protocol.md §17.2). */
const COST_FIELDS: Record<string, QueryField> = {
  id: { kind: 'column', column: 'id', type: 'text' },
  llm_id: { kind: 'column', column: 'llm_id', type: 'text' },
  provider_id: { kind: 'column', column: 'provider_id', type: 'text' },
  pricing_level: { kind: 'column', column: 'pricing_level', type: 'text' },
  pricing_level_id: { kind: 'column', column: 'pricing_level_id', type: 'text' },
  prompt_token_cost: { kind: 'column', column: 'prompt_token_cost', type: 'number' },
  completion_token_cost: { kind: 'column', column: 'completion_token_cost', type: 'number' },
  cache_read_input_token_cost: { kind: 'column', column: 'cache_read_input_token_cost', type: 'number' },
  cache_creation_input_token_cost: {
    kind: 'column',
    column: 'cache_creation_input_token_cost',
    type: 'number',
  },
  prompt_token_cost_unit: { kind: 'column', column: 'prompt_token_cost_unit', type: 'text' },
  completion_token_cost_unit: { kind: 'column', column: 'completion_token_cost_unit', type: 'text' },
  effective_date: { kind: 'column', column: 'effective_date', type: 'datetime' },
  created_at: { kind: 'column', column: 'created_at', type: 'datetime' },
  created_by: { kind: 'column', column: 'created_by', type: 'text' },
};

export const COST_FIELD_NAMES: readonly string[] = Object.keys(COST_FIELDS);

/** The field a cost query names; anything else is refused. */
export function resolveCostField(path: string): QueryField {
  const field = Object.hasOwn(COST_FIELDS, path) ? COST_FIELDS[path] : undefined;
  if (!field) {
    throw new InvalidFieldError(
      `cost queries can read only ${COST_FIELD_NAMES.join(', ')}; ${JSON.stringify(path)} is not one`,
    );
  }
  return field;
}
