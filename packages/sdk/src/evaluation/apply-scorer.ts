/**
 * `call.applyScorer(scorer)` (the seed's `Call.apply_scorer`): runs a scorer on a finished call as
 * a call of its own (a child of whatever call is current, as in Weave), and stores its result as
 * runnable feedback on the scored call: `wandb.runnable.<scorer name>`, `{output: result}`, with
 * the scorer's ref and the score call's ref (docs/protocol.md §18.2).
 */
import { parseRef } from '@weft/protocol/refs';
import type { WeaveClient } from '../client/weave-client.js';
import { queueFeedback } from '../feedback/feedback.js';
import type { Call } from '../tracing/call.js';
import { planScorer, type ScorerLike, scorerArgs } from './scorer.js';
import { runAsCall } from './traced-run.js';

export interface ApplyScorerOptions {
  /** Values given to the scorer besides the call's inputs and output (Python's keyword arguments). */
  additionalScorerKwargs?: Record<string, unknown>;
}

export interface ApplyScorerResult {
  result: unknown;
  scoreCall: Call;
}

export async function applyScorer(
  client: WeaveClient,
  scored: Call,
  scorer: ScorerLike,
  options: ApplyScorerOptions = {},
): Promise<ApplyScorerResult> {
  const plan = planScorer(scorer);
  const args = scorerArgs(scored.inputs, scored.output, plan.columnMap, options.additionalScorerKwargs);
  // A Scorer object is stored first: its ref is what the feedback points at.
  const scorerRef = plan.self ? (await client.publish(plan.self)).uri : undefined;
  const { inputs, invoke } = plan.run(args);
  const run = await runAsCall(client, plan.state, inputs, invoke);
  if (run.failed) throw run.error;
  recordScore(client, scored, run.call, scorerRef ?? run.call.op_name, plan.state.name, run.result);
  return { result: run.result, scoreCall: run.call };
}

/** Queues a score as runnable feedback on the call it judged (docs/protocol.md §18.2). */
export function recordScore(
  client: WeaveClient,
  scored: Call,
  scoreCall: Call,
  runnableRef: string,
  fallbackName: string,
  result: unknown,
): void {
  const ref = parseRef(runnableRef);
  const name = ref.kind === 'op' || ref.kind === 'object' ? ref.name : fallbackName;
  queueFeedback(
    client,
    scored.ref,
    `wandb.runnable.${name}`,
    { output: result },
    { runnableRef, callRef: scoreCall.ref },
  );
}
