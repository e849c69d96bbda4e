/**
 * A bounded copy of a logged value for display: arrays and objects keep their first `maxEntries`
 * entries (a marker says how many were left out), and nesting stops at `maxDepth`. A JSON viewer
 * renders every child of an open node, so an unbounded list of 100,000 items would freeze the
 * page; the copy keeps it to what a person can read, and the viewer offers to show everything.
 */

export interface BoundedJson {
  value: unknown;
  /** Whether anything was left out. */
  bounded: boolean;
}

export const DEFAULT_MAX_ENTRIES = 200;
const DEFAULT_MAX_DEPTH = 40;

/** The key under which an object's marker says how many keys were left out. */
export const MORE_KEY = '…';

export function boundJson(
  value: unknown,
  maxEntries = DEFAULT_MAX_ENTRIES,
  maxDepth = DEFAULT_MAX_DEPTH,
): BoundedJson {
  let bounded = false;
  const copy = (node: unknown, depth: number): unknown => {
    if (node === null || typeof node !== 'object') return node;
    if (depth >= maxDepth) {
      bounded = true;
      return Array.isArray(node)
        ? `[… ${node.length} items, nested too deep to show]`
        : '{… nested too deep to show}';
    }
    if (Array.isArray(node)) {
      const kept = node.slice(0, maxEntries).map((item) => copy(item, depth + 1));
      if (node.length > maxEntries) {
        bounded = true;
        kept.push(`… ${node.length - maxEntries} more items`);
      }
      return kept;
    }
    const result: Record<string, unknown> = {};
    let count = 0;
    let left = 0;
    for (const key in node) {
      if (!Object.hasOwn(node, key)) continue;
      if (count < maxEntries) {
        result[key] = copy((node as Record<string, unknown>)[key], depth + 1);
        count++;
      } else {
        left++;
      }
    }
    if (left > 0) {
      bounded = true;
      result[MORE_KEY] = `${left} more keys`;
    }
    return result;
  };
  return { value: copy(value, 0), bounded };
}
