export type { CallSummary, TraceStatus, WeaveSummary } from '@weft/protocol';
export type { BatcherOptions, BatcherStats } from './batcher.js';
export { Call, type CallDict } from './call.js';
export { CallsIter } from './calls-iter.js';
export { getCurrentCall, withAttributes } from './context.js';
export { HttpTraceServer, type HttpTraceServerOptions } from './http-trace-server.js';
export { DEFAULT_SERVER_URL, getClient, type InitOptions, init, resetClient } from './init.js';
export { type Op, type OpOptions, op } from './op.js';
export type { FlushStatus } from './progress.js';
export { type QueryExpression, type QueryOperand, type QueryOperation, q } from './query.js';
export type { JsonValue } from './serialize.js';
export { type TraceServer, TraceServerError } from './trace-server.js';
export {
  type ClientStats,
  type CreateCallOptions,
  type FinishCallOptions,
  type FinishOptions,
  type GetCallOptions,
  type GetCallsOptions,
  WeaveClient,
  type WeaveClientOptions,
} from './weave-client.js';
