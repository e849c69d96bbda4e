/**
 * The SDK's context (issue 13): `createCall` with `useStack` is the one place a call is pushed
 * onto running code's context (`pushCall` in src/tracing/context.ts); everything else uses
 * `AsyncLocalStorage.run`. These tests pin what a pushed call is visible to, and they run on
 * Node 20, 22 and 24 (scripts/test-sdk-node-versions.sh), where AsyncLocalStorage is built two
 * different ways. The one documented difference between them is checked per version.
 *
 * In-process: the client sends to a counting fake, so nothing here needs a server or a native
 * module and every Node version runs it as it is.
 */

import { AsyncResource } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// From the sources, as setCurrentClient (not public) must be: one module for type checks and runs.
import { setCurrentClient } from '../src/client/current-client.js';
import { type Call, getCurrentCall, op, WeaveClient, withAttributes } from '../src/index.js';
import { CountingTraceServer } from './support/counting-trace-server.js';

let client: WeaveClient;

beforeAll(() => {
  client = new WeaveClient('tests', 'context', new CountingTraceServer(), { batch: { flushIntervalMs: 10 } });
  setCurrentClient(client);
});

afterAll(async () => {
  await client.flush();
  setCurrentClient(undefined);
});

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs a test body in a context of its own (`withAttributes` uses `run`), so that a call one test
 * leaves current cannot reach the next one through vitest's own continuation.
 */
function isolated<T>(body: () => Promise<T>): Promise<T> {
  return withAttributes({}, body);
}

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

describe('createCall with useStack', () => {
  it('makes the call current for the code after it; finishCall puts back what was current before', () => {
    // In the test's own context, where nothing was current before.
    expect(getCurrentCall()).toBeUndefined();
    const outer = client.createCall('outer', {});
    expect(getCurrentCall()).toBe(outer);
    const inner = client.createCall('inner', {});
    expect(inner.parent_id).toBe(outer.id);
    expect(getCurrentCall()).toBe(inner);
    client.finishCall(inner, 'inner done');
    expect(getCurrentCall()).toBe(outer);
    client.finishCall(outer, 'outer done');
    expect(getCurrentCall()).toBeUndefined();
    // Inside an op, its call is current again once the pushed call has finished.
    const step = op(function step() {
      const manual = client.createCall('manual', {});
      const during = getCurrentCall();
      client.finishCall(manual);
      return { manual, during, after: getCurrentCall() };
    });
    const [{ manual, during, after }, stepCall] = step.invoke();
    expect(during).toBe(manual);
    expect(manual.parent_id).toBe(stepCall?.id);
    expect(after).toBe(stepCall);
    expect(getCurrentCall()).toBeUndefined();
  });

  it('keeps the call current across awaits, and for timers, immediates, ticks and events started after it', () =>
    isolated(async () => {
      const call = client.createCall('across-awaits', {});
      await sleep(2);
      expect(getCurrentCall()).toBe(call);
      const emitter = new EventEmitter();
      const seen = await new Promise<Array<Call | undefined>>((resolve) => {
        const found: Array<Call | undefined> = [];
        // What each callback sees when it runs (the context is the one it was scheduled in).
        const record = () => {
          found.push(getCurrentCall());
          if (found.length === 5) resolve(found);
        };
        emitter.on('event', record);
        setTimeout(record, 1);
        setImmediate(record);
        process.nextTick(record);
        queueMicrotask(record);
        emitter.emit('event');
      });
      expect(seen).toEqual([call, call, call, call, call]);
      const child = op(async function child() {
        await tick();
        return getCurrentCall();
      });
      const [inside, childCall] = await child.invoke();
      expect(inside).toBe(childCall);
      expect(childCall?.parent_id).toBe(call.id);
      expect(getCurrentCall()).toBe(call);
      client.finishCall(call);
      expect(getCurrentCall()).toBeUndefined();
      await tick();
      expect(getCurrentCall()).toBeUndefined();
    }));

  it('concurrent tasks that reach an await before createCall see only their own calls', () =>
    isolated(async () => {
      const root = client.createCall('root', {});
      const results = await Promise.all(
        [3, 1, 2].map(async (delay, task) => {
          await tick();
          const own = client.createCall('task', { task });
          const seen: Array<Call | undefined> = [];
          for (let step = 0; step < 3; step++) {
            await sleep(delay);
            seen.push(getCurrentCall());
          }
          const child = client.createCall('task-child', { task });
          client.finishCall(child);
          const afterChild = getCurrentCall();
          client.finishCall(own);
          return { own, seen, child, afterChild, afterOwn: getCurrentCall() };
        }),
      );
      for (const { own, seen, child, afterChild, afterOwn } of results) {
        expect(own.parent_id).toBe(root.id);
        expect(seen).toEqual([own, own, own]);
        expect(child.parent_id).toBe(own.id);
        expect(afterChild).toBe(own);
        expect(afterOwn).toBe(root);
      }
      expect(getCurrentCall()).toBe(root);
      client.finishCall(root);
      expect(getCurrentCall()).toBeUndefined();
    }));

  it('an async function that pushes before its first await makes the call current in its caller too, until it ends', () =>
    isolated(async () => {
      // Until its first await an async function runs in its caller's context, as a Python
      // coroutine runs in its caller's task: the push lands there.
      let made: Call | undefined;
      const handler = async () => {
        made = client.createCall('handler', {});
        await tick();
        return getCurrentCall();
      };
      const pending = handler();
      expect(getCurrentCall()).toBe(made);
      expect(await pending).toBe(made);
      expect(getCurrentCall()).toBe(made);
      client.finishCall(made as Call);
      expect(getCurrentCall()).toBeUndefined();
      // Finished elsewhere (in its own continuation): it stops counting here as well.
      const elsewhere = async () => {
        const call = client.createCall('finished-inside', {});
        await tick();
        client.finishCall(call);
      };
      await elsewhere();
      expect(getCurrentCall()).toBeUndefined();
      expect(client.createCall('after', {}, { useStack: false }).parent_id).toBeNull();
    }));

  it('code started before the push keeps the context it captured', () =>
    isolated(async () => {
      const outer = client.createCall('outer', {});
      const thenBefore = tick().then(() => getCurrentCall());
      const timerBefore = new Promise<Call | undefined>((resolve) =>
        setTimeout(() => resolve(getCurrentCall()), 2),
      );
      const pushed = client.createCall('pushed', {});
      expect(await thenBefore).toBe(outer);
      expect(await timerBefore).toBe(outer);
      expect(getCurrentCall()).toBe(pushed);
      client.finishCall(pushed);
      client.finishCall(outer);
    }));

  it('a finished call counts nowhere, not even where the context was captured while it ran', () =>
    isolated(async () => {
      const outer = client.createCall('outer', {});
      const pushed = client.createCall('pushed', {});
      const timerLater = new Promise<Call | undefined>((resolve) =>
        setTimeout(() => resolve(getCurrentCall()), 2),
      );
      const insideAttributes = withAttributes({ tag: 'x' }, () =>
        withAttributes({ nested: true }, async () => {
          const before = getCurrentCall();
          await sleep(4);
          // `pushed` has finished meanwhile: calls started here must not be its children.
          const child = client.createCall('child', {}, { useStack: false });
          client.finishCall(child);
          return { before, after: getCurrentCall(), child };
        }),
      );
      client.finishCall(pushed);
      expect(await timerLater).toBe(outer);
      const { before, after, child } = await insideAttributes;
      expect(before).toBe(pushed);
      expect(after).toBe(outer);
      expect(child.parent_id).toBe(outer.id);
      expect(child.attributes).toMatchObject({ tag: 'x', nested: true });
      client.finishCall(outer);
      expect(getCurrentCall()).toBeUndefined();
    }));

  it('finishing out of order: an earlier call stops counting under a later one, and the later one falls back past it', () =>
    isolated(async () => {
      const first = client.createCall('first', {});
      const second = client.createCall('second', {});
      expect(second.parent_id).toBe(first.id);
      client.finishCall(first);
      expect(getCurrentCall()).toBe(second);
      const third = client.createCall('third', {});
      expect(third.parent_id).toBe(second.id);
      client.finishCall(second);
      expect(getCurrentCall()).toBe(third);
      client.finishCall(third);
      expect(getCurrentCall()).toBeUndefined();
      const fresh = client.createCall('fresh', {});
      expect(fresh.parent_id).toBeNull();
      client.finishCall(fresh);
      expect(getCurrentCall()).toBeUndefined();
    }));

  it('a later callback of an async resource running at the push sees the unfinished call on Node 20 and 22, not on 24', () =>
    isolated(async () => {
      // Node ≤ 22 keeps an entered value on the running async resource; Node 24 (AsyncContextFrame)
      // only until the callback returns. Documented at switchStack in src/tracing/context.ts.
      const resource = new AsyncResource('weft-test');
      const call = resource.runInAsyncScope(() => client.createCall('in-scope', {}));
      expect(getCurrentCall()).toBeUndefined();
      const later = resource.runInAsyncScope(() => getCurrentCall());
      expect(later).toBe(NODE_MAJOR >= 24 ? undefined : call);
      // Once finished, the same everywhere.
      client.finishCall(call);
      expect(resource.runInAsyncScope(() => getCurrentCall())).toBeUndefined();
      resource.emitDestroy();
    }));
});
