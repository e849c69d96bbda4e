/**
 * How a finished call's summary is built, the way Weave's Python client does it (weave_client.py,
 * finish_call): children's summaries are summed leaf by leaf, a leaf call reports the usage found
 * in its output, every call counts itself in `status_counts`, and the computed values are merged
 * over what user code wrote. The server derives `summary.weave`; the client never writes it.
 */
import { type JsonValue, setKey } from '../serialize/serialize.js';

export type SummaryMap = { [key: string]: JsonValue };

function isPlainObject(value: unknown): value is SummaryMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Sums summaries key by key: objects merge recursively, lists concatenate (a scalar under the same
 * key joins the list in order), numbers add, and a key holding anything else collects its values
 * into a list. Null values are skipped.
 */
export function sumDictLeaves(summaries: readonly SummaryMap[]): SummaryMap {
  const nested = new Map<string, SummaryMap[]>();
  const leaves = new Map<string, JsonValue[]>();
  const fromLists = new Set<string>();
  for (const summary of summaries) {
    for (const [key, value] of Object.entries(summary)) {
      if (value === null) continue;
      if (isPlainObject(value)) appendTo(nested, key, value);
      else if (Array.isArray(value)) {
        appendTo(leaves, key, ...value);
        fromLists.add(key);
      } else appendTo(leaves, key, value);
    }
  }
  const result: SummaryMap = {};
  for (const [key, values] of leaves) {
    const sum = !fromLists.has(key) && values.every((value) => typeof value === 'number');
    setKey(result, key, sum ? (values as number[]).reduce((total, value) => total + value, 0) : values);
  }
  for (const [key, values] of nested) setKey(result, key, sumDictLeaves(values));
  return result;
}

function appendTo<T>(map: Map<string, T[]>, key: string, ...values: T[]): void {
  const list = map.get(key);
  if (list) list.push(...values);
  else map.set(key, values);
}

/** Writes `source` into `target`, merging nested objects and replacing everything else. */
export function deepUpdate(target: SummaryMap, source: SummaryMap): SummaryMap {
  for (const [key, value] of Object.entries(source)) {
    // Own keys only: `target.__proto__` would otherwise reach Object.prototype.
    const existing = Object.hasOwn(target, key) ? target[key] : undefined;
    if (isPlainObject(existing) && isPlainObject(value)) deepUpdate(existing, value);
    else setKey(target, key, value);
  }
  return target;
}

/** `{usage: {<model>: {requests: 1, ...usage}}}` when an output reports LLM token usage. */
export function usageFromOutput(output: unknown): SummaryMap | undefined {
  if (typeof output !== 'object' || output === null) return undefined;
  const { usage, model } = output as { usage?: unknown; model?: unknown };
  if (typeof model !== 'string' || !isPlainObject(usage)) return undefined;
  return { usage: { [model]: { requests: 1, ...usage } } };
}

export interface FinishedSummaryInput {
  /** What user code wrote to `call.summary` (already serialized to JSON values). */
  userSummary: SummaryMap;
  childSummaries: readonly SummaryMap[];
  output: unknown;
  failed: boolean;
}

export function finishedSummary(input: FinishedSummaryInput): SummaryMap {
  let computed: SummaryMap;
  if (input.childSummaries.length > 0) computed = sumDictLeaves(input.childSummaries);
  else computed = usageFromOutput(input.output) ?? {};
  const counts = isPlainObject(computed.status_counts) ? computed.status_counts : { success: 0, error: 0 };
  const key = input.failed ? 'error' : 'success';
  counts[key] = (typeof counts[key] === 'number' ? counts[key] : 0) + 1;
  computed.status_counts = counts;
  // Most calls write nothing to their summary: then there is nothing to merge into.
  for (const _ in input.userSummary) return deepUpdate(input.userSummary, computed);
  return computed;
}

/**
 * `finishedSummary` for a call without children that wrote nothing to its summary: most calls,
 * so without the general merge and its allocations.
 */
export function leafSummary(output: unknown, failed: boolean): SummaryMap {
  const counts = failed ? { success: 0, error: 1 } : { success: 1, error: 0 };
  const usage = usageFromOutput(output);
  if (usage === undefined) return { status_counts: counts };
  usage.status_counts = counts;
  return usage;
}
