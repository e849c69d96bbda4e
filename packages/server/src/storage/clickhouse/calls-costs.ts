/**
 * The prices a ClickHouse calls query binds when it filters or sorts by
 * `summary.weave.total_cost` (query/dialects/clickhouse-usage.ts). Which price a logged model
 * name gets is decided in TypeScript, by the rules SQLite uses (costs/model-names.ts,
 * costs/call-costs.ts): so the query first reads the model names the project's calls log, and
 * binds the price schedule of each name that has prices.
 */
import { InvalidRequest } from '@weft/protocol';
import { CallCostCalculator, type PriceSource } from '../../costs/call-costs.js';
import { priceSchedule } from '../../costs/price-choice.js';
import { BEFORE_ANY_CALL, type UsagePrices } from '../../query/dialects/clickhouse-usage.js';
import type { ClickHouseContext } from './context.js';
import { selectRows } from './query-helpers.js';

/**
 * More model names than a project logs in practice; a query's bound prices stay a few MB at
 * most. A project past it cannot filter or sort by cost on this store (a 400 says so).
 */
export const MAX_PRICED_NAMES = 10_000;

/**
 * The model names under `summary.usage` in the project's calls, at most `limit` of them: kept in
 * `call_model_names` as calls arrive (migrations.ts), so this reads no call.
 */
async function loggedModelNames(context: ClickHouseContext, projectId: string, limit: number) {
  const rows = await selectRows<{ name: string }>(
    context,
    `SELECT DISTINCT name FROM ${context.table('call_model_names')}
     WHERE project_id = {project:String}
     LIMIT {limit:UInt32}`,
    { project: projectId, limit },
    { timeLimit: 'calls' },
  );
  return rows.map((row) => row.name);
}

/** The price schedules of the model names the project's calls log, for pricing them in SQL. */
export async function usagePricesOf(
  context: ClickHouseContext,
  projectId: string,
  source: PriceSource,
): Promise<UsagePrices> {
  const names = await loggedModelNames(context, projectId, MAX_PRICED_NAMES + 1);
  if (names.length > MAX_PRICED_NAMES) {
    throw new InvalidRequest(
      `this project's calls log more than ${MAX_PRICED_NAMES} model names; the ClickHouse store filters and sorts by summary.weave.total_cost only below that`,
    );
  }
  return usagePricesFor(names, source);
}

/** The price schedules of `names` that have prices, as the arrays the SQL binds. */
export function usagePricesFor(names: readonly string[], source: PriceSource): UsagePrices {
  const calculator = new CallCostCalculator(source);
  const prices: UsagePrices = {
    names: [],
    starts: [],
    prompt: [],
    completion: [],
    cacheRead: [],
    cacheCreation: [],
  };
  for (const name of [...names].sort()) {
    const steps = priceSchedule(calculator.pricesFor(name));
    if (steps.length === 0) continue;
    prices.names.push(name);
    prices.starts.push(steps.map((step) => (Number.isFinite(step.from) ? step.from : BEFORE_ANY_CALL)));
    prices.prompt.push(steps.map(({ price }) => price.prompt_token_cost));
    prices.completion.push(steps.map(({ price }) => price.completion_token_cost));
    // Without a price of their own, cached tokens cost what other prompt tokens cost (llmCost).
    prices.cacheRead.push(
      steps.map(({ price }) => price.cache_read_input_token_cost ?? price.prompt_token_cost),
    );
    prices.cacheCreation.push(
      steps.map(({ price }) => price.cache_creation_input_token_cost ?? price.prompt_token_cost),
    );
  }
  return prices;
}
