/**
 * SDK memory stays flat however calls are made and finished (issue 13): once a call has been
 * sent, nothing in the SDK keeps it, whether it was made by an op or with `createCall` with or
 * without `useStack`, finished out of order, or never finished and dropped by its user. A call
 * never finished stays only while it is the current call of a live context.
 *
 * Checked directly: every call is watched with a WeakRef and, after the calls are sent and the
 * garbage collector has run, none may still be alive. The heap after collection is checked too,
 * against a bound far below what keeping the payloads would cost.
 */
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// From the sources, as setCurrentClient (not public) must be: one module for type checks and runs.
import { setCurrentClient } from '../src/client/current-client.js';
import { type Call, getCurrentCall, op, WeaveClient, withAttributes } from '../src/index.js';
import { CountingTraceServer } from './support/counting-trace-server.js';

// The collector on demand, without a command-line flag: how jest's leak detector gets it too.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

const CALLS = 5_000;
/** Each call's inputs carry this many bytes of their own (a flat string, shared with nothing). */
const PAYLOAD_BYTES = 4_096;

let server: CountingTraceServer;
let client: WeaveClient;

beforeAll(() => {
  server = new CountingTraceServer();
  // Batches never "full", so everything goes out on flush() in one go: this test is about what
  // stays in memory after sending, not about how the sending is paced.
  client = new WeaveClient('tests', 'memory', server, {
    batch: { maxBatchItems: 1_000_000, maxBatchBytes: 1024 * 1024 * 1024, flushIntervalMs: 10 },
  });
  setCurrentClient(client);
});

afterAll(async () => {
  await client.flush();
  setCurrentClient(undefined);
});

function payload(): string {
  return randomBytes(PAYLOAD_BYTES / 2).toString('hex');
}

/** A fixed shuffle (mulberry32), so a failure reproduces. */
function shuffled<T>(items: T[], seed: number): T[] {
  let state = seed;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** Lets the current job end (WeakRefs read or made in it keep their targets until then), then collects. */
async function collectGarbage(): Promise<void> {
  for (let round = 0; round < 3; round++) {
    await new Promise((resolve) => setImmediate(resolve));
    collect();
  }
}

function aliveOf(refs: readonly WeakRef<Call>[]): number {
  let count = 0;
  for (const ref of refs) if (ref.deref() !== undefined) count += 1;
  return count;
}

/**
 * With the default `useStack`, in one context: each call is made while the one before it is
 * still current, and the one before is finished only then (out of order: never the current one).
 */
function stackedOutOfOrder(watch: WeakRef<Call>[]): void {
  let previous: Call | undefined;
  for (let i = 0; i < CALLS; i++) {
    const call = client.createCall('stacked-step', { i, payload: payload() });
    watch.push(new WeakRef(call));
    if (previous) client.finishCall(previous, { done: i - 1 });
    previous = call;
  }
  if (previous) client.finishCall(previous, { done: CALLS - 1 });
}

/** Without `useStack`: finished in a shuffled order; every tenth call is never finished and dropped. */
function unstackedShuffled(watch: WeakRef<Call>[]): void {
  const calls: Call[] = [];
  for (let i = 0; i < CALLS; i++) {
    const call = client.createCall('unstacked-step', { i, payload: payload() }, { useStack: false });
    watch.push(new WeakRef(call));
    if (i % 10 !== 9) calls.push(call);
  }
  for (const call of shuffled(calls, 13)) client.finishCall(call, 'done');
  calls.length = 0;
}

/**
 * With `useStack`, in 50 concurrent tasks of 100 calls each: nested, finished out of order, and in
 * every task the last call is never finished (the task ends and its context with it).
 */
async function stackedInTasks(watch: WeakRef<Call>[]): Promise<void> {
  const tasks = Array.from({ length: 50 }, async (_, task) => {
    await new Promise((resolve) => setImmediate(resolve));
    const open: Call[] = [];
    for (let i = 0; i < CALLS / 50; i++) {
      const call = client.createCall('task-step', { task, i, payload: payload() });
      watch.push(new WeakRef(call));
      open.push(call);
      // Finish the oldest open call every other step: never the current one.
      if (i % 2 === 1) client.finishCall(open.shift() as Call, 'done');
      if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    // All but the last are finished; the last one is dropped unfinished.
    while (open.length > 1) client.finishCall(open.shift() as Call, 'done');
    open.length = 0;
  });
  await Promise.all(tasks);
}

/**
 * Async ops (the other way calls are made), nested, finishing in an order set by their delays.
 * The first `leaf` call starts that op's save inside a `branch` call: on Node 20 and 22 a promise
 * the saver kept from there would keep that branch call for good (see outsideCalls).
 */
async function opsOutOfOrder(watch: WeakRef<Call>[]): Promise<void> {
  const leaf = op(async function leaf(text: string, delay: number) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    return text.length;
  });
  const branch = op(async function branch(n: number) {
    const results = await Promise.all([0, 1, 2, 3].map((k) => leaf.invoke(payload(), (n * 7 + k * 3) % 5)));
    for (const [, call] of results) if (call) watch.push(new WeakRef(call));
    return results.length;
  });
  const rounds = await Promise.all(Array.from({ length: 250 }, (_, n) => branch.invoke(n)));
  for (const [, call] of rounds) if (call) watch.push(new WeakRef(call));
}

describe('SDK memory', () => {
  it('keeps no call alive once sent: createCall with and without useStack, out of order, unfinished and dropped; ops', async () => {
    await collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    const watched = {
      stacked: [] as WeakRef<Call>[],
      unstacked: [] as WeakRef<Call>[],
      tasks: [] as WeakRef<Call>[],
      ops: [] as WeakRef<Call>[],
      topLevel: [] as WeakRef<Call>[],
    };
    // Each scenario runs in a context of its own, as separate requests of a server would.
    await withAttributes({ scenario: 'stacked' }, async () => stackedOutOfOrder(watched.stacked));
    await withAttributes({ scenario: 'unstacked' }, async () => unstackedShuffled(watched.unstacked));
    await withAttributes({ scenario: 'tasks' }, () => stackedInTasks(watched.tasks));
    await withAttributes({ scenario: 'ops' }, () => opsOutOfOrder(watched.ops));
    // And once in the test's own context, which lives on after it (as a module's top level does).
    stackedOutOfOrder(watched.topLevel);
    expect(getCurrentCall()).toBeUndefined();
    await client.flush();
    const total = Object.values(watched).reduce((sum, refs) => sum + refs.length, 0);
    expect(server.items).toBeGreaterThanOrEqual(total);
    await collectGarbage();
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    const alive = Object.fromEntries(Object.entries(watched).map(([name, refs]) => [name, aliveOf(refs)]));
    expect(alive).toEqual({ stacked: 0, unstacked: 0, tasks: 0, ops: 0, topLevel: 0 });
    // Keeping the payloads would cost about total × 4 KiB (over 80 MiB); allow a tenth of it.
    expect(heapGrowth).toBeLessThan((total * PAYLOAD_BYTES) / 10);
  });

  it('keeps a never-finished call while it is current in a live context, and lets it go once finished', async () => {
    const watch: WeakRef<Call>[] = [];
    // Made current here and never finished: the test's context still has it, so it must live.
    (() => {
      const open = client.createCall('open', { payload: payload() });
      watch.push(new WeakRef(open));
    })();
    await client.flush();
    await collectGarbage();
    expect(aliveOf(watch)).toBe(1);
    // Finished later by code that finds it as the current call (and keeps no reference after).
    (() => {
      const open = getCurrentCall();
      expect(open?.op_name).toContain('/op/open:');
      client.finishCall(open as Call, 'finally');
    })();
    expect(getCurrentCall()).toBeUndefined();
    await client.flush();
    await collectGarbage();
    expect(aliveOf(watch)).toBe(0);
  });
});
