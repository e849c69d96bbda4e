/**
 * Token prices in SQLite (docs/protocol.md §17.1): the `llm_prices` table, written on the store's
 * main connection, read there for `/cost/query` and on the read workers for pricing calls.
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { PriceSource } from '../../costs/call-costs.js';
import { sqliteBindings, sqliteCallsDialect } from '../../query/dialects/sqlite.js';
import { QueryCompiler } from '../../query/query-expr.js';
import { compileSql, joinSql, rawSql, type Sql, sql } from '../../query/sql.js';
import { PRICE_COLUMNS, type PricesQuery, type StoredPrice } from '../trace-store.js';

const COLUMN_LIST = PRICE_COLUMNS.join(', ');
const INSERT_SQL = `INSERT OR IGNORE INTO llm_prices (${COLUMN_LIST}) VALUES (${PRICE_COLUMNS.map((c) => `@${c}`).join(', ')})`;
const DEFAULT_PRICES_KEY = 'default_prices_digest';

/** A price column by name; only the table's own columns, so a name can never be other SQL. */
function priceColumn(field: string): Sql {
  if (!(PRICE_COLUMNS as readonly string[]).includes(field))
    throw new Error(`no price column named ${field}`);
  return rawSql(`llm_prices.${field}`);
}

/** The Query compiler over the price table: the calls dialect's rules, the table's columns. */
const priceQueries = new QueryCompiler({ dialect: { ...sqliteCallsDialect, column: priceColumn } });

export class Prices {
  private readonly insert;
  private readonly deleteProjectPrice;
  private readonly readSetting;
  private readonly writeSetting;
  private readonly deleteDefaults;

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(INSERT_SQL);
    this.deleteProjectPrice = db.prepare(
      "DELETE FROM llm_prices WHERE pricing_level = 'project' AND pricing_level_id = ? AND id = ?",
    );
    this.readSetting = db.prepare('SELECT value FROM settings WHERE key = ?').pluck();
    this.writeSetting = db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)');
    this.deleteDefaults = db.prepare("DELETE FROM llm_prices WHERE pricing_level = 'default'");
  }

  /** Inside the caller's write transaction. */
  create(prices: readonly StoredPrice[]): void {
    for (const price of prices) this.insert.run(price);
  }

  query(query: PricesQuery): StoredPrice[] {
    const conditions: Sql[] = [
      sql`llm_prices.pricing_level = 'project'`,
      sql`llm_prices.pricing_level_id = ${query.project_id}`,
    ];
    if (query.query) conditions.push(priceQueries.condition(query.query));
    const order =
      query.sort_by.length > 0 ? query.sort_by : [{ field: 'created_at', direction: 'asc' as const }];
    const orderBy = joinSql(
      [
        ...order.map((term) => sqliteCallsDialect.orderBy(priceColumn(term.field), term.direction, true)),
        rawSql('llm_prices.id'),
      ],
      ', ',
    );
    const limit = query.limit === null ? -1 : query.limit;
    const compiled = compileSql(
      sql`SELECT ${rawSql(COLUMN_LIST)} FROM llm_prices WHERE ${joinSql(conditions, ' AND ')} ORDER BY ${orderBy} LIMIT ${limit} OFFSET ${query.offset}`,
      sqliteCallsDialect.placeholder,
    );
    return this.db.prepare(compiled.text).all(sqliteBindings(compiled.params)) as StoredPrice[];
  }

  /** Inside the caller's write transaction. */
  purge(projectId: string, ids: readonly string[]): number {
    let deleted = 0;
    for (const id of new Set(ids)) deleted += this.deleteProjectPrice.run(projectId, id).changes;
    return deleted;
  }

  /** Inside the caller's write transaction. */
  replaceDefaults(prices: readonly StoredPrice[]): boolean {
    // The digest leaves out created_at, which is when the rows were made, not what they say.
    const hash = createHash('sha256');
    for (const { created_at: _, ...price } of prices) hash.update(JSON.stringify(price));
    const digest = hash.digest('hex');
    if (this.readSetting.get(DEFAULT_PRICES_KEY) === digest) return false;
    this.deleteDefaults.run();
    this.create(prices);
    this.writeSetting.run(DEFAULT_PRICES_KEY, digest);
    return true;
  }
}

/**
 * The prices a read connection uses to price calls. A connection runs one statement at a time and
 * a query's rows are read through an open statement, so the prices are read before it opens: the
 * project's own (few) on every query, the default ones (thousands) only when they have changed.
 */
export class PriceBook {
  private readonly readDigest;
  private readonly readDefaults;
  private readonly readProject;
  private defaultsDigest: string | undefined;
  private defaults = new Map<string, StoredPrice[]>();

  constructor(db: Database.Database) {
    this.readDigest = db.prepare('SELECT value FROM settings WHERE key = ?').pluck();
    this.readDefaults = db.prepare(
      `SELECT ${COLUMN_LIST} FROM llm_prices WHERE pricing_level_id = 'default'`,
    );
    this.readProject = db.prepare(
      `SELECT ${COLUMN_LIST} FROM llm_prices WHERE pricing_level_id = ? AND pricing_level = 'project'`,
    );
  }

  sourceFor(projectId: string): PriceSource {
    const digest = this.readDigest.get(DEFAULT_PRICES_KEY) as string | undefined;
    if (digest !== this.defaultsDigest) {
      this.defaults = groupBy(this.readDefaults.all() as StoredPrice[], datasetKey);
      this.defaultsDigest = digest;
    }
    const defaults = this.defaults;
    const own = groupBy(this.readProject.all(projectId) as StoredPrice[], (price) => price.llm_id);
    return (projectNames, datasetModel) => [
      ...projectNames.flatMap((name) => own.get(name) ?? []),
      ...((datasetModel && defaults.get(datasetKey(datasetModel))) ?? []),
    ];
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
