/**
 * One-step reductions of a wire query and a sort, for minimizing a failing differential case: a
 * test keeps taking the first smaller case that still fails until none does. Reductions may
 * produce queries the parser refuses; the caller skips those.
 */
import type { SortBy } from '@weft/protocol';

type Wire = unknown;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The node's single `$`-key and its body, or undefined for anything else. */
function operatorOf(node: Wire): [string, unknown] | undefined {
  if (!isRecord(node)) return undefined;
  const keys = Object.keys(node);
  return keys.length === 1 ? [keys[0] as string, node[keys[0] as string]] : undefined;
}

function without<T>(items: readonly T[], index: number): T[] {
  return items.filter((_, position) => position !== index);
}

function replacedAt<T>(items: readonly T[], index: number, item: T): T[] {
  return items.map((existing, position) => (position === index ? item : existing));
}

/** Smaller versions of the node itself: an operand in its place, or fewer items. */
function localReductions(key: string, body: unknown): Wire[] {
  const reductions: Wire[] = [];
  if ((key === '$and' || key === '$or') && Array.isArray(body)) {
    if (body.length > 1) {
      reductions.push(...body);
      for (const index of body.keys()) reductions.push({ [key]: without(body, index) });
    }
  } else if (key === '$not' && Array.isArray(body)) {
    reductions.push(body[0]);
  } else if (key === '$in' && Array.isArray(body) && Array.isArray(body[1])) {
    const items = body[1] as unknown[];
    for (const index of items.keys()) reductions.push({ $in: [body[0], without(items, index)] });
  } else if (key === '$convert' && isRecord(body)) {
    reductions.push(body.input);
  } else if (key === '$contains' && isRecord(body) && body.case_insensitive !== undefined) {
    const { case_insensitive: _, ...rest } = body;
    reductions.push({ $contains: rest });
  }
  return reductions;
}

/** Every one-step reduction of the node or of one of its operands. */
export function shrinkQuery(node: Wire): Wire[] {
  const operator = operatorOf(node);
  // A literal's value is data, even when it looks like an operator.
  if (!operator || operator[0] === '$literal') return [];
  const [key, body] = operator;
  const reductions = localReductions(key, body);
  if (Array.isArray(body)) {
    body.forEach((child, index) => {
      if (key === '$in' && index === 1 && Array.isArray(child)) {
        child.forEach((item, itemIndex) => {
          for (const smaller of shrinkQuery(item))
            reductions.push({ $in: [body[0], replacedAt(child, itemIndex, smaller)] });
        });
        return;
      }
      for (const smaller of shrinkQuery(child)) reductions.push({ [key]: replacedAt(body, index, smaller) });
    });
  } else if (isRecord(body)) {
    for (const [field, child] of Object.entries(body)) {
      for (const smaller of shrinkQuery(child)) reductions.push({ [key]: { ...body, [field]: smaller } });
    }
  }
  return reductions;
}

export interface PagedSort {
  sortBy: SortBy[];
  limit: number | null;
  offset: number;
}

export function shrinkSort({ sortBy, limit, offset }: PagedSort): PagedSort[] {
  const reductions: PagedSort[] = sortBy.map((_, index) => ({
    sortBy: without(sortBy, index),
    limit,
    offset,
  }));
  if (limit !== null) reductions.push({ sortBy, limit: null, offset });
  if (offset !== 0) reductions.push({ sortBy, limit, offset: 0 });
  return reductions;
}
