/**
 * Tables on ClickHouse (objects-schema.ts): rows are kept once per project by digest in
 * `table_rows`; a table is a header in `tables` (its row count, so an empty table exists too) and
 * its row digests by position in `table_entries`. All insert-only and content-addressed: storing a
 * row or a table again adds identical rows that merge away, and reads dedupe. The header is
 * stored last, so a table cut short by a crash does not exist (creating it again completes it).
 *
 * A page in table order is a range of positions, a range of the primary key. A sorted or filtered
 * page joins the table's entries to its rows and sorts with the calls dialect's JSON readers (as
 * the SQLite store does), so table sorting follows the rules of sorting calls on a JSON field.
 * Tables never change once stored, so pages continue by offset and are exact.
 */
import { clickHouseCallsDialect, clickHouseParams } from '../../query/dialects/clickhouse.js';
import { type CompiledSql, compileSql, joinSql, rawSql, type Sql, sql } from '../../query/sql.js';
import { OffsetPager } from '../paging.js';
import type { ReadOptions, TableQuery, TableRow, TraceStore } from '../trace-store.js';
import type { ClickHouseContext } from './context.js';
import { chunksByLength, insertRows, QueryParams, selectRows } from './query-helpers.js';

export type TablesMethods = Pick<
  TraceStore,
  | 'createTable'
  | 'createTableFromRowDigests'
  | 'tableRowCount'
  | 'tableRowDigests'
  | 'readTableRow'
  | 'queryTable'
>;

/** Rows per insert of a large table (an insert's data is held whole by chdb's connection). */
const ROWS_PER_INSERT = 10_000;

type TablePageRow = TableRow & { original_index: number };

export class ClickHouseTables implements TablesMethods {
  constructor(readonly context: ClickHouseContext) {}

  async createTable(
    projectId: string,
    digest: string,
    rowDigests: readonly string[],
    rows: readonly TableRow[],
  ): Promise<void> {
    if ((await this.tableRowCount(projectId, digest)) !== undefined) return;
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      await insertRows(
        this.context,
        'table_rows',
        rows
          .slice(start, start + ROWS_PER_INSERT)
          .map((row) => ({ project_id: projectId, digest: row.digest, val_dump: row.val_json })),
      );
    }
    await this.storeTable(projectId, digest, rowDigests);
  }

  async createTableFromRowDigests(
    projectId: string,
    digest: string,
    rowDigests: readonly string[],
  ): Promise<string | undefined> {
    // Rows are never deleted, so a row found now is still there when the table is stored.
    const missing = await this.firstMissingRow(projectId, rowDigests);
    if (missing !== undefined) return missing;
    if ((await this.tableRowCount(projectId, digest)) === undefined)
      await this.storeTable(projectId, digest, rowDigests);
    return undefined;
  }

  /** The entries, then the header: the table exists once both are stored. */
  private async storeTable(projectId: string, digest: string, rowDigests: readonly string[]): Promise<void> {
    for (let start = 0; start < rowDigests.length; start += ROWS_PER_INSERT) {
      await insertRows(
        this.context,
        'table_entries',
        rowDigests.slice(start, start + ROWS_PER_INSERT).map((rowDigest, index) => ({
          project_id: projectId,
          table_digest: digest,
          position: start + index,
          row_digest: rowDigest,
        })),
      );
    }
    await insertRows(this.context, 'tables', [
      { project_id: projectId, digest, row_count: rowDigests.length, created_at: Date.now() * 1000 },
    ]);
  }

  /**
   * The first digest in list order that names no stored row of the project: the distinct digests
   * in order of first appearance, looked up by the primary key a bounded list at a time.
   */
  private async firstMissingRow(
    projectId: string,
    rowDigests: readonly string[],
  ): Promise<string | undefined> {
    for (const chunk of chunksByLength([...new Set(rowDigests)])) {
      const params = new QueryParams();
      const found = await selectRows<{ digest: string }>(
        this.context,
        `SELECT DISTINCT digest FROM ${this.context.table('table_rows')}
         WHERE project_id = ${params.bind(projectId, 'String')} AND digest IN ${params.bind(chunk, 'Array(String)')}`,
        params,
      );
      const stored = new Set(found.map((row) => row.digest));
      const missing = chunk.find((rowDigest) => !stored.has(rowDigest));
      if (missing !== undefined) return missing;
    }
    return undefined;
  }

  async tableRowCount(projectId: string, digest: string): Promise<number | undefined> {
    const params = new QueryParams();
    const [header] = await selectRows<{ row_count: number }>(
      this.context,
      `SELECT row_count FROM ${this.context.table('tables')}
       WHERE project_id = ${params.bind(projectId, 'String')} AND digest = ${params.bind(digest, 'String')}
       LIMIT 1`,
      params,
    );
    return header === undefined ? undefined : Number(header.row_count);
  }

  async tableRowDigests(projectId: string, digest: string): Promise<string[] | undefined> {
    if ((await this.tableRowCount(projectId, digest)) === undefined) return undefined;
    const params = new QueryParams();
    const entries = await selectRows<{ row_digest: string }>(
      this.context,
      `SELECT row_digest FROM ${this.context.table('table_entries')} FINAL
       WHERE project_id = ${params.bind(projectId, 'String')} AND table_digest = ${params.bind(digest, 'String')}
       ORDER BY position`,
      params,
    );
    return entries.map((entry) => entry.row_digest);
  }

  async readTableRow(projectId: string, tableDigest: string, rowDigest: string): Promise<string | undefined> {
    const params = new QueryParams();
    const project = params.bind(projectId, 'String');
    const table = params.bind(tableDigest, 'String');
    const row = params.bind(rowDigest, 'String');
    // The row, if the table exists and holds it (found through the entries' bloom filter).
    const [found] = await selectRows<{ val_dump: string }>(
      this.context,
      `SELECT val_dump FROM ${this.context.table('table_rows')}
       WHERE project_id = ${project} AND digest = ${row}
         AND ${row} IN (SELECT row_digest FROM ${this.context.table('table_entries')}
           WHERE project_id = ${project} AND table_digest = ${table} AND row_digest = ${row})
         AND ${table} IN (SELECT digest FROM ${this.context.table('tables')}
           WHERE project_id = ${project} AND digest = ${table})
       LIMIT 1`,
      params,
    );
    return found?.val_dump;
  }

  async *queryTable(query: TableQuery, options: ReadOptions = {}): AsyncGenerator<TablePageRow[]> {
    const rowCount = await this.tableRowCount(query.project_id, query.digest);
    if (rowCount === undefined) return;
    const inTableOrder = query.sort_by.length === 0 && !query.row_digests;
    const table: TableName = (name) => this.context.table(name);
    const pager = new OffsetPager(query.limit, query.offset);
    for (;;) {
      options.signal?.throwIfAborted();
      const { limit, offset } = pager.read();
      if (inTableOrder && offset >= rowCount) return;
      const compiled = inTableOrder
        ? positionsPageSql(table, query, offset, limit)
        : sortedPageSql(table, query, offset, limit);
      const rows = await selectRows<TablePageRow>(
        this.context,
        compiled.text,
        clickHouseParams(compiled.params),
        { signal: options.signal, timeLimit: 'table' },
      );
      if (rows.length > 0) yield rows;
      if (!pager.advance({ count: rows.length, cut: false })) return;
    }
  }
}

type TableName = (name: 'table_rows' | 'table_entries') => string;

/** The entries of the query's table meeting `condition`. */
function entriesWhere(table: TableName, query: TableQuery, condition: Sql | null): Sql {
  const conditions = [sql`project_id = ${query.project_id}`, sql`table_digest = ${query.digest}`];
  if (condition) conditions.push(condition);
  return sql`SELECT position, row_digest FROM ${rawSql(table('table_entries'))} FINAL WHERE ${joinSql(conditions, ' AND ')}`;
}

/**
 * The entries joined to their rows (one copy of each: a row stored twice is deduped before
 * merges); the rows are read by the primary key, only those the entries name.
 */
function joinedRows(table: TableName, query: TableQuery, condition: Sql | null): Sql {
  const entries = entriesWhere(table, query, condition);
  return sql`SELECT e.position AS original_index, e.row_digest AS digest, r.val_dump AS val_json
    FROM (SELECT digest, val_dump FROM ${rawSql(table('table_rows'))}
      WHERE project_id = ${query.project_id} AND digest IN (SELECT row_digest FROM (${entries}))
      LIMIT 1 BY digest) AS r
    INNER JOIN (${entries}) AS e ON e.row_digest = r.digest`;
}

/** A page in table order: the positions [offset, offset + limit). */
export function positionsPageSql(
  table: TableName,
  query: TableQuery,
  offset: number,
  limit: number,
): CompiledSql {
  const range = sql`position >= ${offset} AND position < ${offset + limit}`;
  return compileSql(
    sql`${joinedRows(table, query, range)} ORDER BY original_index`,
    clickHouseCallsDialect.placeholder,
  );
}

/** A page of the table's rows (those named, when the query names some), sorted, by offset. */
export function sortedPageSql(
  table: TableName,
  query: TableQuery,
  offset: number,
  limit: number,
): CompiledSql {
  const dialect = clickHouseCallsDialect;
  const val = rawSql('r.val_dump');
  const named = query.row_digests ? sql`row_digest IN ${[...query.row_digests]}` : null;
  // Existing values first, then by number (non-numbers last), then by text: as calls sort.
  const order = query.sort_by.flatMap(({ path, direction }) => [
    dialect.orderBy(dialect.jsonExists(val, path), 'desc', false),
    dialect.orderBy(dialect.jsonNumber(val, path), direction, true),
    dialect.orderBy(dialect.jsonText(val, path), direction, false),
  ]);
  order.push(rawSql('original_index ASC'));
  return compileSql(
    sql`${joinedRows(table, query, named)} ORDER BY ${joinSql(order, ', ')} LIMIT ${limit} OFFSET ${offset}`,
    dialect.placeholder,
  );
}
