/**
 * op() tracing end to end: the SDK sends to the real `weft serve` process, and the tests read the
 * calls back through the SDK's own client.
 */
import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Call, getCurrentCall, init, op, resetClient, type WeaveClient, withAttributes } from 'weft';
import { removeDataDir, startWeftServer, type WeftServerProcess } from '../../../test/support/weft-server.js';

let server: WeftServerProcess;
let client: WeaveClient;

beforeAll(async () => {
  server = await startWeftServer();
  client = init('tests/tracing', { serverUrl: server.url });
});

afterAll(async () => {
  await client.flush();
  resetClient();
  await server.stop();
  removeDataDir(server.dataDir);
});

async function traceOf(call: Call): Promise<Call[]> {
  return client.getCalls({ filter: { trace_ids: [call.trace_id] } }).toArray();
}

function byName(calls: Call[], name: string): Call[] {
  return calls.filter((call) => call.funcName === name);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('op()', () => {
  it('keeps a sync function sync and an async one async', async () => {
    const add = op(function add(a: number, b: number) {
      return a + b;
    });
    const addLater = op(async function addLater(a: number, b: number) {
      return a + b;
    });
    expect(add(2, 3)).toBe(5);
    const pending = addLater(2, 3);
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toBe(5);
  });

  it('keeps `this` for methods and re-throws errors unchanged', () => {
    class Counter {
      count = 1;
      bump = op(function bump(this: Counter, by: number) {
        this.count += by;
        return this.count;
      });
    }
    const counter = new Counter();
    expect(counter.bump(2)).toBe(3);
    const failure = new RangeError('exactly this error');
    const explode = op(function explode() {
      throw failure;
    });
    let caught: unknown;
    try {
      explode();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBe(failure);
  });

  it('links nested ops and parallel async children to the right parents', async () => {
    const leaf = op(async function leaf(n: number) {
      await sleep(5 * (3 - n));
      return n * 10;
    });
    const branch = op(async function branch(n: number) {
      const [a, b] = await Promise.all([leaf(n), leaf(n + 1)]);
      return (a ?? 0) + (b ?? 0);
    });
    const root = op(async function root() {
      return Promise.all([branch(0), branch(1)]);
    });
    const [result, rootCall] = await root.invoke();
    expect(result).toEqual([10, 30]);
    const calls = await traceOf(rootCall!);
    expect(calls).toHaveLength(7);
    const branches = byName(calls, 'branch');
    expect(branches.map((call) => call.parent_id)).toEqual([rootCall!.id, rootCall!.id]);
    for (const branchCall of branches) {
      const leaves = byName(calls, 'leaf').filter((call) => call.parent_id === branchCall.id);
      expect(leaves.map((call) => call.inputs.arg0).sort()).toEqual(
        [branchCall.inputs.arg0, (branchCall.inputs.arg0 as number) + 1].sort(),
      );
    }
    expect(new Set(calls.map((call) => call.trace_id))).toEqual(new Set([rootCall!.trace_id]));
  });

  it('follows the call stack across timers and event emitters', async () => {
    const onEvent = op(function onEvent(payload: string) {
      return payload.toUpperCase();
    });
    const afterTimer = op(function afterTimer() {
      return 'tick';
    });
    const emitter = new EventEmitter();
    const outer = op(async function outer() {
      const heard = new Promise<string>((resolve) =>
        emitter.once('ping', (payload: string) => resolve(onEvent(payload))),
      );
      setTimeout(() => emitter.emit('ping', 'hello'), 1);
      await new Promise<void>((resolve) => setTimeout(() => resolve(void afterTimer()), 1));
      return heard;
    });
    const [result, outerCall] = await outer.invoke();
    expect(result).toBe('HELLO');
    const calls = await traceOf(outerCall!);
    for (const name of ['onEvent', 'afterTimer']) {
      expect(byName(calls, name).map((call) => call.parent_id)).toEqual([outerCall!.id]);
    }
  });

  it('traces generators and async generators until they are exhausted', async () => {
    const countTo = op(function* countTo(n: number) {
      for (let i = 1; i <= n; i++) yield i;
    });
    const produce = op(async function* produce() {
      yield 'a';
      await sleep(1);
      yield 'b';
    });
    const [numbers, countCall] = countTo.invoke(3);
    expect(countCall?.ended_at).toBeNull();
    expect([...numbers]).toEqual([1, 2, 3]);
    const letters: string[] = [];
    const [stream, produceCall] = produce.invoke();
    for await (const letter of stream) letters.push(letter);
    expect(letters).toEqual(['a', 'b']);
    const storedCount = await client.getCall(countCall!.id);
    const storedProduce = await client.getCall(produceCall!.id);
    expect(storedCount.output).toEqual([1, 2, 3]);
    expect(storedProduce.output).toEqual(['a', 'b']);
    expect(storedCount.summary.weave).toMatchObject({ status: 'success' });
  });

  it('runs untraced, unchanged, when there is no client', () => {
    resetClient();
    try {
      const double = op((x: number) => x * 2);
      expect(double(4)).toBe(8);
      expect(double.invoke(4)).toEqual([8, undefined]);
    } finally {
      client = init('tests/tracing', { serverUrl: server.url });
    }
  });
});

describe('status and derived summary', () => {
  it('marks the root descendant_error when a call three levels down fails, and the failing call error', async () => {
    const level3 = op(async function level3() {
      throw new TypeError('deep failure');
    });
    const level2 = op(async function level2() {
      return level3();
    });
    const level1 = op(async function level1() {
      try {
        return await level2();
      } catch {
        return 'recovered';
      }
    });
    const [result, rootCall] = await level1.invoke();
    expect(result).toBe('recovered');
    const calls = await traceOf(rootCall!);
    const status = Object.fromEntries(
      calls.map((call) => [call.funcName, (call.summary.weave as { status: string }).status]),
    );
    expect(status).toEqual({ level1: 'descendant_error', level2: 'error', level3: 'error' });
    const failed = byName(calls, 'level3')[0]!;
    expect(failed.exception).toMatch(/^TypeError: deep failure/);
    expect(failed.exception).toContain('at ');
  });

  it('reads a call that has not finished as running, with no latency', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let running: Call | undefined;
    const slow = op(async function slow() {
      running = getCurrentCall();
      await gate;
      return 'finally';
    });
    const done = slow();
    await sleep(1);
    const seen = await client.getCall(running!.id);
    expect(seen.summary.weave).toMatchObject({ status: 'running', latency_ms: null });
    expect(seen.ended_at).toBeNull();
    release();
    await done;
    const after = await client.getCall(running!.id);
    expect(after.summary.weave).toMatchObject({ status: 'success' });
  });

  it('derives latency_ms and trace_name', async () => {
    const pause = op(async function pause(ms: number) {
      await sleep(ms);
    });
    const [, call] = await pause.invoke(60);
    const stored = await client.getCall(call!.id);
    const weave = stored.summary.weave as { latency_ms: number; trace_name: string };
    expect(weave.trace_name).toBe('pause');
    // Derived from the stored times (no bound on how long the sleep took: no wall-clock assertion).
    expect(stored._endedAtMicros!).toBeGreaterThan(stored._startedAtMicros);
    expect(weave.latency_ms).toBe(Math.trunc((stored._endedAtMicros! - stored._startedAtMicros) / 1000));
    expect(stored.op_name).toMatch(/^weave:\/\/\/tests\/tracing\/op\/pause:[A-Za-z0-9]{43}$/);
  });

  it('stores custom summary keys written during the call next to the rolled-up counts', async () => {
    const child = op(function child() {
      return { model: 'gpt-test', usage: { prompt_tokens: 3, completion_tokens: 4 } };
    });
    const scored = op(function scored() {
      const call = getCurrentCall()!;
      call.summary.accuracy = 0.95;
      call.summary.num_retries = 2;
      child();
      child();
      return 'ok';
    });
    const [, call] = scored.invoke();
    const stored = await client.getCall(call!.id);
    expect(stored.summary).toMatchObject({
      accuracy: 0.95,
      num_retries: 2,
      status_counts: { success: 3, error: 0 },
      usage: { 'gpt-test': { requests: 2, prompt_tokens: 6, completion_tokens: 8 } },
      weave: { status: 'success', trace_name: 'scored' },
    });
  });
});

describe('attributes', () => {
  it('freezes attributes when a call starts, merging nested withAttributes', async () => {
    const settings: Record<string, unknown> = { env: 'test', tags: ['a'] };
    const inner = op(function inner() {
      return getCurrentCall()!.attributes;
    });
    const outer = op(function outer() {
      return withAttributes({ request_id: 'r-1', env: 'override' }, () => inner.invoke());
    });
    const [[, innerCall], outerCall] = withAttributes(settings, () => outer.invoke());
    settings.env = 'changed later';
    (settings.tags as string[]).push('b');
    const storedInner = await client.getCall(innerCall!.id);
    const storedOuter = await client.getCall(outerCall!.id);
    expect(storedOuter.attributes).toMatchObject({ env: 'test', tags: ['a'] });
    expect(storedInner.attributes).toMatchObject({ env: 'override', tags: ['a'], request_id: 'r-1' });
    expect(storedInner.attributes.weave).toMatchObject({ source: 'weft-js-sdk' });
    expect(Object.isFrozen(innerCall!.attributes)).toBe(true);
  });
});
