/**
 * Corners of the SDK found in review: tracing trouble that must stay out of user code, memory
 * that must stay bounded, and context that must not leak.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Call, getCurrentCall, HttpTraceServer, init, op, resetClient, WeaveClient } from 'weft';
import { removeDataDir, startWeftServer, type WeftServerProcess } from '../../../test/support/weft-server.js';

let server: WeftServerProcess;
let client: WeaveClient;

beforeAll(async () => {
  server = await startWeftServer();
  client = init('tests/edges', { serverUrl: server.url });
});

afterAll(async () => {
  await client.flush();
  resetClient();
  await server.stop();
  removeDataDir(server.dataDir);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('tracing trouble stays out of user code', () => {
  it('traces an op whose name is no valid object id (a lone surrogate), under a cleaned-up id', async () => {
    const odd = op((x: number) => x + 1, { name: 'odd\uD800name' });
    const [result, call] = odd.invoke(1);
    expect(result).toBe(2);
    expect(call?.op_name).toContain('/op/odd-name:');
    expect(call?.funcName).toBe('odd\uD800name');
    expect((await client.getCall(call!.id)).output).toBe(2);
  });

  it('keeps a generator’s yields as they were when yielded', async () => {
    const state = { step: 0 };
    const steps = op(function* steps() {
      for (let i = 1; i <= 3; i++) {
        state.step = i;
        yield state;
      }
    });
    const [iterator, call] = steps.invoke();
    for (const _ of iterator) {
      // consume
    }
    state.step = 99;
    expect((await client.getCall(call!.id)).output).toEqual([{ step: 1 }, { step: 2 }, { step: 3 }]);
  });

  it('traces the generator an async op resolves to until it is exhausted', async () => {
    const child = op(function child(n: number) {
      return n * 10;
    });
    const later = op(async function later() {
      await sleep(1);
      return (function* () {
        yield child(1);
        yield child(2);
      })();
    });
    const [generator, call] = await later.invoke();
    expect(call?.ended_at).toBeNull();
    expect([...generator]).toEqual([10, 20]);
    const stored = await client.getCall(call!.id);
    expect(stored.output).toEqual([10, 20]);
    const children = await stored.children().toArray();
    expect(children.map((c) => c.output)).toEqual([10, 20]);
  });
});

describe('bounded memory', () => {
  it('still takes new calls after many calls that never finish', async () => {
    const local = new WeaveClient('tests', 'unfinished', new HttpTraceServer(server.url), {
      batch: { maxQueueItems: 10, flushIntervalMs: 10 },
    });
    for (let i = 0; i < 20; i++) {
      local.createCall('never-finished', { i }, { useStack: false });
      if (i % 4 === 3) await local.flush();
    }
    await local.flush();
    const dropsBefore = local.stats.droppedItems;
    const later = local.createCall('finished', {}, { useStack: false });
    local.finishCall(later, 'ok');
    await local.flush();
    expect(local.stats.droppedItems).toBe(dropsBefore);
    expect((await local.getCall(later.id)).output).toBe('ok');
  });

  it('sums a long-lived parent’s many children correctly while holding only a few of their summaries', async () => {
    const leaf = op(function leaf() {
      return { model: 'm-1', usage: { prompt_tokens: 2, completion_tokens: 1 } };
    });
    let parent: Call | undefined;
    let heldAtMost = 0;
    const loop = op(function loop() {
      parent = getCurrentCall();
      for (let i = 0; i < 200; i++) {
        leaf();
        heldAtMost = Math.max(heldAtMost, parent?._childSummaries?.length ?? 0);
      }
    });
    loop();
    expect(heldAtMost).toBeLessThanOrEqual(64);
    const stored = await client.getCall(parent!.id);
    expect(stored.summary).toMatchObject({
      status_counts: { success: 201, error: 0 },
      usage: { 'm-1': { requests: 200, prompt_tokens: 400, completion_tokens: 200 } },
    });
  });
});

describe('context and flushing', () => {
  it('does not leave a finished createCall as the current call of its caller', async () => {
    async function handler() {
      const call = client.createCall('handler', {});
      await sleep(1);
      client.finishCall(call, 'done');
      return call;
    }
    const made = await handler();
    expect(getCurrentCall()).toBeUndefined();
    const after = op(function after() {
      return getCurrentCall();
    });
    const [, afterCall] = after.invoke();
    expect(afterCall?.parent_id).toBeNull();
    expect(afterCall?.trace_id).not.toBe(made.trace_id);
  });

  it('finishes a running call read back from the server', async () => {
    const started = client.createCall('long-running', { step: 1 }, { useStack: false });
    const readBack = await client.getCall(started.id);
    expect(readBack.ended_at).toBeNull();
    client.finishCall(readBack, 'finished elsewhere');
    await client.flush();
    expect(client.numOutstandingJobs).toBe(0);
    expect((await client.getCall(started.id)).output).toBe('finished elsewhere');
  });

  it('flush() returns while other code keeps tracing', async () => {
    const busy = op(function busy(n: number) {
      return n;
    });
    let running = true;
    const background = (async () => {
      for (let i = 0; running; i++) {
        busy(i);
        await sleep(0);
      }
    })();
    await sleep(20);
    await client.flush();
    running = false;
    await background;
    await client.flush();
    expect(client.numOutstandingJobs).toBe(0);
  });
});
