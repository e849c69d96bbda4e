/**
 * The disk spool end to end: SDK processes (the built `weft`, as a user's script runs it) and the
 * real server process, stopped, killed with SIGKILL and started again on the same port and data.
 * Nothing is mocked; every wait is bounded and no assertion is about how long anything took.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpTraceServer, WeaveClient } from 'weft';
import { removeDataDir, startWeftServer, type WeftServerProcess } from '../../../test/support/weft-server.js';

const FIXTURE = join(import.meta.dirname, 'fixtures/spool-calls.mjs');

const servers: WeftServerProcess[] = [];
const folders: string[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    await server.stop('SIGKILL');
    removeDataDir(server.dataDir);
  }
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function tempFolder(prefix: string): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  folders.push(folder);
  return folder;
}

/** A 127.0.0.1 port nothing listens on: one that was just free, closed again. */
async function closedPort(): Promise<number> {
  const listener = createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as { port: number };
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  return port;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  stats: Record<string, number>;
}

/**
 * Runs the fixture to its end. `onLine` answers its requests (`kill 1`, `restart 1`): what it
 * resolves with is written to the fixture's stdin.
 */
function runFixture(
  env: Record<string, string>,
  onLine: (line: string) => Promise<string | undefined> = async () => undefined,
): Promise<Run> {
  const child = spawn(process.execPath, [FIXTURE], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let pending = '';
  let answers = Promise.resolve();
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    pending += chunk.toString();
    for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      // One request at a time, in order.
      answers = answers.then(async () => {
        const answer = await onLine(line);
        if (answer !== undefined) child.stdin.write(`${answer}\n`);
      });
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      void answers.then(() => {
        const statsLine = stdout.split('\n').find((line) => line.startsWith('stats '));
        const stats = statsLine
          ? (JSON.parse(statsLine.slice('stats '.length)) as Record<string, number>)
          : {};
        resolve({ code, stdout, stderr, stats });
      }, reject);
    });
  });
}

interface ManifestEntry {
  id: string;
  parent: string | null;
  threw: boolean;
  childThrew: boolean;
}

const readManifest = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as ManifestEntry[];

/** The status the server must derive for a call of the manifest (docs/protocol.md §4.2). */
const expectedStatus = (entry: ManifestEntry) =>
  entry.threw ? 'error' : entry.childThrew ? 'descendant_error' : 'success';

/**
 * Every call of the manifests is stored once, ended, under its parent, with its status; and the
 * project holds no other call.
 */
async function expectStoredExactlyOnce(
  url: string,
  project: string,
  manifest: ManifestEntry[],
): Promise<void> {
  const [entity, name] = project.split('/') as [string, string];
  const reader = new WeaveClient(entity, name, new HttpTraceServer(url));
  const stored = await reader
    .getCalls({ columns: ['id', 'parent_id', 'exception', 'ended_at', 'summary'] })
    .toArray();
  const byId = new Map(stored.map((call) => [call.id, call]));
  // No call twice, none missing, none extra.
  expect(byId.size).toBe(stored.length);
  expect(stored.length).toBe(manifest.length);
  const wrong: string[] = [];
  for (const entry of manifest) {
    const call = byId.get(entry.id);
    const status = (call?.summary?.weave as { status?: string } | undefined)?.status;
    if (!call) wrong.push(`${entry.id}: missing`);
    else if (call.parent_id !== entry.parent)
      wrong.push(`${entry.id}: parent ${call.parent_id}, not ${entry.parent}`);
    else if (call.ended_at === null) wrong.push(`${entry.id}: not ended`);
    else if ((call.exception !== null) !== entry.threw)
      wrong.push(`${entry.id}: exception ${call.exception}`);
    else if (status !== expectedStatus(entry)) wrong.push(`${entry.id}: status ${status}`);
  }
  expect(wrong.slice(0, 5)).toEqual([]);
}

/** Files left in the spool folder (spooled, claimed or half-written). */
const spoolFiles = (folder: string) => readdirSync(folder);

/** The exit report's counts: calls not delivered, and calls spooled (with the folder named). */
function exitReport(stderr: string, folder: string): { undelivered: number; spooled: number } {
  const undelivered = /(\d+) calls? (?:was|were) not delivered/.exec(stderr);
  const spooled = new RegExp(
    `(\\d+) calls? (?:was|were) spooled to ${folder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
  ).exec(stderr);
  return { undelivered: Number(undelivered?.[1] ?? 0), spooled: Number(spooled?.[1] ?? 0) };
}

describe('the disk spool', () => {
  it('keeps the calls of a process whose server is away for its whole run, and the next processes deliver them once', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}`;
    const spool = tempFolder('weft-spool-');
    const work = tempFolder('weft-spool-work-');
    const project = 'tests/spool-across-processes';
    // 500 trees of four calls. The queue holds 1,000 parts and the run waits (10 s in all at most)
    // while 700 are pending: with the server away, only spilling to the spool makes room; the rest
    // is spooled at the exit deadline.
    const first = await runFixture({
      WEFT_TEST_SERVER_URL: url,
      WEFT_SPOOL_DIR: spool,
      WEFT_TEST_PROJECT: project,
      WEFT_TEST_TREES: '500',
      WEFT_TEST_PENDING_BELOW: '700',
      WEFT_TEST_MANIFEST: join(work, 'first.json'),
      WEFT_TEST_BATCH: JSON.stringify({
        maxQueueItems: 1_000,
        maxBatchItems: 100,
        flushIntervalMs: 10,
        retryMaxDelayMs: 100,
        exitFlushTimeoutMs: 300,
      }),
    });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('done');
    const logged = readManifest(join(work, 'first.json'));
    expect(logged).toHaveLength(2_000);
    // Nothing lost, all spooled, and the exit report says so and where.
    expect(exitReport(first.stderr, spool)).toEqual({ undelivered: 0, spooled: 2_000 });
    expect(first.stats).toMatchObject({ droppedItems: 0, undeliveredCalls: 0, spooledCalls: 2_000 });
    expect(first.stats.spooledItems).toBe(4_000);
    // One file per request, each readable by its owner only, in a folder that is its owner's.
    const files = spoolFiles(spool);
    expect(files.length).toBeGreaterThan(1);
    expect(files.every((file) => file.endsWith('.spool'))).toBe(true);
    expect(statSync(spool).mode & 0o777).toBe(0o700);
    for (const file of files) expect(statSync(join(spool, file)).mode & 0o777).toBe(0o600);

    const server = await startWeftServer({ port });
    servers.push(server);
    // Two processes start at once with the same spool, each logging three trees of its own: they
    // share the files between them (a file is claimed by one), and exit once all is delivered.
    const next = (n: number) =>
      runFixture({
        WEFT_TEST_SERVER_URL: url,
        WEFT_SPOOL_DIR: spool,
        WEFT_TEST_PROJECT: project,
        WEFT_TEST_TREES: '3',
        WEFT_TEST_MANIFEST: join(work, `next-${n}.json`),
      });
    const [second, third] = await Promise.all([next(2), next(3)]);
    for (const run of [second, third]) {
      expect(run.code).toBe(0);
      expect(exitReport(run.stderr, spool)).toEqual({ undelivered: 0, spooled: 0 });
      expect(run.stats).toMatchObject({ droppedItems: 0, spoolRejectedItems: 0, spoolErrors: 0 });
    }
    // Every spooled part was sent once, by one of them: a file sent twice would count twice.
    expect((second.stats.spoolSentItems ?? 0) + (third.stats.spoolSentItems ?? 0)).toBe(4_000);
    expect(spoolFiles(spool)).toEqual([]);
    await expectStoredExactlyOnce(server.url, project, [
      ...logged,
      ...readManifest(join(work, 'next-2.json')),
      ...readManifest(join(work, 'next-3.json')),
    ]);
  }, 120_000);

  it('stores 20,000 calls exactly once while the server is killed with SIGKILL and restarted twice', async () => {
    let server = await startWeftServer();
    servers.push(server);
    const { port, dataDir } = server;
    const spool = tempFolder('weft-spool-');
    const work = tempFolder('weft-spool-work-');
    const project = 'tests/sigkill';
    const killed: number[] = [];
    // 5,000 trees of four calls, logged no faster than the server takes them (the script waits
    // while 4,000 parts are pending, 10 s in all at most), so that batches are in flight when the
    // server dies. At trees 1,500 and 3,200 the server is killed; the SDK logs 600 more trees
    // while it is away, for longer than its retry time (300 ms), so it spools; then the server
    // is started again on the same port and data.
    const run = await runFixture(
      {
        WEFT_TEST_SERVER_URL: server.url,
        WEFT_SPOOL_DIR: spool,
        WEFT_TEST_PROJECT: project,
        WEFT_TEST_TREES: '5000',
        WEFT_TEST_PENDING_BELOW: '4000',
        WEFT_TEST_MANIFEST: join(work, 'manifest.json'),
        WEFT_TEST_OUTAGES: JSON.stringify([
          { at: 1_500, down: 600 },
          { at: 3_200, down: 600 },
        ]),
        WEFT_TEST_BATCH: JSON.stringify({
          flushIntervalMs: 20,
          retryBaseDelayMs: 20,
          retryMaxDelayMs: 100,
          maxRetryMs: 300,
          exitFlushTimeoutMs: 60_000,
        }),
      },
      async (line) => {
        const [what, outage] = line.split(' ');
        if (what === 'kill') {
          // Whatever is in flight is cut off: the SDK cannot know whether it was stored.
          expect(await server.stop('SIGKILL')).toBe(null);
          killed.push(Number(outage));
          return `killed ${outage}`;
        }
        if (what === 'restart') {
          server = await startWeftServer({ port, dataDir });
          servers.push(server);
          return `restarted ${outage}`;
        }
        return undefined;
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(killed).toEqual([1, 2]);
    expect(exitReport(run.stderr, spool)).toEqual({ undelivered: 0, spooled: 0 });
    expect(run.stats).toMatchObject({ droppedItems: 0, undeliveredCalls: 0, spoolRejectedItems: 0 });
    // Both outages outlasted the retry time: calls went through the spool and came back from it.
    expect(run.stats.spooledItems).toBeGreaterThan(0);
    expect(run.stats.spoolSentItems).toBe(run.stats.spooledItems);
    expect(spoolFiles(spool)).toEqual([]);
    const manifest = readManifest(join(work, 'manifest.json'));
    expect(manifest).toHaveLength(20_000);
    await expectStoredExactlyOnce(server.url, project, manifest);
  }, 180_000);
});
