/**
 * scripts/feedback.py: reactions, notes and a type of the user's own added through call.feedback,
 * one purged and one deleted with its call, scores from call.apply_scorer (a function op and two
 * versions of a weave.Scorer), get_calls(scored_by=...), include_feedback, and get_feedback. The
 * script asserts what Python reads back; these checks read the same rows straight from weft's
 * HTTP API (docs/protocol.md §18) and look at what the client sent for them.
 */
import { expect, it } from 'vitest';
import type { Mode } from '../support/run-script.js';
import { itCompleted, KEY_USER, opRefPattern, type PythonGroup, type PythonSuite } from '../support/suite.js';

type HumanFeedback =
  | 'thumbs'
  | 'thumbs_by_name'
  | 'thumbs_toned'
  | 'heart'
  | 'note'
  | 'label'
  | 'retracted'
  | 'second_label'
  | 'doomed_note';
type ScorerResult = 'short_reviewed' | 'short_second' | 'length_reviewed' | 'length_second';

interface FeedbackResult {
  calls: Record<'reviewed' | 'second' | 'unscored' | 'doomed', string>;
  /** The ids add_reaction, add_note and add returned. */
  feedback: Record<HumanFeedback, string>;
  /** The scorer rows as Python read them back (apply_scorer does not return their ids). */
  scorers: Record<ScorerResult, { id: string; score_call: string; runnable_ref: string }>;
  scorer_refs: Record<'is_short' | 'lenient' | 'strict', string>;
  /** [what get_calls was given, the call ids it listed], in the order of the requests. */
  scored_by: Array<[string, string[]]>;
}

interface FeedbackRow {
  id: string;
  project_id: string;
  weave_ref: string;
  creator: string | null;
  feedback_type: string;
  payload: Record<string, unknown>;
  annotation_ref: string | null;
  runnable_ref: string | null;
  call_ref: string | null;
  trigger_ref: string | null;
  wb_user_id: string | null;
  created_at: string;
}

interface StreamedCall {
  id: string;
  summary: { weave: { feedback?: Array<Omit<FeedbackRow, 'project_id'>> } };
}

const THUMBS_UP = { emoji: '👍', alias: ':thumbs_up:', detoned: '👍', detoned_alias: ':thumbs_up:' };
const THUMBS_UP_TONED = {
  emoji: '👍🏽',
  alias: ':thumbs_up_medium_skin_tone:',
  detoned: '👍',
  detoned_alias: ':thumbs_up:',
};
const RED_HEART = { emoji: '❤️', alias: ':red_heart:', detoned: '❤️', detoned_alias: ':red_heart:' };
/** ISO 8601 in UTC, as weft writes created_at. */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const ALL = { $expr: { $eq: [{ $literal: '1' }, { $literal: '1' }] } };

/** The calls /calls/stream_query answers for `body` (NDJSON, one call a line). */
async function streamCalls(suite: PythonSuite, body: Record<string, unknown>): Promise<StreamedCall[]> {
  const res = await fetch(`${suite.serverUrl}/calls/stream_query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...suite.authHeaders },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as StreamedCall);
}

/** Every `$getField` path in a query, in order. */
function fieldsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(fieldsIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, each]) =>
    key === '$getField' && typeof each === 'string' ? [each] : fieldsIn(each),
  );
}

const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);

/** Each row's created_at is at or after the one before it: oldest first (ties in any order). */
function expectOldestFirst(rows: ReadonlyArray<{ created_at: string }>): void {
  const times = rows.map((row) => Date.parse(row.created_at));
  expect(times).toEqual([...times].sort((a, b) => a - b));
}

export const feedback: PythonGroup = {
  name: 'feedback',
  script: 'feedback.py',
  checks(suite, mode: Mode) {
    const project = suite.project('feedback', mode);
    const callRef = (id: string) => `weave:///${project}/call/${id}`;
    const queryFeedback = async (query: unknown = ALL) =>
      (await suite.reader.post<{ result: FeedbackRow[] }>('/feedback/query', { project_id: project, query }))
        .result;

    /** The rows weft must hold after the run: the person's (less the purged and the deleted) and the scorers'. */
    const expectedRows = ({ calls, feedback: ids, scorers }: FeedbackResult): FeedbackRow[] => {
      const row = (
        id: string,
        call: string,
        feedbackType: string,
        payload: Record<string, unknown>,
        more: Partial<FeedbackRow> = {},
      ): FeedbackRow => ({
        id,
        project_id: project,
        weave_ref: callRef(call),
        creator: null,
        feedback_type: feedbackType,
        payload,
        annotation_ref: null,
        runnable_ref: null,
        call_ref: null,
        trigger_ref: null,
        // The client sends none; weft stores the user of the request's API key (§19.3).
        wb_user_id: KEY_USER,
        created_at: expect.stringMatching(ISO_UTC) as unknown as string,
        ...more,
      });
      const scored = (key: ScorerResult, call: string, scorer: string, output: unknown) =>
        row(
          scorers[key].id,
          call,
          `wandb.runnable.${scorer}`,
          { output },
          {
            runnable_ref: scorers[key].runnable_ref,
            call_ref: callRef(scorers[key].score_call),
          },
        );
      return [
        row(ids.thumbs, calls.reviewed, 'wandb.reaction.1', THUMBS_UP),
        row(ids.thumbs_by_name, calls.reviewed, 'wandb.reaction.1', THUMBS_UP),
        row(ids.thumbs_toned, calls.reviewed, 'wandb.reaction.1', THUMBS_UP_TONED, { creator: 'reviewer' }),
        row(ids.heart, calls.reviewed, 'wandb.reaction.1', RED_HEART),
        row(ids.note, calls.reviewed, 'wandb.note.1', { note: 'Paris is right' }, { creator: 'reviewer' }),
        row(ids.label, calls.reviewed, 'weft.label', {
          label: 'geography',
          tags: ['easy', 'europe'],
          confidence: 0.9,
        }),
        row(ids.second_label, calls.second, 'weft.label', { label: 'astronomy' }),
        scored('short_reviewed', calls.reviewed, 'is_short', true),
        scored('short_second', calls.second, 'is_short', false),
        scored('length_reviewed', calls.reviewed, 'length-scorer', { length: 5, within_limit: true }),
        scored('length_second', calls.second, 'length-scorer', { length: 7, within_limit: false }),
      ].sort(byId);
    };

    it('runs to completion, every request answered 2xx, over the routes of its mode', () => {
      suite.completed<FeedbackResult>('feedback', mode);
      const calls =
        mode === 'complete' ? ['POST /v2/{entity}/{project}/calls/complete'] : ['POST /call/upsert_batch'];
      // Feedback goes only through the batch route: /feedback/create (the client's fallback when
      // the batch route is missing) and /feedback/replace are never reached.
      expect(suite.routesUsed('feedback', mode)).toEqual(
        [
          'GET /server_info',
          'POST /graphql',
          'POST /obj/create',
          'POST /file/create',
          'POST /calls/stream_query',
          'POST /calls/delete',
          'POST /feedback/batch/create',
          'POST /feedback/query',
          'POST /feedback/purge',
          ...calls,
        ].sort(),
      );
    });

    itCompleted<FeedbackResult>(
      suite,
      'feedback',
      mode,
      'sends every row in /feedback/batch/create under the id Python returned, without created_at',
      ({ calls, feedback: ids, scorers }) => {
        const items = (
          suite.requestBodies('feedback', mode, 'POST', '/feedback/batch/create') as Array<{
            batch: Array<Record<string, unknown> & { id: string }>;
          }>
        ).flatMap((body) => body.batch);
        const returned = [...Object.values(ids), ...Object.values(scorers).map((row) => row.id)];
        expect(items.map((item) => item.id).sort()).toEqual(returned.sort());
        // The server stamps created_at when a row arrives.
        expect(items.filter((item) => 'created_at' in item)).toEqual([]);
        expect(items.every((item) => item.project_id === project)).toBe(true);
        // Reactions go as they were given; weft turns :thumbsup: and a text-style ❤ into emoji.
        const sent = Object.fromEntries(items.map((item) => [item.id, item.payload]));
        expect([sent[ids.thumbs], sent[ids.thumbs_by_name], sent[ids.heart]]).toEqual([
          { emoji: '👍' },
          { emoji: ':thumbsup:' },
          { emoji: '❤' },
        ]);
        // The fields the client sends besides the row's own; weft accepts and ignores them (§18.1).
        expect(items.find((item) => item.id === ids.note)).toEqual({
          id: ids.note,
          project_id: project,
          weave_ref: callRef(calls.reviewed),
          creator: 'reviewer',
          feedback_type: 'wandb.note.1',
          payload: { note: 'Paris is right' },
          scorer_tags: [],
          scorer_tag_reasons: {},
          scorer_tag_confidences: {},
          scorer_ratings: {},
          scorer_rating_reasons: {},
          scorer_rating_confidences: {},
          span_agent_name: '',
          span_agent_version: '',
          span_status_code: 'UNSET',
          span_conversation_id: '',
          span_trace_id: '',
          scorer_trace_id: '',
        });
      },
    );

    itCompleted<FeedbackResult>(
      suite,
      'feedback',
      mode,
      'stores each row under its id: reactions enriched, notes, the user’s own type, scorer results',
      async (result) => {
        const rows = await queryFeedback();
        expect([...rows].sort(byId)).toEqual(expectedRows(result));
        expectOldestFirst(rows);
        // Scorer results name the op, or the version of the Scorer object, that produced them.
        const { is_short, lenient, strict } = result.scorer_refs;
        expect(is_short).toMatch(opRefPattern(project, 'is_short'));
        for (const ref of [lenient, strict]) {
          expect(ref).toMatch(new RegExp(`^weave:///${project}/object/length-scorer:[A-Za-z0-9]{43}$`));
        }
        expect(lenient).not.toBe(strict);
        await suite.reader.readOp(is_short);
        expect((await suite.reader.readObject(lenient)).val).toMatchObject({
          _type: 'LengthScorer',
          limit: 10,
        });
        expect((await suite.reader.readObject(strict)).val).toMatchObject({
          _type: 'LengthScorer',
          limit: 5,
        });
      },
    );

    itCompleted<FeedbackResult>(
      suite,
      'feedback',
      mode,
      'purges by id, and deletes the feedback of a deleted call with it',
      async ({ calls, feedback: ids }) => {
        expect(suite.requestBodies('feedback', mode, 'POST', '/feedback/purge')).toEqual([
          {
            project_id: project,
            query: { $expr: { $eq: [{ $getField: 'id' }, { $literal: ids.retracted }] } },
          },
        ]);
        expect(suite.requestBodies('feedback', mode, 'POST', '/calls/delete')).toEqual([
          expect.objectContaining({ project_id: project, call_ids: [calls.doomed] }),
        ]);
        const gone = await queryFeedback({
          $expr: {
            $in: [{ $getField: 'id' }, [{ $literal: ids.retracted }, { $literal: ids.doomed_note }]],
          },
        });
        expect(gone).toEqual([]);
        expect(
          await queryFeedback({
            $expr: { $eq: [{ $getField: 'weave_ref' }, { $literal: callRef(calls.doomed) }] },
          }),
        ).toEqual([]);
      },
    );

    itCompleted<FeedbackResult>(
      suite,
      'feedback',
      mode,
      'reads each call’s feedback with include_feedback, oldest first, and none without it',
      async (result) => {
        const { calls } = result;
        const expected = expectedRows(result).map(({ project_id: _project, ...row }) => row);
        const streamed = await streamCalls(suite, {
          project_id: project,
          include_feedback: true,
          filter: { call_ids: [calls.reviewed, calls.second, calls.unscored] },
        });
        const feedbackOf = Object.fromEntries(streamed.map((call) => [call.id, call.summary.weave.feedback]));
        expect(Object.keys(feedbackOf).sort()).toEqual([calls.reviewed, calls.second, calls.unscored].sort());
        for (const id of [calls.reviewed, calls.second]) {
          expect([...feedbackOf[id]!].sort(byId)).toEqual(
            expected.filter((row) => row.weave_ref === callRef(id)),
          );
          expectOldestFirst(feedbackOf[id]!);
        }
        expect(feedbackOf[calls.unscored]).toEqual([]);
        const plain = await streamCalls(suite, {
          project_id: project,
          filter: { call_ids: [calls.reviewed] },
        });
        expect(plain.map((call) => 'feedback' in call.summary.weave)).toEqual([false]);
      },
    );

    itCompleted<FeedbackResult>(
      suite,
      'feedback',
      mode,
      'get_calls(scored_by=...) sends feedback fields, and weft answers them as Python saw',
      async ({ scorer_refs, scored_by }) => {
        const queries = (
          suite.requestBodies('feedback', mode, 'POST', '/calls/stream_query') as Array<
            Record<string, unknown> & { query?: unknown }
          >
        ).filter((body) => fieldsIn(body.query).some((field) => field.startsWith('feedback.')));
        expect(queries).toHaveLength(scored_by.length);
        // By name: the scorer's output is not ""; by ref: its runnable_ref is the ref (§18.5).
        expect(queries[0]!.query).toEqual({
          $expr: {
            $and: [
              {
                $not: [
                  {
                    $eq: [
                      { $getField: 'feedback.[wandb.runnable.is_short].payload.output' },
                      { $literal: '' },
                    ],
                  },
                ],
              },
            ],
          },
        });
        expect(queries[3]!.query).toEqual({
          $expr: {
            $and: [
              {
                $eq: [
                  { $getField: 'feedback.[wandb.runnable.length-scorer].runnable_ref' },
                  { $literal: scorer_refs.lenient },
                ],
              },
            ],
          },
        });
        expect([...new Set(queries.flatMap((body) => fieldsIn(body.query)))].sort()).toEqual([
          'feedback.[wandb.runnable.is_short].payload.output',
          'feedback.[wandb.runnable.is_short].runnable_ref',
          'feedback.[wandb.runnable.length-scorer].payload.output',
          'feedback.[wandb.runnable.length-scorer].runnable_ref',
          'feedback.[wandb.runnable.no_such_scorer].payload.output',
          'inputs.question',
        ]);
        // The same requests, sent again, list what Python listed.
        for (const [index, body] of queries.entries()) {
          const ids = (await streamCalls(suite, body)).map((call) => call.id).sort();
          expect([scored_by[index]![0], ids]).toEqual(scored_by[index]);
        }
      },
    );

    itCompleted<FeedbackResult>(
      suite,
      'feedback',
      mode,
      'filters and sorts calls by feedback payloads and columns',
      async ({ calls }) => {
        const find = async (query: unknown, sortBy?: unknown) =>
          (
            await streamCalls(suite, {
              project_id: project,
              query: { $expr: query },
              ...(sortBy ? { sort_by: sortBy } : {}),
              columns: ['id'],
            })
          ).map((call) => call.id);
        const field = (path: string) => ({ $getField: path });
        // A number or boolean literal casts the payload value.
        expect(
          await find({
            $gt: [field('feedback.[wandb.runnable.length-scorer].payload.output.length'), { $literal: 5 }],
          }),
        ).toEqual([calls.second]);
        expect(
          await find({
            $eq: [field('feedback.[wandb.runnable.is_short].payload.output'), { $literal: true }],
          }),
        ).toEqual([calls.reviewed]);
        expect(
          await find({ $eq: [field('feedback.[weft.label].payload.label'), { $literal: 'astronomy' }] }),
        ).toEqual([calls.second]);
        expect(
          await find({ $eq: [field('feedback.[wandb.note.1].creator'), { $literal: 'reviewer' }] }),
        ).toEqual([calls.reviewed]);
        // The reviewed call's reactions share one created_at: which is "oldest" is not pinned, but
        // every one of them is a thumbs up or a heart, and the deleted call's note is gone.
        expect(
          await find({
            $in: [
              field('feedback.[wandb.reaction.1].payload.detoned'),
              [{ $literal: '👍' }, { $literal: '❤️' }],
            ],
          }),
        ).toEqual([calls.reviewed]);
        expect(
          await find(
            {
              $not: [
                { $eq: [field('feedback.[wandb.runnable.length-scorer].payload.output'), { $literal: '' }] },
              ],
            },
            [{ field: 'feedback.[wandb.runnable.length-scorer].payload.output.length', direction: 'desc' }],
          ),
        ).toEqual([calls.second, calls.reviewed]);
      },
    );
  },
};
