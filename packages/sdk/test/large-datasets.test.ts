/**
 * Large Datasets against the real `weft serve` process (issue 13): a Dataset of many chunks is sent
 * as chunk tables and one `/table/create_from_digests`, so what the server stores grows with the
 * rows (a 300,000-row Dataset sent as appends left 62.6 MB of digest lists for a 13.8 MB table);
 * it reads back whole and in order, with working row refs; and a server without that route still
 * gets the table, by appends. The chunk size is lowered (an internal client option) so a few
 * thousand rows make many chunks.
 */
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dataset, HttpTraceServer, TraceServerError, WeaveClient } from 'weft';
import {
  removeDataDir,
  SERVERS_ON_CHDB,
  startWeftServer,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';

const ENTITY = 'tests';
const ROWS = 12_000;
/** About 120 of the rows below per chunk: some 100 chunks. */
const CHUNK_BYTES = 8 * 1024;

let server: WeftServerProcess;

beforeAll(async () => {
  server = await startWeftServer();
});

afterAll(async () => {
  await server?.stop();
  removeDataDir(server?.dataDir);
});

const rowsOf = (count: number) =>
  Array.from({ length: count }, (_, index) => ({
    index,
    question: `what is ${index} + ${index}?`,
    expected: String(2 * index),
  }));

/**
 * What a project's tables hold in the stopped server's database. Read by a child process on the
 * server's own Node, which can load better-sqlite3 whatever Node runs the SDK's tests.
 */
function storedTables(
  dataDir: string,
  projectId: string,
): { tables: number; rows: number; digestChars: number } {
  const script = `
    import Database from 'better-sqlite3';
    const db = new Database(process.argv[1], { readonly: true });
    const sums = db.prepare(
      'SELECT count(*) AS tables, total(row_count) AS rows, total(length(row_digests)) AS digestChars ' +
      'FROM tables WHERE project_id = ?',
    ).get(process.argv[2]);
    console.log(JSON.stringify(sums));
  `;
  const output = execFileSync(
    process.env.WEFT_SERVER_NODE ?? process.execPath,
    ['--input-type=module', '-e', script, join(dataDir, 'weft.db'), projectId],
    { cwd: resolve(import.meta.dirname, '../../server'), encoding: 'utf8' },
  );
  return JSON.parse(output) as { tables: number; rows: number; digestChars: number };
}

/** Reads back a published Dataset and checks every row, in order, and some row refs. */
async function expectWholeAndInOrder(
  client: WeaveClient,
  published: Dataset<ReturnType<typeof rowsOf>[number]>,
  rows: ReturnType<typeof rowsOf>,
): Promise<void> {
  const ref = await client.publish(published);
  const loaded = (await client.get(ref)) as Dataset<ReturnType<typeof rowsOf>[number]>;
  expect(loaded).toBeInstanceOf(Dataset);
  expect(loaded.length).toBe(rows.length);
  expect(loaded.row(0)).toEqual(rows[0]);
  expect(loaded.row(-1)).toEqual(rows.at(-1));
  expect(loaded.rows.map((row) => row.index)).toEqual(rows.map((row) => row.index));
  // Rows passed to a call are recorded as row refs, which read back their rows from the table.
  for (const at of [0, Math.floor(rows.length / 2), rows.length - 1]) {
    const call = client.createCall('read-row', { row: published.row(at) });
    client.finishCall(call, null);
    const rowRef = call.inputs.row as string;
    expect(rowRef).toMatch(new RegExp(`^${ref.uri}/attr/rows/id/[A-Za-z0-9]{43}$`));
    expect(await client.get(rowRef)).toEqual(rows[at]);
  }
}

describe('large Datasets', () => {
  // Reads the sizes of the stored digest lists from the SQLite file.
  it.skipIf(SERVERS_ON_CHDB)(
    'are sent as chunk tables and one create_from_digests: the stored digest lists grow with the rows, not their square',
    async () => {
      // A server of its own, stopped before its database is read (whole, the WAL checkpointed).
      const own = await startWeftServer();
      try {
        const client = new WeaveClient(ENTITY, 'large-datasets', new HttpTraceServer(own.url), {
          tableChunkBytes: CHUNK_BYTES,
        });
        const rows = rowsOf(ROWS);
        await expectWholeAndInOrder(client, new Dataset({ name: 'many-chunks', rows }), rows);
        await client.flush();
        await own.stop();

        const stored = storedTables(own.dataDir, `${ENTITY}/large-datasets`);
        // Many chunk tables, the whole table, and the empty one the SDK asked with.
        expect(stored.tables).toBeGreaterThan(50);
        // Each row listed twice: in its chunk's table and in the whole one. Appends list it in every
        // table from its chunk's on: some 600,000 digests here.
        expect(stored.rows).toBe(2 * ROWS);
        expect(stored.digestChars).toBeLessThan(2 * ROWS * 46 + 1000);
      } finally {
        await own.stop();
        removeDataDir(own.dataDir);
      }
    },
  );

  it('are still sent, by appends, to a server that answers 404 to create_from_digests', async () => {
    class OlderServer extends HttpTraceServer {
      override async tableCreateFromDigests(): Promise<never> {
        throw new TraceServerError('no route POST /table/create_from_digests', 404);
      }
    }
    const client = new WeaveClient(ENTITY, 'older-server', new OlderServer(server.url), {
      tableChunkBytes: CHUNK_BYTES,
    });
    const rows = rowsOf(2_000);
    await expectWholeAndInOrder(client, new Dataset({ name: 'appended', rows }), rows);
    await client.flush();
  });
});
