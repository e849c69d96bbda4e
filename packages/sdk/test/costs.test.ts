/**
 * Prices and costs through weft's SDK against the real `weft serve` process: addCost, queryCosts
 * and purgeCosts, and calls read with includeCosts priced at the price in effect when they
 * started, parents at the sum of their subtree (docs/protocol.md §17).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, op, resetClient, type WeaveClient } from 'weft';
import { removeDataDir, startWeftServer, type WeftServerProcess } from '../../../test/support/weft-server.js';

let server: WeftServerProcess;
let client: WeaveClient;
const PROJECT = 'tests/costs';
const DAY_MS = 86_400_000;

beforeAll(async () => {
  server = await startWeftServer();
  client = init(PROJECT, { serverUrl: server.url });
});

afterAll(async () => {
  await client.flush();
  resetClient();
  await server.stop();
  removeDataDir(server.dataDir);
});

/** An op that answers like an LLM client: `model` and `usage` in its output. */
const fakeLlm = op(function fakeLlm(model: string, promptTokens: number, completionTokens: number) {
  return {
    model,
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
    text: 'ok',
  };
});

describe('addCost, queryCosts and purgeCosts', () => {
  it('adds prices, lists them by id and by model, and purges them', async () => {
    const first = await client.addCost({
      llmId: 'sdk-model-a',
      promptTokenCost: 0.5,
      completionTokenCost: 1,
    });
    const second = await client.addCost({
      llmId: 'sdk-model-b',
      promptTokenCost: 2,
      completionTokenCost: 3,
      effectiveDate: new Date('2026-02-01T00:00:00Z'),
      providerId: 'acme',
    });
    const [llmId, idA] = first.ids[0] ?? [];
    expect(llmId).toBe('sdk-model-a');
    const idB = second.ids[0]?.[1] as string;

    const all = await client.queryCosts();
    expect(all.map((price) => price.llmId)).toEqual(expect.arrayContaining(['sdk-model-a', 'sdk-model-b']));
    const byId = await client.queryCosts({ query: idB });
    expect(byId).toEqual([
      expect.objectContaining({
        id: idB,
        llmId: 'sdk-model-b',
        promptTokenCost: 2,
        completionTokenCost: 3,
        providerId: 'acme',
        pricingLevel: 'project',
        effectiveDate: new Date('2026-02-01T00:00:00Z'),
      }),
    ]);
    expect((await client.queryCosts({ llmIds: ['sdk-model-a'] })).map((price) => price.id)).toEqual([idA]);

    await client.purgeCosts([idA as string, idB]);
    expect(await client.queryCosts({ llmIds: ['sdk-model-a', 'sdk-model-b'] })).toEqual([]);
  });
});

describe('includeCosts', () => {
  it('prices calls at the price in effect when they started, and a parent at its subtree', async () => {
    const now = Date.now();
    await client.addCost({
      llmId: 'priced-model',
      promptTokenCost: 0.001,
      completionTokenCost: 0.002,
      effectiveDate: new Date(now - 10 * DAY_MS),
    });
    await client.addCost({
      llmId: 'priced-model',
      promptTokenCost: 1,
      completionTokenCost: 1,
      effectiveDate: new Date(now + 10 * DAY_MS),
    });
    const pipeline = op(function pipeline() {
      fakeLlm('priced-model', 1000, 200);
      fakeLlm('priced-model', 500, 100);
      fakeLlm('nobody-prices-this-model', 7, 3);
      return 'done';
    });
    pipeline();
    const [root] = await client
      .getCalls({ filter: { op_names: [`weave:///${PROJECT}/op/pipeline:*`] }, includeCosts: true })
      .toArray();
    // (1000 + 500) × 0.001 + (200 + 100) × 0.002 = 1.5 + 0.6 = 2.1
    const rootCost = root?.summary?.weave?.costs?.['priced-model'];
    expect(rootCost).toMatchObject({
      requests: 2,
      prompt_tokens: 1500,
      completion_tokens: 300,
      unpriced: false,
    });
    expect(rootCost?.prompt_tokens_total_cost).toBeCloseTo(1.5, 12);
    expect(rootCost?.completion_tokens_total_cost).toBeCloseTo(0.6, 12);
    expect(rootCost?.total_cost).toBeCloseTo(2.1, 12);
    expect(root?.summary?.weave?.costs?.['nobody-prices-this-model']).toMatchObject({
      requests: 1,
      unpriced: true,
      total_cost: null,
    });

    const children = await client
      .getCalls({ filter: { parent_ids: [root?.id as string] }, includeCosts: true })
      .toArray();
    const childTotals = children.map(
      (child) => child.summary?.weave?.costs?.['priced-model']?.total_cost ?? 0,
    );
    // 1000 × 0.001 + 200 × 0.002 = 1.4 and 500 × 0.001 + 100 × 0.002 = 0.7
    expect(childTotals[0]).toBeCloseTo(1.4, 12);
    expect(childTotals[1]).toBeCloseTo(0.7, 12);

    const read = await client.getCall(root?.id as string, { includeCosts: true });
    expect(read.summary?.weave?.costs).toEqual(root?.summary?.weave?.costs);
    const plain = await client.getCall(root?.id as string);
    expect(plain.summary?.weave?.costs).toBeUndefined();
  });
});
