/**
 * The only queries a purge accepts (docs/protocol.md §17.2): ids named one by one, as
 * `$eq` of `id` and a literal, `$in` of `id` and literals, or an `$or` of `$eq`s. A purge deletes
 * for good, so anything broader is refused rather than interpreted.
 */
import { InvalidRequest } from '@weft/protocol';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The single key of a one-key object, with its value; undefined for anything else. */
function only(value: unknown): [string, unknown] | undefined {
  if (!isRecord(value)) return undefined;
  const keys = Object.keys(value);
  return keys.length === 1 ? [keys[0] as string, value[keys[0] as string]] : undefined;
}

function isIdField(value: unknown): boolean {
  const entry = only(value);
  return entry !== undefined && entry[0] === '$getField' && entry[1] === 'id';
}

function literalId(value: unknown): string | undefined {
  const entry = only(value);
  return entry?.[0] === '$literal' && typeof entry[1] === 'string' ? entry[1] : undefined;
}

function eqIds(operands: unknown): string[] | undefined {
  if (!Array.isArray(operands) || operands.length !== 2) return undefined;
  const [left, right] = operands;
  const id = isIdField(left) ? literalId(right) : isIdField(right) ? literalId(left) : undefined;
  return id === undefined ? undefined : [id];
}

function idsOf(expr: unknown): string[] | undefined {
  const entry = only(expr);
  if (!entry) return undefined;
  const [operator, operands] = entry;
  if (operator === '$eq') return eqIds(operands);
  if (operator === '$in') {
    if (!Array.isArray(operands) || operands.length !== 2 || !isIdField(operands[0])) return undefined;
    if (!Array.isArray(operands[1])) return undefined;
    const ids = operands[1].map(literalId);
    return ids.every((id) => id !== undefined) ? (ids as string[]) : undefined;
  }
  if (operator === '$or') {
    if (!Array.isArray(operands)) return undefined;
    const ids: string[] = [];
    for (const operand of operands) {
      const one = only(operand)?.[0] === '$eq' ? idsOf(operand) : undefined;
      if (!one) return undefined;
      ids.push(...one);
    }
    return ids;
  }
  return undefined;
}

/** The ids a purge query names, or a 400 saying what a purge accepts. */
export function purgeIds(query: { $expr: unknown }, what: string): string[] {
  const ids = idsOf(query.$expr);
  if (!ids) {
    throw new InvalidRequest(
      `${what} can be purged only by id: the query must be $eq of {"$getField": "id"} and a literal, ` +
        '$in of {"$getField": "id"} and literals, or an $or of such $eq',
    );
  }
  return ids;
}
