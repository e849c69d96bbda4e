/**
 * The ClickHouse SQL for `summary.weave.total_tokens` and `total_cost`
 * (query/dialects/clickhouse-usage.ts) against the TypeScript that SQLite uses
 * (costs/call-costs.ts), on random summaries with hostile usage (counts as strings, negative,
 * booleans, nested the wrong way) and random price histories: the same number, or both none.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CallCostCalculator, type PriceSource, totalTokensOf } from '../../costs/call-costs.js';
import { clickHouseCallsDialect, clickHouseParams } from '../../query/dialects/clickhouse.js';
import { clickHouseTotalCost, clickHouseTotalTokens } from '../../query/dialects/clickhouse-usage.js';
import { Random } from '../../query/reference/random.js';
import { compileSql, sql } from '../../query/sql.js';
import type { StoredPrice } from '../trace-store.js';
import { usagePricesFor } from './calls-costs.js';
import { connect } from './connect.js';

const folder = mkdtempSync(join(tmpdir(), 'weft-chdb-usage-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const NAMES = ['gpt-4o', 'gpt-4o-2024-08-06', 'openai/gpt-4o', 'my-model', 'nobody-prices-this', '😀'];
const FIELDS = [
  'requests',
  'prompt_tokens',
  'input_tokens',
  'completion_tokens',
  'output_tokens',
  'total_tokens',
  'cache_read_input_tokens',
  'cache_creation_input_tokens',
];
const DAY = 86_400_000_000;

function countValue(random: Random): unknown {
  return random.pick<unknown>([
    0,
    7,
    1000,
    1.5,
    123456789,
    -3,
    '7',
    true,
    null,
    [4],
    { n: 1 },
    2 ** 60,
    1e20,
  ]);
}

function usageEntry(random: Random): unknown {
  if (random.chance(0.1)) return random.pick<unknown>([5, 'text', null, [1, 2]]);
  const entry: Record<string, unknown> = {};
  for (const field of FIELDS) if (random.chance(0.5)) entry[field] = countValue(random);
  for (const details of ['prompt_tokens_details', 'input_tokens_details']) {
    if (random.chance(0.3)) {
      entry[details] = random.chance(0.8) ? { cached_tokens: countValue(random) } : [countValue(random)];
    }
  }
  return entry;
}

function summaryJson(random: Random): string | null {
  if (random.chance(0.1)) return null;
  const summary: Record<string, unknown> = {};
  if (random.chance(0.1)) summary.usage = random.pick<unknown>([[], 'usage', 3]);
  else if (random.chance(0.9)) {
    const usage: Record<string, unknown> = {};
    for (let count = random.int(0, 3); count > 0; count--) usage[random.pick(NAMES)] = usageEntry(random);
    summary.usage = usage;
  }
  return JSON.stringify(summary);
}

function price(random: Random, index: number, level: 'project' | 'default', llmId: string): StoredPrice {
  const cost = () => random.pick([0.001, 0.002, 0.0025, 1, 3e-7]);
  return {
    id: `${level}-${index}`,
    llm_id: llmId,
    pricing_level: level,
    pricing_level_id: level === 'project' ? 'p/q' : 'default',
    provider_id: 'openai',
    effective_date: random.chance(0.3) ? null : random.int(-3, 3) * DAY,
    prompt_token_cost: cost(),
    completion_token_cost: cost(),
    cache_read_input_token_cost: random.chance(0.5) ? cost() : null,
    cache_creation_input_token_cost: random.chance(0.5) ? cost() : null,
    prompt_token_cost_unit: 'USD',
    completion_token_cost_unit: 'USD',
    created_by: 'tester',
    created_at: random.int(0, 3),
  };
}

/** A project's prices under some of the names, and default ones for the dataset's gpt-4o. */
function priceSource(random: Random): PriceSource {
  const own = Array.from({ length: random.int(0, 5) }, (_, index) =>
    price(random, index, 'project', random.pick(NAMES)),
  );
  const defaults = Array.from({ length: random.int(0, 3) }, (_, index) =>
    price(random, index, 'default', 'gpt-4o'),
  );
  return (projectNames, datasetModel) => [
    ...own.filter((row) => projectNames.includes(row.llm_id)),
    ...defaults.filter((row) => row.llm_id === datasetModel?.llm_id),
  ];
}

describe('usage in ClickHouse SQL', () => {
  it('gives the tokens and costs the TypeScript calculator gives', async () => {
    const client = connect({ kind: 'chdb', path: folder, database: 'default' });
    try {
      const random = new Random(1414);
      let priced = 0;
      for (let round = 0; round < 20; round++) {
        const source = priceSource(random);
        const calculator = new CallCostCalculator(source);
        const calls = Array.from({ length: 50 }, () => ({
          summary: summaryJson(random),
          startedAt: random.int(-4, 4) * DAY + random.int(-1, 1),
        }));
        const prices = usagePricesFor(NAMES, source);
        const summaries = calls.map((call) => call.summary ?? '');
        const starts = calls.map((call) => call.startedAt);
        // One row per call: its summary (NULL for '') and start, read through the two expressions.
        const summary = sql`nullIf(item.1, '')`;
        const statement = compileSql(
          sql`SELECT ${clickHouseTotalTokens(summary)} AS tokens, ${clickHouseTotalCost(summary, sql`item.2`, prices)} AS cost
            FROM (SELECT arrayJoin(arrayZip(${summaries}, ${starts}, range(${calls.length}))) AS item)
            ORDER BY item.3`,
          clickHouseCallsDialect.placeholder,
        );
        const result = await client.query({
          query: statement.text,
          query_params: clickHouseParams(statement.params),
          format: 'JSONEachRow',
        });
        const rows = await result.json<{ tokens: number | null; cost: number | null }>();
        expect(rows).toHaveLength(calls.length);
        calls.forEach((call, index) => {
          const expected = {
            tokens: totalTokensOf(call.summary),
            cost: calculator.totalCostOf(call.summary, call.startedAt),
          };
          if (expected.cost !== null) priced += 1;
          expect({ ...rows[index], call }).toEqual({ ...expected, call });
        });
      }
      // The random prices priced a good share of the calls, so costs were compared, not only nulls.
      expect(priced).toBeGreaterThan(100);
    } finally {
      await client.close();
    }
  });
});
