/**
 * What a traced request records and hands back: a whole answer finishes the call at once; a
 * stream (when the request asked for one) is handed back traced, and finishes it when it ends.
 */
import { noteIntegrationError, type RequestBuilder } from './patch.js';
import { isAsyncIterable, isRecord, usageFirst } from './shapes.js';
import type { Finish, ProviderOp } from './traced-request.js';
import { type StreamAccumulator, traceStream } from './traced-stream.js';

export function deliverAnswer(
  value: unknown,
  finish: Finish,
  streamAccumulator: (() => StreamAccumulator) | undefined,
): unknown {
  if (streamAccumulator && isAsyncIterable(value)) {
    return traceStream(value, streamAccumulator(), finish, noteIntegrationError);
  }
  finish(usageFirst(value));
  return value;
}

/** A request sent as the caller wrote it, answered whole or, with `stream: true`, as events. */
export function streamableRequest(
  op: ProviderOp,
  streamAccumulator: () => StreamAccumulator,
): RequestBuilder {
  return (body, send) => {
    const request = isRecord(body) ? body : {};
    const streaming = request.stream === true;
    return {
      op,
      inputs: request,
      send: () => send(body),
      deliver: (value, finish) => deliverAnswer(value, finish, streaming ? streamAccumulator : undefined),
    };
  };
}
