/**
 * The v2 call routes (docs/protocol.md, "v2 call routes"): today's official SDKs send a finished
 * call as one complete item to `/v2/{entity}/{project}/calls/complete`, and calls that must show
 * while they run (an evaluation) to `/v2/{entity}/{project}/call/start` and `/call/end`.
 */
import { type Static, Type } from '@sinclair/typebox';
import { type CallBatchItemError, EndedCallSchemaForInsert, StartedCallSchemaForInsert } from './calls.js';
import { Id } from './schema-helpers.js';

/**
 * A start and an end in one record. Unlike a v1 start, `id` and `trace_id` are required: the
 * client chose them, and nothing is answered per item. Unknown keys are accepted (clients add
 * fields between versions, e.g. `is_eval`).
 */
export const CompletedCallSchemaForInsert = Type.Object({
  ...StartedCallSchemaForInsert.properties,
  ...EndedCallSchemaForInsert.properties,
  id: Id,
  trace_id: Id,
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
