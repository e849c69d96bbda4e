/**
 * Clients that ask for a large answer and then stop reading it, against the real `weft serve`
 * process: they hold no read worker and no read snapshot (other queries answer, and a checkpoint
 * empties the WAL while they wait), and each is cut off once it has taken no bytes for the write
 * timeout (docs/protocol.md §1.7, docs/architecture.md "Reading in pages"). Each stalled client is
 * a raw socket that sends its request, reads the first bytes of the answer and then stops reading,
 * so the server's socket buffers fill. Nothing is timed: the server's own log says when it cut a
 * client off, and the checkpoint's result says whether readers held the WAL.
 */
import { mkdtempSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  postJson,
  removeDataDir,
  SERVERS_ON_CHDB,
  startWeftServer,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';
import { finished, MS, T0 } from '../src/storage/contract/call-fixtures.js';
import { SqliteTraceStore } from '../src/storage/sqlite/sqlite-trace-store.js';
import type { CallUpsert, TableRow } from '../src/storage/trace-store.js';

const PROJECT = 'team/stalled';
/** 10,000 calls and table rows of about 4 kB each: 40 MB answers, far more than socket buffers hold. */
const ROWS = 10_000;
const FILLER = 'x'.repeat(4_000);
const TABLE = 'big-table';

/** What the server logs each time it cuts off a client that stopped reading. */
const CUT_MESSAGE = 'cut off a response its client stopped reading';

let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'weft-stalled-'));
  const store = SqliteTraceStore.open(join(dataDir, 'weft.db'));
  try {
    const calls: CallUpsert[] = Array.from({ length: ROWS }, (_, index) =>
      finished(
        `call-${String(index).padStart(5, '0')}`,
        { started_at: T0 + index * MS, inputs_json: JSON.stringify({ index, filler: FILLER }) },
        {},
        PROJECT,
      ),
    );
    for (let start = 0; start < ROWS; start += 2_000)
      await store.upsertCalls(calls.slice(start, start + 2_000));
    const rows: TableRow[] = Array.from({ length: ROWS }, (_, index) => ({
      digest: `row-${index}`,
      val_json: JSON.stringify({ index, filler: FILLER }),
    }));
    await store.createTable(
      PROJECT,
      TABLE,
      rows.map((row) => row.digest),
      rows,
    );
  } finally {
    await store.close();
  }
}, 60_000);

afterAll(() => {
  removeDataDir(dataDir);
});

const STREAM = { path: '/calls/stream_query', body: { project_id: PROJECT } };
const DOCUMENT = { path: '/calls/query', body: { project_id: PROJECT } };
const TABLE_ROWS = { path: '/table/query', body: { project_id: PROJECT, digest: TABLE } };

interface StalledClient {
  /** The status line and headers, and whatever of the body came with them. */
  head: string;
  socket: Socket;
  /** Reads on to the end of what the server sends; resolves with everything received. */
  readRest(): Promise<string>;
}

/**
 * Sends the request on a raw socket, waits for the first bytes of the answer, then stops reading:
 * the kernel's buffers fill and the server's writes stop being accepted.
 */
function stalledClient(port: number, request: { path: string; body: unknown }): Promise<StalledClient> {
  const payload = JSON.stringify(request.body);
  const socket = connect(port, '127.0.0.1');
  const received: Buffer[] = [];
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  // A connection the server resets is as much an end as one it closes.
  socket.on('error', () => undefined);
  socket.write(
    `POST ${request.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
  );
  return new Promise((resolve) => {
    socket.once('data', (first: Buffer) => {
      socket.pause();
      received.push(first);
      resolve({
        head: first.toString('latin1'),
        socket,
        async readRest() {
          socket.on('data', (chunk: Buffer) => received.push(chunk));
          socket.resume();
          await ended;
          return Buffer.concat(received).toString('utf8');
        },
      });
    });
  });
}

function statusOf(head: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
}

function cutsLogged(server: WeftServerProcess): number {
  return server.output().split(CUT_MESSAGE).length - 1;
}

// Seeds the SQLite file directly and checks its read snapshots and WAL.
describe.skipIf(SERVERS_ON_CHDB)('clients that stop reading', () => {
  describe('while they wait', () => {
    let server: WeftServerProcess;
    const clients: StalledClient[] = [];

    beforeAll(async () => {
      // Long enough that no stalled client is cut off during these tests.
      server = await startWeftServer({ dataDir, env: { WEFT_WRITE_TIMEOUT: '600' } });
    });

    afterAll(async () => {
      for (const client of clients) client.socket.destroy();
      await server.stop();
    });

    it('hold no read worker and no read snapshot: queries answer and a checkpoint empties the WAL', async () => {
      // More stalled streams than read workers (4): with a worker held per unfinished stream, the
      // fifth would get a 503 after waiting 30 s for one, and so would every query after them.
      for (const request of [STREAM, STREAM, STREAM, STREAM, STREAM, DOCUMENT, TABLE_ROWS]) {
        const client = await stalledClient(server.port, request);
        clients.push(client);
        expect(statusOf(client.head)).toBe(200);
      }

      const page = await postJson(server.url, '/calls/stream_query', { project_id: PROJECT, limit: 3 });
      expect(page.status).toBe(200);
      expect((page.body as Array<{ id: string }>).map((call) => call.id)).toEqual([
        'call-00000',
        'call-00001',
        'call-00002',
      ]);
      const stats = await postJson(server.url, '/calls/query_stats', { project_id: PROJECT });
      expect(stats).toEqual({ status: 200, body: { count: ROWS, has_more: false } });
      const rows = await postJson(server.url, '/table/query', { ...TABLE_ROWS.body, offset: 7, limit: 2 });
      expect(rows.status).toBe(200);
      expect(
        (rows.body as { rows: Array<{ original_index: number }> }).rows.map((row) => row.original_index),
      ).toEqual([7, 8]);

      // Writes after the streams began: a reader still in a snapshot from before them would keep
      // their frames from being copied back, and the WAL from being emptied.
      const written = Array.from({ length: 200 }, (_, index) => ({
        mode: 'start',
        req: {
          start: {
            project_id: PROJECT,
            id: `later-${index}`,
            op_name: `weave:///${PROJECT}/op/later:v1`,
            started_at: new Date(Date.UTC(2027, 0, 1) + index).toISOString(),
            attributes: {},
            inputs: { filler: FILLER },
          },
        },
      }));
      expect((await postJson(server.url, '/call/upsert_batch', { batch: written })).status).toBe(200);

      const path = join(dataDir, 'weft.db');
      const checkpointer = new Database(path);
      try {
        // A page being read is waited for (busy_timeout); a reader that never lets go is not.
        checkpointer.pragma('busy_timeout = 10000');
        const [result] = checkpointer.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
        expect(result?.busy).toBe(0);
        expect(statSync(`${path}-wal`).size).toBe(0);
      } finally {
        checkpointer.close();
      }
      // Nobody was cut off meanwhile: the streams were still there, stalled.
      expect(cutsLogged(server)).toBe(0);
    }, 90_000);
  });

  describe('past the write timeout', () => {
    let server: WeftServerProcess;

    beforeAll(async () => {
      server = await startWeftServer({ dataDir, env: { WEFT_WRITE_TIMEOUT: '0.5' } });
    });

    afterAll(async () => {
      await server.stop();
    });

    it('are cut off, on every route that streams, and the server answers on', async () => {
      const requests = [STREAM, STREAM, DOCUMENT, DOCUMENT, TABLE_ROWS, TABLE_ROWS];
      const clients: StalledClient[] = [];
      for (const request of requests) clients.push(await stalledClient(server.port, request));
      for (const client of clients) expect(statusOf(client.head)).toBe(200);

      // The server says when it cuts a client off; without a write timeout this waits forever.
      while (cutsLogged(server) < requests.length) await sleep(50);

      // What the clients then read is what the server had sent before it closed the connection:
      // never the whole answer, nor the chunked encoding's last chunk.
      for (const client of clients) {
        const text = await client.readRest();
        expect(text.endsWith('\r\n0\r\n\r\n')).toBe(false);
        expect(text.length).toBeLessThan(ROWS * FILLER.length);
      }
      expect(cutsLogged(server)).toBe(requests.length);

      const page = await postJson(server.url, '/calls/stream_query', { project_id: PROJECT, limit: 2 });
      expect(page.status).toBe(200);
      expect((page.body as unknown[]).length).toBe(2);
    }, 90_000);
  });
});
