/**
 * The v2 call routes (docs/protocol.md, "v2 call routes"): today's official SDKs send a finished
 * call as one complete item to `/v2/{entity}/{project}/calls/complete`, and calls that must show
 * while they run (an evaluation) to `/v2/{entity}/{project}/call/start` and `/call/end`.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { CallBatchItemError } from './calls.js';
import { Id, JsonObject, JsonValue, Nullable, ProjectId, Timestamp } from './schema-helpers.js';

/**
 * A start and an end in one record. Unlike a v1 start, `id` and `trace_id` are required: the
 * client chose them, and nothing is answered per item. Unknown keys are accepted (clients add
 * fields between versions, e.g. `is_eval`).
 */
export const CompletedCallSchemaForInsert = Type.Object({
  project_id: ProjectId,
  id: Id,
  trace_id: Id,
  op_name: Type.String({ minLength: 1 }),
  display_name: Type.Optional(Nullable(Type.String())),
  parent_id: Type.Optional(Nullable(Id)),
  thread_id: Type.Optional(Nullable(Type.String())),
  turn_id: Type.Optional(Nullable(Type.String())),
  started_at: Timestamp,
  ended_at: Timestamp,
  attributes: JsonObject,
  inputs: JsonObject,
  output: Type.Optional(JsonValue),
  exception: Type.Optional(Nullable(Type.String())),
  summary: JsonObject,
  otel_dump: Type.Optional(Nullable(JsonObject)),
  wb_user_id: Type.Optional(Nullable(Type.String())),
  wb_run_id: Type.Optional(Nullable(Type.String())),
  wb_run_step: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
  wb_run_step_end: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
});
export type CompletedCallSchemaForInsert = Static<typeof CompletedCallSchemaForInsert>;

export const CallsCompleteReq = Type.Object({ batch: Type.Array(CompletedCallSchemaForInsert) });
export type CallsCompleteReq = Static<typeof CallsCompleteReq>;

/**
 * `{}` as Weave answers; `errors` only when items were dropped, in the shape `/call/upsert_batch`
 * reports them (weft's addition; clients that do not know it ignore it).
 */
export interface CallsCompleteRes {
  errors?: CallBatchItemError[];
}

/** `entity` and `project` from the path, as the SDKs fill them in. */
export const V2ProjectParams = Type.Object({
  entity: Type.String({ minLength: 1, maxLength: 255 }),
  project: Type.String({ minLength: 1, maxLength: 255 }),
});
export type V2ProjectParams = Static<typeof V2ProjectParams>;
