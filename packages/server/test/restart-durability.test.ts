/**
 * An acknowledged write survives the server stopping: a clean SIGTERM, a SIGTERM while writes are
 * still arriving, and a `kill -9` that gives the process no chance to close anything. Each case
 * stops the real `weft serve`, starts a new one on the same data folder and counts what it reads.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { batchItemBuilders } from '../../../test/support/batch-items.js';
import {
  postJson,
  removeDataDir,
  startWeftServer,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';

const PROJECT = 'team/durability';
const { uniqueId, complete } = batchItemBuilders(PROJECT);
const started: WeftServerProcess[] = [];

async function start(dataDir?: string): Promise<WeftServerProcess> {
  const server = await startWeftServer(dataDir ? { dataDir } : {});
  started.push(server);
  return server;
}

afterEach(async () => {
  const dataDirs = new Set(started.map((server) => server.dataDir));
  await Promise.all(started.splice(0).map((server) => server.stop('SIGKILL')));
  for (const dir of dataDirs) removeDataDir(dir);
});

/** Sends `count` complete calls in batches of `batchSize`; returns the ids the server acknowledged. */
async function logCalls(server: WeftServerProcess, count: number, batchSize: number): Promise<string[]> {
  const acknowledged: string[] = [];
  for (let sent = 0; sent < count; sent += batchSize) {
    const ids = Array.from({ length: Math.min(batchSize, count - sent) }, () => uniqueId('durable'));
    const res = await postJson(server.url, `/v2/${PROJECT}/calls/complete`, {
      batch: ids.map((id) => complete(id)),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    acknowledged.push(...ids);
  }
  return acknowledged;
}

async function storedIds(server: WeftServerProcess): Promise<Set<string>> {
  const res = (await postJson(server.url, '/calls/stream_query', {
    project_id: PROJECT,
    columns: ['id'],
  })) as { status: number; body: Array<{ id: string }> };
  expect(res.status).toBe(200);
  return new Set(res.body.map((call) => call.id));
}

async function storedObjectDigest(server: WeftServerProcess, name: string): Promise<string | undefined> {
  const res = (await postJson(server.url, '/obj/read', {
    project_id: PROJECT,
    object_id: name,
    digest: 'latest',
  })) as { status: number; body: { obj?: { digest: string } } };
  return res.status === 200 ? res.body.obj?.digest : undefined;
}

describe('acknowledged writes after the server stops', () => {
  it('are all there after SIGTERM and a restart', async () => {
    const first = await start();
    const ids = await logCalls(first, 600, 50);
    const object = (await postJson(first.url, '/obj/create', {
      obj: { project_id: PROJECT, object_id: 'settings', val: { temperature: 0.2 } },
    })) as { status: number; body: { digest: string } };
    expect(object.status).toBe(200);
    expect(await first.stop('SIGTERM')).toBe(0);

    const second = await start(first.dataDir);
    const stored = await storedIds(second);
    expect(stored.size).toBe(ids.length);
    expect(ids.filter((id) => !stored.has(id))).toEqual([]);
    expect(await storedObjectDigest(second, 'settings')).toBe(object.body.digest);
  });

  it('are all there after SIGTERM arrives while batches are still being sent', async () => {
    const first = await start();
    const acknowledged: string[] = [];
    // Four senders keep writing until the server stops answering; SIGTERM lands among them.
    const senders = Array.from({ length: 4 }, async () => {
      for (;;) {
        const ids = Array.from({ length: 20 }, () => uniqueId('racing'));
        const res = await postJson(first.url, `/v2/${PROJECT}/calls/complete`, {
          batch: ids.map((id) => complete(id)),
        }).catch(() => undefined);
        if (res?.status !== 200) return;
        acknowledged.push(...ids);
      }
    });
    while (acknowledged.length < 400) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await first.stop('SIGTERM')).toBe(0);
    await Promise.all(senders);

    const second = await start(first.dataDir);
    const stored = await storedIds(second);
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
  });

  it('are all there after kill -9 and a restart', async () => {
    const first = await start();
    const ids = await logCalls(first, 600, 50);
    await first.stop('SIGKILL');

    const second = await start(first.dataDir);
    const stored = await storedIds(second);
    expect(ids.filter((id) => !stored.has(id))).toEqual([]);
    // The restarted server takes new writes on the recovered file, and keeps them across a clean stop.
    const more = await logCalls(second, 100, 50);
    expect(await second.stop('SIGTERM')).toBe(0);
    const third = await start(first.dataDir);
    expect((await storedIds(third)).size).toBe(ids.length + more.length);
  });
});
