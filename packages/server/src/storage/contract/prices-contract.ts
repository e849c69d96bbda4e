/**
 * Contract: prices are kept per project beside the default ones, listed and purged only within
 * their project, and a query that asks for costs prices each call at its start (docs/protocol.md
 * §12). Numbers are worked out by hand in the comments.
 */
import { parseQuery, resolveCallField, resolveCostField } from '@weft/protocol';
import { describe, expect, it } from 'vitest';
import type { StoredPrice } from '../trace-store.js';
import {
  collect,
  finished,
  idsOf,
  OTHER_PROJECT,
  PROJECT,
  SECOND,
  type StoreUnderTest,
  T0,
} from './call-fixtures.js';

const DAY = 86_400 * SECOND;

/** A project price for the contract's project; `overrides` say what differs. */
export function price(overrides: Partial<StoredPrice> & Pick<StoredPrice, 'id' | 'llm_id'>): StoredPrice {
  return {
    pricing_level: 'project',
    pricing_level_id: PROJECT,
    provider_id: 'default',
    effective_date: T0 - DAY,
    prompt_token_cost: 0.001,
    completion_token_cost: 0.002,
    cache_read_input_token_cost: null,
    cache_creation_input_token_cost: null,
    prompt_token_cost_unit: 'USD',
    completion_token_cost_unit: 'USD',
    created_by: 'tester',
    created_at: T0 - 2 * DAY,
    ...overrides,
  };
}

function defaultPrice(overrides: Partial<StoredPrice> & Pick<StoredPrice, 'id' | 'llm_id'>): StoredPrice {
  return price({
    pricing_level: 'default',
    pricing_level_id: 'default',
    provider_id: 'openai',
    effective_date: null,
    created_by: 'system',
    ...overrides,
  });
}

/** A finished call started at `startedAt` whose summary records this usage. */
function usageCall(id: string, startedAt: number, usage: Record<string, unknown>, project = PROJECT) {
  return finished(id, { started_at: startedAt }, { summary_json: JSON.stringify({ usage }) }, project);
}

const TOKENS = { requests: 1, prompt_tokens: 1000, completion_tokens: 200, total_tokens: 1200 };

export function describePrices(subject: StoreUnderTest): void {
  async function costsOf(id: string, project = PROJECT) {
    const [call] = await collect(subject.store, {
      project_id: project,
      filter: { call_ids: [id] },
      include_costs: true,
    });
    return call?.costs;
  }

  describe('prices', () => {
    it("lists only the project's own prices, never another project's or the default ones", async () => {
      const { store } = subject;
      await store.createPrices([
        price({ id: 'p1', llm_id: 'my-model' }),
        price({ id: 'p2', llm_id: 'other-model', created_at: T0 }),
        price({ id: 'q1', llm_id: 'my-model', pricing_level_id: OTHER_PROJECT }),
      ]);
      await store.replaceDefaultPrices([defaultPrice({ id: 'd1', llm_id: 'my-model' })]);
      const all = await store.queryPrices({
        project_id: PROJECT,
        query: null,
        sort_by: [],
        limit: null,
        offset: 0,
      });
      expect(all.map((row) => row.id)).toEqual(['p1', 'p2']);
      expect(all[0]).toEqual(price({ id: 'p1', llm_id: 'my-model' }));
      // A query that names another project's level id still reads only this project.
      const sneaky = parseQuery(
        { $expr: { $eq: [{ $getField: 'pricing_level_id' }, { $literal: OTHER_PROJECT }] } },
        resolveCostField,
      );
      expect(
        await store.queryPrices({ project_id: PROJECT, query: sneaky, sort_by: [], limit: null, offset: 0 }),
      ).toEqual([]);
    });

    it('filters by id and model, sorts and pages', async () => {
      const { store } = subject;
      await store.createPrices([
        price({ id: 'a', llm_id: 'm1', effective_date: T0 }),
        price({ id: 'b', llm_id: 'm2', effective_date: T0 + DAY }),
        price({ id: 'c', llm_id: 'm3', effective_date: T0 + 2 * DAY }),
      ]);
      const byModels = parseQuery(
        {
          $expr: {
            $and: [
              { $eq: [{ $literal: '1' }, { $literal: '1' }] },
              { $in: [{ $getField: 'llm_id' }, [{ $literal: 'm1' }, { $literal: 'm3' }]] },
            ],
          },
        },
        resolveCostField,
      );
      const query = { project_id: PROJECT, query: byModels, limit: null, offset: 0 };
      expect((await store.queryPrices({ ...query, sort_by: [] })).map((row) => row.id)).toEqual(['a', 'c']);
      const newestFirst = [{ field: 'effective_date', direction: 'desc' as const }];
      expect((await store.queryPrices({ ...query, sort_by: newestFirst })).map((row) => row.id)).toEqual([
        'c',
        'a',
      ]);
      expect(
        (await store.queryPrices({ ...query, query: null, sort_by: newestFirst, limit: 1, offset: 1 })).map(
          (row) => row.id,
        ),
      ).toEqual(['b']);
    });

    it('purges only the named prices of its own project', async () => {
      const { store } = subject;
      await store.createPrices([
        price({ id: 'a', llm_id: 'm' }),
        price({ id: 'b', llm_id: 'm' }),
        price({ id: 'x', llm_id: 'm', pricing_level_id: OTHER_PROJECT }),
      ]);
      expect(await store.purgePrices(PROJECT, ['a', 'x', 'missing', 'a'])).toBe(1);
      const left = async (project: string) =>
        (
          await store.queryPrices({ project_id: project, query: null, sort_by: [], limit: null, offset: 0 })
        ).map((row) => row.id);
      expect(await left(PROJECT)).toEqual(['b']);
      expect(await left(OTHER_PROJECT)).toEqual(['x']);
    });

    it('replaces the default prices only when they changed', async () => {
      const { store } = subject;
      const first = [defaultPrice({ id: 'd1', llm_id: 'gpt-4o' })];
      expect(await store.replaceDefaultPrices(first)).toBe(true);
      // The same prices made at another time are the same prices.
      expect(await store.replaceDefaultPrices([{ ...first[0], created_at: T0 } as StoredPrice])).toBe(false);
      expect(await store.replaceDefaultPrices([defaultPrice({ id: 'd2', llm_id: 'gpt-4o' })])).toBe(true);
      await store.upsertCalls([usageCall('c', T0, { 'gpt-4o': TOKENS })]);
      expect((await costsOf('c'))?.['gpt-4o']?.price_id).toBe('d2');
    });

    it('prices a call at the price in effect at its start, two versions either side', async () => {
      const { store } = subject;
      await store.createPrices([
        price({ id: 'old', llm_id: 'my-model', effective_date: T0 - DAY }),
        price({
          id: 'new',
          llm_id: 'my-model',
          effective_date: T0 + DAY,
          prompt_token_cost: 0.01,
          completion_token_cost: 0.02,
        }),
      ]);
      await store.upsertCalls([
        usageCall('before', T0, { 'my-model': TOKENS }),
        usageCall('after', T0 + 2 * DAY, { 'my-model': TOKENS }),
      ]);
      // 1000 × 0.001 = 1 and 200 × 0.002 = 0.4; then 1000 × 0.01 = 10 and 200 × 0.02 = 4.
      expect(await costsOf('before')).toEqual({
        'my-model': {
          requests: 1,
          prompt_tokens: 1000,
          completion_tokens: 200,
          total_tokens: 1200,
          cache_read_input_tokens: 0,
          cache_creation_input_tokens: 0,
          unpriced: false,
          prompt_token_cost: 0.001,
          completion_token_cost: 0.002,
          cache_read_input_token_cost: 0.001,
          cache_creation_input_token_cost: 0.001,
          prompt_tokens_total_cost: 1,
          completion_tokens_total_cost: 0.4,
          cache_read_input_tokens_total_cost: 0,
          cache_creation_input_tokens_total_cost: 0,
          total_cost: 1.4,
          prompt_token_cost_unit: 'USD',
          completion_token_cost_unit: 'USD',
          price_id: 'old',
          priced_as: null,
          effective_date: '2025-12-31T00:00:00.000000Z',
          provider_id: 'default',
          pricing_level: 'project',
          pricing_level_id: PROJECT,
          created_at: '2025-12-30T00:00:00.000000Z',
          created_by: 'tester',
        },
      });
      const after = (await costsOf('after'))?.['my-model'];
      expect(after).toMatchObject({
        price_id: 'new',
        prompt_tokens_total_cost: 10,
        completion_tokens_total_cost: 4,
      });
      expect(after?.total_cost).toBe(14);
    });

    it('prefers a project price over a default one, and falls back to the default once it is purged', async () => {
      const { store } = subject;
      await store.replaceDefaultPrices([
        defaultPrice({
          id: 'list',
          llm_id: 'gpt-4o',
          prompt_token_cost: 0.0025,
          completion_token_cost: 0.01,
        }),
      ]);
      await store.upsertCalls([usageCall('c', T0, { 'gpt-4o-2024-08-06': TOKENS })]);
      // The dated snapshot is the dataset's gpt-4o: 1000 × 0.0025 + 200 × 0.01 = 4.5.
      expect((await costsOf('c'))?.['gpt-4o-2024-08-06']).toMatchObject({
        price_id: 'list',
        priced_as: 'gpt-4o',
        pricing_level: 'default',
        total_cost: 4.5,
      });
      await store.createPrices([price({ id: 'negotiated', llm_id: 'gpt-4o', effective_date: T0 - DAY })]);
      expect((await costsOf('c'))?.['gpt-4o-2024-08-06']).toMatchObject({
        price_id: 'negotiated',
        pricing_level: 'project',
        total_cost: 1.4,
      });
      // Another project still pays the list price.
      await store.upsertCalls([usageCall('o', T0, { 'gpt-4o': TOKENS }, OTHER_PROJECT)]);
      expect((await costsOf('o', OTHER_PROJECT))?.['gpt-4o']?.price_id).toBe('list');
      await store.purgePrices(PROJECT, ['negotiated']);
      expect((await costsOf('c'))?.['gpt-4o-2024-08-06']?.price_id).toBe('list');
    });

    it('matches provider prefixes and prefers the most specific project price', async () => {
      const { store } = subject;
      await store.createPrices([
        price({ id: 'family', llm_id: 'gpt-4o' }),
        price({ id: 'snapshot', llm_id: 'gpt-4o-2024-08-06', prompt_token_cost: 0.005 }),
      ]);
      await store.upsertCalls([
        usageCall('prefixed', T0, { 'openai/gpt-4o': TOKENS }),
        usageCall('snapshot', T0, { 'gpt-4o-2024-08-06': TOKENS }),
        usageCall('other-snapshot', T0, { 'gpt-4o-2024-11-20': TOKENS }),
      ]);
      expect((await costsOf('prefixed'))?.['openai/gpt-4o']?.price_id).toBe('family');
      expect((await costsOf('snapshot'))?.['gpt-4o-2024-08-06']?.price_id).toBe('snapshot');
      expect((await costsOf('other-snapshot'))?.['gpt-4o-2024-11-20']?.price_id).toBe('family');
    });

    it('applies a price added later to calls made before it, until an earlier one exists', async () => {
      const { store } = subject;
      await store.upsertCalls([usageCall('old', T0, { 'my-model': TOKENS })]);
      expect((await costsOf('old'))?.['my-model']?.unpriced).toBe(true);
      await store.createPrices([price({ id: 'today', llm_id: 'my-model', effective_date: T0 + 30 * DAY })]);
      expect((await costsOf('old'))?.['my-model']).toMatchObject({ price_id: 'today', total_cost: 1.4 });
    });

    it('flags usage without a price as unpriced, with null costs rather than 0', async () => {
      const { store } = subject;
      await store.upsertCalls([
        usageCall('c', T0, { 'nobody-prices-this': { requests: 2, input_tokens: 7 } }),
      ]);
      expect((await costsOf('c'))?.['nobody-prices-this']).toMatchObject({
        requests: 2,
        prompt_tokens: 7,
        unpriced: true,
        prompt_token_cost: null,
        prompt_tokens_total_cost: null,
        total_cost: null,
        price_id: null,
      });
    });

    it("prices a parent's rolled-up usage as the sum of its subtree", async () => {
      const { store } = subject;
      await store.createPrices([price({ id: 'p', llm_id: 'my-model' })]);
      const child = { requests: 1, prompt_tokens: 100, completion_tokens: 10 };
      await store.upsertCalls([
        usageCall('child-1', T0, { 'my-model': child }),
        usageCall('child-2', T0, { 'my-model': child }),
        usageCall('parent', T0, { 'my-model': { requests: 2, prompt_tokens: 200, completion_tokens: 20 } }),
      ]);
      const one = (await costsOf('child-1'))?.['my-model']?.total_cost ?? Number.NaN;
      // 100 × 0.001 + 10 × 0.002 = 0.12 per child.
      expect(one).toBeCloseTo(0.12, 12);
      expect((await costsOf('parent'))?.['my-model']?.total_cost).toBeCloseTo(2 * one, 12);
    });

    it('bills cached prompt tokens at their own price', async () => {
      const { store } = subject;
      await store.createPrices([
        price({
          id: 'p',
          llm_id: 'cached',
          cache_read_input_token_cost: 0.0001,
          cache_creation_input_token_cost: 0.002,
        }),
      ]);
      await store.upsertCalls([
        usageCall('anthropic-style', T0, {
          cached: {
            requests: 1,
            input_tokens: 300,
            output_tokens: 0,
            cache_read_input_tokens: 600,
            cache_creation_input_tokens: 100,
          },
        }),
        usageCall('openai-style', T0, {
          cached: {
            requests: 1,
            prompt_tokens: 1000,
            completion_tokens: 0,
            prompt_tokens_details: { cached_tokens: 600 },
          },
        }),
      ]);
      // Anthropic counts cached tokens beside input_tokens: 1000 prompt tokens in all, and
      // 300 uncached × 0.001 + 600 × 0.0001 + 100 × 0.002 = 0.3 + 0.06 + 0.2.
      const anthropic = (await costsOf('anthropic-style'))?.cached;
      expect(anthropic).toMatchObject({
        prompt_tokens: 1000,
        cache_read_input_tokens: 600,
        cache_creation_input_tokens: 100,
      });
      expect(anthropic?.total_cost).toBeCloseTo(0.56, 12);
      // OpenAI counts them inside prompt_tokens: 400 uncached × 0.001 + 600 × 0.0001.
      const openai = (await costsOf('openai-style'))?.cached;
      expect(openai).toMatchObject({ prompt_tokens: 1000, cache_read_input_tokens: 600 });
      expect(openai?.total_cost).toBeCloseTo(0.46, 12);
    });

    it('prices a call read alone, and leaves costs out when they were not asked for', async () => {
      const { store } = subject;
      await store.createPrices([price({ id: 'p', llm_id: 'my-model' })]);
      await store.upsertCalls([usageCall('c', T0, { 'my-model': TOKENS }), finished('no-usage')]);
      expect(
        (await store.readCall(PROJECT, 'c', ['summary'], { includeCosts: true }))?.costs?.['my-model']
          ?.total_cost,
      ).toBe(1.4);
      expect((await store.readCall(PROJECT, 'c', ['summary']))?.costs).toBeUndefined();
      expect(await costsOf('no-usage')).toBeUndefined();
    });
    it('sorts and filters calls by their tokens and their priced cost, unknown last', async () => {
      const { store } = subject;
      await store.createPrices([price({ id: 'p', llm_id: 'my-model' })]);
      await store.upsertCalls([
        // 1000 × 0.001 + 200 × 0.002 = 1.4; 100 × 0.001 + 10 × 0.002 = 0.12.
        usageCall('big', T0, { 'my-model': TOKENS }),
        usageCall('small', T0 + 1, {
          'my-model': { requests: 1, prompt_tokens: 100, completion_tokens: 10 },
        }),
        // Tokens over two models (1200 + 7), one of them unpriced: 1.4 from the priced one.
        usageCall('mixed', T0 + 2, { 'my-model': TOKENS, 'nobody-prices-this': { input_tokens: 7 } }),
        usageCall('unpriced', T0 + 3, { 'nobody-prices-this': { input_tokens: 5000 } }),
        finished('no-usage', { started_at: T0 + 4 }),
      ]);
      const sorted = (field: string, direction: 'asc' | 'desc') =>
        idsOf(store, {
          sort_by: [
            { field, direction },
            { field: 'started_at', direction: 'asc' },
          ],
        });
      expect(await sorted('summary.weave.total_cost', 'desc')).toEqual([
        'big',
        'mixed',
        'small',
        'unpriced',
        'no-usage',
      ]);
      expect(await sorted('summary.weave.total_cost', 'asc')).toEqual([
        'small',
        'big',
        'mixed',
        'unpriced',
        'no-usage',
      ]);
      expect(await sorted('summary.weave.total_tokens', 'desc')).toEqual([
        'unpriced',
        'mixed',
        'big',
        'small',
        'no-usage',
      ]);
      const over = (field: string, value: number) =>
        parseQuery({ $expr: { $gt: [{ $getField: field }, { $literal: value }] } }, resolveCallField);
      expect(await idsOf(store, { query: over('summary.weave.total_cost', 1) })).toEqual(['big', 'mixed']);
      expect(
        await store.countCalls({
          project_id: PROJECT,
          filter: {},
          query: over('summary.weave.total_cost', 1),
          limit: null,
        }),
      ).toBe(2);
      expect(await idsOf(store, { query: over('summary.weave.total_tokens', 1200) })).toEqual([
        'mixed',
        'unpriced',
      ]);
      // A price added later re-sorts: the unpriced model now costs 5000 × 0.001 = 5.
      await store.createPrices([price({ id: 'q', llm_id: 'nobody-prices-this' })]);
      expect((await sorted('summary.weave.total_cost', 'desc'))[0]).toBe('unpriced');
    });
  });
}
