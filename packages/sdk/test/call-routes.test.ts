/**
 * Which route a call's parts take, against the real `weft serve` behind a recording proxy: a call
 * that ended before its batch went out is one complete item on
 * `/v2/{entity}/{project}/calls/complete`; a running call is a start, and later an end, on
 * `/call/upsert_batch`; an older server (404 on the v2 route) gets everything on
 * `/call/upsert_batch` from then on; a 413 on the v2 route splits the request.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpTraceServer, op, WeaveClient } from 'weft';
import { removeDataDir, startWeftServer, type WeftServerProcess } from '../../../test/support/weft-server.js';
import { type RouteProxy, startRouteProxy } from './support/route-proxy.js';

type Item = Record<string, unknown> & {
  mode?: string;
  req?: { start?: Record<string, unknown>; end?: Record<string, unknown> };
};
type Batch = { batch: Item[] };

let server: WeftServerProcess;
const proxies: RouteProxy[] = [];

beforeAll(async () => {
  server = await startWeftServer();
});

afterEach(async () => {
  for (const proxy of proxies.splice(0)) await proxy.close();
});

afterAll(async () => {
  await server.stop();
  removeDataDir(server.dataDir);
});

async function proxied(answer?: Parameters<typeof startRouteProxy>[1]): Promise<RouteProxy> {
  const proxy = await startRouteProxy(server.url, answer);
  proxies.push(proxy);
  return proxy;
}

/** A client of `project` (in entity `tests`) sending through `proxy`. */
function clientVia(proxy: RouteProxy, project: string): WeaveClient {
  return new WeaveClient('tests', project, new HttpTraceServer(proxy.url), {
    batch: { flushIntervalMs: 60_000 },
  });
}

const callRoutes = (proxy: RouteProxy) =>
  proxy.requests
    .map((request) => request.path)
    .filter((path) => path.startsWith('/v2/') || path.startsWith('/call/'));

const double = op(function double(n: number) {
  return n * 2;
});

describe('the routes calls take', () => {
  it('sends a call that ended before its batch went out as one complete item on the v2 route', async () => {
    const proxy = await proxied();
    const client = clientVia(proxy, 'routes-complete');
    const calls = [1, 2, 3].map((n) => client.createCall(double, { n }, { useStack: false }));
    for (const [index, call] of calls.entries()) client.finishCall(call, (index + 1) * 2);
    await client.flush();

    expect(callRoutes(proxy)).toEqual(['/v2/tests/routes-complete/calls/complete']);
    const [request] = proxy.bodies<Batch>('/v2/tests/routes-complete/calls/complete');
    expect(request?.batch.map((item) => item.id)).toEqual(calls.map((call) => call.id));
    for (const item of request?.batch ?? []) {
      // Start and end merged: no envelope, and the fields of both parts.
      expect(item).not.toHaveProperty('mode');
      expect(item).toMatchObject({ project_id: 'tests/routes-complete', inputs: {}, summary: {} });
      expect(Object.keys(item)).toEqual(
        expect.arrayContaining([
          'id',
          'trace_id',
          'op_name',
          'started_at',
          'ended_at',
          'attributes',
          'output',
        ]),
      );
    }
    const stored = await client.getCalls().toArray();
    expect(stored.map((call) => call.output)).toEqual([2, 4, 6]);
    expect(stored.map((call) => call.summary.weave?.status)).toEqual(['success', 'success', 'success']);
    expect(client.stats).toMatchObject({ sentItems: 6, droppedItems: 0, rejectedItems: 0, pendingItems: 0 });
  });

  it('sends a call still running when its batch goes out as a start, and its end later, on /call/upsert_batch', async () => {
    const proxy = await proxied();
    const client = clientVia(proxy, 'routes-running');
    const call = client.createCall('long-step', { n: 1 }, { useStack: false });
    await client.flush();
    expect(callRoutes(proxy)).toEqual(['/call/upsert_batch']);
    expect((await client.getCall(call.id)).summary.weave?.status).toBe('running');

    client.finishCall(call, 'done');
    await client.flush();
    expect(callRoutes(proxy)).toEqual(['/call/upsert_batch', '/call/upsert_batch']);
    const [start, end] = proxy.bodies<Batch>('/call/upsert_batch');
    expect(start?.batch.map((item) => item.mode)).toEqual(['start']);
    expect(end?.batch.map((item) => item.mode)).toEqual(['end']);
    expect(end?.batch[0]?.req?.end).toMatchObject({ id: call.id, output: 'done' });
    const stored = await client.getCall(call.id);
    expect(stored.output).toBe('done');
    expect(stored.summary.weave?.status).toBe('success');
  });

  it('sends a running parent as a start and its finished children as complete items in the same flush', async () => {
    const proxy = await proxied();
    const client = clientVia(proxy, 'routes-mixed');
    const parent = client.createCall('parent', {}, { useStack: false });
    const children = [0, 1, 2].map((n) => {
      const child = client.createCall(double, { n }, { parent, useStack: false });
      client.finishCall(child, n * 2);
      return child;
    });
    await client.flush();

    expect(callRoutes(proxy).sort()).toEqual(['/call/upsert_batch', '/v2/tests/routes-mixed/calls/complete']);
    const [starts] = proxy.bodies<Batch>('/call/upsert_batch');
    expect(starts?.batch.map((item) => [item.mode, item.req?.start?.id])).toEqual([['start', parent.id]]);
    const [completes] = proxy.bodies<Batch>(/^\/v2\//);
    expect(completes?.batch.map((item) => [item.id, item.parent_id])).toEqual(
      children.map((child) => [child.id, parent.id]),
    );
    expect((await client.getCall(parent.id)).summary.weave?.status).toBe('running');

    client.finishCall(parent, 'all done');
    const stored = await client.getCall(parent.id);
    expect(stored.summary.weave?.status).toBe('success');
    expect(stored.summary.status_counts).toEqual({ success: 4, error: 0 });
    const tree = await client.getCalls({ filter: { trace_ids: [parent.trace_id] } }).toArray();
    expect(tree).toHaveLength(4);
    expect(new Set(tree.map((call) => call.trace_id))).toEqual(new Set([parent.trace_id]));
    expect(client.stats).toMatchObject({ droppedItems: 0, rejectedItems: 0, pendingItems: 0 });
  });

  it('reads see the writes before them, whichever route they took', async () => {
    const proxy = await proxied();
    const client = clientVia(proxy, 'routes-reads');
    const finished = client.createCall(double, { n: 5 }, { useStack: false });
    client.finishCall(finished, 10);
    const running = client.createCall('still-running', {}, { useStack: false });
    // No flush: reads wait for this client's queued parts.
    expect((await client.getCall(finished.id)).output).toBe(10);
    expect((await client.getCall(running.id)).summary.weave?.status).toBe('running');
    expect(await client.getCalls().count()).toBe(2);
    expect(callRoutes(proxy).sort()).toEqual(['/call/upsert_batch', '/v2/tests/routes-reads/calls/complete']);
  });
});

describe('an older server', () => {
  it('without the v2 route gets the same calls on /call/upsert_batch after one 404, and is remembered', async () => {
    const proxy = await proxied((path) =>
      path.startsWith('/v2/')
        ? { status: 404, body: { reason: `Route POST:${path} not found`, error_type: 'NotFound' } }
        : undefined,
    );
    const client = clientVia(proxy, 'routes-fallback');
    for (let round = 0; round < 3; round++) {
      for (let n = 0; n < 3; n++)
        client.finishCall(client.createCall(double, { n }, { useStack: false }), n * 2);
      await client.flush();
    }

    expect(callRoutes(proxy)).toEqual([
      '/v2/tests/routes-fallback/calls/complete',
      '/call/upsert_batch',
      '/call/upsert_batch',
      '/call/upsert_batch',
    ]);
    // The refused request's calls went again, each as a start and an end.
    const [first] = proxy.bodies<Batch>('/call/upsert_batch');
    expect(first?.batch.map((item) => item.mode)).toEqual(['start', 'end', 'start', 'end', 'start', 'end']);
    const stored = await client.getCalls({ columns: ['output'] }).toArray();
    expect(stored.map((call) => call.output)).toEqual([0, 2, 4, 0, 2, 4, 0, 2, 4]);
    expect(client.stats).toMatchObject({ sentItems: 18, droppedItems: 0, rejectedItems: 0, retries: 0 });
  });
});

describe('a request the server finds too large', () => {
  it('is split on the v2 route, down to a single call as its start and its end', async () => {
    // A server that takes at most two complete items per request, and none holding "huge".
    const proxy = await proxied((path, body) => {
      if (!path.startsWith('/v2/')) return undefined;
      const { batch } = JSON.parse(body.toString('utf8')) as Batch;
      return batch.length > 2 || body.includes('huge')
        ? { status: 413, body: { reason: 'request body too large', error_type: 'TooLarge' } }
        : undefined;
    });
    const client = clientVia(proxy, 'routes-split');
    const inputs = ['a', 'b', 'huge', 'c', 'd'];
    const calls = inputs.map((text) => {
      const call = client.createCall('echo', { text }, { useStack: false });
      client.finishCall(call, text.length);
      return call;
    });
    await client.flush();

    const accepted = proxy.requests.filter((request) => request.status === 200);
    const completeItems = accepted
      .filter((request) => request.path.startsWith('/v2/'))
      .flatMap((request) =>
        (JSON.parse(request.body.toString('utf8')) as Batch).batch.map((item) => item.id),
      );
    const upsertItems = accepted
      .filter((request) => request.path === '/call/upsert_batch')
      .flatMap((request) =>
        (JSON.parse(request.body.toString('utf8')) as Batch).batch.map((item) => [
          item.mode,
          (item.req?.start ?? item.req?.end)?.id,
        ]),
      );
    const huge = calls[2]!;
    expect(completeItems.sort()).toEqual(
      calls
        .filter((call) => call !== huge)
        .map((call) => call.id)
        .sort(),
    );
    expect(upsertItems).toEqual([
      ['start', huge.id],
      ['end', huge.id],
    ]);
    const stored = await client.getCalls({ columns: ['inputs', 'output'] }).toArray();
    expect(stored.map((call) => [call.inputs.text, call.output])).toEqual(
      inputs.map((text) => [text, text.length]),
    );
    expect(client.stats).toMatchObject({ sentItems: 10, droppedItems: 0, rejectedItems: 0 });
  });
});
