/**
 * Feedback routes (docs/protocol.md §18): judgements attached to a call (or an object) by its ref:
 * reactions, notes, scorer results (`wandb.runnable.<name>`) and free custom types.
 */
import { type Static, Type } from '@sinclair/typebox';
import { Query, SortBy } from './calls-query.js';
import { InvalidFieldError } from './errors.js';
import type { QueryField } from './query/ast.js';
import { jsonPathParts, splitFieldPath } from './query/field-path.js';
import {
  Id,
  JsonObject,
  MAX_PAGE_BOUND,
  Nullable,
  PageLimit,
  ProjectId,
  Timestamp,
} from './schema-helpers.js';

const Ref = Type.String({ minLength: 1, maxLength: 2048 });

/**
 * One feedback row to create. Newer clients send more fields (`queue_id`, `scorer_*`, `span_*`),
 * normally null; they are accepted and not stored.
 */
export const FeedbackCreateReq = Type.Object({
  /** Chosen by the client (the Python SDK's batches do); a UUIDv7 is made when absent. */
  id: Type.Optional(Nullable(Id)),
  project_id: ProjectId,
  weave_ref: Ref,
  creator: Type.Optional(Nullable(Type.String({ maxLength: 1024 }))),
  feedback_type: Type.String({ minLength: 1, maxLength: 512 }),
  payload: JsonObject,
  annotation_ref: Type.Optional(Nullable(Ref)),
  runnable_ref: Type.Optional(Nullable(Ref)),
  call_ref: Type.Optional(Nullable(Ref)),
  trigger_ref: Type.Optional(Nullable(Ref)),
  wb_user_id: Type.Optional(Nullable(Type.String({ maxLength: 1024 }))),
  /** Chosen by the client in batches; the server's clock when absent. */
  created_at: Type.Optional(Nullable(Timestamp)),
});
export type FeedbackCreateReq = Static<typeof FeedbackCreateReq>;

export interface FeedbackCreateRes {
  id: string;
  created_at: string;
  wb_user_id: string | null;
  /** As stored: a reaction's payload gains its alias and its form without skin tones. */
  payload: Record<string, unknown>;
}

/** Up to the Python client's batch size many times over; a batch is one transaction. */
export const FeedbackBatchCreateReq = Type.Object({
  batch: Type.Array(FeedbackCreateReq, { maxItems: 10_000 }),
});
export type FeedbackBatchCreateReq = Static<typeof FeedbackBatchCreateReq>;

/** An item of a batch that was not stored (weft's addition, as for call batches). */
export interface FeedbackBatchError {
  index: number;
  id: string | null;
  reason: string;
}

export interface FeedbackBatchCreateRes {
  /** One per stored item, in the batch's order. */
  res: FeedbackCreateRes[];
  errors?: FeedbackBatchError[];
}

export const FeedbackQueryReq = Type.Object({
  project_id: ProjectId,
  /** Column names or `payload.<path>`; all columns when absent. */
  fields: Type.Optional(Nullable(Type.Array(Type.String({ minLength: 1 }), { maxItems: 50 }))),
  query: Type.Optional(Nullable(Query)),
  sort_by: Type.Optional(Nullable(Type.Array(SortBy, { maxItems: 10 }))),
  limit: Type.Optional(Nullable(PageLimit)),
  offset: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: MAX_PAGE_BOUND }))),
});
export type FeedbackQueryReq = Static<typeof FeedbackQueryReq>;

/** A feedback row as `/feedback/query` answers it: exactly the columns Weave's clients parse. */
export interface FeedbackRow {
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

export interface FeedbackQueryRes {
  result: Array<Record<string, unknown>>;
}

export const FeedbackPurgeReq = Type.Object({
  project_id: ProjectId,
  /** Only ids, as for prices (docs/protocol.md §17.2). */
  query: Query,
});
export type FeedbackPurgeReq = Static<typeof FeedbackPurgeReq>;

/** Deletes `feedback_id` and creates the new row in its place, with a new id. */
export const FeedbackReplaceReq = Type.Composite([FeedbackCreateReq, Type.Object({ feedback_id: Id })]);
export type FeedbackReplaceReq = Static<typeof FeedbackReplaceReq>;

export const FEEDBACK_COLUMNS = [
  'id',
  'project_id',
  'weave_ref',
  'creator',
  'feedback_type',
  'payload',
  'annotation_ref',
  'runnable_ref',
  'call_ref',
  'trigger_ref',
  'wb_user_id',
  'created_at',
] as const;
export type FeedbackColumn = (typeof FEEDBACK_COLUMNS)[number];

/** The fields a feedback query may read: its columns, and paths inside `payload`. */
export function resolveFeedbackField(path: string): QueryField {
  const parts = splitFieldPath(path);
  const [root, ...rest] = parts as [string, ...string[]];
  if (root === 'payload') return { kind: 'json', column: 'payload', path: jsonPathParts(rest) };
  if (rest.length === 0 && (FEEDBACK_COLUMNS as readonly string[]).includes(root)) {
    return { kind: 'column', column: root, type: root === 'created_at' ? 'datetime' : 'text' };
  }
  throw new InvalidFieldError(
    `feedback queries can read ${FEEDBACK_COLUMNS.join(', ')} and payload.<path>; ${JSON.stringify(path)} is not one`,
  );
}

/** Feedback types Weave reserves (the `wandb.` prefix); others are the user's own. */
export const REACTION_TYPE = 'wandb.reaction.1';
export const NOTE_TYPE = 'wandb.note.1';
export const RUNNABLE_PREFIX = 'wandb.runnable.';
export const ANNOTATION_PREFIX = 'wandb.annotation.';
