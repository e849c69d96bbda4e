import { describe, expect, it } from 'vitest';
import { COST_COLUMN, callColumns, TOKENS_COLUMN } from './calls-columns';
import { NOTES_COLUMN, parseFeedbackField, REACTIONS_COLUMN } from './feedback-fields';

const judge = (key: string, numeric = false) => ({
  ...parseFeedbackField(`feedback.[wandb.runnable.judge].payload.output.${key}`)!,
  numeric,
});

describe('callColumns with feedback', () => {
  it('lists reactions and notes always, and shows them by default when the loaded calls have some', () => {
    const none = callColumns([], undefined, false);
    expect(none.choices.map((choice) => choice.id)).toEqual(
      expect.arrayContaining([REACTIONS_COLUMN, NOTES_COLUMN]),
    );
    expect(none.defaultVisible).not.toContain(REACTIONS_COLUMN);
    expect(none.defaultVisible).not.toContain(NOTES_COLUMN);

    const some = callColumns([], undefined, true, { scores: [], anyReactions: true, anyNotes: true });
    expect(some.defaultVisible).toEqual(
      expect.arrayContaining([TOKENS_COLUMN, COST_COLUMN, REACTIONS_COLUMN, NOTES_COLUMN]),
    );
  });

  it('gives each scorer key a column, shown by default up to a few, numbers right-aligned, with a note', () => {
    const scores = Array.from({ length: 8 }, (_, i) => judge(`k${i}`, i === 0));
    const columns = callColumns([], undefined, false, { scores, anyReactions: false, anyNotes: false });
    const ids = columns.choices.map((choice) => choice.id);
    for (const key of scores) expect(ids).toContain(key.field);
    expect(columns.choices.find((choice) => choice.id === scores[0]!.field)?.label).toBe('judge.k0');
    expect(columns.defaultVisible.filter((id) => id.startsWith('feedback.'))).toEqual(
      scores.slice(0, 6).map((key) => key.field),
    );
    expect(columns.numeric.has(scores[0]!.field)).toBe(true);
    expect(columns.numeric.has(scores[1]!.field)).toBe(false);
    expect(columns.notes[scores[0]!.field]).toContain('wandb.runnable.judge');
    expect(columns.notes[REACTIONS_COLUMN]).toContain('first reaction');
  });

  it('offers the scorer keys seen earlier in the project without showing them by default', () => {
    const [now, before] = [judge('now'), judge('before')];
    const columns = callColumns([], undefined, false, {
      scores: [now],
      seenScores: [before, now],
      anyReactions: false,
      anyNotes: false,
    });
    const ids = columns.choices.map((choice) => choice.id);
    expect(ids.filter((id) => id.startsWith('feedback.[wandb.runnable'))).toEqual([now.field, before.field]);
    expect(columns.defaultVisible).toContain(now.field);
    expect(columns.defaultVisible).not.toContain(before.field);
  });

  it('keeps a feedback column named in the URL though no loaded call has it', () => {
    const field = 'feedback.[wandb.runnable.gone].payload.output';
    const columns = callColumns([], ['op_name', field, 'feedback.[broken'], false);
    const ids = columns.choices.map((choice) => choice.id);
    expect(ids).toContain(field);
    expect(ids).not.toContain('feedback.[broken');
    expect(columns.choices.find((choice) => choice.id === field)?.label).toBe('gone');
    // Reactions named in the URL are the Reactions column, not a second one.
    const again = callColumns([], [REACTIONS_COLUMN], false);
    expect(again.choices.filter((choice) => choice.id === REACTIONS_COLUMN)).toHaveLength(1);
  });
});
