/**
 * Retention on the real `weft serve` and CLI (docs/protocol.md §20): `weft prune` removes a
 * project's old calls with their feedback and the database file shrinks, on a database weft made
 * (freed in place) and on one made without reclaimable space (rewritten once); `weft retention`
 * settings are applied by the server in the background.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CLI_PATH,
  postJson,
  removeDataDir,
  SERVERS_ON_CHDB,
  startWeftServer,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';

const KEEP = 'team/keep';
const TRIM = 'team/trim';
const callId = (n: number) => `0192f000-0000-7000-8000-${String(n).padStart(12, '0')}`;

function weft(dataDir: string, ...args: string[]): string {
  return execFileSync(process.execPath, [CLI_PATH, ...args, '--data', dataDir], { encoding: 'utf8' }).trim();
}

/** `count` calls of the project, each with ~4 KB of inputs that SQLite cannot fold together. */
async function logCalls(url: string, project: string, first: number, count: number, startedAt: string) {
  for (let done = 0; done < count; done += 200) {
    const batch = Array.from({ length: Math.min(200, count - done) }, (_, i) => {
      const n = first + done + i;
      return {
        mode: 'start',
        req: {
          start: {
            project_id: project,
            id: callId(n),
            op_name: 'work',
            started_at: startedAt,
            attributes: {},
            inputs: {
              text: Array.from({ length: 400 }, (_, j) => ((n * 7919 + j * 104729) % 1e9).toString(36)).join(
                ' ',
              ),
            },
          },
        },
      };
    });
    expect((await postJson(url, '/call/upsert_batch', { batch })).status).toBe(200);
  }
}

async function count(url: string, project: string): Promise<number> {
  const answer = await postJson(url, '/calls/query_stats', { project_id: project });
  return (answer.body as { count: number }).count;
}

const servers: WeftServerProcess[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
  for (const dir of dirs.splice(0)) removeDataDir(dir);
});

async function serve(dataDir: string): Promise<WeftServerProcess> {
  const server = await startWeftServer({ dataDir });
  servers.push(server);
  return server;
}

// The SQLite file and its free pages; prune and retention on ClickHouse: clickhouse-cli.test.ts.
describe.skipIf(SERVERS_ON_CHDB)('weft prune', () => {
  it("removes a project's old calls with their feedback, leaves the rest, and the file shrinks", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'weft-prune-'));
    dirs.push(dataDir);
    const server = await serve(dataDir);
    await logCalls(server.url, TRIM, 0, 3_000, '2020-01-01T00:00:00Z');
    await logCalls(server.url, TRIM, 10_000, 100, new Date().toISOString());
    await logCalls(server.url, KEEP, 20_000, 100, '2020-01-01T00:00:00Z');
    const feedback = await postJson(server.url, '/feedback/create', {
      project_id: TRIM,
      weave_ref: `weave:///${TRIM}/call/${callId(1)}`,
      feedback_type: 'wandb.note.1',
      payload: { note: 'on an old call' },
    });
    expect(feedback.status).toBe(200);
    await server.stop();
    const before = statSync(join(dataDir, 'weft.db')).size;

    const said = weft(dataDir, 'prune', '--project', TRIM, '--older-than', '30d');
    expect(said).toMatch(
      /^removed 3000 calls of team\/trim started before .*; the database went from [\d.]+ MB to [\d.]+ MB$/,
    );
    const after = statSync(join(dataDir, 'weft.db')).size;
    // 3,000 of 3,200 calls of ~4 KB each were removed: well over half of the file.
    expect(after).toBeLessThan(before / 2);

    const again = await serve(dataDir);
    expect(await count(again.url, TRIM)).toBe(100);
    expect(await count(again.url, KEEP)).toBe(100);
    const left = await postJson(again.url, '/feedback/query', { project_id: TRIM });
    expect(left.body).toEqual({ result: [] });
  }, 120_000);

  it('rewrites, once, a database made without reclaimable space, so it shrinks too', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'weft-prune-legacy-'));
    dirs.push(dataDir);
    // As weft made databases before it kept space reclaimable.
    const legacy = new Database(join(dataDir, 'weft.db'));
    legacy.pragma('auto_vacuum = NONE');
    legacy.exec('CREATE TABLE made_before (x)');
    legacy.close();
    const server = await serve(dataDir);
    await logCalls(server.url, TRIM, 0, 2_000, '2020-01-01T00:00:00Z');
    await server.stop();
    const before = statSync(join(dataDir, 'weft.db')).size;
    weft(dataDir, 'prune', '--project', TRIM, '--older-than', '1d');
    expect(statSync(join(dataDir, 'weft.db')).size).toBeLessThan(before / 2);
    const check = new Database(join(dataDir, 'weft.db'), { readonly: true });
    expect(check.pragma('auto_vacuum', { simple: true })).toBe(2);
    check.close();
  }, 120_000);
});

// `weft retention` beside a running server: a chdb folder is open in one process at a time.
describe.skipIf(SERVERS_ON_CHDB)('weft retention', () => {
  it("is applied by the running server: the project's calls past it go, others stay", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'weft-retention-'));
    dirs.push(dataDir);
    const first = await serve(dataDir);
    await logCalls(first.url, TRIM, 0, 300, '2020-01-01T00:00:00Z');
    await logCalls(first.url, TRIM, 1_000, 10, new Date().toISOString());
    await logCalls(first.url, KEEP, 2_000, 50, '2020-01-01T00:00:00Z');
    expect(weft(dataDir, 'retention', 'set', '--project', TRIM, '--days', '30')).toContain(
      'keeps calls for 30 days',
    );
    expect(weft(dataDir, 'retention', 'list')).toBe(`${TRIM}  30 days`);
    // The server applies retention at start and hourly: a restart makes the next run soon.
    await first.stop();
    servers.splice(servers.indexOf(first), 1);
    const server = await serve(dataDir);
    let trimmed = await count(server.url, TRIM);
    for (let attempt = 0; attempt < 200 && trimmed !== 10; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      trimmed = await count(server.url, TRIM);
    }
    expect(trimmed).toBe(10);
    expect(await count(server.url, KEEP)).toBe(50);
    expect(weft(dataDir, 'retention', 'clear', '--project', TRIM)).toContain('keeps its calls');
    expect(weft(dataDir, 'retention', 'list')).toBe('no project has a retention');
  }, 120_000);
});
