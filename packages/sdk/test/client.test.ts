/**
 * WeaveClient's call API against the real `weft serve` process: reading, paging, filtering,
 * sorting, renaming, deleting, and calls created by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FlushStatus, getCurrentCall, init, op, resetClient, type WeaveClient } from 'weft';
import { removeDataDir, startWeftServer, type WeftServerProcess } from '../../../test/support/weft-server.js';

let server: WeftServerProcess;
let client: WeaveClient;
const PROJECT = 'tests/client';

beforeAll(async () => {
  server = await startWeftServer();
  client = init(PROJECT, { serverUrl: server.url });
});

afterAll(async () => {
  await client.flush();
  resetClient();
  await server.stop();
  removeDataDir(server.dataDir);
});

const opRefPattern = (name: string) => `weave:///${PROJECT}/op/${name}:*`;

describe('getCalls', () => {
  it('fetches pages lazily: pageSize 2 over 5 calls takes 3 requests', async () => {
    const pagedStep = op(function pagedStep(n: number) {
      return n;
    });
    for (let i = 0; i < 5; i++) pagedStep(i);
    const iter = client.getCalls({ filter: { op_names: [opRefPattern('pagedStep')] }, pageSize: 2 });
    expect(iter.pagesFetched).toBe(0);
    const seen: number[] = [];
    for await (const call of iter) {
      seen.push(call.inputs.arg0 as number);
      if (seen.length === 1) expect(iter.pagesFetched).toBe(1);
      if (seen.length === 3) expect(iter.pagesFetched).toBe(2);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(iter.pagesFetched).toBe(3);
    expect(await iter.count()).toBe(5);
  });

  it('honours limit and offset, in pages and in the count', async () => {
    const iter = client.getCalls({
      filter: { op_names: [opRefPattern('pagedStep')] },
      pageSize: 2,
      offset: 1,
      limit: 3,
    });
    expect((await iter.toArray()).map((call) => call.inputs.arg0)).toEqual([1, 2, 3]);
    expect(await iter.count()).toBe(3);
  });

  it('matches every version of an op with name:*, and only that op', async () => {
    const versioned = op(function versioned() {
      return 'v1';
    });
    const renamedVersion = op(
      function versioned() {
        return 'v2, different source';
      },
      { name: 'versioned' },
    );
    const versionedTwin = op(function versioned_twin() {
      return 'not the same op';
    });
    versioned();
    renamedVersion();
    versionedTwin();
    const calls = await client.getCalls({ filter: { op_names: [opRefPattern('versioned')] } }).toArray();
    expect(calls.map((call) => call.output)).toEqual(['v1', 'v2, different source']);
    expect(new Set(calls.map((call) => call.op_name)).size).toBe(2);
    const exact = await client.getCalls({ filter: { op_names: [calls[0]!.op_name] } }).toArray();
    expect(exact.map((call) => call.output)).toEqual(['v1']);
  });

  it('sorts and projects columns', async () => {
    const sized = op(function sized(n: number) {
      return 'x'.repeat(n);
    });
    for (const n of [3, 1, 2]) sized(n);
    const calls = await client
      .getCalls({
        filter: { op_names: [opRefPattern('sized')] },
        sortBy: [{ field: 'started_at', direction: 'desc' }],
        columns: ['inputs'],
      })
      .toArray();
    expect(calls.map((call) => call.inputs.arg0)).toEqual([2, 1, 3]);
    expect(calls[0]!.output).toBeNull();
    expect(calls[0]!.op_name).toContain('/op/sized:');
    expect(calls[0]!.started_at).toBeInstanceOf(Date);
  });

  it('finds a call by id, with the Call API on it', async () => {
    const described = op(function described(x: number) {
      return x + 1;
    });
    const [, live] = described.invoke(41);
    const call = await client.getCall(live!.id);
    expect(call.output).toBe(42);
    expect(call.funcName).toBe('described');
    expect(call.ref).toBe(`weave:///${PROJECT}/call/${call.id}`);
    expect(call.uiUrl).toBe(`${server.url}/${PROJECT}/r/call/${call.id}`);
    expect(call.toDict()).toMatchObject({ id: call.id, inputs: { arg0: 41 }, output: 42, parent_id: null });
    expect(call.toDict().started_at).toBeInstanceOf(Date);
    const missing = '019a0000-0000-7000-8000-000000000000';
    await expect(client.getCall(missing)).rejects.toThrow(`Call not found: ${missing}`);
    await expect(client.getCall('no-such-call')).rejects.toThrow(
      'Not a call id: "no-such-call" (a call id is a UUID',
    );
  });

  it('lists a call’s children', async () => {
    const kid = op(function kid(n: number) {
      return n;
    });
    const parent = op(function parent() {
      for (let i = 0; i < 3; i++) kid(i);
    });
    const [, call] = parent.invoke();
    const children = await call!.children({ pageSize: 2 }).toArray();
    expect(children.map((child) => child.inputs.arg0)).toEqual([0, 1, 2]);
  });
});

describe('changing calls', () => {
  it('renames a call and removes the name again', async () => {
    const named = op(
      function named() {
        return 1;
      },
      { callDisplayName: (call) => `named #${call.inputs.arg0 ?? 'none'}` },
    );
    const [, call] = named.invoke();
    expect(call!.display_name).toBe('named #none');
    await call!.setDisplayName('Better name');
    expect((await client.getCall(call!.id)).display_name).toBe('Better name');
    await call!.removeDisplayName();
    const cleared = await client.getCall(call!.id);
    expect(cleared.display_name).toBeNull();
    expect(cleared.summary.weave).toMatchObject({ trace_name: 'named' });
    await expect(call!.setDisplayName('')).rejects.toThrow('removeDisplayName');
  });

  it('deleteCalls removes the calls and their descendants', async () => {
    const grandchild = op(function grandchild() {
      return 'gc';
    });
    const childOp = op(function childOp() {
      return grandchild();
    });
    const rootOp = op(function rootOp() {
      childOp();
      return childOp();
    });
    const [, root] = rootOp.invoke();
    const [, other] = rootOp.invoke();
    expect(await client.getCalls({ filter: { trace_ids: [root!.trace_id] } }).count()).toBe(5);
    await client.deleteCalls([root!.id]);
    expect(await client.getCalls({ filter: { trace_ids: [root!.trace_id] } }).count()).toBe(0);
    expect(await client.getCalls({ filter: { trace_ids: [other!.trace_id] } }).count()).toBe(5);
    await expect(client.getCall(root!.id)).rejects.toThrow('Call not found');
    expect(await other!.delete()).toBe(true);
    expect(await client.getCalls({ filter: { trace_ids: [other!.trace_id] } }).count()).toBe(0);
  });
});

describe('calls created by hand', () => {
  it('createCall and finishCall nest under the current call and become current themselves', async () => {
    const outer = op(function outer() {
      const manual = client.createCall('manual-step', { question: 'why?' }, { attributes: { by: 'hand' } });
      const inside = getCurrentCall();
      client.finishCall(manual, { answer: 42 });
      return { manual, inside, after: getCurrentCall() };
    });
    const [{ manual, inside, after }, outerCall] = outer.invoke();
    expect(inside).toBe(manual);
    expect(after).toBe(outerCall);
    expect(manual.parent_id).toBe(outerCall!.id);
    const stored = await client.getCall(manual.id);
    expect(stored).toMatchObject({
      inputs: { question: 'why?' },
      output: { answer: 42 },
      parent_id: outerCall!.id,
    });
    expect(stored.attributes).toMatchObject({ by: 'hand' });
    expect(stored.summary.weave).toMatchObject({ status: 'success', trace_name: 'manual-step' });
  });

  it('failCall records the error; useStack false leaves the current call alone; a parent can be given', async () => {
    const parent = client.createCall('explicit-parent', {}, { useStack: false });
    expect(getCurrentCall()).toBeUndefined();
    const failing = client.createCall(
      'failing-step',
      { n: 1 },
      { parent, useStack: false, displayName: 'Failing' },
    );
    client.failCall(failing, new Error('it broke'));
    client.finishCall(parent, 'parent done');
    const stored = await client.getCall(failing.id);
    expect(stored.parent_id).toBe(parent.id);
    expect(stored.display_name).toBe('Failing');
    expect(stored.exception).toMatch(/^Error: it broke/);
    expect(stored.summary.weave).toMatchObject({ status: 'error' });
    expect((await client.getCall(parent.id)).summary.weave).toMatchObject({ status: 'descendant_error' });
  });
});

describe('flushing', () => {
  it('counts outstanding jobs and reports progress to a finish() callback', async () => {
    const quick = op(function quick(n: number) {
      return n;
    });
    for (let i = 0; i < 50; i++) quick(i);
    expect(client.numOutstandingJobs).toBe(100);
    const updates: FlushStatus[] = [];
    await client.finish({ callback: (status) => updates.push(status) });
    expect(client.numOutstandingJobs).toBe(0);
    const last = updates.at(-1)!;
    expect(last).toMatchObject({
      hasPendingJobs: false,
      pendingJobs: 0,
      maxTotalJobs: 100,
      totalCompleted: 100,
    });
    expect(client.stats).toMatchObject({ droppedItems: 0, pendingItems: 0 });
  });
});
