/**
 * `summary.weave.total_tokens` and `summary.weave.total_cost` in ClickHouse SQL (docs/protocol.md
 * §17.5), the same numbers `costs/call-costs.ts` works out in TypeScript for SQLite: the entries
 * of the summary's `usage` object (at most MAX_MODELS_PER_CALL), each read by the rules of
 * `costs/usage.ts`, summed in the entries' order so that the doubles come out the same.
 *
 * Costs need the prices, which the store looks up per query in TypeScript (model names are
 * matched to prices by `costs/model-names.ts`): for each model name its price schedule
 * (`costs/price-choice.ts`), bound as arrays. A call's price for a model is the schedule's last
 * step starting at or before the call's start.
 *
 * Every key below is this module's own constant; only the price arrays come from outside, and
 * they are bound parameters.
 */
import { MAX_MODELS_PER_CALL } from '../../costs/call-costs.js';
import { rawSql, type Sql, sql } from '../sql.js';

/**
 * The prices of the model names a project's calls log, as parallel arrays: for `names[i]`, the
 * steps starting at `starts[i][j]` (µs) with the per-token prices at `[i][j]` (cached tokens
 * already at the prompt price when they have none of their own).
 */
export interface UsagePrices {
  names: string[];
  starts: number[][];
  prompt: number[][];
  completion: number[][];
  cacheRead: number[][];
  cacheCreation: number[][];
}

/** A step that starts before any call: the schedule's first step, when no date bounds it. */
export const BEFORE_ANY_CALL = Number.MIN_SAFE_INTEGER;

/** A count in a usage entry `entry` at `path`: a finite number ≥ 0, else NULL (usage.ts, `count`). */
function count(entry: string, ...path: string[]): string {
  const args = `${entry}, ${path.map((key) => `'${key}'`).join(', ')}`;
  const value = `JSONExtractFloat(${args})`;
  // JSONExtractFloat parses numbers inside strings too; a count is a JSON number only.
  return `if(JSONType(${args}) IN ('Int64', 'UInt64', 'Double') AND isFinite(${value}) AND ${value} >= 0, ${value}, NULL)`;
}

const zeroIfNull = (value: string) => `ifNull(${value}, 0)`;

/**
 * The usage entries as tuples (name, counted, prompt, completion, total, cacheRead, cacheCreation),
 * `counted` false for an entry that is not an object (it has no counts). Two stages of arrayMap
 * so that each count is read once.
 */
function usageCounts(summary: Sql): Sql {
  const raw = [
    `JSONType(entry.2) = 'Object'`,
    count('entry.2', 'prompt_tokens'),
    count('entry.2', 'input_tokens'),
    count('entry.2', 'prompt_tokens_details', 'cached_tokens'),
    count('entry.2', 'input_tokens_details', 'cached_tokens'),
    count('entry.2', 'cache_read_input_tokens'),
    count('entry.2', 'cache_creation_input_tokens'),
    count('entry.2', 'completion_tokens'),
    count('entry.2', 'output_tokens'),
    count('entry.2', 'total_tokens'),
  ];
  // c.2 … c.11 are the raw counts above, in order.
  const counted = `(${zeroIfNull('c.3')} + ${zeroIfNull('c.4')})`;
  const cachedInside = `(${zeroIfNull('c.5')} + ${zeroIfNull('c.6')})`;
  const readBeside = zeroIfNull('c.7');
  const createdBeside = zeroIfNull('c.8');
  const prompt = `(${counted} + ${readBeside} + ${createdBeside})`;
  const completion = `(${zeroIfNull('c.9')} + ${zeroIfNull('c.10')})`;
  const derived = [
    'c.1',
    'c.2',
    prompt,
    completion,
    `ifNull(c.11, ${prompt} + ${completion})`,
    `(${readBeside} + least(${cachedInside}, ${counted}))`,
    createdBeside,
  ];
  const document = sql`ifNull(${summary}, '{}')`;
  const entries = sql`if(JSONType(${document}, 'usage') = 'Object', arraySlice(JSONExtractKeysAndValuesRaw(${document}, 'usage'), 1, ${rawSql(String(MAX_MODELS_PER_CALL))}), [])`;
  return sql`arrayMap(c -> tuple(${rawSql(derived.join(', '))}), arrayMap(entry -> tuple(entry.1, ${rawSql(raw.join(', '))}), ${entries}))`;
}

/** The sum of the non-NULL values of an array, added left to right; NULL when all are NULL. */
function sumInOrder(values: Sql): Sql {
  return sql`if(arrayExists(value -> value IS NOT NULL, ${values}), arrayFold((total, value) -> total + ifNull(value, 0), ${values}, toFloat64(0)), NULL)`;
}

/** Tokens over every model in the summary's usage; NULL without usage (call-costs.ts, `totalTokensOf`). */
export function clickHouseTotalTokens(summary: Sql): Sql {
  return sumInOrder(sql`arrayMap(u -> if(u.2, u.5, NULL), ${usageCounts(summary)})`);
}

/**
 * What the priced models of the summary's usage cost at `startedAt` (call-costs.ts,
 * `totalCostOf`); NULL when none of them is priced.
 */
export function clickHouseTotalCost(summary: Sql, startedAt: Sql, prices: UsagePrices): Sql {
  if (prices.names.length === 0) return rawSql('CAST(NULL AS Nullable(Float64))');
  // Each entry with its price's place: p.8 the name's index (0: no prices), p.9 the step's.
  const located = sql`arrayMap(u -> tuple(u.1, u.2, u.3, u.4, u.5, u.6, u.7, indexOf(${prices.names}, u.1)), ${usageCounts(summary)})`;
  const withStep = sql`arrayMap(u -> tuple(u.1, u.2, u.3, u.4, u.5, u.6, u.7, u.8, if(u.8 = 0, 0, arrayLastIndex(from -> from <= ${startedAt}, arrayElement(${prices.starts}, u.8)))), ${located})`;
  const price = (table: number[][]) => sql`arrayElement(arrayElement(${table}, p.8), p.9)`;
  // call-costs.ts `llmCost`: the uncached prompt, completion, cache reads and writes, added in that order.
  const cost = sql`greatest(0, p.3 - p.6 - p.7) * ${price(prices.prompt)} + p.4 * ${price(prices.completion)} + p.6 * ${price(prices.cacheRead)} + p.7 * ${price(prices.cacheCreation)}`;
  return sumInOrder(sql`arrayMap(p -> if(p.2 AND p.9 > 0, ${cost}, NULL), ${withStep})`);
}
