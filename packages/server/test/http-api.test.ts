/**
 * The trace server's HTTP API, exercised on the real `weft serve` process with a real SQLite file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchItemBuilders, traceIdOf } from '../../../test/support/batch-items.js';
import {
  postJson,
  removeDataDir,
  startWeftServer,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';

const PROJECT = 'team/http-api';
let server: WeftServerProcess;
const { uniqueId, start, end } = batchItemBuilders(PROJECT);
const MISSING_ID = uniqueId('missing');
const HUGE_ID = uniqueId('huge');
const DEL_TRACE = uniqueId('del-trace');
const BULK_TRACE = uniqueId('bulk-trace');
const QUERY_TRACE = uniqueId('query-trace');
const RESEND_TRACE = uniqueId('resend-trace');

async function readCall(id: string) {
  return postJson(server.url, '/call/read', { project_id: PROJECT, id });
}

beforeAll(async () => {
  server = await startWeftServer();
});

afterAll(async () => {
  await server.stop();
  removeDataDir(server.dataDir);
});

describe('service routes', () => {
  it('answers /health and /server_info', async () => {
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: 'ok' });
    const info = (await (await fetch(`${server.url}/server_info`)).json()) as Record<string, string>;
    expect(info.min_required_weave_python_version).toMatch(/^\d+\.\d+\.\d+$/);
    // A plain version the Python SDK parses (PEP 440), not a product string.
    expect(info.trace_server_version).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('ingestion', () => {
  it('answers an upsert batch item by item, in order', async () => {
    const id = uniqueId('order');
    const res = await postJson(server.url, '/call/upsert_batch', { batch: [start(id), end(id)] });
    expect(res).toEqual({ status: 200, body: { res: [{ id, trace_id: traceIdOf(id) }, {}] } });
  });

  it('merges an end part that arrives before its start part', async () => {
    const id = uniqueId('late-start');
    await postJson(server.url, '/call/upsert_batch', { batch: [end(id, { exception: 'boom' })] });
    expect((await readCall(id)).status).toBe(404);
    await postJson(server.url, '/call/upsert_batch', { batch: [start(id)] });
    const { status, body } = (await readCall(id)) as {
      status: number;
      body: { call: Record<string, unknown> };
    };
    expect(status).toBe(200);
    expect(body.call).toMatchObject({
      id,
      output: 'done',
      exception: 'boom',
      started_at: '2026-01-01T00:00:00.000000Z',
      ended_at: '2026-01-01T00:00:01.250000Z',
      summary: { weave: { status: 'error', latency_ms: 1250, trace_name: 'step' } },
    });
  });

  it('stores nothing new when a batch is sent again', async () => {
    const ids = [uniqueId('resend'), uniqueId('resend')];
    const batch = { batch: ids.flatMap((id) => [start(id, { trace_id: RESEND_TRACE }), end(id)]) };
    await postJson(server.url, '/call/upsert_batch', batch);
    const first = await postJson(server.url, '/calls/stream_query', {
      project_id: PROJECT,
      filter: { trace_ids: [RESEND_TRACE] },
    });
    await postJson(server.url, '/call/upsert_batch', batch);
    await postJson(server.url, '/call/upsert_batch', batch);
    const again = await postJson(server.url, '/calls/stream_query', {
      project_id: PROJECT,
      filter: { trace_ids: [RESEND_TRACE] },
    });
    expect((first.body as unknown[]).length).toBe(2);
    expect(again.body).toEqual(first.body);
  });

  it('generates ids for /call/start when the client leaves them out', async () => {
    const res = (await postJson(server.url, '/call/start', {
      start: { ...start('x').req.start, id: undefined, trace_id: undefined },
    })) as { status: number; body: { id: string; trace_id: string } };
    expect(res.status).toBe(200);
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.trace_id).toMatch(/^[0-9a-f-]{36}$/);
    const end = await postJson(server.url, '/call/end', {
      end: { project_id: PROJECT, id: res.body.id, ended_at: '2026-01-01T00:00:02Z', summary: {} },
    });
    expect(end).toEqual({ status: 200, body: {} });
    const read = (await readCall(res.body.id)) as {
      body: { call: { summary: { weave: { status: string } } } };
    };
    expect(read.body.call.summary.weave.status).toBe('success');
  });

  it('keeps custom summary keys at the top level and derives summary.weave on read', async () => {
    const id = uniqueId('summary');
    await postJson(server.url, '/call/upsert_batch', {
      batch: [start(id), end(id, { summary: { accuracy: 0.95, weave: { keep_me: 1, status: 'forged' } } })],
    });
    const { body } = (await readCall(id)) as { body: { call: { summary: Record<string, unknown> } } };
    expect(body.call.summary).toEqual({
      accuracy: 0.95,
      weave: { keep_me: 1, status: 'success', latency_ms: 1250, trace_name: 'step' },
    });
  });
});

describe('queries', () => {
  it('streams JSON lines from /calls/stream_query and a JSON document from /calls/query', async () => {
    const ids = [uniqueId('q'), uniqueId('q'), uniqueId('q')];
    await postJson(server.url, '/call/upsert_batch', {
      batch: ids.map((id, index) =>
        start(id, { trace_id: QUERY_TRACE, started_at: `2026-02-01T00:00:0${index}Z` }),
      ),
    });
    const response = await fetch(`${server.url}/calls/stream_query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ project_id: PROJECT, filter: { trace_ids: [QUERY_TRACE] } }),
    });
    expect(response.headers.get('content-type')).toContain('application/jsonl');
    const lines = (await response.text()).trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { id: string }).id)).toEqual(ids);
    const doc = (await postJson(server.url, '/calls/query', {
      project_id: PROJECT,
      filter: { trace_ids: [QUERY_TRACE] },
      sort_by: [{ field: 'started_at', direction: 'desc' }],
      limit: 2,
    })) as { body: { calls: Array<{ id: string; summary: { weave: { status: string } } }> } };
    expect(doc.body.calls.map((call) => call.id)).toEqual([ids[2], ids[1]]);
    expect(doc.body.calls[0]?.summary.weave.status).toBe('running');
  });

  it('counts with /calls/query_stats and reports has_more against a limit', async () => {
    const filter = { trace_ids: [QUERY_TRACE] };
    expect((await postJson(server.url, '/calls/query_stats', { project_id: PROJECT, filter })).body).toEqual({
      count: 3,
      has_more: false,
    });
    expect(
      (await postJson(server.url, '/calls/query_stats', { project_id: PROJECT, filter, limit: 2 })).body,
    ).toEqual({
      count: 2,
      has_more: true,
    });
  });
});

describe('streams', () => {
  it('gives a query’s read connection back when its client hangs up mid-stream', async () => {
    const ids = Array.from({ length: 3000 }, () => uniqueId('bulk'));
    await postJson(server.url, '/call/upsert_batch', {
      batch: ids.map((id) => start(id, { trace_id: BULK_TRACE, inputs: { text: 'x'.repeat(200) } })),
    });
    // More abandoned streams than the server has read connections (4).
    for (let attempt = 0; attempt < 8; attempt++) {
      const controller = new AbortController();
      const response = await fetch(`${server.url}/calls/stream_query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ project_id: PROJECT, filter: { trace_ids: [BULK_TRACE] } }),
        signal: controller.signal,
      });
      const reader = response.body!.getReader();
      await reader.read();
      controller.abort();
    }
    // With the connections leaked, this would wait for a free one until the test times out.
    const stats = await postJson(server.url, '/calls/query_stats', {
      project_id: PROJECT,
      filter: { trace_ids: [BULK_TRACE] },
    });
    expect(stats.body).toEqual({ count: 3000, has_more: false });
  });
});

describe('changing calls', () => {
  it('renames with /call/update and clears with an empty name', async () => {
    const id = uniqueId('rename');
    await postJson(server.url, '/call/upsert_batch', {
      batch: [start(id, { display_name: 'first' }), end(id)],
    });
    await postJson(server.url, '/call/update', { project_id: PROJECT, call_id: id, display_name: 'second' });
    let call = ((await readCall(id)).body as { call: { display_name: string; summary: { weave: object } } })
      .call;
    expect(call.display_name).toBe('second');
    expect(call.summary.weave).toMatchObject({ display_name: 'second' });
    await postJson(server.url, '/call/update', { project_id: PROJECT, call_id: id, display_name: '' });
    call = ((await readCall(id)).body as { call: { display_name: string; summary: { weave: object } } }).call;
    expect(call.display_name).toBeNull();
    expect(call.summary.weave).toMatchObject({ trace_name: 'step' });
  });

  it('deletes a call with its descendants', async () => {
    const root = uniqueId('del');
    const child = uniqueId('del');
    const grandchild = uniqueId('del');
    await postJson(server.url, '/call/upsert_batch', {
      batch: [
        start(grandchild, { parent_id: child, trace_id: DEL_TRACE }),
        start(root, { trace_id: DEL_TRACE }),
        start(child, { parent_id: root, trace_id: DEL_TRACE }),
      ],
    });
    const res = await postJson(server.url, '/calls/delete', { project_id: PROJECT, call_ids: [child] });
    expect(res).toEqual({ status: 200, body: { num_deleted: 2 } });
    const left = await postJson(server.url, '/calls/stream_query', {
      project_id: PROJECT,
      filter: { trace_ids: [DEL_TRACE] },
    });
    expect((left.body as Array<{ id: string }>).map((call) => call.id)).toEqual([root]);
  });
});

describe('bad input gets a clear 4xx and changes nothing', () => {
  async function expectError(path: string, body: unknown, status: number, reason: RegExp) {
    const res = (await postJson(server.url, path, body)) as { status: number; body: { reason: string } };
    expect(res.status).toBe(status);
    expect(res.body.reason).toMatch(reason);
    return res;
  }

  it('malformed JSON → 400', async () => {
    await expectError('/call/upsert_batch', '{"batch": [', 400, /JSON/);
  });

  // Bad items inside /call/upsert_batch are dropped and reported instead (upsert-batch.test.ts).
  it('a missing field → 400 naming it', async () => {
    const item = start(MISSING_ID);
    delete (item.req.start as Record<string, unknown>).op_name;
    await expectError('/call/start', item.req, 400, /op_name/);
    await expectError('/call/read', { project_id: PROJECT }, 400, /id/);
  });

  it('a wrongly typed field → 400 naming it', async () => {
    await expectError(
      '/call/start',
      start(uniqueId('typed'), { inputs: 'not an object' }).req,
      400,
      /inputs/,
    );
    await expectError('/calls/query_stats', { project_id: PROJECT, limit: '3' }, 400, /limit/);
  });

  it('a project id that is not entity/project → 400', async () => {
    await expectError('/call/read', { project_id: 'no-slash', id: MISSING_ID }, 400, /project_id/);
  });

  it('an id that is neither a UUID nor an OTel id → 400 saying what an id is, on every id field', async () => {
    const idReason =
      /must be a UUID \(8-4-4-4-12 hex digits\) or an OpenTelemetry id \(16 or 32 hex digits\)/;
    const good = uniqueId('id-form');
    await expectError('/call/start', start('call-1').req, 400, /^body\/start\/id must be a UUID/);
    await expectError('/call/start', start(good, { trace_id: 'trace-1' }).req, 400, /start\/trace_id/);
    await expectError('/call/start', start(good, { parent_id: 'x'.repeat(36) }).req, 400, /start\/parent_id/);
    await expectError('/call/end', end('call-1').req, 400, idReason);
    await expectError('/call/read', { project_id: PROJECT, id: 'call-1' }, 400, idReason);
    await expectError('/call/update', { project_id: PROJECT, call_id: '', display_name: 'x' }, 400, idReason);
    await expectError(
      '/calls/delete',
      { project_id: PROJECT, call_ids: [good, 'call-1'] },
      400,
      /call_ids\/1/,
    );
    const filter = { trace_ids: [`${traceIdOf(good)}0`] };
    await expectError('/calls/query_stats', { project_id: PROJECT, filter }, 400, /filter\/trace_ids\/0/);
    expect((await readCall(good)).status).toBe(404);
    // Every form an id may take is read: UUIDs of any version and case, OTel span and trace ids.
    const otelTrace = '0AF7651916CD43DD8448EB211C80319C';
    const forms = ['00000000-0000-0000-0000-000000000000', good.toUpperCase(), 'b7ad6b7169203331'];
    const res = await postJson(server.url, '/call/upsert_batch', {
      batch: forms.map((id) => start(id, { trace_id: otelTrace })),
    });
    expect(res).toEqual({ status: 200, body: { res: forms.map((id) => ({ id, trace_id: otelTrace })) } });
    for (const id of forms) expect((await readCall(id)).status).toBe(200);
  });

  it('a bad timestamp → 400, and the call is not stored', async () => {
    const id = uniqueId('bad-time');
    await expectError('/call/start', start(id, { started_at: 'last tuesday' }).req, 400, /start\.started_at/);
    expect((await readCall(id)).status).toBe(404);
  });

  it('an unknown call → 404 for read and update', async () => {
    await expectError('/call/read', { project_id: PROJECT, id: MISSING_ID }, 404, /not found/);
    await expectError(
      '/call/update',
      { project_id: PROJECT, call_id: MISSING_ID, display_name: 'x' },
      404,
      /not found/,
    );
  });

  it('a body over 32 MiB → 413', async () => {
    const huge = JSON.stringify({
      batch: [start(HUGE_ID, { inputs: { blob: 'x'.repeat(33 * 1024 * 1024) } })],
    });
    await expectError('/call/upsert_batch', huge, 413, /too large/i);
    expect((await readCall(HUGE_ID)).status).toBe(404);
  });

  it('an unknown sort field → 422, a malformed feedback field → 422', async () => {
    await expectError(
      '/calls/stream_query',
      { project_id: PROJECT, sort_by: [{ field: 'nonsense', direction: 'asc' }] },
      422,
      /nonsense/,
    );
    await expectError(
      '/calls/stream_query',
      { project_id: PROJECT, sort_by: [{ field: 'summary.weave.costs', direction: 'asc' }] },
      422,
      /summary\.weave\.costs/,
    );
    await expectError(
      '/calls/stream_query',
      { project_id: PROJECT, sort_by: [{ field: 'feedback.[*]', direction: 'asc' }] },
      422,
      /feedback field/,
    );
  });

  it('too many ids in one request → 400', async () => {
    const ids = Array.from({ length: 1001 }, (_, index) => `id-${index}`);
    await expectError('/calls/delete', { project_id: PROJECT, call_ids: ids }, 400, /call_ids/);
    await expectError(
      '/calls/stream_query',
      { project_id: PROJECT, filter: { call_ids: ids } },
      400,
      /call_ids/,
    );
  });

  it('a query_stats limit below 1 → 400', async () => {
    await expectError('/calls/query_stats', { project_id: PROJECT, limit: 0 }, 400, /limit/);
  });

  it('values nested too deeply to store → 400', async () => {
    const depth = 100_000;
    const deep = `${'['.repeat(depth)}1${']'.repeat(depth)}`;
    const body = JSON.stringify(start('deep').req).replace('"inputs":{"x":1}', `"inputs":{"x":${deep}}`);
    // Refused as it arrives, before anything walks it (http/json-nesting.ts).
    await expectError('/call/start', body, 400, /^the body nests objects and arrays deeper than 512 levels$/);
  });

  it('a limit or offset too large to be a page → 400', async () => {
    await expectError('/calls/stream_query', { project_id: PROJECT, limit: 1e300 }, 400, /limit/);
    await expectError('/calls/stream_query', { project_id: PROJECT, offset: 2 ** 40 }, 400, /offset/);
  });

  it('an unknown route → 404 with a reason', async () => {
    await expectError('/calls/teleport', {}, 404, /no route/);
  });

  it('the server is still healthy after all of that', async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect(server.process.exitCode).toBeNull();
  });
});
