import { describe, expect, it } from 'vitest';
import {
  anyFeedbackRequest,
  callFeedbackRequest,
  callRef,
  noteRequest,
  purgeRequest,
  reactionRequest,
} from './feedback';

describe('feedback requests', () => {
  it('attaches feedback to the call by its ref, names percent-encoded as the SDKs write them', () => {
    expect(callRef('ui-tests/feedback', '019a-1')).toBe('weave:///ui-tests/feedback/call/019a-1');
    expect(callRef('team/my project', 'a b')).toBe('weave:///team/my project/call/a%20b');
  });

  it('adds a reaction and a note without a wb_user_id: the server decides the author', () => {
    expect(reactionRequest('e/p', 'c1', '👍')).toEqual({
      project_id: 'e/p',
      weave_ref: 'weave:///e/p/call/c1',
      feedback_type: 'wandb.reaction.1',
      payload: { emoji: '👍' },
    });
    const note = noteRequest('e/p', 'c1', 'looks wrong');
    expect(note).toEqual({
      project_id: 'e/p',
      weave_ref: 'weave:///e/p/call/c1',
      feedback_type: 'wandb.note.1',
      payload: { note: 'looks wrong' },
    });
    expect(note).not.toHaveProperty('wb_user_id');
  });

  it('removes by id, in the only form /feedback/purge takes', () => {
    expect(purgeRequest('e/p', 'f1')).toEqual({
      project_id: 'e/p',
      query: { $expr: { $eq: [{ $getField: 'id' }, { $literal: 'f1' }] } },
    });
  });

  it("reads a call's feedback with the call, without its inputs and output", () => {
    expect(callFeedbackRequest('e/p', 'c1')).toEqual({
      project_id: 'e/p',
      filter: { call_ids: ['c1'] },
      columns: ['id'],
      include_feedback: true,
      limit: 1,
    });
    expect(anyFeedbackRequest('e/p')).toEqual({ project_id: 'e/p', fields: ['id'], limit: 1 });
  });
});
