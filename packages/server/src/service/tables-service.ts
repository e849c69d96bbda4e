/**
 * What the table routes do (docs/protocol.md §10, §7.2): rows must be objects; each
 * row's digest is its Python-style JSON's, the table's the hash of its row digests in order, so
 * the same rows always make the same table. Updates build a new table from a base one, and a
 * table may be made from rows stored before, by their digests.
 */
import {
  Conflict,
  InvalidRequest,
  isLosslessObject,
  jsonPathParts,
  losslessJsonStringify,
  NotFound,
  PythonFloat,
  rowDigest,
  splitFieldPath,
  type TableCreateFromDigestsReq,
  type TableCreateFromDigestsRes,
  type TableCreateReq,
  type TableCreateRes,
  type TableQueryReq,
  type TableQueryStatsReq,
  type TableUpdateReq,
  type TableUpdateRes,
  tableDigest,
} from '@weft/protocol';
import type { ReadOptions, TableRow, TraceStore } from '../storage/trace-store.js';
import { jsonDocument, renderPages, requestLimit } from './paged-answers.js';

/**
 * A pop or insert position as pydantic's lax mode reads an int: an integer, or a float with no
 * fractional part (`1.0`); anything else is refused.
 */
function toIndex(value: unknown, where: string): number {
  const number = value instanceof PythonFloat ? value.value : value;
  if (typeof number === 'number' && Number.isInteger(number)) return number;
  // Integers beyond 2^53 arrive as bigint: valid ints, out of range for any table.
  if (typeof number === 'bigint') return Number(number);
  const text = value instanceof PythonFloat ? String(value.value) : JSON.stringify(value);
  throw new InvalidRequest(`${where} must be an integer, not ${text}`);
}

function toRow(value: unknown, where: string): TableRow {
  if (!isLosslessObject(value)) throw new InvalidRequest(`${where}: table rows must be JSON objects`);
  return { digest: rowDigest(value), val_json: losslessJsonStringify(value) };
}

export class TablesService {
  constructor(private readonly store: TraceStore) {}

  async create(req: TableCreateReq): Promise<TableCreateRes> {
    const { project_id, rows, expected_digest } = req.table;
    const stored = rows.map((row, index) => toRow(row, `table.rows[${index}]`));
    const rowDigests = stored.map((row) => row.digest);
    const digest = tableDigest(rowDigests);
    if (expected_digest && expected_digest !== digest) {
      throw new Conflict(`the table's digest is ${digest}, not the expected ${expected_digest}`);
    }
    await this.store.createTable(project_id, digest, rowDigests, stored);
    return { digest, row_digests: rowDigests };
  }

  /**
   * A table of rows the project already holds (uploaded by earlier creates, in tables of their
   * own), with the digest `create` gives the same rows: a large table is sent in parts without a
   * table per part growing with the rows before it. Every digest must name a row of this project.
   */
  async createFromDigests(req: TableCreateFromDigestsReq): Promise<TableCreateFromDigestsRes> {
    const { project_id, row_digests, expected_digest } = req;
    const digest = tableDigest(row_digests);
    if (expected_digest && expected_digest !== digest) {
      throw new Conflict(`the table's digest is ${digest}, not the expected ${expected_digest}`);
    }
    const missing = await this.store.createTableFromRowDigests(project_id, digest, row_digests);
    if (missing !== undefined) {
      throw new InvalidRequest(
        `row_digests[${row_digests.indexOf(missing)}]: there is no row ${missing} in project ${project_id}`,
      );
    }
    return { digest };
  }

  async update(req: TableUpdateReq): Promise<TableUpdateRes> {
    const rowDigests = await this.rowDigests(req.project_id, req.base_digest);
    const added: TableRow[] = [];
    req.updates.forEach((update, index) => {
      const where = `updates[${index}]`;
      if ('append' in update) {
        const row = toRow(update.append.row, `${where}.append.row`);
        rowDigests.push(row.digest);
        added.push(row);
      } else if ('pop' in update) {
        const at = toIndex(update.pop.index, `${where}.pop.index`);
        if (at < 0 || at >= rowDigests.length) {
          throw new InvalidRequest(`${where}.pop.index ${at} is out of range for ${rowDigests.length} rows`);
        }
        rowDigests.splice(at, 1);
      } else {
        const at = toIndex(update.insert.index, `${where}.insert.index`);
        if (at < 0 || at > rowDigests.length) {
          throw new InvalidRequest(
            `${where}.insert.index ${at} is out of range for ${rowDigests.length} rows`,
          );
        }
        const row = toRow(update.insert.row, `${where}.insert.row`);
        rowDigests.splice(at, 0, row.digest);
        added.push(row);
      }
    });
    const digest = tableDigest(rowDigests);
    await this.store.createTable(req.project_id, digest, rowDigests, added);
    return { digest, updated_row_digests: added.map((row) => row.digest) };
  }

  /**
   * `{"rows": [{digest, val, original_index}]}` as JSON text, a page of rows per chunk: a table is
   * never read or rendered whole, whatever the limit (docs/protocol.md §10.2). The table is looked
   * up before the first chunk, so an unknown one is a 404 before any answer is sent.
   */
  async *query(req: TableQueryReq, options: ReadOptions = {}): AsyncGenerator<string> {
    const limit = requestLimit(req.limit);
    await this.rowCount(req.project_id, req.digest);
    const pages = this.store.queryTable(
      {
        project_id: req.project_id,
        digest: req.digest,
        // An empty list filters nothing, as in Weave's servers.
        row_digests: req.filter?.row_digests?.length ? req.filter.row_digests : null,
        sort_by: (req.sort_by ?? []).map((term) => ({
          path: jsonPathParts(splitFieldPath(term.field)),
          direction: term.direction,
        })),
        limit,
        offset: req.offset ?? 0,
      },
      options,
    );
    const quote = JSON.stringify;
    yield* jsonDocument(
      '{"rows":[',
      renderPages(
        pages,
        (row) =>
          `{"digest":${quote(row.digest)},"val":${row.val_json},"original_index":${row.original_index}}`,
      ),
      ']}',
    );
  }

  async queryStats(req: TableQueryStatsReq): Promise<{ count: number }> {
    return { count: await this.rowCount(req.project_id, req.digest) };
  }

  /** The row count, which also tells the table exists (cheaper than reading its digests). */
  private async rowCount(projectId: string, digest: string): Promise<number> {
    const count = await this.store.tableRowCount(projectId, digest);
    if (count === undefined) throw new NotFound(`table ${digest} not found in project ${projectId}`);
    return count;
  }

  private async rowDigests(projectId: string, digest: string): Promise<string[]> {
    const rowDigests = await this.store.tableRowDigests(projectId, digest);
    if (!rowDigests) throw new NotFound(`table ${digest} not found in project ${projectId}`);
    return rowDigests;
  }
}
