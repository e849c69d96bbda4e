export type { CallSummary, TraceStatus, WeaveSummary } from '@weft/protocol';
export type { BatcherOptions, BatcherStats } from './batcher.js';
export { Call, type CallDict } from './call.js';
export { CallsIter } from './calls-iter.js';
export { getCurrentCall, withAttributes } from './context.js';
export { Dataset, type DatasetOptions, type DatasetRow } from './dataset.js';
export { HttpTraceServer, type HttpTraceServerOptions } from './http-trace-server.js';
export { DEFAULT_SERVER_URL, getClient, type InitOptions, init, publish, resetClient } from './init.js';
export type { GetOptions } from './object-loader.js';
export { type Op, type OpOptions, op } from './op.js';
export type { FlushStatus } from './progress.js';
export { type QueryExpression, type QueryOperand, type QueryOperation, q } from './query.js';
export { ObjectRef, type Ref, ref, TableRef } from './refs.js';
export type { JsonValue } from './serialize.js';
export { type TraceServer, TraceServerError } from './trace-server.js';
export {
  type ClientStats,
  type CreateCallOptions,
  type FinishCallOptions,
  type FinishOptions,
  type GetCallOptions,
  type GetCallsOptions,
  type SaveOptions,
  WeaveClient,
  type WeaveClientOptions,
} from './weave-client.js';
export { type ObjectClass, registerObjectClass, WeaveObject } from './weave-object.js';
