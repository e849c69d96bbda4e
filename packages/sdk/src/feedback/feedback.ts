/**
 * Feedback on calls (the seed's `call.feedback` and `client.get_feedback`; docs/protocol.md §18):
 * reactions, notes and rows of the user's own types, added in the background with ids chosen here,
 * and read back from the server after what this client queued has been sent.
 */
import type { FeedbackRow, Query } from '@weft/protocol';
import { type QueryExpression, type QueryOperation, toQueryExpression } from '../client/query.js';
import type { WeaveClient } from '../client/weave-client.js';
import { type JsonValue, serialize } from '../serialize/serialize.js';
import { nowMs } from '../tracing/clock.js';
import { newId } from '../tracing/ids.js';

/** A feedback row as read back. */
export interface Feedback {
  id: string;
  feedbackType: string;
  /** What the row says about: a call's or an object's ref. */
  weaveRef: string;
  payload: Record<string, unknown>;
  creator: string | null;
  createdAt: Date;
  wbUserId: string | null;
  /** For scorer results: the scorer's ref and its call's ref. */
  runnableRef: string | null;
  callRef: string | null;
  triggerRef: string | null;
  annotationRef: string | null;
}

export interface GetFeedbackOptions {
  /** A feedback id, or a Query expression over feedback fields (`feedback_type`, `payload.x`). */
  query?: string | Query | QueryExpression | QueryOperation;
  /** Only reactions with this emoji. */
  reaction?: string;
  offset?: number;
  /** Default 100. */
  limit?: number;
}

export const REACTION = 'wandb.reaction.1';
export const NOTE = 'wandb.note.1';

/** What the Python client sends for "all feedback": the server keeps to the project. */
const EVERYTHING = { $eq: [{ $literal: '1' }, { $literal: '1' }] };

export function toFeedback(row: FeedbackRow): Feedback {
  return {
    id: row.id,
    feedbackType: row.feedback_type,
    weaveRef: row.weave_ref,
    payload: row.payload,
    creator: row.creator ?? null,
    createdAt: new Date(row.created_at),
    wbUserId: row.wb_user_id ?? null,
    runnableRef: row.runnable_ref ?? null,
    callRef: row.call_ref ?? null,
    triggerRef: row.trigger_ref ?? null,
    annotationRef: row.annotation_ref ?? null,
  };
}

/**
 * Queues a feedback row on `weaveRef` and returns its id at once. The payload is recorded like any
 * traced value (secrets masked, size capped).
 */
export function queueFeedback(
  client: WeaveClient,
  weaveRef: string,
  feedbackType: string,
  payload: Record<string, unknown>,
  refs: { creator?: string | null; runnableRef?: string; callRef?: string } = {},
): string {
  const time = nowMs();
  const id = newId(time);
  const recorded = serialize(payload).value as { [key: string]: JsonValue };
  client._queueFeedback({
    id,
    project_id: client.projectId,
    weave_ref: weaveRef,
    feedback_type: feedbackType,
    payload: recorded,
    creator: refs.creator ?? null,
    created_at: new Date(time).toISOString(),
    ...(refs.runnableRef ? { runnable_ref: refs.runnableRef } : {}),
    ...(refs.callRef ? { call_ref: refs.callRef } : {}),
  });
  return id;
}

export async function getFeedback(
  client: WeaveClient,
  options: string | GetFeedbackOptions = {},
): Promise<Feedback[]> {
  const { query, reaction, offset, limit } = typeof options === 'string' ? { query: options } : options;
  const clauses: unknown[] = [];
  if (typeof query === 'string') clauses.push({ $eq: [{ $getField: 'id' }, { $literal: query }] });
  else if (query !== undefined) clauses.push((toQueryExpression(query as QueryExpression) as Query).$expr);
  if (reaction !== undefined) {
    clauses.push(
      { $eq: [{ $getField: 'feedback_type' }, { $literal: REACTION }] },
      { $eq: [{ $getField: 'payload.emoji' }, { $literal: reaction }] },
    );
  }
  const expr = clauses.length === 0 ? EVERYTHING : clauses.length === 1 ? clauses[0] : { $and: clauses };
  await client.flush();
  const { result } = await client.server.feedbackQuery({
    project_id: client.projectId,
    query: { $expr: expr as Record<string, unknown> },
    sort_by: [{ field: 'created_at', direction: 'asc' }],
    offset: offset ?? 0,
    limit: limit ?? 100,
  });
  return result.map((row) => toFeedback(row as unknown as FeedbackRow));
}

/** `call.feedback`: the call's feedback, to iterate, and to add to or purge. */
export class CallFeedback implements AsyncIterable<Feedback> {
  constructor(
    private readonly client: WeaveClient,
    /** The call's ref, `weave:///entity/project/call/<id>`. */
    readonly weaveRef: string,
  ) {}

  /** Adds a row of your own type (not starting with `wandb.`); returns its id. */
  add(
    feedbackType: string,
    payload: Record<string, unknown> = {},
    options: { creator?: string } = {},
  ): string {
    if (feedbackType.startsWith('wandb.')) {
      throw new Error(
        `feedback types starting with "wandb." are reserved; use addReaction or addNote for ${feedbackType}`,
      );
    }
    return queueFeedback(this.client, this.weaveRef, feedbackType, payload, options);
  }

  /** Adds a reaction: one emoji, or its `:name:`. Returns its id. */
  addReaction(emoji: string, options: { creator?: string } = {}): string {
    return queueFeedback(this.client, this.weaveRef, REACTION, { emoji }, options);
  }

  /** Adds a note (1 to 1,024 characters). Returns its id. */
  addNote(note: string, options: { creator?: string } = {}): string {
    return queueFeedback(this.client, this.weaveRef, NOTE, { note }, options);
  }

  /** Deletes one of the call's feedback rows by id. */
  async purge(id: string): Promise<void> {
    await this.client.flush();
    await this.client.server.feedbackPurge({
      project_id: this.client.projectId,
      query: { $expr: { $eq: [{ $getField: 'id' }, { $literal: id }] } },
    });
  }

  /** The call's feedback, oldest first. */
  async toArray(): Promise<Feedback[]> {
    await this.client.flush();
    const { result } = await this.client.server.feedbackQuery({
      project_id: this.client.projectId,
      query: { $expr: { $eq: [{ $getField: 'weave_ref' }, { $literal: this.weaveRef }] } },
      sort_by: [{ field: 'created_at', direction: 'asc' }],
    });
    return result.map((row) => toFeedback(row as unknown as FeedbackRow));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Feedback> {
    yield* await this.toArray();
  }
}
