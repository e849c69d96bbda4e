/**
 * Sending a table in parts, against a fake server that keeps tables the way weft does: one request
 * for a small table; chunk tables a few at a time and one create_from_digests for a large one,
 * rows read only as chunks are sent; the appends a server without that route needs.
 */

import type {
  TableCreateFromDigestsReq,
  TableCreateFromDigestsRes,
  TableCreateReq,
  TableCreateRes,
  TableUpdateReq,
  TableUpdateRes,
} from '@weft/protocol';
import { rowDigest, tableDigest } from '@weft/protocol';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../serialize/serialize.js';
import { type TraceServer, TraceServerError } from '../transport/trace-server.js';
import { MAX_ROW_DIGESTS_PER_REQUEST, TableSaver } from './table-saver.js';

const PROJECT = 'tests/tables';

/** Rows of 20 bytes of JSON each (`{"n":"000000000042"}`): ten to a chunk of 200 bytes. */
const rowsOf = (count: number): JsonValue[] =>
  Array.from({ length: count }, (_, index) => ({ n: String(index).padStart(12, '0') }));

/** The tables weft would store, and what each request was. */
class FakeTables {
  readonly tables = new Map<string, string[]>();
  readonly rows = new Set<string>();
  readonly requests: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** Called in each chunk create, before it answers. */
  onCreate: (rows: unknown[]) => Promise<void> = async () => undefined;
  fromDigestsStatus: number | undefined;

  server(options: { fromDigests?: boolean } = {}): TraceServer {
    const server = {
      tableCreate: (req: TableCreateReq) => this.create(req),
      tableUpdate: (req: TableUpdateReq) => this.update(req),
      ...(options.fromDigests === false
        ? {}
        : { tableCreateFromDigests: (req: TableCreateFromDigestsReq) => this.fromDigests(req) }),
    };
    return server as unknown as TraceServer;
  }

  private async create(req: TableCreateReq): Promise<TableCreateRes> {
    this.requests.push(`create ${req.table.rows.length}`);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.onCreate(req.table.rows);
      const rowDigests = req.table.rows.map((row) => rowDigest(row));
      for (const digest of rowDigests) this.rows.add(digest);
      const digest = tableDigest(rowDigests);
      this.tables.set(digest, rowDigests);
      return { digest, row_digests: rowDigests };
    } finally {
      this.inFlight -= 1;
    }
  }

  private async update(req: TableUpdateReq): Promise<TableUpdateRes> {
    this.requests.push(`update ${req.updates.length}`);
    const base = this.tables.get(req.base_digest);
    if (!base) throw new TraceServerError('no base table', 404);
    const added = req.updates.map((update) => rowDigest('append' in update ? update.append.row : null));
    const rowDigests = [...base, ...added];
    const digest = tableDigest(rowDigests);
    this.tables.set(digest, rowDigests);
    return { digest, updated_row_digests: added };
  }

  private async fromDigests(req: TableCreateFromDigestsReq): Promise<TableCreateFromDigestsRes> {
    this.requests.push(`from_digests ${req.row_digests.length}`);
    if (this.fromDigestsStatus !== undefined) {
      throw new TraceServerError('refused', this.fromDigestsStatus);
    }
    const missing = req.row_digests.find((digest) => !this.rows.has(digest));
    if (missing) throw new TraceServerError(`no row ${missing}`, 400);
    const digest = tableDigest(req.row_digests);
    this.tables.set(digest, [...req.row_digests]);
    return { digest };
  }

  /** Digests listed over every stored table: what grows with the square of the rows by appends. */
  get storedDigests(): number {
    return [...this.tables.values()].reduce((sum, digests) => sum + digests.length, 0);
  }
}

const saverFor = (server: TraceServer, chunkBytes = 200) =>
  new TableSaver({ projectId: PROJECT, server }, { chunkBytes });

describe('sending a table', () => {
  it('sends a table that fits one request as one /table/create, without asking for create_from_digests', async () => {
    const fake = new FakeTables();
    const rows = rowsOf(5);
    const saved = await saverFor(fake.server()).save(rows, rows.length);
    expect(fake.requests).toEqual(['create 5']);
    expect(saved.rowDigests).toEqual(rows.map((row) => rowDigest(row)));
    expect(saved.digest).toBe(tableDigest(saved.rowDigests));

    const empty = await saverFor(fake.server()).save([], 0);
    expect(empty).toEqual({ digest: tableDigest([]), rowDigests: [] });
  });

  it('sends a large table as chunk tables, four at a time, then one create_from_digests of every row in order', async () => {
    const fake = new FakeTables();
    const rows = rowsOf(100);
    const saver = saverFor(fake.server());
    const saved = await saver.save(rows, rows.length);

    const expected = rows.map((row) => rowDigest(row));
    expect(saved).toEqual({ digest: tableDigest(expected), rowDigests: expected });
    expect(fake.tables.get(saved.digest)).toEqual(expected);
    // Asked first with no rows, then 10 rows (about 200 bytes) per chunk, then the whole table.
    expect(fake.requests[0]).toBe('from_digests 0');
    expect(fake.requests.slice(1, -1)).toEqual(Array.from({ length: 10 }, () => 'create 10'));
    expect(fake.requests.at(-1)).toBe('from_digests 100');
    expect(fake.maxInFlight).toBe(4);
    // The chunk tables, the whole and the empty one: twice the rows, not the square.
    expect(fake.storedDigests).toBe(200);

    // The server was asked once for this client.
    fake.requests.length = 0;
    await saver.save(rowsOf(30), 30);
    expect(fake.requests).toEqual(['create 10', 'create 10', 'create 10', 'from_digests 30']);
  });

  it('reads rows only as chunks are sent: at most the chunks in flight and one row more', async () => {
    const fake = new FakeTables();
    const release: Array<() => void> = [];
    fake.onCreate = () => new Promise((resolve) => release.push(resolve));
    let read = 0;
    function* counted(): Generator<JsonValue> {
      for (const row of rowsOf(100)) {
        read += 1;
        yield row;
      }
    }
    const saving = saverFor(fake.server()).save(counted(), 100);
    while (release.length < 4) await new Promise((resolve) => setImmediate(resolve));
    expect(read).toBe(41);
    release.splice(0, 1)[0]?.();
    while (release.length < 4) await new Promise((resolve) => setImmediate(resolve));
    expect(read).toBe(51);
    fake.onCreate = async () => undefined;
    for (const next of release.splice(0)) next();
    expect((await saving).rowDigests).toHaveLength(100);
  });

  it('falls back to create and /table/update appends when the server answers 404, and asks once', async () => {
    const fake = new FakeTables();
    fake.fromDigestsStatus = 404;
    const rows = rowsOf(30);
    const saver = saverFor(fake.server());
    const saved = await saver.save(rows, rows.length);
    const expected = rows.map((row) => rowDigest(row));
    expect(saved).toEqual({ digest: tableDigest(expected), rowDigests: expected });
    expect(fake.requests).toEqual(['from_digests 0', 'create 10', 'update 10', 'update 10']);

    fake.requests.length = 0;
    await saver.save(rows, rows.length);
    expect(fake.requests).toEqual(['create 10', 'update 10', 'update 10']);
  });

  it('appends without asking when the server has no create_from_digests, or the table has too many rows for one', async () => {
    const fake = new FakeTables();
    await saverFor(fake.server({ fromDigests: false })).save(rowsOf(25), 25);
    expect(fake.requests).toEqual(['create 10', 'update 10', 'update 5']);

    fake.requests.length = 0;
    await saverFor(fake.server()).save(rowsOf(25), MAX_ROW_DIGESTS_PER_REQUEST + 1);
    expect(fake.requests).toEqual(['create 10', 'update 10', 'update 5']);
  });

  it('takes another refusal of the question as the route being there, as the Python SDK does', async () => {
    const fake = new FakeTables();
    fake.fromDigestsStatus = 400;
    await expect(saverFor(fake.server()).save(rowsOf(25), 25)).rejects.toThrow('refused');
    expect(fake.requests).toEqual([
      'from_digests 0',
      'create 10',
      'create 10',
      'create 5',
      'from_digests 25',
    ]);
  });

  it('starts no chunk after one fails, and fails with it once the chunks in flight are done', async () => {
    const fake = new FakeTables();
    const pending: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
    fake.onCreate = () =>
      new Promise((resolve, reject) => pending.push({ resolve: () => resolve(), reject }));
    let failed = false;
    const saving = saverFor(fake.server())
      .save(rowsOf(100), 100)
      .catch((error: unknown) => {
        failed = true;
        throw error;
      });
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    while (pending.length < 4) await turn();
    pending[1]?.reject(new TraceServerError('chunk refused', 400));
    await turn();
    // The others are still being sent: the save waits for them.
    expect(failed).toBe(false);
    for (const each of [pending[0], pending[2], pending[3]]) each?.resolve();
    await expect(saving).rejects.toThrow('chunk refused');
    expect(fake.requests.filter((request) => request.startsWith('create'))).toHaveLength(4);
    expect(fake.requests.filter((request) => request.startsWith('from_digests'))).toEqual(['from_digests 0']);
  });
});
