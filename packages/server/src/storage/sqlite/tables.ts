/**
 * Tables in SQLite: rows stored once per project by digest, a table as its JSON array of row
 * digests. Writes run here on the writer's connection; queries (`tableQuerySql`) run on the read
 * workers, joining the array (json_each gives each row's index) to the rows and sorting with the
 * calls dialect's JSON readers, so table sorting follows the rules of sorting calls on a JSON field.
 */
import type Database from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import { sqliteCallsDialect } from '../../query/dialects/sqlite.js';
import { type CompiledSql, compileSql, joinSql, rawSql, type Sql, sql } from '../../query/sql.js';
import type { TableQuery, TableRow } from '../trace-store.js';

/**
 * Row digests kept in memory, over all cached tables: about 100 bytes each, so some 50 MB at most.
 * A larger table than a tenth of this is not read here at all (see `readRow`).
 */
const MAX_CACHED_DIGESTS = 500_000;
export const MAX_CACHED_TABLE_ROWS = MAX_CACHED_DIGESTS / 10;

export class Tables {
  private readonly insertRow;
  private readonly insertTable;
  private readonly rowDigestsOf;
  private readonly rowCountOf;
  private readonly rowByDigest;
  /**
   * Each table's row digests as a set, for row refs: a table never changes once stored, so its set
   * stays right for as long as it is kept. Reading many rows of one table (an evaluation's dataset)
   * then costs one parse of its digest list instead of one search of it per row.
   */
  private readonly members = new LRUCache<string, ReadonlySet<string>>({
    maxSize: MAX_CACHED_DIGESTS,
    sizeCalculation: (digests) => Math.max(1, digests.size),
  });

  constructor(
    db: Database.Database,
    /** Tables with more rows are not read by `readRow` (a test lowers it). */
    private readonly maxCachedTableRows = MAX_CACHED_TABLE_ROWS,
  ) {
    this.insertRow = db.prepare(
      'INSERT OR IGNORE INTO table_rows (project_id, digest, val) VALUES (?, ?, ?)',
    );
    this.insertTable = db.prepare(
      'INSERT OR IGNORE INTO tables (project_id, digest, row_digests, row_count) VALUES (?, ?, ?, ?)',
    );
    this.rowDigestsOf = db
      .prepare('SELECT row_digests FROM tables WHERE project_id = ? AND digest = ?')
      .pluck();
    this.rowCountOf = db.prepare('SELECT row_count FROM tables WHERE project_id = ? AND digest = ?').pluck();
    this.rowByDigest = db.prepare('SELECT val FROM table_rows WHERE project_id = ? AND digest = ?').pluck();
  }

  /**
   * A row of a table of at most `maxCachedTableRows` rows, by digest: `undefined` when the table
   * does not hold it, `'too large'` for a larger table, which the caller reads on a read worker
   * instead (parsing or searching megabytes of digests here would hold up the event loop).
   */
  readRow(projectId: string, tableDigest: string, rowDigest: string): string | undefined | 'too large' {
    const rowCount = this.rowCount(projectId, tableDigest);
    if (rowCount === undefined) return undefined;
    if (rowCount > this.maxCachedTableRows) return 'too large';
    const key = `${projectId}\0${tableDigest}`;
    let digests = this.members.get(key);
    if (!digests) {
      digests = new Set(this.rowDigests(projectId, tableDigest));
      this.members.set(key, digests);
    }
    if (!digests.has(rowDigest)) return undefined;
    return this.rowByDigest.get(projectId, rowDigest) as string | undefined;
  }

  create(projectId: string, digest: string, rowDigests: readonly string[], rows: readonly TableRow[]): void {
    for (const row of rows) this.insertRow.run(projectId, row.digest, row.val_json);
    this.insertTable.run(projectId, digest, JSON.stringify(rowDigests), rowDigests.length);
  }

  /** Stores a table of rows already stored, its digests given as the JSON array it is kept as. */
  createFromStoredRows(projectId: string, digest: string, rowDigestsJson: string, rowCount: number): void {
    this.insertTable.run(projectId, digest, rowDigestsJson, rowCount);
  }

  rowCount(projectId: string, digest: string): number | undefined {
    return this.rowCountOf.get(projectId, digest) as number | undefined;
  }

  rowDigests(projectId: string, digest: string): string[] | undefined {
    const text = this.rowDigestsOf.get(projectId, digest) as string | undefined;
    return text === undefined ? undefined : (JSON.parse(text) as string[]);
  }
}

/**
 * A table query as SQL, run by the read workers like calls queries (it calls
 * `weft_within_time_limit()`, which only their connections have).
 */
export function tableQuerySql(query: TableQuery): CompiledSql {
  const dialect = sqliteCallsDialect;
  const val = rawSql('r.val');
  const conditions: Sql[] = [
    sql`t.project_id = ${query.project_id}`,
    sql`t.digest = ${query.digest}`,
    // As the calls dialect's interruptCheck: better-sqlite3 cannot interrupt a statement, so every
    // 1024th element of the digest array asks the read worker whether the query's time is up
    // (query-functions.ts), which throws to stop it. It reads only e, so SQLite tests it while
    // walking the array, before the join and any sort.
    rawSql('(e.key % 1024 <> 0 OR weft_within_time_limit())'),
  ];
  if (query.row_digests) conditions.push(dialect.inList(rawSql('r.digest'), query.row_digests));
  // In table order, a page is a range of positions: only its rows are read and sorted, instead of
  // every row of the table for an ORDER BY ... LIMIT to keep a few (a 100,000-row table's first
  // page went from most of a second to milliseconds). The test on e.key is made where the array
  // is walked, before the join.
  let { limit, offset } = query;
  if (query.sort_by.length === 0 && !query.row_digests) {
    conditions.push(sql`e.key >= ${offset}`);
    if (limit !== null) conditions.push(sql`e.key < ${offset + limit}`);
    limit = null;
    offset = 0;
  }
  const order = query.sort_by.flatMap(({ path, direction }) => [
    dialect.orderBy(dialect.jsonExists(val, path), 'desc', false),
    dialect.orderBy(dialect.jsonNumber(val, path), direction, true),
    dialect.orderBy(dialect.jsonText(val, path), direction, false),
  ]);
  order.push(rawSql('CAST(e.key AS INTEGER) ASC'));
  // CROSS JOIN fixes the join order: the table, then its digests in order, then each row by its
  // primary key. Left to the planner, it may loop over every stored row for each digest.
  const statement = sql`SELECT r.digest AS digest, r.val AS val_json, CAST(e.key AS INTEGER) AS original_index
    FROM tables AS t CROSS JOIN json_each(t.row_digests) AS e
    CROSS JOIN table_rows AS r ON r.project_id = t.project_id AND r.digest = e.value
    WHERE ${joinSql(conditions, ' AND ')} ORDER BY ${joinSql(order, ', ')} LIMIT ${limit ?? -1} OFFSET ${offset}`;
  return compileSql(statement, dialect.placeholder);
}

/**
 * The first digest of a JSON array of row digests that names no stored row of the project, as SQL
 * for the read workers (a list of 300,000 takes a second or two): one statement walks the list,
 * each digest a primary-key lookup, and json_each's key is the position, so the first missing one
 * in list order is the answer. As in `tableQuerySql`, every 1024th element asks whether the time
 * is up.
 */
export function firstMissingRowSql(projectId: string, rowDigestsJson: string): CompiledSql {
  const statement = sql`SELECT e.value FROM json_each(${rowDigestsJson}) AS e
    WHERE (e.key % 1024 <> 0 OR weft_within_time_limit())
      AND NOT EXISTS (SELECT 1 FROM table_rows AS r WHERE r.project_id = ${projectId} AND r.digest = e.value)
    ORDER BY e.key LIMIT 1`;
  return compileSql(statement, sqliteCallsDialect.placeholder);
}
