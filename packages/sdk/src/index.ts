export type { CallSummary, LlmCost, TraceStatus, WeaveSummary } from '@weft/protocol';
export { CallsIter } from './client/calls-iter.js';
export {
  DEFAULT_SERVER_URL,
  getClient,
  type InitOptions,
  init,
  publish,
  resetClient,
} from './client/init.js';
export type { FlushStatus } from './client/progress.js';
export { type QueryExpression, type QueryOperand, type QueryOperation, q } from './client/query.js';
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
} from './client/weave-client.js';
export type { AddCostOptions, AddCostResult, Price, QueryCostsOptions } from './costs/costs.js';
export type { ApplyScorerOptions, ApplyScorerResult } from './evaluation/apply-scorer.js';
export {
  type EvaluateOptions,
  Evaluation,
  type EvaluationOptions,
  type EvaluationSummary,
} from './evaluation/evaluation.js';
export {
  EvaluationLogger,
  type EvaluationLoggerOptions,
  type LogPredictionOptions,
  ScoreLogger,
} from './evaluation/evaluation-logger.js';
export { Model, type ModelLike } from './evaluation/model.js';
export {
  Scorer,
  type ScorerArgs,
  type ScorerFields,
  type ScorerFunction,
  type ScorerLike,
} from './evaluation/scorer.js';
export { CallFeedback, type Feedback, type GetFeedbackOptions } from './feedback/feedback.js';
export { wrapAnthropic } from './integrations/anthropic/wrap-anthropic.js';
export { wrapOpenAI } from './integrations/openai/wrap-openai.js';
export { Dataset, type DatasetOptions, type DatasetRow } from './objects/dataset.js';
export type { GetOptions } from './objects/object-loader.js';
export { ObjectRef, type Ref, ref, TableRef } from './objects/refs.js';
export { type ObjectClass, registerObjectClass, WeaveObject } from './objects/weave-object.js';
export type { JsonValue } from './serialize/serialize.js';
export { Call, type CallDict } from './tracing/call.js';
export { getCurrentCall, withAttributes } from './tracing/context.js';
export { type Op, type OpOptions, op } from './tracing/op.js';
export type { BatcherOptions, BatcherStats } from './transport/batcher.js';
export { HttpTraceServer, type HttpTraceServerOptions } from './transport/http-trace-server.js';
export { type TraceServer, TraceServerError } from './transport/trace-server.js';
