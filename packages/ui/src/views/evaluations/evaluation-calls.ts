/**
 * Recognising an evaluation and its parts among plain calls. The official SDKs log
 * `Evaluation.evaluate` as the root, one `Evaluation.predict_and_score` (Python) or
 * `Evaluation.predictAndScore` (npm 0.11) child per dataset row, and an `Evaluation.summarize`
 * child (docs/protocol.md §3.5). Ops are recognised by the name inside their op ref, so any
 * version of the op, from either SDK, matches.
 */
import type { CallSchema } from '@weft/protocol';
import { opDisplayName, parseRef } from '@weft/protocol/refs';

type CallLike = Pick<CallSchema, 'op_name'>;

/** The op's own name: `Evaluation.evaluate` for `weave:///e/p/op/Evaluation.evaluate:<digest>`. */
export function opName(call: CallLike): string {
  return opDisplayName(call.op_name);
}

/** An op name ends with `suffix` as a whole dotted segment (`X.Evaluation.evaluate`, not `MyEvaluation.evaluate`). */
function endsWithSegment(name: string, suffix: string): boolean {
  return name === suffix || name.endsWith(`.${suffix}`);
}

/** The root call of an evaluation run: what the evaluation pages show. */
export function isEvaluationCall(call: CallLike): boolean {
  return endsWithSegment(opName(call), 'Evaluation.evaluate');
}

/** One dataset row's prediction and scores, in either SDK's spelling. */
export function isPredictAndScoreCall(call: CallLike): boolean {
  const name = opName(call);
  return (
    endsWithSegment(name, 'Evaluation.predict_and_score') ||
    endsWithSegment(name, 'Evaluation.predictAndScore')
  );
}

export function isSummarizeCall(call: CallLike): boolean {
  return endsWithSegment(opName(call), 'Evaluation.summarize');
}

/**
 * `filter.op_names` that finds every evaluate call of a project: any version of the op ref the
 * SDKs log (`:*`, docs/protocol.md §4.6), plus the bare name a client without op refs would send.
 */
export function evaluateOpNames(entity: string, project: string): string[] {
  return [`weave:///${entity}/${project}/op/Evaluation.evaluate:*`, 'Evaluation.evaluate'];
}

/** The name a ref points at (`my-eval` for `weave:///e/p/object/my-eval:<digest>`), or the text itself. */
export function refName(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return undefined;
  if (!value.startsWith('weave:///')) return value;
  try {
    const ref = parseRef(value);
    return ref.kind === 'object' || ref.kind === 'op' ? ref.name : undefined;
  } catch {
    return undefined;
  }
}

/** What the list and the page header say about one evaluate call, read from the call alone. */
export interface EvaluationHeadline {
  id: string;
  traceId: string;
  /** The Evaluation object's name (from the `self` ref), else the call's display name. */
  name: string;
  displayName: string | null;
  evaluationRef: string | undefined;
  modelRef: string | undefined;
  modelName: string | undefined;
  startedAt: string;
  endedAt: string | null;
  status: string;
  exception: string | null;
  /** The evaluate call's output: the summary per scorer, once it has ended. */
  output: unknown;
}

export function evaluationHeadline(call: CallSchema): EvaluationHeadline {
  const self = call.inputs.self;
  const model = call.inputs.model;
  const evaluationRef = typeof self === 'string' && self.startsWith('weave:///') ? self : undefined;
  const modelRef = typeof model === 'string' && model.startsWith('weave:///') ? model : undefined;
  return {
    id: call.id,
    traceId: call.trace_id,
    name: refName(evaluationRef) ?? call.display_name ?? 'Evaluation',
    displayName: call.display_name,
    evaluationRef,
    modelRef,
    modelName: refName(model) ?? modelNameOf(model),
    startedAt: call.started_at,
    endedAt: call.ended_at,
    status: call.summary?.weave?.status ?? (call.exception ? 'error' : call.ended_at ? 'success' : 'running'),
    exception: call.exception,
    output: call.output,
  };
}

/** A model passed inline (not as a ref) may still carry a name. */
function modelNameOf(model: unknown): string | undefined {
  if (model !== null && typeof model === 'object' && !Array.isArray(model)) {
    const name = (model as Record<string, unknown>).name;
    if (typeof name === 'string') return name;
  }
  return undefined;
}

/** What the Evaluation object (`/obj/read` of the `self` ref) says: its dataset and scorers. */
export interface EvaluationDefinition {
  datasetRef: string | undefined;
  datasetName: string | undefined;
  /** In the Evaluation's order; `key` is unique even when one scorer is listed twice. */
  scorers: Array<{ key: string; name: string; ref: string | undefined }>;
  description: string | undefined;
}

export function evaluationDefinition(value: unknown): EvaluationDefinition {
  const val = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  const dataset = typeof val.dataset === 'string' ? val.dataset : undefined;
  const scorers = Array.isArray(val.scorers)
    ? val.scorers.filter((s): s is string => typeof s === 'string')
    : [];
  const keys = new Set<string>();
  return {
    datasetRef: dataset?.startsWith('weave:///') ? dataset : undefined,
    datasetName: refName(dataset),
    scorers: scorers.map((scorer) => {
      let key = scorer;
      while (keys.has(key)) key = `${key}+`;
      keys.add(key);
      return {
        key,
        name: refName(scorer) ?? scorer,
        ref: scorer.startsWith('weave:///') ? scorer : undefined,
      };
    }),
    description:
      typeof val.description === 'string' && val.description.length > 0 ? val.description : undefined,
  };
}
