/**
 * The small tables on ClickHouse (projects, prices, API keys, retention; admin-schema.ts) beyond
 * what the contract groups enabled in clickhouse-trace-store.test.ts cover: prices as far as the
 * contract reaches them without priced calls (not built on ClickHouse yet), what insert-only
 * storage must survive (rows of one key that have not merged, a write racing another process),
 * prices queries against SQLite's answers, and giving space back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseQuery, resolveCostField } from '@weft/protocol';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ended, finished, OTHER_PROJECT, PROJECT, SECOND, T0 } from '../contract/call-fixtures.js';
import { SqliteTraceStore } from '../sqlite/sqlite-trace-store.js';
import type { PricesQuery, StoredApiKey, StoredPrice } from '../trace-store.js';
import { ClickHouseApiKeys } from './api-keys.js';
import { ClickHouseCalls } from './calls.js';
import { connect } from './connect.js';
import { type ClickHouseContext, clickHouseContext } from './context.js';
import { migrate } from './migrations.js';
import { ClickHousePrices } from './prices.js';
import { ClickHouseProjects } from './projects.js';
import { insertRows, selectRows } from './query-helpers.js';
import { ClickHouseRetention } from './retention.js';

const folder = mkdtempSync(join(tmpdir(), 'weft-chdb-admin-'));
let opened = 0;

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

const DAY = 86_400 * SECOND;

function price(overrides: Partial<StoredPrice> & Pick<StoredPrice, 'id' | 'llm_id'>): StoredPrice {
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

function allOf(project: string): PricesQuery {
  return { project_id: project, query: null, sort_by: [], limit: null, offset: 0 };
}

describe('ClickHouse small tables (chdb)', () => {
  let context: ClickHouseContext;
  beforeEach(async () => {
    opened += 1;
    const target = { database: `admin_${opened}` };
    const client = connect({ kind: 'chdb', path: folder, database: target.database });
    await migrate(client, target);
    context = clickHouseContext(client, target);
  });
  afterEach(async () => {
    await context.client.close();
  });

  describe('projects', () => {
    it('counts a call whose parts have not merged once, and only while it is live', async () => {
      // Counting calls needs no prices.
      const calls = new ClickHouseCalls(context, () => Promise.reject(new Error('no prices here')));
      const projects = new ClickHouseProjects(context);
      await calls.upsertCalls([
        finished('a1', { started_at: T0 }),
        finished('a2', { started_at: T0 + SECOND }),
        finished('a-deleted', { started_at: T0 + 5 * SECOND }),
        ended('a-no-start'),
      ]);
      await calls.deleteCalls(PROJECT, ['a-deleted'], T0 + 6 * SECOND);
      // A call's start and end in separate inserts: two rows of one call until they merge.
      await calls.upsertCalls([
        { ...finished('b1', { started_at: T0 + 10 * SECOND }, {}, OTHER_PROJECT), end: undefined },
      ]);
      await calls.upsertCalls([
        { ...finished('b1', { started_at: T0 + 10 * SECOND }, {}, OTHER_PROJECT), start: undefined },
      ]);
      await projects.ensureProject({ entity: 'contract', name: 'alpha', created_at: T0 + 50 * SECOND });
      await projects.ensureProject({ entity: 'Contract', name: 'zeta', created_at: T0 + 30 * SECOND });
      await projects.ensureProject({ entity: 'contract', name: 'empty', created_at: T0 + 40 * SECOND });
      await calls.upsertCalls([finished('gone', {}, {}, 'contract/gone')]);
      await calls.deleteCalls('contract/gone', ['gone'], T0 + SECOND);

      expect(await projects.projectSummaries()).toEqual([
        {
          project_id: OTHER_PROJECT,
          entity: 'contract',
          name: 'beta',
          calls: 1,
          objects: 0,
          last_activity: T0 + 10 * SECOND,
        },
        {
          project_id: PROJECT,
          entity: 'contract',
          name: 'alpha',
          calls: 2,
          objects: 0,
          last_activity: T0 + SECOND,
        },
        {
          project_id: 'Contract/zeta',
          entity: 'Contract',
          name: 'zeta',
          calls: 0,
          objects: 0,
          last_activity: null,
        },
        {
          project_id: 'contract/empty',
          entity: 'contract',
          name: 'empty',
          calls: 0,
          objects: 0,
          last_activity: null,
        },
      ]);
    });

    it('adds the activity sources it is given', async () => {
      const projects = new ClickHouseProjects(context, [
        {
          kind: 'objects',
          select: () => "SELECT 'contract/things' AS project_id, toUInt64(3) AS things, toInt64(42) AS last",
        },
      ]);
      expect(await projects.projectSummaries()).toEqual([
        {
          project_id: 'contract/things',
          entity: 'contract',
          name: 'things',
          calls: 0,
          objects: 3,
          last_activity: 42,
        },
      ]);
    });

    it('reads two registrations of one id (two processes racing) as the first', async () => {
      const projects = new ClickHouseProjects(context);
      await insertRows(context, 'projects', [
        { project_id: 'acme/p', entity: 'acme', name: 'p', created_at: 20 },
      ]);
      await insertRows(context, 'projects', [
        { project_id: 'acme/p', entity: 'acme', name: 'p', created_at: 10 },
      ]);
      const first = { entity: 'acme', name: 'p', created_at: 10 };
      expect(await projects.ensureProject({ entity: 'acme', name: 'p', created_at: 30 })).toEqual(first);
      expect(await projects.listProjects()).toEqual([first]);
    });

    it('registers a project once when asked many times at once', async () => {
      const projects = new ClickHouseProjects(context);
      const answers = await Promise.all(
        [5, 4, 3, 2, 1].map((created_at) =>
          projects.ensureProject({ entity: 'acme', name: 'p', created_at }),
        ),
      );
      expect(answers).toEqual(Array(5).fill({ entity: 'acme', name: 'p', created_at: 5 }));
      const [rows] = await selectRows<{ n: number }>(
        context,
        `SELECT count() AS n FROM ${context.table('projects')}`,
      );
      expect(rows?.n).toBe(1);
    });
  });

  describe('prices', () => {
    it('replaces the default prices only when they changed, and prices calls from both levels', async () => {
      const prices = new ClickHousePrices(context);
      const first = [defaultPrice({ id: 'd1', llm_id: 'gpt-4o' }), defaultPrice({ id: 'd2', llm_id: 'o1' })];
      expect(await prices.replaceDefaultPrices(first)).toBe(true);
      expect(
        await prices.replaceDefaultPrices([...first].reverse().map((row) => ({ ...row, created_at: T0 }))),
      ).toBe(false);
      let source = await prices.priceSource(PROJECT);
      expect(source([], { provider_id: 'openai', llm_id: 'gpt-4o' }).map((row) => row.id)).toEqual(['d1']);
      // d1 changes and d2 goes: one write, and the price book reads the defaults again.
      const changed = [defaultPrice({ id: 'd1', llm_id: 'gpt-4o', prompt_token_cost: 0.5 })];
      expect(await prices.replaceDefaultPrices(changed)).toBe(true);
      expect(await prices.replaceDefaultPrices(changed)).toBe(false);
      source = await prices.priceSource(PROJECT);
      expect(source([], { provider_id: 'openai', llm_id: 'gpt-4o' })).toEqual(changed);
      expect(source([], { provider_id: 'openai', llm_id: 'o1' })).toEqual([]);
      // The project's own prices come first, and only its own; defaults are never listed.
      await prices.createPrices([
        price({ id: 'mine', llm_id: 'gpt-4o' }),
        price({ id: 'theirs', llm_id: 'gpt-4o', pricing_level_id: OTHER_PROJECT }),
      ]);
      source = await prices.priceSource(PROJECT);
      expect(source(['gpt-4o'], { provider_id: 'openai', llm_id: 'gpt-4o' }).map((row) => row.id)).toEqual([
        'mine',
        'd1',
      ]);
      expect((await prices.queryPrices(allOf(PROJECT))).map((row) => row.id)).toEqual(['mine']);
      await prices.purgePrices(PROJECT, ['mine']);
      source = await prices.priceSource(PROJECT);
      expect(source(['gpt-4o'], { provider_id: 'openai', llm_id: 'gpt-4o' }).map((row) => row.id)).toEqual([
        'd1',
      ]);
    });

    it('keeps the first price of an id, across projects and within a batch, and takes a purged id again', async () => {
      const prices = new ClickHousePrices(context);
      await prices.createPrices([price({ id: 'p', llm_id: 'first' }), price({ id: 'p', llm_id: 'second' })]);
      await prices.createPrices([price({ id: 'p', llm_id: 'elsewhere', pricing_level_id: OTHER_PROJECT })]);
      expect((await prices.queryPrices(allOf(PROJECT))).map((row) => row.llm_id)).toEqual(['first']);
      expect(await prices.queryPrices(allOf(OTHER_PROJECT))).toEqual([]);
      expect(await prices.purgePrices(PROJECT, ['p', 'p'])).toBe(1);
      expect(await prices.purgePrices(PROJECT, ['p'])).toBe(0);
      await prices.createPrices([price({ id: 'p', llm_id: 'again' })]);
      expect((await prices.queryPrices(allOf(PROJECT))).map((row) => row.llm_id)).toEqual(['again']);
    });

    it('answers Query expressions, sorts and pages as SQLite does', async () => {
      const rows = [
        price({ id: 'a', llm_id: 'GPT-4o', provider_id: 'openai', effective_date: T0, created_by: 'Ådam' }),
        price({ id: 'b', llm_id: 'gpt-4o-mini', effective_date: null, prompt_token_cost: 0.0005 }),
        price({
          id: 'c',
          llm_id: 'claude 😀',
          prompt_token_cost: 1e-7,
          completion_token_cost: 0,
          cache_read_input_token_cost: 0.0001,
          created_by: null,
          created_at: T0,
        }),
        price({
          id: 'd',
          llm_id: '10',
          prompt_token_cost: 10,
          completion_token_cost: 2.5,
          effective_date: T0 + DAY,
        }),
        price({ id: 'e', llm_id: 'ÉCOLE', cache_read_input_token_cost: 0, created_at: T0 - 3 * DAY }),
        price({ id: 'f', llm_id: '\uff61x', created_by: 'ß' }),
      ];
      const clickhouse = new ClickHousePrices(context);
      await clickhouse.createPrices(rows);
      const sqlite = SqliteTraceStore.open(join(folder, `sqlite-${opened}.db`));
      try {
        await sqlite.createPrices(rows);
        const expressions: unknown[] = [
          {
            $contains: {
              input: { $getField: 'llm_id' },
              substr: { $literal: 'gpt' },
              case_insensitive: true,
            },
          },
          {
            $contains: { input: { $getField: 'llm_id' }, substr: { $literal: 'é' }, case_insensitive: true },
          },
          { $contains: { input: { $getField: 'llm_id' }, substr: { $literal: 'É' } } },
          { $gt: [{ $getField: 'prompt_token_cost' }, { $literal: 0.0005 }] },
          { $eq: [{ $getField: 'cache_read_input_token_cost' }, { $literal: null }] },
          { $not: [{ $gt: [{ $getField: 'cache_read_input_token_cost' }, { $literal: 0.00001 }] }] },
          { $gte: [{ $getField: 'effective_date' }, { $literal: '2026-01-01T00:00:00Z' }] },
          { $lt: [{ $getField: 'effective_date' }, { $literal: T0 / 1_000_000 }] },
          { $eq: [{ $convert: { input: { $getField: 'llm_id' }, to: 'int' } }, { $literal: 10 }] },
          {
            $eq: [
              { $convert: { input: { $getField: 'prompt_token_cost' }, to: 'string' } },
              { $literal: '1e-7' },
            ],
          },
          {
            $eq: [
              { $convert: { input: { $getField: 'effective_date' }, to: 'string' } },
              { $literal: '2026-01-01T00:00:00.000000Z' },
            ],
          },
          {
            $in: [
              { $getField: 'llm_id' },
              [{ $literal: '10' }, { $literal: 'claude 😀' }, { $literal: null }],
            ],
          },
          {
            $or: [
              { $eq: [{ $getField: 'created_by' }, { $literal: 'tester' }] },
              { $gt: [{ $getField: 'cache_read_input_token_cost' }, { $literal: 0 }] },
            ],
          },
          { $eq: [{ $convert: { input: { $getField: 'created_by' }, to: 'exists' } }, { $literal: false }] },
          { $gt: [{ $getField: 'llm_id' }, { $literal: 'z' }] },
          { $eq: [{ $getField: 'llm_id' }, { $literal: 10 }] },
        ];
        const sorts: PricesQuery['sort_by'][] = [
          [],
          [{ field: 'llm_id', direction: 'asc' }],
          [{ field: 'effective_date', direction: 'desc' }],
          [
            { field: 'cache_read_input_token_cost', direction: 'asc' },
            { field: 'created_at', direction: 'desc' },
          ],
          [{ field: 'created_by', direction: 'desc' }],
        ];
        for (const expression of [null, ...expressions]) {
          const query = expression === null ? null : parseQuery({ $expr: expression }, resolveCostField);
          for (const sort_by of sorts) {
            for (const [limit, offset] of [
              [null, 0],
              [2, 1],
            ] as const) {
              const request: PricesQuery = { project_id: PROJECT, query, sort_by, limit, offset };
              const ids = async (store: { queryPrices(query: PricesQuery): Promise<StoredPrice[]> }) =>
                (await store.queryPrices(request)).map((row) => row.id);
              expect(await ids(clickhouse), JSON.stringify({ expression, sort_by, limit, offset })).toEqual(
                await ids(sqlite),
              );
            }
          }
        }
        expect(await clickhouse.queryPrices(allOf(PROJECT))).toEqual(
          await sqlite.queryPrices(allOf(PROJECT)),
        );
      } finally {
        await sqlite.close();
      }
    });
  });

  describe('API keys', () => {
    const key: StoredApiKey = {
      id: 'k1',
      user: 'ada',
      projects: [],
      read_only: true,
      secret_hash: 'scrypt$hash',
      created_at: 10,
      revoked_at: null,
    };

    it('tells a key for no project from a key for every project', async () => {
      const keys = new ClickHouseApiKeys(context);
      await keys.createApiKey(key);
      await keys.createApiKey({ ...key, id: 'k2', projects: null });
      expect((await keys.listApiKeys()).map((row) => row.projects)).toEqual([[], null]);
    });

    it('keeps a revoked key revoked whatever arrives after it', async () => {
      const keys = new ClickHouseApiKeys(context);
      await keys.createApiKey(key);
      expect(await keys.revokeApiKey('k1', 50)).toBe(true);
      // The key as created, written again later (a process that had not seen the revocation).
      await insertRows(context, 'api_keys', [
        { ...key, all_projects: false, projects: [], version: 0, revoked_at: null },
      ]);
      expect(await keys.readApiKey('k1')).toEqual({ ...key, revoked_at: 50 });
    });

    it('creates and revokes one at a time when asked at once', async () => {
      const keys = new ClickHouseApiKeys(context);
      const creates = await Promise.allSettled([
        keys.createApiKey(key),
        keys.createApiKey({ ...key, user: 'eve' }),
      ]);
      expect(creates.map((result) => result.status)).toEqual(['fulfilled', 'rejected']);
      expect(await Promise.all([keys.revokeApiKey('k1', 50), keys.revokeApiKey('k1', 60)])).toEqual([
        true,
        false,
      ]);
      expect(await keys.listApiKeys()).toEqual([{ ...key, revoked_at: 50 }]);
    });
  });

  describe('retention', () => {
    it('keeps the latest setting of a project, cleared or not', async () => {
      const retention = new ClickHouseRetention(context);
      await retention.setRetention(PROJECT, 30);
      await retention.setRetention(PROJECT, null);
      await retention.setRetention(OTHER_PROJECT, 7);
      expect(await retention.listRetention()).toEqual([{ project_id: OTHER_PROJECT, days: 7 }]);
      await retention.setRetention(PROJECT, 90);
      expect(await retention.listRetention()).toEqual([
        { project_id: PROJECT, days: 90 },
        { project_id: OTHER_PROJECT, days: 7 },
      ]);
    });

    it('gives back the space of replaced rows and of deleted ones, and keeps what is live', async () => {
      const retention = new ClickHouseRetention(context);
      const prices = new ClickHousePrices(context);
      const tables = ['project_retention', 'llm_prices'].map((name) => context.table(name));
      // Merges would fold the rows below on their own, in their own time.
      for (const table of tables) await context.client.command({ query: `SYSTEM STOP MERGES ${table}` });
      for (let round = 0; round < 5; round++) {
        await prices.createPrices([price({ id: `p${round}`, llm_id: 'm' })]);
        await retention.setRetention(PROJECT, 30 + round);
      }
      await prices.purgePrices(PROJECT, ['p0', 'p1']);
      const count = async (query: string, params: Record<string, unknown> = {}) =>
        (await selectRows<{ n: number }>(context, query, params))[0]?.n;
      const partsOf = (table: string) =>
        count(
          'SELECT count() AS n FROM system.parts WHERE database = {database:String} AND table = {table:String} AND active',
          { database: context.target.database, table },
        );
      const rowsOf = (table: string) => count(`SELECT count() AS n FROM ${context.table(table)}`);
      expect([await partsOf('project_retention'), await rowsOf('project_retention')]).toEqual([5, 5]);
      expect([await partsOf('llm_prices'), await rowsOf('llm_prices')]).toEqual([6, 7]);
      for (const table of tables) await context.client.command({ query: `SYSTEM START MERGES ${table}` });

      const size = await retention.reclaimSpace({ exclusive: true });
      expect(size.before).toBeGreaterThan(0);
      expect(size.after).toBeGreaterThan(0);
      // One part each, holding the newest row of each key (the purged prices as tombstones).
      expect([await partsOf('project_retention'), await rowsOf('project_retention')]).toEqual([1, 1]);
      expect([await partsOf('llm_prices'), await rowsOf('llm_prices')]).toEqual([1, 5]);
      expect(await retention.listRetention()).toEqual([{ project_id: PROJECT, days: 34 }]);
      expect((await prices.queryPrices(allOf(PROJECT))).map((row) => row.id)).toEqual(['p2', 'p3', 'p4']);

      // A lightweight DELETE masks rows; without `exclusive` only the parts holding them are
      // rewritten, in the background.
      await context.client.command({
        query: `DELETE FROM ${context.table('llm_prices')} WHERE id = {id:String}`,
        query_params: { id: 'p2' },
      });
      const masked = () =>
        count(
          'SELECT count() AS n FROM system.parts WHERE database = {database:String} AND active AND has_lightweight_delete',
          { database: context.target.database },
        );
      expect(await masked()).toBe(1);
      await retention.reclaimSpace();
      await expect.poll(masked, { timeout: 10_000 }).toBe(0);
      expect(await rowsOf('llm_prices')).toBe(4);
      expect((await prices.queryPrices(allOf(PROJECT))).map((row) => row.id)).toEqual(['p3', 'p4']);
    });
  });
});
