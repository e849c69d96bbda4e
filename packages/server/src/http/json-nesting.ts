/**
 * How deep a request body may nest (docs/protocol.md §1.5). Deeper values would overflow the
 * recursion of JSON.stringify and of the code that walks values (a 500 instead of an answer), and
 * SQLite's JSON functions stop at 1,000 levels anyway; Python's `json` cannot even write more
 * than about 1,000. 512 leaves room for the wrapping of a batch around what a client logged.
 */
export const MAX_JSON_NESTING = 512;

const STRUCTURAL = /[{}[\]"]/g;

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route drops a batch item nested too deeply instead of refusing the whole body
     * (lenient-batch.ts): its body is parsed however deep, and its items are checked one by one.
     */
    dropsDeepItems?: boolean;
  }
  interface FastifyRequest {
    /** Set by the body parser when the body nests deeper than MAX_JSON_NESTING (dropsDeepItems routes). */
    nestsTooDeep?: boolean;
  }
}

/** Whether a parsed value nests objects and arrays deeper than `limit`; iterative, so any depth is safe. */
export function valueNestsDeeper(value: unknown, limit = MAX_JSON_NESTING): boolean {
  const stack: Array<[value: unknown, depth: number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (typeof current !== 'object' || current === null) continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * The depth at which `text` first nests deeper than `limit` (limit + 1), or its greatest depth
 * within the limit. One pass that jumps over strings with indexOf, so long texts cost little; it
 * runs before parsing, so no parser recursion ever sees a deeper value.
 */
export function nestingDepth(text: string, limit = MAX_JSON_NESTING): number {
  const structural = new RegExp(STRUCTURAL.source, 'g');
  let depth = 0;
  let deepest = 0;
  for (let match = structural.exec(text); match; match = structural.exec(text)) {
    const char = text.charCodeAt(match.index);
    if (char === 0x22) {
      // The string ends at the next quote not escaped by an odd run of backslashes.
      let end = match.index;
      for (;;) {
        end = text.indexOf('"', end + 1);
        if (end < 0) return deepest;
        let slashes = 0;
        while (text.charCodeAt(end - 1 - slashes) === 0x5c) slashes++;
        if (slashes % 2 === 0) break;
      }
      structural.lastIndex = end + 1;
    } else if (char === 0x7b || char === 0x5b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else {
      depth--;
    }
  }
  return deepest;
}
