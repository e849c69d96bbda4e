import type { CallSchema } from '@weft/protocol';
import { describe, expect, it } from 'vitest';
import {
  anyFeedbackOfType,
  feedbackField,
  feedbackValue,
  isFeedbackField,
  mergeFeedbackKeys,
  NOTES_COLUMN,
  parseFeedbackField,
  REACTIONS_COLUMN,
  scoreKeys,
} from './feedback-fields';

let sequence = 0;
function withFeedback(...rows: Array<[string, Record<string, unknown>]>): CallSchema {
  const feedback = rows.map(([feedback_type, payload]) => {
    sequence += 1;
    return {
      id: `f${sequence}`,
      feedback_type,
      payload,
      wb_user_id: null,
      created_at: '2026-01-01T00:00:00Z',
    };
  });
  return { summary: { weave: { status: 'success', latency_ms: 1, feedback } } } as unknown as CallSchema;
}

describe('feedback fields', () => {
  it('names the fields the server filters and sorts by, the type taken whole inside the brackets', () => {
    expect(REACTIONS_COLUMN).toBe('feedback.[wandb.reaction.1].payload.emoji');
    expect(NOTES_COLUMN).toBe('feedback.[wandb.note.1].payload.note');
    expect(feedbackField('wandb.runnable.my.scorer', ['output', 'a.b'])).toBe(
      'feedback.[wandb.runnable.my.scorer].payload.output.a\\.b',
    );
    expect(isFeedbackField(REACTIONS_COLUMN)).toBe(true);
    expect(isFeedbackField('summary.feedback')).toBe(false);
  });

  it('reads a field back into its type and payload path, and refuses what is not one', () => {
    expect(parseFeedbackField('feedback.[wandb.runnable.my.scorer].payload.output.a\\.b')).toEqual({
      field: 'feedback.[wandb.runnable.my.scorer].payload.output.a\\.b',
      feedbackType: 'wandb.runnable.my.scorer',
      parts: ['output', 'a.b'],
      label: 'my.scorer.a.b',
      numeric: false,
    });
    expect(parseFeedbackField('feedback.[custom].payload.label')?.label).toBe('custom.label');
    for (const bad of [
      'summary.x',
      'feedback.[]payload.x',
      'feedback.[x]',
      'feedback.[x].runnable_ref',
      'feedback.[x.payload.y',
      'feedback.[x].payload..y',
    ]) {
      expect(parseFeedbackField(bad), bad).toBeUndefined();
    }
  });

  it("finds each scorer's result keys on the loaded calls: a plain result is one key, an object one per leaf", () => {
    const pages = [
      [
        withFeedback(
          ['wandb.runnable.exact', { output: true }],
          ['wandb.runnable.judge', { output: { correct: true, score: 0.9, detail: { why: 'x' } } }],
          ['wandb.reaction.1', { emoji: '👍' }],
        ),
        withFeedback(['wandb.runnable.judge', { output: { correct: false, score: 'n/a', '7': 1 } }]),
      ],
      [withFeedback(['wandb.runnable.len', { output: 12 }], ['wandb.runnable.bad]name', { output: 1 }])],
    ];
    expect(scoreKeys(pages).map(({ field, label, numeric }) => [field, label, numeric])).toEqual([
      ['feedback.[wandb.runnable.exact].payload.output', 'exact', false],
      ['feedback.[wandb.runnable.judge].payload.output.correct', 'judge.correct', false],
      // Numbers on one call, text on another: not a numeric column.
      ['feedback.[wandb.runnable.judge].payload.output.score', 'judge.score', false],
      ['feedback.[wandb.runnable.judge].payload.output.detail.why', 'judge.detail.why', false],
      ['feedback.[wandb.runnable.len].payload.output', 'len', true],
      // A digits-only key reads as a list index, and a `]` would end the type: neither can be named.
    ]);
  });

  it('reads the oldest row of a type, as the server filters and sorts by it', () => {
    const call = withFeedback(
      ['wandb.runnable.judge', { output: { score: 1 } }],
      ['wandb.runnable.judge', { output: { score: 2 } }],
    );
    expect(feedbackValue(call, { feedbackType: 'wandb.runnable.judge', parts: ['output', 'score'] })).toBe(1);
    expect(
      feedbackValue(call, { feedbackType: 'wandb.runnable.judge', parts: ['output', 'nope'] }),
    ).toBeUndefined();
    expect(feedbackValue(call, { feedbackType: 'wandb.runnable.other', parts: ['output'] })).toBeUndefined();
    expect(anyFeedbackOfType([call], 'wandb.runnable.judge')).toBe(true);
    expect(anyFeedbackOfType([call], 'wandb.reaction.1')).toBe(false);
  });

  it('keeps scorers seen before after the ones found now', () => {
    const [a, b] = scoreKeys([
      [withFeedback(['wandb.runnable.a', { output: 1 }], ['wandb.runnable.b', { output: 2 }])],
    ]);
    expect(mergeFeedbackKeys([b!], [a!, b!]).map((key) => key.label)).toEqual(['b', 'a']);
  });
});
