/**
 * Call ingestion and call-level wire types (docs/protocol.md §3 and §4.1).
 * Field names keep the protocol's snake_case. Objects accept unknown keys: newer Weave clients add
 * fields (e.g. `trace_id` on ends) and rejecting them would make those clients drop whole batches.
 */

import { type Static, Type } from '@sinclair/typebox';
import type { LlmCost } from './costs.js';
import { Id, IdList, JsonObject, JsonValue, Nullable, ProjectId, Timestamp } from './schema-helpers.js';

export const StartedCallSchemaForInsert = Type.Object({
  project_id: ProjectId,
  id: Type.Optional(Nullable(Id)),
  trace_id: Type.Optional(Nullable(Id)),
  op_name: Type.String({ minLength: 1 }),
  display_name: Type.Optional(Nullable(Type.String())),
  parent_id: Type.Optional(Nullable(Id)),
  thread_id: Type.Optional(Nullable(Type.String())),
  turn_id: Type.Optional(Nullable(Type.String())),
  started_at: Timestamp,
  attributes: JsonObject,
  inputs: JsonObject,
  otel_dump: Type.Optional(Nullable(JsonObject)),
  wb_user_id: Type.Optional(Nullable(Type.String())),
  wb_run_id: Type.Optional(Nullable(Type.String())),
  wb_run_step: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
});
export type StartedCallSchemaForInsert = Static<typeof StartedCallSchemaForInsert>;

export const EndedCallSchemaForInsert = Type.Object({
  project_id: ProjectId,
  id: Id,
  ended_at: Timestamp,
  exception: Type.Optional(Nullable(Type.String())),
  output: Type.Optional(JsonValue),
  summary: JsonObject,
  wb_run_step_end: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
  /** Sent by the official npm SDK when a running call is renamed (docs/protocol.md §3.7). */
  display_name: Type.Optional(Nullable(Type.String())),
});
export type EndedCallSchemaForInsert = Static<typeof EndedCallSchemaForInsert>;

export const CallStartReq = Type.Object({ start: StartedCallSchemaForInsert });
export type CallStartReq = Static<typeof CallStartReq>;
export interface CallStartRes {
  id: string;
  trace_id: string;
}

export const CallEndReq = Type.Object({ end: EndedCallSchemaForInsert });
export type CallEndReq = Static<typeof CallEndReq>;
export type CallEndRes = Record<string, never>;

export const CallBatchStartMode = Type.Object({
  mode: Type.Literal('start'),
  req: CallStartReq,
});
export const CallBatchEndMode = Type.Object({
  mode: Type.Literal('end'),
  req: CallEndReq,
});
export type CallBatchItem = Static<typeof CallBatchStartMode> | Static<typeof CallBatchEndMode>;
/**
 * Discriminated on `mode` so a validation error names the broken field of the item ("batch/3/req/
 * start must have required property 'started_at'") instead of "must match a schema in anyOf".
 */
export const CallBatchItem = Type.Unsafe<CallBatchItem>({
  type: 'object',
  required: ['mode'],
  discriminator: { propertyName: 'mode' },
  oneOf: [CallBatchStartMode, CallBatchEndMode],
});

export const CallCreateBatchReq = Type.Object({
  batch: Type.Array(CallBatchItem),
});
export type CallCreateBatchReq = Static<typeof CallCreateBatchReq>;
/**
 * A batch item the server dropped. weft's addition to the protocol: one bad item must not cost the
 * rest of its batch (a 4xx makes Weave's npm SDK resend the same batch and, after 11 failures,
 * exit its host process; the Python SDK drops the whole batch). Clients that do not know the
 * field ignore it.
 */
export interface CallBatchItemError {
  /** The item's position in `batch`. */
  index: number;
  /** The call id the item named, when it named one. */
  id?: string;
  reason: string;
  error_type: 'InvalidRequest';
}

export interface CallCreateBatchRes {
  /** One entry per item, in order; `{}` for an end and for a dropped item. */
  res: Array<CallStartRes | CallEndRes>;
  /** Present only when items were dropped. */
  errors?: CallBatchItemError[];
}

/** A stored call as every read returns it (docs/protocol.md §4.1). */
export interface CallSchema {
  id: string;
  project_id: string;
  op_name: string;
  display_name: string | null;
  trace_id: string;
  parent_id: string | null;
  thread_id: string | null;
  turn_id: string | null;
  started_at: string;
  attributes: Record<string, unknown>;
  inputs: Record<string, unknown>;
  ended_at: string | null;
  exception: string | null;
  output: unknown;
  summary: CallSummary | null;
  wb_user_id: string | null;
  wb_run_id: string | null;
  wb_run_step: number | null;
  wb_run_step_end: number | null;
  deleted_at: string | null;
}

export type TraceStatus = 'success' | 'error' | 'running' | 'descendant_error';

/** `summary.weave`: derived by the server on every read, never stored (docs/protocol.md §4.2). */
export interface WeaveSummary {
  status: TraceStatus;
  latency_ms: number | null;
  trace_name?: string;
  display_name?: string;
  costs?: Record<string, LlmCost>;
  feedback?: unknown[];
  [key: string]: unknown;
}

export interface CallSummary {
  weave?: WeaveSummary;
  usage?: Record<string, Record<string, unknown>>;
  status_counts?: Partial<Record<TraceStatus, number>>;
  [key: string]: unknown;
}

export const CallReadReq = Type.Object({
  project_id: ProjectId,
  id: Id,
  include_costs: Type.Optional(Nullable(Type.Boolean())),
  include_feedback: Type.Optional(Nullable(Type.Boolean())),
  include_storage_size: Type.Optional(Nullable(Type.Boolean())),
  include_total_storage_size: Type.Optional(Nullable(Type.Boolean())),
});
export type CallReadReq = Static<typeof CallReadReq>;
export interface CallReadRes {
  call: CallSchema | null;
}

export const CallsDeleteReq = Type.Object({
  project_id: ProjectId,
  call_ids: IdList,
  wb_user_id: Type.Optional(Nullable(Type.String())),
});
export type CallsDeleteReq = Static<typeof CallsDeleteReq>;
export interface CallsDeleteRes {
  num_deleted: number;
}

export const CallUpdateReq = Type.Object({
  project_id: ProjectId,
  call_id: Id,
  /** The only updatable field; an empty string clears the name (docs/protocol.md §6.1). */
  display_name: Type.String(),
  wb_user_id: Type.Optional(Nullable(Type.String())),
});
export type CallUpdateReq = Static<typeof CallUpdateReq>;
export type CallUpdateRes = Record<string, never>;
