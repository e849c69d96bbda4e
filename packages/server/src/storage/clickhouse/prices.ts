/**
 * LLM prices on ClickHouse (docs/protocol.md §17.1): `llm_prices` (admin-schema.ts), a
 * ReplacingMergeTree(version, is_deleted) ordered by (pricing_level_id, id), so a project's prices
 * (and the default ones, under `default`) are one range of the table. Every write is an insert:
 * a new price is a row, a purge is a tombstone (the price again with `is_deleted`, a higher
 * version), and replacing the default prices is one INSERT of the new rows and the tombstones of
 * the dropped ones, atomic on a node. Reads use FINAL, which leaves tombstoned keys out.
 *
 * Price ids are unique across the table, as on SQLite; ClickHouse has no unique keys, so the
 * writes that depend on what is stored (skip an id that exists, count what a purge removed, see
 * whether the defaults changed) read and insert in this store's queue (query-helpers.ts): within
 * the server process no two of them interleave. Whether the default prices changed is read from
 * the table itself rather than from a digest kept beside it, so an interrupted replacement is
 * simply done again at the next start.
 *
 * A project keeps a handful of prices: `/cost/query` reads them whole and filters, sorts and pages
 * them in TypeScript (price-query.ts).
 */
import type { PriceSource } from '../../costs/call-costs.js';
import { PRICE_COLUMNS, type PricesQuery, type StoredPrice, type TraceStore } from '../trace-store.js';
import type { ClickHouseContext } from './context.js';
import { applyPricesQuery } from './price-query.js';
import { insertRows, nextVersion, selectRows, WriteQueue } from './query-helpers.js';

export type PricesMethods = Pick<
  TraceStore,
  'createPrices' | 'queryPrices' | 'purgePrices' | 'replaceDefaultPrices'
>;

const COLUMN_LIST = PRICE_COLUMNS.join(', ');
const DEFAULT_LEVEL_ID = 'default';

/** The price as a row of `llm_prices`, only its own fields (a caller's object may carry more). */
function toRow(price: StoredPrice, version: number, deleted: boolean): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const column of PRICE_COLUMNS) row[column] = price[column];
  row.version = version;
  row.is_deleted = deleted ? 1 : 0;
  return row;
}

/** What a default price says, leaving out when the row was made (replaceDefaultPrices). */
function contentOf(price: StoredPrice): string {
  return JSON.stringify(
    PRICE_COLUMNS.filter((column) => column !== 'created_at').map((column) => price[column]),
  );
}

export class ClickHousePrices implements PricesMethods {
  private readonly writes = new WriteQueue();
  /** The default prices by dataset model, as of the table's newest default row (priceSource). */
  private defaults: { version: number; byModel: Map<string, StoredPrice[]> } | undefined;

  constructor(readonly context: ClickHouseContext) {}

  createPrices(prices: readonly StoredPrice[]): Promise<void> {
    if (prices.length === 0) return Promise.resolve();
    return this.writes.run(async () => {
      const ids = [...new Set(prices.map((price) => price.id))];
      const taken = new Set(
        (
          await selectRows<{ id: string }>(
            this.context,
            `SELECT id FROM ${this.context.table('llm_prices')} FINAL WHERE has({ids:Array(String)}, id)`,
            { ids },
          )
        ).map((row) => row.id),
      );
      const version = nextVersion();
      const rows: Array<Record<string, unknown>> = [];
      for (const price of prices) {
        // The first of a batch's prices with one id is kept, as is one stored before.
        if (taken.has(price.id)) continue;
        taken.add(price.id);
        rows.push(toRow(price, version, false));
      }
      await insertRows(this.context, 'llm_prices', rows);
    });
  }

  async queryPrices(query: PricesQuery): Promise<StoredPrice[]> {
    return applyPricesQuery(await this.projectPrices(query.project_id), query);
  }

  purgePrices(projectId: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return Promise.resolve(0);
    return this.writes.run(async () => {
      const found = await selectRows<StoredPrice>(
        this.context,
        `SELECT ${COLUMN_LIST} FROM ${this.context.table('llm_prices')} FINAL
         WHERE pricing_level_id = {project_id:String} AND pricing_level = 'project'
           AND has({ids:Array(String)}, id)`,
        { project_id: projectId, ids: [...new Set(ids)] },
      );
      const version = nextVersion();
      await insertRows(
        this.context,
        'llm_prices',
        found.map((price) => toRow(price, version, true)),
      );
      return found.length;
    });
  }

  replaceDefaultPrices(prices: readonly StoredPrice[]): Promise<boolean> {
    return this.writes.run(async () => {
      const wanted = new Map<string, StoredPrice>();
      for (const price of prices) if (!wanted.has(price.id)) wanted.set(price.id, price);
      const stored = await this.levelPrices(DEFAULT_LEVEL_ID);
      const unchanged =
        stored.length === wanted.size &&
        stored.every((price) => {
          const given = wanted.get(price.id);
          return given !== undefined && contentOf(given) === contentOf(price);
        });
      if (unchanged) return false;
      // The new defaults and the tombstones of the dropped ones in one INSERT: a reader sees the
      // old set or the new one, never a mix.
      const version = nextVersion();
      await insertRows(this.context, 'llm_prices', [
        ...[...wanted.values()].map((price) => toRow(price, version, false)),
        ...stored.filter((price) => !wanted.has(price.id)).map((price) => toRow(price, version, true)),
      ]);
      return true;
    });
  }

  /**
   * The prices that price calls of `projectId` (costs/call-costs.ts): its own, read now, and the
   * default ones, read again only when a default row was written since the last read.
   */
  async priceSource(projectId: string): Promise<PriceSource> {
    const [own, defaults] = await Promise.all([this.projectPrices(projectId), this.defaultPrices()]);
    const ownByName = groupBy(own, (price) => price.llm_id);
    return (projectNames, datasetModel) => [
      ...projectNames.flatMap((name) => ownByName.get(name) ?? []),
      ...((datasetModel && defaults.get(datasetKey(datasetModel))) ?? []),
    ];
  }

  private async defaultPrices(): Promise<Map<string, StoredPrice[]>> {
    // Without FINAL: any write of a default price (a tombstone too) raises the newest version.
    const [newest] = await selectRows<{ version: number }>(
      this.context,
      `SELECT max(version) AS version FROM ${this.context.table('llm_prices')}
       WHERE pricing_level_id = {level_id:String}`,
      { level_id: DEFAULT_LEVEL_ID },
    );
    const version = newest?.version ?? 0;
    if (this.defaults?.version !== version) {
      const byModel = groupBy(await this.levelPrices(DEFAULT_LEVEL_ID), datasetKey);
      this.defaults = { version, byModel };
    }
    return this.defaults.byModel;
  }

  /** A project's own prices. */
  private projectPrices(projectId: string): Promise<StoredPrice[]> {
    return selectRows<StoredPrice>(
      this.context,
      `SELECT ${COLUMN_LIST} FROM ${this.context.table('llm_prices')} FINAL
       WHERE pricing_level_id = {project_id:String} AND pricing_level = 'project'`,
      { project_id: projectId },
    );
  }

  /** Every live price under one level id (a project's, or `default`). */
  private levelPrices(levelId: string): Promise<StoredPrice[]> {
    return selectRows<StoredPrice>(
      this.context,
      `SELECT ${COLUMN_LIST} FROM ${this.context.table('llm_prices')} FINAL
       WHERE pricing_level_id = {level_id:String}`,
      { level_id: levelId },
    );
  }
}

function datasetKey(model: { provider_id: string; llm_id: string }): string {
  return `${model.provider_id}\u0000${model.llm_id}`;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const name = key(item);
    const group = groups.get(name);
    if (group) group.push(item);
    else groups.set(name, [item]);
  }
  return groups;
}
