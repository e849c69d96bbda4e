/** Small helpers for reading providers' JSON answers, shared by the integrations. */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}

/**
 * The answer with `model` and `usage` first. The recorded output is cut at the size cap in key
 * order, and the call's usage is read from these two keys, so a long answer must not push them out.
 */
export function usageFirst(answer: unknown): unknown {
  if (!isRecord(answer) || !('usage' in answer)) return answer;
  return { model: answer.model, usage: answer.usage, ...answer };
}
