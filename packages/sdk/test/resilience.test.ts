/**
 * The SDK under trouble: the server goes away and comes back, rejects what it is sent, or cannot
 * keep up. Tracing must never throw into user code or end the process, and must count what it drops.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
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

/** Call-sending requests through `server`: how many started inside `inside()`, and how many at once. */
function watchSends(server: HttpTraceServer, inside: () => boolean) {
  const seen = { requests: 0, fromInsideAnOp: 0, inFlight: 0, mostInFlight: 0 };
  const watch =
    <A extends unknown[], T>(send: (...args: A) => Promise<T>) =>
    async (...args: A): Promise<T> => {
      seen.requests += 1;
      if (inside()) seen.fromInsideAnOp += 1;
      seen.inFlight += 1;
      seen.mostInFlight = Math.max(seen.mostInFlight, seen.inFlight);
      try {
        return await send(...args);
      } finally {
        seen.inFlight -= 1;
      }
    };
  // The client's sender calls these on this very object: wrapping them on the instance sees every one.
  server.callsCompleteEncoded = watch(server.callsCompleteEncoded.bind(server));
  server.callUpsertBatchEncoded = watch(server.callUpsertBatchEncoded.bind(server));
  return seen;
}

describe('the server goes away', () => {
  it('loses no call when the server stops for 3 s mid-run and comes back', async () => {
    const first = await serve();
    const client = init('tests/restart', { serverUrl: first.url, batch: { flushIntervalMs: 50 } });
    let insideOp = false;
    const sends = watchSends(client.server as HttpTraceServer, () => insideOp);
    const tick = op(function tick(n: number) {
      return n;
    });
    let made = 0;
    // Calls in steps of 5 ms: about 0.7 s with the server up, 3 s down, 0.5 s up again.
    const run = async (count: number) => {
      for (let step = 0; step < count; step++) {
        insideOp = true;
        const result: unknown = tick(made);
        insideOp = false;
        // Tracing stayed a plain function call: the op returned its value, not a promise, so it
        // cannot have waited on the network, whatever the server was doing.
        expect(result).toBe(made);
        made += 1;
        await sleep(5);
      }
    };
    await run(140);
    expect(await first.stop()).toBe(0);
    const sendsBeforeOutage = sends.requests;
    await run(600);
    // Requests kept being tried while the server was down ...
    expect(sends.requests).toBeGreaterThan(sendsBeforeOutage);
    const second = await serve({ port: first.port, dataDir: first.dataDir });
    await run(100);
    await client.flush();
    expect(client.stats.droppedItems).toBe(0);
    expect(client.stats.retries).toBeGreaterThan(0);
    const calls = await client.getCalls({ columns: ['inputs'] }).toArray();
    expect(calls.length).toBe(made);
    expect(new Set(calls.map((call) => call.inputs.arg0)).size).toBe(made);
    // ... always from the background, never from inside a call, and never more than two at once.
    expect(sends.fromInsideAnOp).toBe(0);
    expect(sends.mostInFlight).toBeGreaterThan(0);
    expect(sends.mostInFlight).toBeLessThanOrEqual(2);
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

/** A 127.0.0.1 URL nothing listens on: a port that was just free, closed again. */
async function closedPortUrl(): Promise<string> {
  const listener = createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as { port: number };
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** The SDK's report at exit, as numbers: undefined if it printed none. */
function undeliveredReports(stderr: string): Array<{ calls: number; feedbackRows: number }> {
  const reports = stderr.split('\n').filter((line) => /not delivered to the trace server/.test(line));
  return reports.map((line) => ({
    calls: Number(/(\d+) calls?\b/.exec(line)?.[1] ?? 0),
    feedbackRows: Number(/(\d+) feedback rows?\b/.exec(line)?.[1] ?? 0),
  }));
}

describe('process exit', () => {
  // The fixtures import the built `weft` package, as a user's script would.
  const run = promisify(execFile);

  it('sends pending calls before a normal exit, without an explicit flush, and reports nothing', async () => {
    const server = await serve();
    const script = join(import.meta.dirname, 'fixtures/exit-without-flush.mjs');
    const { stdout, stderr } = await run(process.execPath, [script], {
      env: { ...process.env, WEFT_TEST_SERVER_URL: server.url },
    });
    expect(stdout.trim()).toBe('done');
    expect(undeliveredReports(stderr)).toEqual([]);
    const client = init('tests/exit', { serverUrl: server.url });
    expect(await client.getCalls().count()).toBe(25);
  });

  // Eight parents of two children each, and one call with two feedback rows.
  const parents = 8;
  const calls = parents * 3 + 1;

  it('exits by itself with a dead server, code 0, reporting exactly the calls and feedback rows not delivered', async () => {
    const script = join(import.meta.dirname, 'fixtures/exit-dead-server.mjs');
    // Everything is still being retried at exit: the deadline ends the wait.
    const batch = { flushIntervalMs: 10, exitFlushTimeoutMs: 500 };
    // execFile rejects on a non-zero exit code; it resolves only once the process has ended.
    const { stdout, stderr } = await run(process.execPath, [script], {
      env: {
        ...process.env,
        WEFT_TEST_SERVER_URL: await closedPortUrl(),
        WEFT_TEST_PARENTS: String(parents),
        WEFT_TEST_BATCH: JSON.stringify(batch),
      },
    });
    expect(stdout.trim()).toBe('done');
    expect(undeliveredReports(stderr)).toEqual([{ calls, feedbackRows: 2 }]);
  }, 60_000);

  it('counts each call once when the server stayed away for longer than maxRetryMs while the script ran', async () => {
    const script = join(import.meta.dirname, 'fixtures/exit-dead-server.mjs');
    // Batches are given up on while parents still run: a parent's start and end are lost apart.
    const batch = { flushIntervalMs: 10, retryBaseDelayMs: 5, maxRetryMs: 40, exitFlushTimeoutMs: 500 };
    const { stdout, stderr } = await run(process.execPath, [script], {
      env: {
        ...process.env,
        WEFT_TEST_SERVER_URL: await closedPortUrl(),
        WEFT_TEST_PARENTS: String(parents),
        WEFT_TEST_BATCH: JSON.stringify(batch),
      },
    });
    expect(stdout.trim()).toBe('done');
    expect(stderr).toMatch(/weft: sending traces failed: .*ECONNREFUSED; dropped \d+ call parts/);
    expect(undeliveredReports(stderr)).toEqual([{ calls, feedbackRows: 2 }]);
  }, 60_000);

  it('reports exactly what was not delivered when the script calls process.exit() itself', async () => {
    const script = join(import.meta.dirname, 'fixtures/exit-dead-server.mjs');
    const batch = { flushIntervalMs: 10 };
    const { stdout, stderr } = await run(process.execPath, [script], {
      env: {
        ...process.env,
        WEFT_TEST_SERVER_URL: await closedPortUrl(),
        WEFT_TEST_PARENTS: String(parents),
        WEFT_TEST_BATCH: JSON.stringify(batch),
        WEFT_TEST_EXIT_AT_ONCE: '1',
      },
    });
    expect(stdout.trim()).toBe('done');
    expect(undeliveredReports(stderr)).toEqual([{ calls, feedbackRows: 2 }]);
  }, 60_000);
});
