/**
 * The feedback routes over HTTP on the real `weft serve` process: what the Python client sends
 * (batches with its own ids, reactions, notes, scorer results, purges by id), the checks of the
 * reserved types with a reason for each refusal, and feedback read back with the calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namedIds } from '../../../test/support/batch-items.js';
import {
  postJson,
  removeDataDir,
  startWeftServer,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';

const PROJECT = 'team/feedback';
let server: WeftServerProcess;
// Calls and feedback rows by name ('c1', 'fb-note'): the server takes only UUIDs as ids.
const { id: idOf, name: nameOf } = namedIds();

interface Reply {
  status: number;
  body: Record<string, unknown> & { reason?: string };
}
const post = (path: string, body: Record<string, unknown>) =>
  postJson(server.url, path, { project_id: PROJECT, ...body }) as Promise<Reply>;
const callRef = (name: string) => `weave:///${PROJECT}/call/${idOf(name)}`;
const ALL = { $expr: { $eq: [{ $literal: '1' }, { $literal: '1' }] } };

async function queryFeedback(query: unknown = ALL): Promise<Array<Record<string, unknown>>> {
  const res = await post('/feedback/query', { query, sort_by: [{ field: 'created_at', direction: 'asc' }] });
  expect(res.status, res.body.reason).toBe(200);
  return res.body.result as Array<Record<string, unknown>>;
}

beforeAll(async () => {
  server = await startWeftServer();
  for (const name of ['c1', 'c2']) {
    const start = {
      project_id: PROJECT,
      id: idOf(name),
      trace_id: idOf(`trace of ${name}`),
      op_name: 'op',
      started_at: '2026-01-01T00:00:00Z',
      attributes: {},
      inputs: {},
    };
    expect((await postJson(server.url, '/call/start', { start })).status).toBe(200);
  }
});

afterAll(async () => {
  await server?.stop();
  removeDataDir(server?.dataDir);
});

describe('creating feedback', () => {
  it('stores a batch with the ids and times the client chose, answering per item in order', async () => {
    const batch = [
      {
        id: idOf('fb-note'),
        created_at: '2026-02-01T10:00:00.123456Z',
        project_id: PROJECT,
        weave_ref: callRef('c1'),
        feedback_type: 'wandb.note.1',
        payload: { note: 'Looks right' },
        creator: null,
      },
      {
        id: idOf('fb-thumb'),
        project_id: PROJECT,
        weave_ref: callRef('c1'),
        feedback_type: 'wandb.reaction.1',
        payload: { emoji: ':thumbsup:' },
      },
    ];
    const res = await post('/feedback/batch/create', { batch });
    expect(res.status, res.body.reason).toBe(200);
    expect(res.body.res).toEqual([
      {
        id: idOf('fb-note'),
        created_at: '2026-02-01T10:00:00.123456Z',
        wb_user_id: null,
        payload: { note: 'Looks right' },
      },
      {
        id: idOf('fb-thumb'),
        created_at: expect.any(String),
        wb_user_id: null,
        payload: { emoji: '👍', alias: ':thumbs_up:', detoned: '👍', detoned_alias: ':thumbs_up:' },
      },
    ]);
    // Re-sent (the client retries a batch whose answer it lost): stored once.
    expect((await post('/feedback/batch/create', { batch })).status).toBe(200);
    const rows = await queryFeedback({
      $expr: { $eq: [{ $getField: 'weave_ref' }, { $literal: callRef('c1') }] },
    });
    expect(
      rows.map((row) => nameOf(row.id as string)).filter((id) => id === 'fb-note' || id === 'fb-thumb'),
    ).toEqual(['fb-note', 'fb-thumb']);
    // Exactly the columns Weave's clients parse.
    expect(Object.keys(rows[0] ?? {}).sort()).toEqual(
      [
        'annotation_ref',
        'call_ref',
        'created_at',
        'creator',
        'feedback_type',
        'id',
        'payload',
        'project_id',
        'runnable_ref',
        'trigger_ref',
        'wb_user_id',
        'weave_ref',
      ].sort(),
    );
  });

  it('keeps the good items of a batch and names the bad ones', async () => {
    const res = await post('/feedback/batch/create', {
      batch: [
        {
          id: idOf('ok-1'),
          project_id: PROJECT,
          weave_ref: callRef('c2'),
          feedback_type: 'my.label',
          payload: { label: 'spam' },
        },
        {
          id: idOf('bad-1'),
          project_id: PROJECT,
          weave_ref: callRef('c2'),
          feedback_type: 'wandb.reaction.1',
          payload: { emoji: 'yes' },
        },
      ],
    });
    expect(res.status).toBe(200);
    expect((res.body.res as Array<{ id: string }>).map((item) => nameOf(item.id))).toEqual(['ok-1']);
    expect(res.body.errors).toEqual([
      { index: 1, id: idOf('bad-1'), reason: expect.stringContaining('exactly one emoji') },
    ]);
  });

  it('refuses a feedback id that is not a UUID, in a batch and in a replace', async () => {
    const res = await post('/feedback/batch/create', {
      batch: [
        { id: 'fb-1', project_id: PROJECT, weave_ref: callRef('c2'), feedback_type: 'my.label', payload: {} },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.reason).toMatch(/batch\/0\/id must be a UUID/);
    const replace = await post('/feedback/replace', {
      feedback_id: 'fb-1',
      weave_ref: callRef('c2'),
      feedback_type: 'x',
      payload: {},
    });
    expect(replace.status).toBe(400);
    expect(replace.body.reason).toMatch(/feedback_id must be a UUID/);
  });

  it('refuses what the reserved types do not allow, with a reason', async () => {
    const base = { weave_ref: callRef('c2') };
    const scorer = `weave:///${PROJECT}/op/judge:v1`;
    const refused: Array<[Record<string, unknown>, RegExp]> = [
      [{ feedback_type: 'wandb.reaction.1', payload: { emoji: '👍👍' } }, /exactly one emoji/],
      [
        { feedback_type: 'wandb.reaction.1', payload: { emoji: ':no_such_emoji:' } },
        /not the name of an emoji/,
      ],
      [{ feedback_type: 'wandb.note.1', payload: { note: '' } }, /1 to 1024 characters/],
      [{ feedback_type: 'wandb.note.1', payload: { note: 'x'.repeat(1025) } }, /1 to 1024 characters/],
      [{ feedback_type: 'wandb.something.1', payload: {} }, /reserved/],
      [{ feedback_type: 'wandb.runnable.judge', payload: { output: 1 } }, /needs runnable_ref/],
      [
        {
          feedback_type: 'wandb.runnable.other',
          payload: { output: 1 },
          runnable_ref: scorer,
          call_ref: callRef('s'),
        },
        /names "judge", but the type names "other"/,
      ],
      [
        { feedback_type: 'wandb.runnable.judge', payload: { output: 1 }, runnable_ref: scorer },
        /needs call_ref/,
      ],
      [
        {
          feedback_type: 'wandb.runnable.judge',
          payload: { score: 1 },
          runnable_ref: scorer,
          call_ref: callRef('s'),
        },
        /"output"/,
      ],
      [{ feedback_type: 'custom', payload: {}, runnable_ref: scorer }, /runnable_ref is not allowed/],
      [
        { feedback_type: 'custom', payload: {}, weave_ref: 'weave:///someone/else/call/c1' },
        /not in project/,
      ],
      [{ feedback_type: 'custom', payload: {}, weave_ref: 'not a ref' }, /weave_ref is not a weave/],
      [{ feedback_type: 'custom', payload: { big: 'x'.repeat(1024 * 1024) } }, /at most 1048576 bytes/],
      [{ feedback_type: 'custom', payload: {}, created_at: 'yesterday' }, /created_at/],
    ];
    for (const [item, reason] of refused) {
      const res = await post('/feedback/create', { ...base, ...item });
      expect(res.status, JSON.stringify(item).slice(0, 120)).toBe(400);
      expect(res.body.reason).toMatch(reason);
    }
    const payloadNotObject = await post('/feedback/create', {
      ...base,
      feedback_type: 'custom',
      payload: 'text',
    });
    expect(payloadNotObject.status).toBe(400);
  });

  it('accepts scorer results as the Python client sends them', async () => {
    const res = await post('/feedback/create', {
      weave_ref: callRef('c2'),
      feedback_type: 'wandb.runnable.judge',
      payload: { output: { correct: true } },
      runnable_ref: `weave:///${PROJECT}/op/judge:v1`,
      call_ref: callRef('score-call'),
      trigger_ref: null,
      annotation_ref: null,
      queue_id: null,
    });
    expect(res.status, res.body.reason).toBe(200);
    expect(res.body.payload).toEqual({ output: { correct: true } });
  });
});

describe('reading, replacing and purging', () => {
  it('reads feedback with the calls, filters calls by it, and replaces and purges by id', async () => {
    const made = await post('/feedback/create', {
      weave_ref: callRef('c2'),
      feedback_type: 'wandb.reaction.1',
      payload: { emoji: '🎉' },
    });
    const id = made.body.id as string;
    const stream = await fetch(`${server.url}/calls/stream_query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        project_id: PROJECT,
        include_feedback: true,
        columns: ['id'],
        query: {
          $expr: { $eq: [{ $getField: 'feedback.[wandb.reaction.1].payload.emoji' }, { $literal: '🎉' }] },
        },
      }),
    });
    const calls = (await stream.text())
      .trim()
      .split('\n')
      .map(
        (line) => JSON.parse(line) as { id: string; summary: { weave: { feedback: Array<{ id: string }> } } },
      );
    expect(calls.map((call) => nameOf(call.id))).toEqual(['c2']);
    expect(calls[0]?.summary.weave.feedback.map((row) => row.id)).toContain(id);

    const replaced = await post('/feedback/replace', {
      feedback_id: id,
      weave_ref: callRef('c2'),
      feedback_type: 'wandb.reaction.1',
      payload: { emoji: '🚀' },
    });
    expect(replaced.status, replaced.body.reason).toBe(200);
    expect(replaced.body.id).not.toBe(id);
    const ids = (await queryFeedback()).map((row) => row.id);
    expect(ids).toContain(replaced.body.id);
    expect(ids).not.toContain(id);
    expect(
      (
        await post('/feedback/replace', {
          feedback_id: id,
          weave_ref: callRef('c2'),
          feedback_type: 'x',
          payload: {},
        })
      ).status,
    ).toBe(404);

    const purge = await post('/feedback/purge', {
      query: { $expr: { $eq: [{ $getField: 'id' }, { $literal: replaced.body.id }] } },
    });
    expect(purge.status).toBe(200);
    expect((await queryFeedback()).map((row) => row.id)).not.toContain(replaced.body.id);
    const broad = await post('/feedback/purge', {
      query: { $expr: { $eq: [{ $getField: 'feedback_type' }, { $literal: 'x' }] } },
    });
    expect(broad.status).toBe(400);
    expect(broad.body.reason).toMatch(/only by id/);
  });

  it('answers only the request’s project and named fields', async () => {
    const other = (await postJson(server.url, '/feedback/query', {
      project_id: 'team/elsewhere',
      query: ALL,
    })) as Reply;
    expect(other.body.result).toEqual([]);
    const res = await post('/feedback/query', { query: ALL, fields: ['id', 'payload.note'], limit: 1 });
    expect(res.body.result).toEqual([{ id: idOf('fb-note'), 'payload.note': 'Looks right' }]);
    // Payload paths follow the field path rules: an escaped dot is part of a key, digits index lists.
    const dotted = await post('/feedback/create', {
      weave_ref: callRef('c1'),
      feedback_type: 'paths',
      payload: { 'a.b': 'dotted', list: ['zero', 'one'] },
    });
    const read = await post('/feedback/query', {
      query: { $expr: { $eq: [{ $getField: 'id' }, { $literal: dotted.body.id }] } },
      fields: ['payload.a\\.b', 'payload.list.1'],
      sort_by: [{ field: 'payload.a\\.b', direction: 'asc' }],
    });
    expect(read.body.result).toEqual([{ 'payload.a\\.b': 'dotted', 'payload.list.1': 'one' }]);
  });
});
