/**
 * Small typed builders for Weave's Query language (docs/query-language.md), so that
 *   client.getCalls({ query: q.and(q.eq('summary.weave.status', 'error'), q.gt('summary.weave.latency_ms', 1000)) })
 * reads like what it means. Every builder returns the plain wire form; getCalls also takes the
 * wire form (`{ $expr: ... }`) written by hand.
 */

/** A value a query compares: a field, a literal, a conversion or another operation. */
export type QueryOperand =
  | { $getField: string }
  | { $literal: unknown }
  | { $convert: { input: QueryOperand; to: 'int' | 'double' | 'bool' | 'string' | 'exists' } }
  | QueryOperation;

/** A true/false operation. */
export type QueryOperation =
  | { $and: QueryOperand[] }
  | { $or: QueryOperand[] }
  | { $not: [QueryOperand] }
  | { $eq: [QueryOperand, QueryOperand] }
  | { $gt: [QueryOperand, QueryOperand] }
  | { $gte: [QueryOperand, QueryOperand] }
  | { $lt: [QueryOperand, QueryOperand] }
  | { $lte: [QueryOperand, QueryOperand] }
  | { $in: [QueryOperand, QueryOperand[]] }
  | { $contains: { input: QueryOperand; substr: QueryOperand; case_insensitive?: boolean } };

/** The wire form `{ $expr: operation }`. */
export interface QueryExpression {
  $expr: QueryOperation;
}

/** A field path (string) or an operand; anything else is a literal. */
type Side = string | QueryOperand;
type Value = string | number | boolean | null | QueryOperand | readonly unknown[] | Record<string, unknown>;

const OPERAND_KEYS = [
  '$getField',
  '$literal',
  '$convert',
  '$and',
  '$or',
  '$not',
  '$eq',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$in',
  '$contains',
];

function isOperand(value: unknown): value is QueryOperand {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && OPERAND_KEYS.includes(keys[0] as string);
}

/** The left side: a string is a field path. */
function side(value: Side): QueryOperand {
  return typeof value === 'string' ? { $getField: value } : value;
}

/** The right side: a string is a literal; wrap field paths in `q.field`. */
function operandOf(value: Value): QueryOperand {
  return isOperand(value) ? value : { $literal: value };
}

export const q = {
  field: (path: string): QueryOperand => ({ $getField: path }),
  literal: (value: unknown): QueryOperand => ({ $literal: value }),
  convert: (input: Side, to: 'int' | 'double' | 'bool' | 'string' | 'exists'): QueryOperand => ({
    $convert: { input: side(input), to },
  }),
  /** True when the field exists and is not null (JSON fields never read as null; use this). */
  exists: (field: Side): QueryOperation => ({ $eq: [q.convert(field, 'exists'), { $literal: true }] }),
  and: (...operations: QueryOperand[]): QueryOperation => ({ $and: operations }),
  or: (...operations: QueryOperand[]): QueryOperation => ({ $or: operations }),
  not: (operation: QueryOperand): QueryOperation => ({ $not: [operation] }),
  eq: (left: Side, right: Value): QueryOperation => ({ $eq: [side(left), operandOf(right)] }),
  gt: (left: Side, right: Value): QueryOperation => ({ $gt: [side(left), operandOf(right)] }),
  gte: (left: Side, right: Value): QueryOperation => ({ $gte: [side(left), operandOf(right)] }),
  lt: (left: Side, right: Value): QueryOperation => ({ $lt: [side(left), operandOf(right)] }),
  lte: (left: Side, right: Value): QueryOperation => ({ $lte: [side(left), operandOf(right)] }),
  in: (left: Side, values: readonly Value[]): QueryOperation => ({
    $in: [side(left), values.map(operandOf)],
  }),
  contains: (
    input: Side,
    substr: string | QueryOperand,
    options: { caseInsensitive?: boolean } = {},
  ): QueryOperation => ({
    $contains: {
      input: side(input),
      substr: operandOf(substr),
      ...(options.caseInsensitive ? { case_insensitive: true } : {}),
    },
  }),
};

/** Accepts `{ $expr }` or a bare operation and returns the wire form. */
export function toQueryExpression(query: QueryExpression | QueryOperation): QueryExpression {
  return '$expr' in query ? (query as QueryExpression) : { $expr: query };
}
