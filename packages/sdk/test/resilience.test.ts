/**
 * The SDK under trouble: the server goes away and comes back, rejects what it is sent, or cannot
 * keep up. Tracing must never throw into user code or end the process, and must count what it drops.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpTraceServer, init, op, resetClient, WeaveClient } from 'weft';
import { removeDataDir, startWeftServer, type WeftServerProcess } from '../../../test/support/weft-server.js';

const started: WeftServerProcess[] = [];

async function serve(options: { port?: number; dataDir?: string } = {}): Promise<WeftServerProcess> {
  const server = await startWeftServer(options);
  started.push(server);
  return server;
}

afterEach(async () => {
  resetClient();
  for (const server of started.splice(0)) {
    await server.stop();
    removeDataDir(server.dataDir);
  }
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Item = {
  mode?: string;
  req?: { start?: Record<string, unknown>; end?: Record<string, unknown> };
} & Record<string, unknown>;

/**
 * A transport that spoils the first item of every batch it sends, so that the server must refuse
 * that item (a start or complete item without `started_at`, an end without `ended_at`) and keep
 * the rest. Records what kind of item it spoiled.
 */
class SpoilsFirstItem extends HttpTraceServer {
  readonly spoiled: string[] = [];

  override callUpsertBatchEncoded(body: Uint8Array, options?: { signal?: AbortSignal }) {
    return super.callUpsertBatchEncoded(this.spoil(body), options);
  }

  override callsCompleteEncoded(projectId: string, body: Uint8Array, options?: { signal?: AbortSignal }) {
    return super.callsCompleteEncoded(projectId, this.spoil(body), options);
  }

  private spoil(body: Uint8Array): Buffer {
    const request = JSON.parse(Buffer.from(body).toString('utf8')) as { batch: Item[] };
    const first = request.batch[0] as Item;
    if (first.req?.start) delete first.req.start.started_at;
    else if (first.req?.end) delete first.req.end.ended_at;
    else delete first.started_at;
    this.spoiled.push(first.mode ?? 'complete');
    return Buffer.from(JSON.stringify(request));
  }
}

describe('the server goes away', () => {
  it('loses no call when the server stops for 3 s mid-run and comes back', async () => {
    const first = await serve();
    const client = init('tests/restart', { serverUrl: first.url, batch: { flushIntervalMs: 50 } });
    const tick = op(function tick(n: number) {
      return n;
    });
    let made = 0;
    let slowest = 0;
    const run = async (ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        const before = performance.now();
        tick(made++);
        slowest = Math.max(slowest, performance.now() - before);
        await sleep(5);
      }
    };
    await run(700);
    expect(await first.stop()).toBe(0);
    await run(3000);
    const second = await serve({ port: first.port, dataDir: first.dataDir });
    await run(500);
    await client.flush();
    expect(client.stats.droppedItems).toBe(0);
    expect(client.stats.retries).toBeGreaterThan(0);
    const calls = await client.getCalls({ columns: ['inputs'] }).toArray();
    expect(calls.length).toBe(made);
    expect(new Set(calls.map((call) => call.inputs.arg0)).size).toBe(made);
    // Tracing while the server was down stayed a function call: nothing waited on the network.
    expect(slowest).toBeLessThan(100);
    expect(second.url).toBe(first.url);
  }, 30_000);

  it('drops, counts and warns when the queue is full, without throwing', async () => {
    const unreachable = new HttpTraceServer('http://127.0.0.1:9');
    const client = new WeaveClient('tests', 'full-queue', unreachable, {
      batch: { maxQueueItems: 10, flushIntervalMs: 60_000, maxRetryMs: 200, retryBaseDelayMs: 20 },
    });
    const calls = Array.from({ length: 20 }, (_, index) => {
      const call = client.createCall('step', { index }, { useStack: false });
      client.finishCall(call, index);
      return call;
    });
    expect(calls).toHaveLength(20);
    // Five calls fit (a start plus the end slot reserved for it); the other fifteen were dropped whole.
    expect(client.numOutstandingJobs).toBe(10);
    expect(client.stats.droppedItems).toBe(15);
    await client.flush();
    expect(client.stats.droppedItems).toBe(25);
    expect(client.numOutstandingJobs).toBe(0);
  });
});

describe('the server says no', () => {
  it('splits a batch the server finds too large and drops only the part that cannot fit', async () => {
    const server = await serve();
    const client = init('tests/oversize', {
      serverUrl: server.url,
      maxValueBytes: 40 * 1024 * 1024,
      batch: { maxBatchBytes: 200 * 1024 * 1024, flushIntervalMs: 10_000 },
    });
    const echo = op(function echo(text: string) {
      return text.length;
    });
    const twelveMegabytes = 'm'.repeat(12 * 1024 * 1024);
    echo(twelveMegabytes);
    echo(twelveMegabytes);
    echo(twelveMegabytes);
    echo('x'.repeat(33 * 1024 * 1024));
    echo('small');
    await client.flush();
    const outputs = (await client.getCalls({ columns: ['output'] }).toArray()).map((call) => call.output);
    expect(outputs).toEqual([12 * 1024 * 1024, 12 * 1024 * 1024, 12 * 1024 * 1024, 'small'.length]);
    // Only the 33 MiB call's start part was refused (its end, which holds only a number, arrived).
    expect(client.stats.droppedItems).toBe(1);
  }, 30_000);

  it('counts the parts a server refuses one by one while it keeps the rest of their batch', async () => {
    const server = await serve();
    const spoiled = new SpoilsFirstItem(server.url);
    const client = new WeaveClient('tests', 'refused', spoiled);
    const kept = op(function kept(n: number) {
      return n;
    });
    for (let i = 0; i < 3; i++) client.finishCall(client.createCall(kept, { n: i }), i);
    await client.flush();
    expect(spoiled.spoiled).toEqual(['complete']);
    // The first call went as one complete item: both of its parts were refused, and counted.
    expect(client.stats.rejectedItems).toBe(2);
    expect(client.stats.droppedItems).toBe(0);
    expect((await client.getCalls().toArray()).map((call) => call.output)).toEqual([1, 2]);
  });

  it('counts refused parts on /call/upsert_batch too, for a server without the v2 route', async () => {
    const server = await serve();
    const spoiled = new SpoilsFirstItem(server.url);
    // A transport without the v2 route sends every part to /call/upsert_batch.
    Object.defineProperty(spoiled, 'callsCompleteEncoded', { value: undefined });
    const client = new WeaveClient('tests', 'refused-v1', spoiled);
    const kept = op(function kept(n: number) {
      return n;
    });
    for (let i = 0; i < 3; i++) client.finishCall(client.createCall(kept, { n: i }), i);
    await client.flush();
    expect(spoiled.spoiled).toEqual(['start']);
    // Only the first call's start was refused; its end was stored, but a call without a start is not read.
    expect(client.stats.rejectedItems).toBe(1);
    expect(client.stats.droppedItems).toBe(0);
    expect((await client.getCalls().toArray()).map((call) => call.output)).toEqual([1, 2]);
  });

  it('cuts an oversized input to the size cap with a visible marker, and counts it', async () => {
    const server = await serve();
    const client = init('tests/truncate', { serverUrl: server.url, maxValueBytes: 1024 });
    const swallow = op(function swallow(_text: string) {
      return 'ok';
    });
    const [, call] = swallow.invoke('y'.repeat(5000));
    const stored = await client.getCall(call!.id);
    const input = stored.inputs.arg0 as string;
    expect(input.length).toBeLessThan(1100);
    expect(input).toMatch(/truncated \d+ characters/);
    expect(client.stats.truncatedValues).toBe(1);
  });
});

describe('process exit', () => {
  it('sends pending calls before a normal exit, without an explicit flush', async () => {
    const server = await serve();
    // The fixture imports the built `weft` package, as a user's script would.
    const script = join(import.meta.dirname, 'fixtures/exit-without-flush.mjs');
    const { stdout } = await promisify(execFile)(process.execPath, [script], {
      env: { ...process.env, WEFT_TEST_SERVER_URL: server.url },
    });
    expect(stdout.trim()).toBe('done');
    const client = init('tests/exit', { serverUrl: server.url });
    expect(await client.getCalls().count()).toBe(25);
  });
});
