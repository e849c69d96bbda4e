/**
 * The feedback routes the UI uses (docs/protocol.md §18): adding a reaction or a note to a call,
 * removing one by id, a call's feedback (read with the call, `include_feedback`, so it is matched
 * to the call by the server whatever form of ref the row was written with), and whether a project
 * has any feedback at all. The request bodies are built by pure functions, tested without a server.
 */
import type { CallsQueryReq, FeedbackCreateRes, FeedbackQueryRes } from '@weft/protocol';
import { formatRef } from '@weft/protocol/refs';
import { postJson, queryCalls } from './client';

/** Feedback types Weave reserves (§18.2); other types are the user's own. */
export const REACTION_TYPE = 'wandb.reaction.1';
export const NOTE_TYPE = 'wandb.note.1';
export const RUNNABLE_PREFIX = 'wandb.runnable.';
export const ANNOTATION_PREFIX = 'wandb.annotation.';
/** Weave's limit on a note's length. */
export const MAX_NOTE_CHARS = 1024;

/** `weave:///<entity>/<project>/call/<id>`: what a call's feedback is attached to. */
export function callRef(projectId: string, callId: string): string {
  const slash = projectId.indexOf('/');
  return formatRef({
    kind: 'call',
    entity: projectId.slice(0, slash),
    project: projectId.slice(slash + 1),
    id: callId,
    extra: [],
  });
}

export interface NewFeedback {
  project_id: string;
  weave_ref: string;
  feedback_type: string;
  payload: Record<string, unknown>;
}

/**
 * A reaction by the viewer. No `wb_user_id` is sent: the server decides the author, the API key's
 * user on a server with keys and nobody (null) on one without, and either is what the UI counts as
 * the viewer's own (views/feedback/feedback-rows.ts).
 */
export function reactionRequest(projectId: string, callId: string, emoji: string): NewFeedback {
  return {
    project_id: projectId,
    weave_ref: callRef(projectId, callId),
    feedback_type: REACTION_TYPE,
    payload: { emoji },
  };
}

export function noteRequest(projectId: string, callId: string, note: string): NewFeedback {
  return {
    project_id: projectId,
    weave_ref: callRef(projectId, callId),
    feedback_type: NOTE_TYPE,
    payload: { note },
  };
}

/** `/feedback/purge` takes ids only, in this form. */
export function purgeRequest(projectId: string, feedbackId: string) {
  return {
    project_id: projectId,
    query: { $expr: { $eq: [{ $getField: 'id' }, { $literal: feedbackId }] } },
  };
}

/** One call's feedback, read with the call: its id and summary, nothing heavy. */
export function callFeedbackRequest(projectId: string, callId: string): CallsQueryReq {
  return {
    project_id: projectId,
    filter: { call_ids: [callId] },
    columns: ['id'],
    include_feedback: true,
    limit: 1,
  };
}

export function createFeedback(body: NewFeedback, signal?: AbortSignal): Promise<FeedbackCreateRes> {
  return postJson<FeedbackCreateRes>('/feedback/create', body, signal);
}

export async function purgeFeedback(projectId: string, feedbackId: string): Promise<void> {
  await postJson<Record<string, never>>('/feedback/purge', purgeRequest(projectId, feedbackId));
}

/** The call's `summary.weave.feedback`, oldest first (none when the call is not there). */
export async function readCallFeedback(
  projectId: string,
  callId: string,
  signal?: AbortSignal,
): Promise<unknown[]> {
  const [call] = await queryCalls(callFeedbackRequest(projectId, callId), signal);
  const rows = call?.summary?.weave?.feedback;
  return Array.isArray(rows) ? rows : [];
}

/** The smallest question that says whether a project has feedback: one row's id. */
export function anyFeedbackRequest(projectId: string) {
  return { project_id: projectId, fields: ['id'], limit: 1 };
}

export async function projectHasFeedback(projectId: string, signal?: AbortSignal): Promise<boolean> {
  const { result } = await postJson<FeedbackQueryRes>(
    '/feedback/query',
    anyFeedbackRequest(projectId),
    signal,
  );
  return result.length > 0;
}
