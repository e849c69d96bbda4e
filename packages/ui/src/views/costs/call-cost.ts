/**
 * What a call cost, read from `summary.weave.costs` (docs/protocol.md §17.3): the server prices
 * each model in `summary.usage` at the price in effect when the call started, and marks a model
 * with no price `unpriced` (its costs null: unknown, never 0). Clients roll children's usage up
 * into their parents, so a call's cost includes the calls inside it and a trace root's is the
 * trace's total.
 */
import type { CallSchema, LlmCost } from '@weft/protocol';
import { formatCount, formatMoney } from '../../format';

export interface ModelCost {
  readonly model: string;
  readonly cost: LlmCost;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Whether a model's entry is one the server wrote: counts as numbers and an `unpriced` flag. */
function isLlmCost(value: unknown): value is LlmCost {
  return (
    isRecord(value) &&
    typeof value.unpriced === 'boolean' &&
    finite(value.prompt_tokens) &&
    finite(value.completion_tokens) &&
    finite(value.total_tokens)
  );
}

/** Priced, with a total: unpriced entries and ones without a number are not. */
export function isPriced(cost: LlmCost): boolean {
  return !cost.unpriced && finite(cost.total_cost);
}

/** The unit a model's costs are in (the price's units; USD unless the price said otherwise). */
export function costUnit(cost: LlmCost): string {
  return cost.prompt_token_cost_unit ?? cost.completion_token_cost_unit ?? 'USD';
}

/** One entry per model in `summary.weave.costs`, in name order; malformed entries are left out. */
export function modelCosts(summary: CallSchema['summary'] | undefined): ModelCost[] {
  const costs = summary?.weave?.costs;
  if (!isRecord(costs)) return [];
  const rows: ModelCost[] = [];
  for (const [model, cost] of Object.entries(costs)) {
    if (isLlmCost(cost)) rows.push({ model, cost });
  }
  return rows.sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
}

export interface MoneyAmount {
  readonly unit: string;
  readonly amount: number;
}

export interface CallCost {
  /** The priced models' costs added up, one amount per unit (nearly always one, USD). */
  readonly totals: readonly MoneyAmount[];
  /** Models with a price, and the total each came to. */
  readonly priced: ReadonlyArray<{ model: string; amount: MoneyAmount }>;
  /** Models with usage and no price: their cost is unknown. */
  readonly unpriced: readonly string[];
}

/** Adds amounts up per unit, units in the order first met. */
export function sumByUnit(amounts: Iterable<MoneyAmount>): MoneyAmount[] {
  const byUnit = new Map<string, number>();
  for (const { unit, amount } of amounts) byUnit.set(unit, (byUnit.get(unit) ?? 0) + amount);
  return [...byUnit].map(([unit, amount]) => ({ unit, amount }));
}

/** The call's cost over every model, or undefined when the server priced nothing (no usage). */
export function callCost(summary: CallSchema['summary'] | undefined): CallCost | undefined {
  const models = modelCosts(summary);
  if (models.length === 0) return undefined;
  const priced: Array<{ model: string; amount: MoneyAmount }> = [];
  const unpriced: string[] = [];
  for (const { model, cost } of models) {
    if (isPriced(cost))
      priced.push({ model, amount: { unit: costUnit(cost), amount: cost.total_cost ?? 0 } });
    else unpriced.push(model);
  }
  return { totals: sumByUnit(priced.map((entry) => entry.amount)), priced, unpriced };
}

/** Amounts in several units side by side: `$0.0123 + 0.50 credits`. */
export function formatAmounts(amounts: readonly MoneyAmount[]): string {
  return amounts.map(({ amount, unit }) => formatMoney(amount, unit)).join(' + ');
}

function quoteList(models: readonly string[]): string {
  return models.join(', ');
}

/** "model X has no price" / "models X, Y have no price". */
export function noPriceText(models: readonly string[]): string {
  return models.length === 1
    ? `model ${models[0]} has no price`
    : `models ${quoteList(models)} have no price`;
}

export type CostState = 'priced' | 'partial' | 'unpriced';

export interface CostText {
  /** What a cell shows: `$0.0123`, `≥ $0.0123` when some models are unpriced, `—` when none is priced. */
  readonly text: string;
  /** The tooltip: per model, and which models have no price. */
  readonly title: string;
  readonly state: CostState;
}

/**
 * A call's cost as one cell. A model without a price makes the cost unknown, not 0: with no model
 * priced the cell says so; with some priced it shows their sum as a lower bound (`≥`).
 */
export function costText(cost: CallCost): CostText {
  const perModel = cost.priced.map(
    ({ model, amount }) => `${model}: ${formatMoney(amount.amount, amount.unit)}`,
  );
  if (cost.priced.length === 0) {
    return { text: '—', title: `unpriced: ${noPriceText(cost.unpriced)}`, state: 'unpriced' };
  }
  const sum = formatAmounts(cost.totals);
  if (cost.unpriced.length === 0) {
    return { text: sum, title: perModel.join('\n'), state: 'priced' };
  }
  return {
    text: `≥ ${sum}`,
    title: [`partly priced: ${noPriceText(cost.unpriced)}; the sum covers the rest`, ...perModel].join('\n'),
    state: 'partial',
  };
}

/** The same for a trace's header: "Trace total: $0.0123, 1,234 tokens". */
export function traceTotalText(cost: CallCost | undefined, tokens: number | undefined): string | undefined {
  const parts: string[] = [];
  if (cost) parts.push(cost.priced.length === 0 ? 'unpriced' : costText(cost).text);
  if (tokens !== undefined) parts.push(`${formatCount(tokens)} ${tokens === 1 ? 'token' : 'tokens'}`);
  return parts.length > 0 ? `Trace total: ${parts.join(', ')}` : undefined;
}
