/**
 * Contract: feedback is stored under the id and time the client chose (a re-sent row is not
 * stored twice), listed, replaced and purged within its project, deleted with its call, and read
 * by calls queries: `include_feedback`, and `feedback.[type]...` fields to filter and sort by
 * (docs/protocol.md §18, docs/query-language.md "Feedback").
 */
import { parseQuery, type QueryExpr, resolveCallField, resolveFeedbackField } from '@weft/protocol';
import { describe, expect, it } from 'vitest';
import type { StoredFeedback } from '../trace-store.js';
import {
  collect,
  finished,
  idsOf,
  MS,
  OTHER_PROJECT,
  PROJECT,
  type StoreUnderTest,
  T0,
} from './call-fixtures.js';

const callRef = (id: string, project = PROJECT) => `weave:///${project}/call/${id}`;
const SCORER = 'wandb.runnable.judge';
const SCORER_REF = `weave:///${PROJECT}/op/judge:v1`;

function feedback(overrides: Partial<StoredFeedback> & Pick<StoredFeedback, 'id'>): StoredFeedback {
  const callId = overrides.call_id === undefined ? 'a' : overrides.call_id;
  return {
    project_id: PROJECT,
    weave_ref: callId === null ? `weave:///${PROJECT}/object/thing:v1` : callRef(callId),
    call_id: callId,
    creator: null,
    feedback_type: 'custom',
    payload_json: '{}',
    annotation_ref: null,
    runnable_ref: null,
    call_ref: null,
    trigger_ref: null,
    wb_user_id: 'ada',
    created_at: T0,
    ...overrides,
  };
}

function score(id: string, callId: string, output: unknown, at = T0): StoredFeedback {
  return feedback({
    id,
    call_id: callId,
    feedback_type: SCORER,
    payload_json: JSON.stringify({ output }),
    runnable_ref: SCORER_REF,
    call_ref: callRef(`score-of-${callId}`),
    created_at: at,
  });
}

const all = { query: null, sort_by: [], limit: null, offset: 0 };
const feedbackQuery = (wire: Record<string, unknown>): QueryExpr =>
  parseQuery({ $expr: wire }, resolveFeedbackField);
const callsQuery = (wire: Record<string, unknown>): QueryExpr =>
  parseQuery({ $expr: wire }, resolveCallField);
const field = (path: string) => ({ $getField: path });
const literal = (value: unknown) => ({ $literal: value });

export function describeFeedback(subject: StoreUnderTest): void {
  describe('feedback', () => {
    it('keeps the ids and times the client chose, and stores a re-sent row once', async () => {
      const { store } = subject;
      const row = feedback({ id: 'client-chosen', payload_json: '{"x":1}', created_at: T0 + 5 * MS });
      expect(await store.createFeedback([row])).toEqual([row]);
      // Sent again with other contents (a retry after a lost answer): the first one stays.
      const again = await store.createFeedback([
        { ...row, payload_json: '{"x":2}' },
        feedback({ id: 'other' }),
      ]);
      expect(again.map((stored) => [stored.id, stored.payload_json])).toEqual([
        ['client-chosen', '{"x":1}'],
        ['other', '{}'],
      ]);
      // Oldest first: `other` was made at T0, the client's row 5 ms later.
      expect((await store.queryFeedback({ project_id: PROJECT, ...all })).map((stored) => stored.id)).toEqual(
        ['other', 'client-chosen'],
      );
    });

    it('lists a project’s feedback only, filtered by columns and payload paths, sorted and paged', async () => {
      const { store } = subject;
      await store.createFeedback([
        feedback({
          id: 'r1',
          feedback_type: 'wandb.reaction.1',
          payload_json: '{"emoji":"👍"}',
          created_at: T0 + 1,
        }),
        feedback({
          id: 'r2',
          feedback_type: 'wandb.reaction.1',
          payload_json: '{"emoji":"👎"}',
          created_at: T0 + 2,
        }),
        feedback({
          id: 'n1',
          feedback_type: 'wandb.note.1',
          payload_json: '{"note":"good"}',
          created_at: T0 + 3,
        }),
        feedback({ id: 'o1', call_id: null, created_at: T0 + 4 }),
        feedback({ id: 'elsewhere', project_id: OTHER_PROJECT, weave_ref: callRef('a', OTHER_PROJECT) }),
      ]);
      const ids = async (query: Partial<Parameters<typeof store.queryFeedback>[0]>) =>
        (await store.queryFeedback({ project_id: PROJECT, ...all, ...query })).map((row) => row.id);
      expect(await ids({})).toEqual(['r1', 'r2', 'n1', 'o1']);
      const thumbsUp = feedbackQuery({
        $and: [
          { $eq: [field('feedback_type'), literal('wandb.reaction.1')] },
          { $eq: [field('payload.emoji'), literal('👍')] },
        ],
      });
      expect(await ids({ query: thumbsUp })).toEqual(['r1']);
      expect(
        await ids({ query: feedbackQuery({ $eq: [field('weave_ref'), literal(callRef('a'))] }) }),
      ).toEqual(['r1', 'r2', 'n1']);
      // The Python client's "everything": a literal compared with itself; still this project only.
      expect(await ids({ query: feedbackQuery({ $eq: [literal('1'), literal('1')] }) })).toEqual([
        'r1',
        'r2',
        'n1',
        'o1',
      ]);
      expect(
        await ids({ sort_by: [{ field: 'created_at', direction: 'desc' }], limit: 2, offset: 1 }),
      ).toEqual(['n1', 'r2']);
    });

    it('purges and replaces only within its project', async () => {
      const { store } = subject;
      await store.createFeedback([
        feedback({ id: 'a' }),
        feedback({ id: 'b' }),
        feedback({ id: 'x', project_id: OTHER_PROJECT, weave_ref: callRef('a', OTHER_PROJECT) }),
      ]);
      expect(await store.purgeFeedback(PROJECT, ['a', 'x', 'missing'])).toBe(1);
      expect(await store.replaceFeedback(PROJECT, 'x', feedback({ id: 'y' }))).toBe(false);
      expect(await store.replaceFeedback(PROJECT, 'b', feedback({ id: 'c', payload_json: '{"v":2}' }))).toBe(
        true,
      );
      expect((await store.queryFeedback({ project_id: PROJECT, ...all })).map((row) => row.id)).toEqual([
        'c',
      ]);
      expect((await store.queryFeedback({ project_id: OTHER_PROJECT, ...all })).map((row) => row.id)).toEqual(
        ['x'],
      );
    });

    it('goes with its call: deleting a call deletes the feedback on it and on its descendants', async () => {
      const { store } = subject;
      await store.upsertCalls([
        finished('root'),
        finished('child', { parent_id: 'root' }),
        finished('kept', { started_at: T0 + 1 }),
      ]);
      await store.createFeedback([
        feedback({ id: 'on-root', call_id: 'root' }),
        feedback({ id: 'on-child', call_id: 'child' }),
        feedback({ id: 'on-kept', call_id: 'kept' }),
        feedback({ id: 'on-object', call_id: null }),
      ]);
      await store.deleteCalls(PROJECT, ['root'], T0 + 10);
      expect(
        (await store.queryFeedback({ project_id: PROJECT, ...all })).map((row) => row.id).sort(),
      ).toEqual(['on-kept', 'on-object']);
    });

    it('adds a call’s feedback to it when a query asks, oldest first', async () => {
      const { store } = subject;
      await store.upsertCalls([finished('a'), finished('b', { started_at: T0 + 1 })]);
      await store.createFeedback([
        feedback({ id: 'later', payload_json: '{"n":2}', created_at: T0 + 2 }),
        feedback({ id: 'earlier', payload_json: '{"n":1}', created_at: T0 + 1 }),
      ]);
      const [a, b] = await collect(store, { include_feedback: true });
      const rows = JSON.parse(a?.feedback_json ?? 'null') as Array<Record<string, unknown>>;
      expect(rows.map((row) => [row.id, row.payload])).toEqual([
        ['earlier', { n: 1 }],
        ['later', { n: 2 }],
      ]);
      expect(rows[0]).toMatchObject({ feedback_type: 'custom', weave_ref: callRef('a'), wb_user_id: 'ada' });
      expect(JSON.parse(b?.feedback_json ?? 'null')).toEqual([]);
      const [plain] = await collect(store, {});
      expect(plain?.feedback_json).toBeUndefined();
    });

    it('adds feedback to a sorted, paged query without changing its order', async () => {
      const { store } = subject;
      const values = [3, 1, 4, 1, 5, 9, 2, 6];
      await store.upsertCalls(
        values.map((value, index) =>
          finished(
            `c${index}`,
            { started_at: T0 + index },
            { summary_json: JSON.stringify({ rank: value }) },
          ),
        ),
      );
      await store.createFeedback([
        feedback({ id: 'on-c5', call_id: 'c5', payload_json: '{"v":5}' }),
        feedback({ id: 'on-c2', call_id: 'c2', payload_json: '{"v":2}' }),
      ]);
      for (const sort of [
        [{ field: 'summary.rank', direction: 'desc' as const }],
        [{ field: 'started_at', direction: 'desc' as const }],
        [
          { field: 'summary.rank', direction: 'asc' as const },
          { field: 'id', direction: 'desc' as const },
        ],
      ]) {
        const page = { sort_by: sort, limit: 4, offset: 1 };
        const plain = await idsOf(store, page);
        const withFeedback = await collect(store, { ...page, include_feedback: true });
        expect(withFeedback.map((call) => call.id)).toEqual(plain);
        for (const call of withFeedback) {
          const rows = JSON.parse(call.feedback_json ?? '[]') as Array<{ id: string }>;
          expect(rows.map((row) => row.id)).toEqual(
            call.id === 'c5' ? ['on-c5'] : call.id === 'c2' ? ['on-c2'] : [],
          );
        }
      }
    });

    it('filters and sorts calls by a score, calls without one reading as missing', async () => {
      const { store } = subject;
      await store.upsertCalls(
        ['high', 'low', 'unscored', 'wrong'].map((id, index) => finished(id, { started_at: T0 + index })),
      );
      await store.createFeedback([
        score('s1', 'high', { correct: true, score: 0.9 }),
        score('s2', 'low', { correct: false, score: 0.2 }),
        score('s3', 'wrong', { correct: false, score: 0.5 }),
        // An older score of another scorer on the unscored call does not count as this one.
        feedback({
          id: 'other',
          call_id: 'unscored',
          feedback_type: 'wandb.runnable.other',
          payload_json: '{"output":1}',
        }),
      ]);
      const byScore = (direction: 'asc' | 'desc') =>
        idsOf(store, { sort_by: [{ field: `feedback.[${SCORER}].payload.output.score`, direction }] });
      expect(await byScore('desc')).toEqual(['high', 'wrong', 'low', 'unscored']);
      expect(await byScore('asc')).toEqual(['low', 'wrong', 'high', 'unscored']);
      const correct = callsQuery({
        $eq: [field(`feedback.[${SCORER}].payload.output.correct`), literal(true)],
      });
      expect(await idsOf(store, { query: correct })).toEqual(['high']);
      // get_calls(scored_by=name): "its output is not empty".
      const scored = callsQuery({
        $not: [{ $eq: [field(`feedback.[${SCORER}].payload.output`), literal('')] }],
      });
      expect(await idsOf(store, { query: scored })).toEqual(['high', 'low', 'wrong']);
      // get_calls(scored_by=ref): the runnable_ref equals the scorer's ref.
      const byRef = callsQuery({ $eq: [field(`feedback.[${SCORER}].runnable_ref`), literal(SCORER_REF)] });
      expect(await idsOf(store, { query: byRef })).toEqual(['high', 'low', 'wrong']);
      const anyType = callsQuery({ $eq: [field('feedback.[*].payload.output'), literal(1)] });
      expect(await idsOf(store, { query: anyType })).toEqual(['unscored']);
      expect(await store.countCalls({ project_id: PROJECT, filter: {}, query: scored, limit: null })).toBe(3);
    });
  });
}
