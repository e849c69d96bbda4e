/**
 * The CLI's store commands on a ClickHouse store (`--store chdb:<folder>`), as real processes:
 * `weft keys`, `weft retention` and `weft prune` work on it as on a data folder, and a server
 * started on it afterwards sees what they did (a key it requires, a retention it applies at start,
 * calls pruned).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { batchItemBuilders, traceIdOf } from '../../../test/support/batch-items.js';
import {
  CLI_PATH,
  postJson,
  removeDataDir,
  startWeftServer,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';

const storeDir = mkdtempSync(join(tmpdir(), 'weft-chdb-cli-'));
const STORE = `chdb:${storeDir}`;
const KEEP = 'team/keep';
const TRIM = 'team/trim';
const DAY_MS = 86_400_000;

const servers: WeftServerProcess[] = [];
afterAll(async () => {
  for (const server of servers) {
    await server.stop();
    removeDataDir(server.dataDir);
  }
  removeDataDir(storeDir);
});

function weft(...args: string[]): string {
  return execFileSync(process.execPath, [CLI_PATH, ...args, '--store', STORE], { encoding: 'utf8' }).trim();
}

async function serve(): Promise<WeftServerProcess> {
  const server = await startWeftServer({ args: ['--store', STORE] });
  servers.push(server);
  return server;
}

describe('weft keys, retention and prune with --store (chdb)', () => {
  it('keep keys and retention in the store, and prune its calls', async () => {
    const key = weft('keys', 'create', '--user', 'alice');
    expect(key).toMatch(/^weft_/);
    expect(weft('retention', 'set', '--project', TRIM, '--days', '30')).toContain('keeps calls for 30 days');
    expect(weft('retention', 'list')).toBe(`${TRIM}  30 days`);

    const headers = { authorization: `Bearer ${key}` };
    const old = new Date(Date.now() - 60 * DAY_MS).toISOString();
    const recent = new Date(Date.now() - DAY_MS).toISOString();
    const builders = new Map([KEEP, TRIM].map((project) => [project, batchItemBuilders(project)]));
    const log = async (url: string, project: string, startedAt: string, count: number) => {
      const { uniqueId, complete } = builders.get(project) ?? batchItemBuilders(project);
      const ids = Array.from({ length: count }, () => uniqueId('call'));
      const batch = ids.map((id) =>
        complete(id, { trace_id: traceIdOf(id), started_at: startedAt, ended_at: startedAt }),
      );
      const sent = await postJson(url, `/v2/${project}/calls/complete`, { batch }, { headers });
      expect(sent.status).toBe(200);
    };
    const count = async (url: string, project: string) => {
      const answer = await postJson(url, '/calls/query_stats', { project_id: project }, { headers });
      expect(answer.status).toBe(200);
      return (answer.body as { count: number }).count;
    };

    const first = await serve();
    // The key made by the CLI is the server's: without it, a request is refused.
    expect((await postJson(first.url, '/calls/query_stats', { project_id: KEEP })).status).toBe(401);
    await log(first.url, KEEP, old, 2);
    await log(first.url, KEEP, recent, 1);
    await log(first.url, TRIM, old, 3);
    await log(first.url, TRIM, recent, 1);
    expect([await count(first.url, KEEP), await count(first.url, TRIM)]).toEqual([3, 4]);
    // One process at a time holds a chdb folder: the server goes before the CLI works on it.
    await first.stop();

    expect(weft('prune', '--project', KEEP, '--older-than', '30d')).toMatch(/^removed 2 calls of team\/keep/);

    // The server applies the retention as it starts; the pruned calls stay gone.
    const second = await serve();
    await expect.poll(() => count(second.url, TRIM), { timeout: 30_000 }).toBe(1);
    expect(await count(second.url, KEEP)).toBe(1);
    await second.stop();

    const [listed] = weft('keys', 'list').split('\n');
    const keyId = listed?.split(' ')[0] ?? '';
    expect(weft('keys', 'revoke', keyId)).toBe(`revoked key ${keyId}`);
    expect(weft('keys', 'list')).toContain('revoked');
    expect(weft('retention', 'clear', '--project', TRIM)).toContain('keeps its calls');
    expect(weft('retention', 'list')).toBe('no project has a retention');
  }, 120_000);
});
