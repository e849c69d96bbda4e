/**
 * Feedback through weft's SDK against the real `weft serve` process: `call.feedback` (reactions,
 * notes, rows of the user's own types, sent in the background with ids chosen by the SDK, read
 * back without an explicit flush), `client.getFeedback`, purging, `includeFeedback` and
 * `scoredBy` on reads (docs/protocol.md §18).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Call, init, op, resetClient, type WeaveClient } from 'weft';
import {
  postJson,
  removeDataDir,
  startWeftServer,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';

let server: WeftServerProcess;
let client: WeaveClient;
const PROJECT = 'tests/feedback';

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

const answer = op(function answer(question: string) {
  return `an answer to ${question}`;
});

async function answeredCall(question: string): Promise<Call> {
  const [, call] = answer.invoke(question) as [string, Call];
  return call;
}

describe('call.feedback', () => {
  it('adds reactions, notes and custom rows in the background, returning their ids at once', async () => {
    const call = await answeredCall('what is weft?');
    const thumb = call.feedback.addReaction('👍');
    const named = call.feedback.addReaction(':thumbsup:');
    const note = call.feedback.addNote('Clear and short');
    const label = call.feedback.add('review.label', { label: 'good', api_key: 'sk-never-stored' });
    expect(new Set([thumb, named, note, label]).size).toBe(4);
    // Read straight away: reads send what this client queued first.
    const rows = await call.feedback.toArray();
    expect(rows.map((row) => row.id)).toEqual([thumb, named, note, label]);
    expect(rows.map((row) => row.feedbackType)).toEqual([
      'wandb.reaction.1',
      'wandb.reaction.1',
      'wandb.note.1',
      'review.label',
    ]);
    expect(rows[1]?.payload).toEqual({
      emoji: '👍',
      alias: ':thumbs_up:',
      detoned: '👍',
      detoned_alias: ':thumbs_up:',
    });
    expect(rows[2]?.payload).toEqual({ note: 'Clear and short' });
    // A payload is recorded like any traced value: secrets masked.
    expect(rows[3]?.payload).toEqual({ label: 'good', api_key: '[REDACTED]' });
    expect(rows.every((row) => row.weaveRef === call.ref)).toBe(true);
    const iterated: string[] = [];
    for await (const row of call.feedback) iterated.push(row.id);
    expect(iterated).toEqual([thumb, named, note, label]);

    await call.feedback.purge(named);
    expect((await call.feedback.toArray()).map((row) => row.id)).toEqual([thumb, note, label]);
  });

  it('refuses reserved types locally, and counts rows the server refuses without throwing', async () => {
    const call = await answeredCall('refused?');
    expect(() => call.feedback.add('wandb.reaction.1', { emoji: '👍' })).toThrow(/reserved/);
    const before = client.stats.rejectedFeedback;
    call.feedback.addReaction('not an emoji');
    const kept = call.feedback.addNote('this one is fine');
    expect((await call.feedback.toArray()).map((row) => row.id)).toEqual([kept]);
    expect(client.stats.rejectedFeedback).toBe(before + 1);
  });
});

describe('reading feedback back', () => {
  it('getFeedback: everything, one id, by reaction, by query', async () => {
    const call = await answeredCall('rate me');
    const up = call.feedback.addReaction('🚀');
    const note = call.feedback.addNote('rocket science');
    const all = await client.getFeedback({ limit: 1000 });
    expect(all.map((row) => row.id)).toEqual(expect.arrayContaining([up, note]));
    expect((await client.getFeedback(note)).map((row) => row.id)).toEqual([note]);
    expect((await client.getFeedback({ reaction: '🚀' })).map((row) => row.id)).toEqual([up]);
    const notes = await client.getFeedback({
      query: {
        $expr: { $contains: { input: { $getField: 'payload.note' }, substr: { $literal: 'rocket' } } },
      },
    });
    expect(notes.map((row) => row.id)).toEqual([note]);
  });

  it('includeFeedback puts a call’s feedback in summary.weave.feedback', async () => {
    const call = await answeredCall('with feedback');
    const id = call.feedback.addNote('attached');
    const read = await client.getCall(call.id, { includeFeedback: true });
    const weave = read.summary?.weave as { feedback?: Array<{ id: string; payload: unknown }> } | undefined;
    const feedback = weave?.feedback;
    expect(feedback?.map((row) => [row.id, row.payload])).toEqual([[id, { note: 'attached' }]]);
    const [listed] = await client
      .getCalls({ filter: { call_ids: [call.id] }, includeFeedback: true })
      .toArray();
    expect((listed?.summary?.weave as { feedback?: unknown[] } | undefined)?.feedback).toHaveLength(1);
  });

  it('scoredBy keeps the calls a scorer scored, by name and by exact version', async () => {
    const scored = await answeredCall('scored');
    const unscored = await answeredCall('not scored');
    await client.flush();
    const scorerRef = `weave:///${PROJECT}/op/judge:v1`;
    const res = await postJson(server.url, '/feedback/create', {
      project_id: PROJECT,
      weave_ref: scored.ref,
      feedback_type: 'wandb.runnable.judge',
      payload: { output: { correct: true } },
      runnable_ref: scorerRef,
      call_ref: `weave:///${PROJECT}/call/judge-call`,
    });
    expect(res.status).toBe(200);
    const ids = async (scoredBy: string | string[]) =>
      (await client.getCalls({ filter: { call_ids: [scored.id, unscored.id] }, scoredBy }).toArray()).map(
        (call) => call.id,
      );
    expect(await ids('judge')).toEqual([scored.id]);
    expect(await ids(scorerRef)).toEqual([scored.id]);
    expect(await ids(`weave:///${PROJECT}/op/judge:v2`)).toEqual([]);
    expect(await ids(['judge', 'other-scorer'])).toEqual([]);
  });
});
