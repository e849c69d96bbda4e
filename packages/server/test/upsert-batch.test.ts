/**
 * /call/upsert_batch as Weave's SDKs need it, on the real `weft serve` process and SQLite file:
 * a bad item is dropped and reported while the rest of its batch is stored (a refused batch is
 * resent or dropped whole by the SDKs, and the npm SDK exits its host process after 11 refusals),
 * a body that is not a batch at all is still a 400, and display names sent in end records apply.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { batchItemBuilders, traceIdOf } from '../../../test/support/batch-items.js';
import {
  postJson,
  removeDataDir,
  startWeftServer,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';

const PROJECT = 'team/upsert-batch';
let server: WeftServerProcess;
const { uniqueId, start, end } = batchItemBuilders(PROJECT);

interface BatchResponse {
  status: number;
  body: {
    res: unknown[];
    errors?: Array<{ index: number; id?: string; reason: string; error_type: string }>;
    reason?: string;
  };
}

function upsert(body: unknown): Promise<BatchResponse> {
  return postJson(server.url, '/call/upsert_batch', body) as Promise<BatchResponse>;
}

async function readCall(id: string): Promise<Record<string, unknown> | undefined> {
  const res = (await postJson(server.url, '/call/read', { project_id: PROJECT, id })) as {
    status: number;
    body: { call: Record<string, unknown> };
  };
  return res.status === 200 ? res.body.call : undefined;
}

beforeAll(async () => {
  server = await startWeftServer();
});

afterAll(async () => {
  await server.stop();
  removeDataDir(server.dataDir);
});

describe('a batch with bad items', () => {
  it('stores the good items, answers 200 and names each dropped item by index and id', async () => {
    const good = uniqueId('good');
    const noOpName = uniqueId('no-op-name');
    const badTime = uniqueId('bad-time');
    const badInputs = uniqueId('bad-inputs');
    const missingOpName = start(noOpName);
    delete (missingOpName.req.start as Record<string, unknown>).op_name;
    const res = await upsert({
      batch: [
        start(good),
        missingOpName,
        start(badTime, { started_at: 'last tuesday' }),
        end(good),
        start(badInputs, { inputs: 'not an object' }),
        42,
        { mode: 'middle', req: {} },
        end(badTime, { ended_at: 'tomorrow' }),
      ],
    });
    expect(res.status).toBe(200);
    // Results stay positional: one entry per item, `{}` for ends and for dropped items.
    expect(res.body.res).toEqual([{ id: good, trace_id: traceIdOf(good) }, {}, {}, {}, {}, {}, {}, {}]);
    expect(res.body.errors).toEqual([
      {
        index: 1,
        id: noOpName,
        reason: "batch[1].req.start must have required property 'op_name'",
        error_type: 'InvalidRequest',
      },
      {
        index: 2,
        id: badTime,
        reason: 'batch[2].req.start.started_at is not an ISO-8601 timestamp: "last tuesday"',
        error_type: 'InvalidRequest',
      },
      {
        index: 4,
        id: badInputs,
        reason: 'batch[4].req.start.inputs must be object',
        error_type: 'InvalidRequest',
      },
      { index: 5, reason: 'batch[5] must be object', error_type: 'InvalidRequest' },
      { index: 6, reason: 'batch[6].mode must be "start" or "end"', error_type: 'InvalidRequest' },
      {
        index: 7,
        id: badTime,
        reason: 'batch[7].req.end.ended_at is not an ISO-8601 timestamp: "tomorrow"',
        error_type: 'InvalidRequest',
      },
    ]);
    expect(await readCall(good)).toMatchObject({
      id: good,
      output: 'done',
      summary: { weave: { status: 'success' } },
    });
    for (const dropped of [noOpName, badTime, badInputs]) expect(await readCall(dropped)).toBeUndefined();
  });

  it('drops an item whose id, trace id or parent id is not a UUID or an OTel id, naming it', async () => {
    const good = uniqueId('good');
    const res = await upsert({
      batch: [
        start('call-1'),
        start(good, { trace_id: 'trace-1' }),
        start(good, { parent_id: `${good}-x` }),
        end('call-1'),
        start(good),
      ],
    });
    expect(res.status).toBe(200);
    const idReason = 'must be a UUID (8-4-4-4-12 hex digits) or an OpenTelemetry id (16 or 32 hex digits)';
    expect(res.body.errors).toEqual([
      { index: 0, id: 'call-1', reason: `batch[0].req.start.id ${idReason}`, error_type: 'InvalidRequest' },
      { index: 1, id: good, reason: `batch[1].req.start.trace_id ${idReason}`, error_type: 'InvalidRequest' },
      {
        index: 2,
        id: good,
        reason: `batch[2].req.start.parent_id ${idReason}`,
        error_type: 'InvalidRequest',
      },
      { index: 3, id: 'call-1', reason: `batch[3].req.end.id ${idReason}`, error_type: 'InvalidRequest' },
    ]);
    expect(await readCall(good)).toMatchObject({ id: good, trace_id: traceIdOf(good), parent_id: null });
  });

  it('keeps a start whose end was dropped: the call reads as running', async () => {
    const id = uniqueId('end-dropped');
    const res = await upsert({ batch: [start(id), end(id, { summary: 'not an object' })] });
    expect(res.status).toBe(200);
    expect(res.body.errors?.map((error) => error.index)).toEqual([1]);
    expect(await readCall(id)).toMatchObject({
      id,
      ended_at: null,
      summary: { weave: { status: 'running' } },
    });
  });

  it('drops a value nested too deeply to store, not its neighbours', async () => {
    const deepId = uniqueId('deep');
    const nextId = uniqueId('after-deep');
    const depth = 100_000;
    const body = JSON.stringify({ batch: [start(deepId), start(nextId)] }).replace(
      '"inputs":{"x":1}',
      `"inputs":{"x":${'['.repeat(depth)}1${']'.repeat(depth)}}`,
    );
    const res = await upsert(body);
    expect(res.status).toBe(200);
    expect(res.body.errors).toEqual([
      {
        index: 0,
        id: deepId,
        reason: 'batch[0] nests objects and arrays deeper than 512 levels',
        error_type: 'InvalidRequest',
      },
    ]);
    expect(await readCall(deepId)).toBeUndefined();
    expect(await readCall(nextId)).toMatchObject({ id: nextId });
  });

  it('answers 200 even when every item is dropped, and stores nothing', async () => {
    const id = uniqueId('all-bad');
    const res = await upsert({ batch: [start(id, { project_id: 'no-slash' })] });
    expect(res.status).toBe(200);
    expect(res.body.res).toEqual([{}]);
    expect(res.body.errors?.[0]).toMatchObject({ index: 0, id, error_type: 'InvalidRequest' });
    expect(res.body.errors?.[0]?.reason).toMatch(
      /^batch\[0\]\.req\.start\.project_id must be "entity\/project"$/,
    );
  });

  it('logs the dropped items at warn level', async () => {
    const id = uniqueId('logged');
    await upsert({ batch: [start(id, { started_at: 'never' })] });
    // The server logs JSON lines (pino) to its output; level 40 is warn. The line travels through
    // a pipe on its own schedule, so it may arrive after the response does.
    const findLine = () =>
      server
        .output()
        .split('\n')
        .find((text) => text.includes(id));
    await vi.waitFor(() => expect(findLine()).toBeDefined(), { timeout: 5_000 });
    const line = findLine();
    const entry = JSON.parse(line!) as { level: number; msg: string; dropped: number; of: number };
    expect(entry).toMatchObject({ level: 40, dropped: 1, of: 1 });
    expect(entry.msg).toMatch(/dropped invalid items/);
  });

  it('leaves a good batch response exactly as Weave shapes it (no errors member)', async () => {
    const id = uniqueId('clean');
    const res = await upsert({ batch: [start(id), end(id)] });
    expect(res).toEqual({ status: 200, body: { res: [{ id, trace_id: traceIdOf(id) }, {}] } });
  });
});

describe('a body that is not a batch at all', () => {
  it.each([
    ['an array', []],
    ['no batch member', { items: [] }],
    ['a batch that is not an array', { batch: { mode: 'start' } }],
    ['a string', '"batch"'],
  ])('%s → 400 with a reason', async (_label, body) => {
    const res = await upsert(body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_type: 'InvalidRequest' });
    expect(res.body.reason).toMatch(/body/);
  });

  it('malformed JSON → 400', async () => {
    const res = await upsert('{"batch": [');
    expect(res.status).toBe(400);
    expect(res.body.reason).toMatch(/JSON/);
  });
});

describe('display names in end records (sent by the npm SDK, docs/protocol.md §3.7)', () => {
  it('applies a name that only the end record carries', async () => {
    const id = uniqueId('end-name');
    await upsert({ batch: [start(id), end(id, { display_name: 'renamed while running' })] });
    expect(await readCall(id)).toMatchObject({
      display_name: 'renamed while running',
      summary: { weave: { display_name: 'renamed while running' } },
    });
  });

  it("the end's name wins over the start's, in either order and when the start is resent", async () => {
    const inOrder = uniqueId('start-then-end');
    const endFirst = uniqueId('end-then-start');
    await upsert({
      batch: [
        start(inOrder, { display_name: 'from start' }),
        end(inOrder, { display_name: 'from end' }),
        end(endFirst, { display_name: 'from end' }),
      ],
    });
    await upsert({ batch: [start(endFirst, { display_name: 'from start' })] });
    // A retried start (the SDKs resend whole batches) must not undo the end's rename.
    await upsert({ batch: [start(inOrder, { display_name: 'from start' })] });
    expect((await readCall(inOrder))?.display_name).toBe('from end');
    expect((await readCall(endFirst))?.display_name).toBe('from end');
  });

  it('a later /call/update wins over the end record, even when the end is resent', async () => {
    const id = uniqueId('update-wins');
    await upsert({ batch: [start(id), end(id, { display_name: 'from end' })] });
    const update = await postJson(server.url, '/call/update', {
      project_id: PROJECT,
      call_id: id,
      display_name: 'renamed after finish',
    });
    expect(update.status).toBe(200);
    await upsert({ batch: [end(id, { display_name: 'from end' })] });
    expect((await readCall(id))?.display_name).toBe('renamed after finish');
  });
});
