/**
 * Running a function as a call made here (a scorer's, a model's, an evaluation's own steps): the
 * call is started with the inputs given, the function runs with it as the current call (so ops
 * it calls become its children), and the call ends with its result or its error.
 */
import type { WeaveClient } from '../client/weave-client.js';
import type { Call } from '../tracing/call.js';
import { contextStorage } from '../tracing/context.js';
import { OP_STATE, type OpState } from '../tracing/op-state.js';

export interface TracedRun {
  call: Call;
  /** The result, or undefined when it threw. */
  result: unknown;
  error: unknown;
  failed: boolean;
}

/** Runs `body` as a call of `state`; never throws: a failure is in the answer, and on the call. */
export async function runAsCall(
  client: WeaveClient,
  state: OpState,
  inputs: Record<string, unknown>,
  body: () => unknown,
  options: { parent?: Call | null } = {},
): Promise<TracedRun> {
  const call = client.createCall({ [OP_STATE]: state }, inputs, {
    useStack: false,
    ...(options.parent !== undefined ? { parent: options.parent } : {}),
  });
  try {
    const result = await contextStorage.run(call, body);
    client.finishCall(call, result);
    return { call, result, error: undefined, failed: false };
  } catch (error) {
    client.finishCall(call, undefined, { exception: error });
    return { call, result: undefined, error, failed: true };
  }
}
