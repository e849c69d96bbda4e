/**
 * The v2 call routes of today's official SDKs, on the real `weft serve` process and SQLite file:
 * `/v2/{entity}/{project}/calls/complete` with the guarantees of `/call/upsert_batch` (children
 * before parents, re-sends adding nothing, a bad item dropped and reported, a 413 the client
 * splits), and the eager `/call/start` → running → `/call/end`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchItemBuilders, traceIdOf } from '../../../test/support/batch-items.js';
import {
  postJson,
  removeDataDir,
  startWeftServer,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';

const PROJECT = 'team/v2-calls';
const COMPLETE = `/v2/${PROJECT}/calls/complete`;
let server: WeftServerProcess;
const { uniqueId, complete, start, end } = batchItemBuilders(PROJECT);

interface CompleteResponse {
  status: number;
  body: {
    errors?: Array<{ index: number; id?: string; reason: string; error_type: string }>;
    reason?: string;
  };
}

function sendComplete(body: unknown, options: { contentType?: string | null } = {}) {
  return postJson(server.url, COMPLETE, body, options) as Promise<CompleteResponse>;
}

async function readCall(id: string): Promise<Record<string, unknown> | undefined> {
  const res = await postJson(server.url, '/call/read', { project_id: PROJECT, id });
  return res.status === 200 ? (res.body as { call: Record<string, unknown> }).call : undefined;
}

async function callsOfTrace(traceId: string): Promise<Array<Record<string, unknown>>> {
  const res = await postJson(server.url, '/calls/stream_query', {
    project_id: PROJECT,
    filter: { trace_ids: [traceId] },
  });
  expect(res.status).toBe(200);
  return res.body as Array<Record<string, unknown>>;
}

const statusOf = (call: Record<string, unknown> | undefined) =>
  (call?.summary as { weave: { status: string } } | undefined)?.weave.status;

beforeAll(async () => {
  server = await startWeftServer();
});

afterAll(async () => {
  await server.stop();
  removeDataDir(server.dataDir);
});

describe('/v2/{entity}/{project}/calls/complete', () => {
  it('stores each item as a whole call and answers {}', async () => {
    const id = uniqueId('whole');
    const res = await sendComplete({ batch: [complete(id, { output: { answer: 42 } })] });
    expect(res).toEqual({ status: 200, body: {} });
    expect(await readCall(id)).toMatchObject({
      id,
      trace_id: traceIdOf(id),
      op_name: `weave:///${PROJECT}/op/step:abc`,
      inputs: { x: 1 },
      output: { answer: 42 },
      started_at: '2026-01-01T00:00:00.000000Z',
      ended_at: '2026-01-01T00:00:01.250000Z',
      summary: { weave: { status: 'success', latency_ms: 1250, trace_name: 'step' } },
    });
  });

  it('takes children before their parent, in two requests, and builds the tree', async () => {
    const root = uniqueId('root');
    const child = uniqueId('child');
    const grandchild = uniqueId('grandchild');
    const trace = traceIdOf(root);
    // Children end first, so the SDKs send them first; the failing grandchild comes alone.
    const first = await sendComplete({
      batch: [complete(grandchild, { trace_id: trace, parent_id: child, exception: 'ValueError: boom' })],
    });
    expect(first).toEqual({ status: 200, body: {} });
    const second = await sendComplete({
      batch: [
        complete(child, { trace_id: trace, parent_id: root, exception: 'ValueError: boom' }),
        complete(root, { trace_id: trace }),
      ],
    });
    expect(second).toEqual({ status: 200, body: {} });
    const calls = await callsOfTrace(trace);
    const byId = new Map(calls.map((call) => [call.id, call]));
    expect(byId.get(child)?.parent_id).toBe(root);
    expect(byId.get(grandchild)?.parent_id).toBe(child);
    expect(statusOf(byId.get(grandchild))).toBe('error');
    // The root itself succeeded, but a descendant failed.
    expect(statusOf(byId.get(root))).toBe('descendant_error');
  });

  it('adds nothing when a batch is sent again', async () => {
    const ids = [uniqueId('resent'), uniqueId('resent')];
    const trace = traceIdOf(ids[0]!);
    const batch = ids.map((id) => complete(id, { trace_id: trace }));
    expect((await sendComplete({ batch })).status).toBe(200);
    const before = await callsOfTrace(trace);
    expect((await sendComplete({ batch })).status).toBe(200);
    expect(await callsOfTrace(trace)).toEqual(before);
    expect(before).toHaveLength(2);
  });

  it('drops a bad item, reports it by index and id, and stores the rest', async () => {
    const good = uniqueId('good');
    const noEnd = uniqueId('no-end');
    const badTime = uniqueId('bad-time');
    const missingEnd = complete(noEnd);
    delete missingEnd.ended_at;
    const res = await sendComplete({
      batch: [complete(good), missingEnd, complete(badTime, { started_at: 'yesterday' }), 'nonsense'],
    });
    expect(res.status).toBe(200);
    expect(res.body.errors).toEqual([
      {
        index: 1,
        id: noEnd,
        reason: "batch[1] must have required property 'ended_at'",
        error_type: 'InvalidRequest',
      },
      {
        index: 2,
        id: badTime,
        reason: 'batch[2].started_at is not an ISO-8601 timestamp: "yesterday"',
        error_type: 'InvalidRequest',
      },
      { index: 3, reason: 'batch[3] must be object', error_type: 'InvalidRequest' },
    ]);
    expect(await readCall(good)).toMatchObject({ id: good });
    expect(await readCall(noEnd)).toBeUndefined();
    expect(await readCall(badTime)).toBeUndefined();
  });

  it('accepts explicit nulls, unknown keys and a body without a Content-Type', async () => {
    const id = uniqueId('nulls');
    const item = complete(id, {
      display_name: null,
      parent_id: null,
      thread_id: null,
      turn_id: null,
      output: null,
      exception: null,
      otel_dump: null,
      wb_user_id: null,
      wb_run_id: null,
      wb_run_step: null,
      wb_run_step_end: null,
      is_eval: false,
      a_field_from_a_newer_client: { nested: true },
    });
    const res = await sendComplete({ batch: [item] }, { contentType: null });
    expect(res).toEqual({ status: 200, body: {} });
    expect(await readCall(id)).toMatchObject({ id, display_name: null, parent_id: null, output: null });
  });

  it('refuses a request with an item for another project and stores none of it', async () => {
    const ours = uniqueId('ours');
    const theirs = uniqueId('theirs');
    const res = await sendComplete({
      batch: [complete(ours), complete(theirs, { project_id: 'someone-else/secret' })],
    });
    expect(res.status).toBe(400);
    expect(res.body.reason).toContain(
      'batch[1].project_id "someone-else/secret" is not the project of the route',
    );
    expect(await readCall(ours)).toBeUndefined();
    const elsewhere = await postJson(server.url, '/call/read', {
      project_id: 'someone-else/secret',
      id: theirs,
    });
    expect(elsewhere.status).toBe(404);
  });

  it('refuses a body that is not a batch with a reason', async () => {
    for (const body of ['[]', '{"batch": {}}', '{}', 'not json']) {
      const res = await sendComplete(body);
      expect(res.status, body).toBe(400);
      expect(typeof res.body.reason, body).toBe('string');
    }
  });

  it('answers a body over 32 MiB with 413, which the SDKs split', async () => {
    const big = 'x'.repeat(33 * 1024 * 1024);
    const res = await sendComplete({ batch: [complete(uniqueId('huge'), { inputs: { big } })] });
    expect(res.status).toBe(413);
    expect(res.body.reason).toMatch(/too large/i);
  });

  it('merges an item with an eager start of the same id', async () => {
    const id = uniqueId('merged');
    const started = await postJson(server.url, `/v2/${PROJECT}/call/start`, start(id).req);
    expect(started).toEqual({ status: 200, body: { id, trace_id: traceIdOf(id) } });
    expect((await sendComplete({ batch: [complete(id, { output: 'from complete' })] })).status).toBe(200);
    const calls = await callsOfTrace(traceIdOf(id));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      id,
      output: 'from complete',
      summary: { weave: { status: 'success' } },
    });
  });
});

describe('/v2/{entity}/{project}/call/start and /call/end', () => {
  it('shows the call as running between start and end, with children arriving in between', async () => {
    const evaluation = uniqueId('evaluate');
    const trace = traceIdOf(evaluation);
    const started = await postJson(server.url, `/v2/${PROJECT}/call/start`, {
      start: { ...start(evaluation).req.start, display_name: 'evaluation run', thread_id: null },
    });
    expect(started).toEqual({ status: 200, body: { id: evaluation, trace_id: trace } });
    expect(statusOf(await readCall(evaluation))).toBe('running');

    const children = [uniqueId('predict'), uniqueId('predict')];
    const res = await sendComplete({
      batch: children.map((id) => complete(id, { trace_id: trace, parent_id: evaluation })),
    });
    expect(res.status).toBe(200);
    expect(statusOf(await readCall(evaluation))).toBe('running');

    // The end the Python SDK sends carries trace_id, started_at and is_eval besides v1's fields.
    const ended = await postJson(server.url, `/v2/${PROJECT}/call/end`, {
      end: {
        ...end(evaluation, { output: { accuracy: 1 } }).req.end,
        trace_id: trace,
        started_at: '2026-01-01T00:00:00.000Z',
        exception: null,
        wb_run_step_end: null,
        is_eval: true,
      },
    });
    expect(ended).toEqual({ status: 200, body: {} });
    const calls = await callsOfTrace(trace);
    expect(calls.map((call) => call.id).sort()).toEqual([evaluation, ...children].sort());
    expect(calls.find((call) => call.id === evaluation)).toMatchObject({
      display_name: 'evaluation run',
      output: { accuracy: 1 },
      summary: { weave: { status: 'success', latency_ms: 1250 } },
    });
  });

  it('refuses a start or an end for another project than the route names', async () => {
    const id = uniqueId('misrouted');
    const started = await postJson(server.url, '/v2/team/other-project/call/start', start(id).req);
    expect(started.status).toBe(400);
    expect((started.body as { reason: string }).reason).toContain('start.project_id');
    const ended = await postJson(server.url, '/v2/team/other-project/call/end', end(id).req);
    expect(ended.status).toBe(400);
    expect((ended.body as { reason: string }).reason).toContain('end.project_id');
    expect(await readCall(id)).toBeUndefined();
  });

  it('refuses a start without its required fields with a reason', async () => {
    const res = await postJson(server.url, `/v2/${PROJECT}/call/start`, { start: { project_id: PROJECT } });
    expect(res.status).toBe(400);
    expect((res.body as { reason: string }).reason).toMatch(/required property/);
  });
});
