/**
 * A database that cannot grow, on the real `weft serve` (docs/protocol.md §1.4): with
 * `--max-db-size`, SQLite refuses writes past the size exactly as on a full disk (SQLITE_FULL).
 * Each refused write is a 507 with a reason and stores nothing; reads go on; after a restart with
 * room, writes go on and everything acknowledged before is there.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  postJson,
  removeDataDir,
  SERVERS_ON_CHDB,
  startWeftServer,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';

const PROJECT = 'disk/full';
const callId = (n: number) => `0192f000-0000-7000-8000-${String(n).padStart(12, '0')}`;

function batchOf(first: number, count: number) {
  return {
    batch: Array.from({ length: count }, (_, i) => ({
      mode: 'start',
      req: {
        start: {
          project_id: PROJECT,
          id: callId(first + i),
          op_name: 'fill',
          started_at: '2026-12-01T00:00:00Z',
          attributes: {},
          // Text that does not compress away inside SQLite's pages.
          inputs: {
            text: Array.from({ length: 2_000 }, (_, j) =>
              ((first + i) * 7919 + j * 104729).toString(36),
            ).join(' '),
          },
        },
      },
    })),
  };
}

const servers: WeftServerProcess[] = [];

afterAll(async () => {
  for (const server of servers) await server.stop();
  if (servers[0]) removeDataDir(servers[0].dataDir);
});

// --max-db-size caps the SQLite file; a ClickHouse server manages its own disks.
describe.skipIf(SERVERS_ON_CHDB)('a full database', () => {
  it('refuses writes with 507 and a reason, keeps serving reads, and loses nothing acknowledged', async () => {
    const small = await startWeftServer({ args: ['--max-db-size', '2MB'] });
    servers.push(small);
    let acknowledged = 0;
    let refusal: { status: number; body: unknown } | undefined;
    for (let request = 0; request < 200 && !refusal; request++) {
      const answer = await postJson(small.url, '/call/upsert_batch', batchOf(acknowledged, 10));
      if (answer.status === 200) acknowledged += 10;
      else refusal = answer;
    }
    expect(acknowledged).toBeGreaterThan(0);
    expect(refusal).toEqual({
      status: 507,
      body: { error_type: 'InsufficientStorage', reason: expect.stringContaining('the database is full') },
    });
    // Writes on the main connection are refused the same way.
    const object = await postJson(small.url, '/obj/create', {
      obj: { project_id: PROJECT, object_id: 'big', val: { text: 'y'.repeat(3_000_000) } },
    });
    expect(object.status).toBe(507);
    // Reads go on, and see exactly what was acknowledged.
    const stats = await postJson(small.url, '/calls/query_stats', { project_id: PROJECT });
    expect(stats).toEqual({ status: 200, body: { count: acknowledged, has_more: false } });
    const page = await postJson(small.url, '/calls/stream_query', {
      project_id: PROJECT,
      limit: 5,
      columns: ['id'],
    });
    expect(page.status).toBe(200);
    expect(page.body).toHaveLength(5);
    expect((await postJson(small.url, '/calls/query_stats', { project_id: PROJECT })).status).toBe(200);
    expect(small.process.exitCode).toBeNull();
    expect(await small.stop()).toBe(0);

    // With room again, writes go on and nothing acknowledged was lost.
    const roomy = await startWeftServer({ dataDir: small.dataDir });
    servers.push(roomy);
    expect((await postJson(roomy.url, '/call/upsert_batch', batchOf(10_000, 10))).status).toBe(200);
    const after = await postJson(roomy.url, '/calls/query_stats', { project_id: PROJECT });
    expect(after.body).toEqual({ count: acknowledged + 10, has_more: false });
  }, 60_000);
});
