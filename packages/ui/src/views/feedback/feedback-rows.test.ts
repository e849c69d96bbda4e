import type { CallSchema } from '@weft/protocol';
import { describe, expect, it } from 'vitest';
import {
  callFeedback,
  compactValue,
  feedbackEntries,
  firstOfType,
  groupReactions,
  isOwnFeedback,
  reactionsText,
  sortFeedback,
  type Viewer,
  viewerOf,
} from './feedback-rows';

/** The one user of a server without keys: the rows without a user are theirs. */
const LOCAL: Viewer = { userId: null };

let sequence = 0;
function row(feedback_type: string, payload: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  sequence += 1;
  return {
    id: `f${sequence}`,
    feedback_type,
    payload,
    creator: null,
    wb_user_id: null,
    created_at: `2026-01-01T00:00:0${sequence % 10}.000000Z`,
    runnable_ref: null,
    call_ref: null,
    annotation_ref: null,
    ...extra,
  };
}

const reaction = (emoji: string, extra: Record<string, unknown> = {}) =>
  row('wandb.reaction.1', { emoji, alias: `:${emoji}:`, detoned: emoji, detoned_alias: `:${emoji}:` }, extra);

describe('feedback rows', () => {
  it('reads summary.weave.feedback leniently: rows without an id or type are skipped', () => {
    const good = reaction('👍');
    const call = {
      summary: {
        weave: {
          status: 'success',
          latency_ms: 1,
          feedback: [good, null, 'x', { id: 'f' }, { feedback_type: 't' }],
        },
      },
    } as unknown as CallSchema;
    expect(callFeedback(call).map((entry) => entry.id)).toEqual([good.id]);
    // A call read without include_feedback has none.
    expect(callFeedback({ summary: { weave: { status: 'success', latency_ms: 1 } } })).toEqual([]);
    expect(callFeedback({ summary: null })).toEqual([]);
    // A payload that is not an object reads as an empty one.
    expect(feedbackEntries([{ id: 'a', feedback_type: 'custom', payload: 5 }])[0]?.payload).toEqual({});
  });

  it('parses a list once, however many cells read it', () => {
    const rows = [reaction('👍')];
    expect(feedbackEntries(rows)).toBe(feedbackEntries(rows));
  });

  it('groups reactions by emoji in the order each first appeared, with the viewer’s own', () => {
    const entries = feedbackEntries([
      reaction('👍'),
      reaction('🎉', { wb_user_id: 'someone-else' }),
      reaction('👍', { wb_user_id: 'someone-else' }),
      reaction('👍'),
      row('wandb.note.1', { note: 'not a reaction' }),
    ]);
    const groups = groupReactions(entries, LOCAL);
    expect(groups.map(({ emoji, count, alias }) => ({ emoji, count, alias }))).toEqual([
      { emoji: '👍', count: 3, alias: ':👍:' },
      { emoji: '🎉', count: 1, alias: ':🎉:' },
    ]);
    // Without keys, only the rows without a user are the local user's.
    expect(groups[0]?.ownIds).toEqual([entries[0]?.id, entries[3]?.id]);
    expect(groups[1]?.ownIds).toEqual([]);
    expect(reactionsText(groups)).toBe('👍 3  🎉');
    // With a key, the rows naming the key's user are the viewer's.
    const keyed = groupReactions(entries, { userId: 'someone-else' });
    expect(keyed.map((group) => group.ownIds)).toEqual([[entries[2]?.id], [entries[1]?.id]]);
    // Without a viewer (the calls table only counts), nothing is anyone's own.
    expect(groupReactions(entries).map((group) => group.ownIds)).toEqual([[], []]);
  });

  it('lets the viewer remove their reactions and notes only, never scorer results or custom types', () => {
    const [ownReaction, ownNote, otherNote, score, custom] = feedbackEntries([
      reaction('👍'),
      row('wandb.note.1', { note: 'mine' }),
      row('wandb.note.1', { note: 'theirs' }, { wb_user_id: 'VXNlcjox' }),
      row('wandb.runnable.exact_match', { output: true }),
      row('my_label', { label: 'good' }),
    ]);
    const entries = [ownReaction, ownNote, otherNote, score, custom].map((entry) => entry!);
    expect(entries.map((entry) => isOwnFeedback(entry, LOCAL))).toEqual([true, true, false, false, false]);
    // The same rows seen with VXNlcjox's key: only their note is theirs; the rows without a user
    // were written before keys, by nobody this key speaks for.
    expect(entries.map((entry) => isOwnFeedback(entry, { userId: 'VXNlcjox' }))).toEqual([
      false,
      false,
      true,
      false,
      false,
    ]);
  });

  it('takes the viewer from the session: the key’s user with a key, the rows without a user without keys', () => {
    expect(viewerOf({ user: 'alice', key_id: 'k1' })).toEqual({ userId: 'alice' });
    // A server without keys names its local user, but stores the null the UI sent.
    expect(viewerOf({ user: 'local', key_id: null })).toEqual({ userId: null });
  });

  it('sorts feedback into reactions, notes, scores, annotations and the rest', () => {
    const entries = feedbackEntries([
      row(
        'wandb.runnable.judge',
        { output: { correct: true, score: 0.5 } },
        { runnable_ref: 'weave:///e/p/op/judge:abc' },
      ),
      reaction('❤️'),
      row('wandb.note.1', { note: 'first' }),
      row('wandb.annotation.quality', { value: 4 }),
      row('wandb.note.1', { note: 'second' }),
      row('wandb.note.1', { text: 'a note without its text' }),
      row('thumbs', { up: true }),
      row('wandb.runnable.', { output: 1 }),
    ]);
    const sorted = sortFeedback(entries, LOCAL);
    expect(sorted.reactions.map((group) => group.emoji)).toEqual(['❤️']);
    expect(sorted.notes.map((entry) => entry.payload.note)).toEqual(['first', 'second']);
    expect(sorted.scores.map(({ scorer, output }) => [scorer, output])).toEqual([
      ['judge', { correct: true, score: 0.5 }],
    ]);
    expect(sorted.annotations.map(({ name, value }) => [name, value])).toEqual([['quality', 4]]);
    // Shapes the UI does not know are still shown, as JSON.
    expect(sorted.other.map((entry) => entry.feedback_type)).toEqual([
      'wandb.note.1',
      'thumbs',
      'wandb.runnable.',
    ]);
    expect(firstOfType(entries, 'wandb.note.1')?.payload.note).toBe('first');
  });
});

describe('compactValue', () => {
  it('writes an object result as key: value pairs and anything else as a cell would', () => {
    expect(compactValue({ correct: true, score: 0.123456, reason: 'ok', detail: { a: 1 } })).toBe(
      'correct: true, score: 0.1235, reason: ok, detail: {"a":1}',
    );
    expect(compactValue(0.5)).toBe('0.5');
    expect(compactValue('fine')).toBe('fine');
    expect(compactValue(null)).toBe('null');
    expect(compactValue([1, 2])).toBe('[1,2]');
    expect(compactValue({})).toBe('{}');
    expect(compactValue(undefined)).toBe('—');
  });

  it('spells out a few keys and cuts the rest', () => {
    const wide = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`k${i}`, i]));
    expect(compactValue(wide)).toBe('k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k6: 6, k7: 7, …');
    expect(compactValue({ text: 'x'.repeat(500) }).length).toBe(201);
  });
});
