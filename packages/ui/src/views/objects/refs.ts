/** Recognising `weave:///` refs inside stored values (docs/protocol.md §7.1). */
import { parseRef, type WeaveRef } from '@weft/protocol/refs';

const REF_PREFIX = 'weave:///';

export function isWeaveRef(value: string): boolean {
  return value.startsWith(REF_PREFIX) && value.length < 4096;
}

/** The parsed ref, or undefined for text that only looks like one. */
export function tryParseRef(value: string): WeaveRef | undefined {
  if (!isWeaveRef(value)) return undefined;
  try {
    return parseRef(value);
  } catch {
    return undefined;
  }
}

export interface OpRefFound {
  /** Where in the value: `predict`, `scorers.0`. */
  path: string;
  ref: string;
  name: string;
}

/**
 * The op refs inside a value (a `weave.Model`'s methods, an Evaluation's scorers), with where they
 * sit. The walk is bounded: a value of a million nodes stops at `limit` finds or `maxNodes` nodes.
 */
export function findOpRefs(value: unknown, limit = 50, maxNodes = 20_000): OpRefFound[] {
  const found: OpRefFound[] = [];
  let visited = 0;
  const walk = (node: unknown, path: string[]): void => {
    if (found.length >= limit || visited >= maxNodes) return;
    visited += 1;
    if (typeof node === 'string') {
      const ref = tryParseRef(node);
      if (ref?.kind === 'op') found.push({ path: path.join('.'), ref: node, name: ref.name });
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const entries = Array.isArray(node) ? node.entries() : Object.entries(node);
    for (const [key, child] of entries) walk(child, [...path, String(key)]);
  };
  walk(value, []);
  return found;
}
