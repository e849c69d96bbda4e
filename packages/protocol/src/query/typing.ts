/**
 * The Query language's typing rules (docs/query-language.md, "Values"), shared by every backend
 * so that SQL and the reference evaluator make the same choices:
 * - a JSON path reads as text ('' when missing or null) and casts itself to a number or a bool when
 *   compared with one;
 * - a datetime compared with a literal takes a number as unix seconds and text as ISO-8601;
 * - `$eq` with a null literal is an IS NULL test; any other comparison with null is unknown;
 * - values of unrelated types (a number and text, say) never match.
 */
import { parseTimestampMicros } from '../datetime.js';
import { InvalidRequest } from '../errors.js';
import type { ComparisonOperator, ConvertTarget, LiteralValue, Operand, ValueType } from './ast.js';

export function operandType(operand: Operand): ValueType {
  switch (operand.kind) {
    case 'literal':
      return literalType(operand.value);
    case 'field':
      return operand.field.kind === 'json' ? 'json' : operand.field.type;
    case 'convert':
      return convertResultType(operand.to);
    default:
      return 'bool';
  }
}

function literalType(value: LiteralValue): ValueType {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return 'text';
    case 'number':
      return 'number';
    case 'boolean':
      return 'bool';
    default:
      // Lists and objects compare as their JSON text.
      return 'text';
  }
}

function convertResultType(to: ConvertTarget): ValueType {
  switch (to) {
    case 'int':
    case 'double':
      return 'number';
    case 'bool':
    case 'exists':
      return 'bool';
    case 'string':
      return 'text';
  }
}

/** Throws unless `$convert` can turn a value of `from` into `to`. */
export function checkConversion(from: ValueType, to: ConvertTarget, where: string): void {
  if (from === 'datetime' && to === 'bool') {
    throw new InvalidRequest(`${where}: a datetime cannot be converted to bool`);
  }
}

/** The literal text of a list or object literal, or the string itself. */
export function literalText(value: LiteralValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A literal compared with a datetime column, as µs: numbers are unix seconds, text is ISO-8601. */
export function literalMicros(value: LiteralValue, where: string): number {
  if (typeof value === 'number') return value * 1_000_000;
  if (typeof value === 'string') {
    const micros = parseTimestampMicros(value);
    if (micros === undefined)
      throw new InvalidRequest(`${where}: ${JSON.stringify(value)} is not an ISO-8601 timestamp`);
    return micros;
  }
  throw new InvalidRequest(
    `${where}: a datetime can only be compared with a number (unix seconds) or ISO-8601 text`,
  );
}

/** How to read an operand for a comparison: as itself, or through one of the automatic casts. */
export type Reading =
  | { kind: 'plain'; operand: Operand }
  | { kind: 'jsonAsNumber'; operand: Operand }
  | { kind: 'jsonAsBool'; operand: Operand }
  /** A literal compared with a datetime, already in µs. */
  | { kind: 'micros'; micros: number };

export type ComparisonPlan =
  /** `$eq` with a null literal on one side. */
  | { kind: 'isNull'; operand: Operand }
  | { kind: 'constant'; value: boolean | null }
  | {
      kind: 'compare';
      /** The type both sides are compared as (JSON paths compare as text unless cast). */
      as: 'text' | 'number' | 'bool' | 'datetime';
      left: Reading;
      right: Reading;
    };

function isNullLiteral(operand: Operand): boolean {
  return operand.kind === 'literal' && operand.value === null;
}

/** Decides how a comparison is evaluated; throws 400 for literals a datetime cannot be compared with. */
export function planComparison(
  operator: ComparisonOperator,
  left: Operand,
  right: Operand,
  where: string,
): ComparisonPlan {
  const leftNull = isNullLiteral(left);
  const rightNull = isNullLiteral(right);
  if (leftNull || rightNull) {
    if (operator !== 'eq') return { kind: 'constant', value: null };
    if (leftNull && rightNull) return { kind: 'constant', value: true };
    return { kind: 'isNull', operand: leftNull ? right : left };
  }
  const leftType = operandType(left);
  const rightType = operandType(right);
  const plain = (operand: Operand): Reading => ({ kind: 'plain', operand });
  const textual = (type: ValueType) => type === 'text' || type === 'json';
  if (textual(leftType) && textual(rightType)) {
    return { kind: 'compare', as: 'text', left: plain(left), right: plain(right) };
  }
  if (leftType === 'json' || rightType === 'json') {
    const [jsonSide, otherType] =
      leftType === 'json' ? ([left, rightType] as const) : ([right, leftType] as const);
    if (otherType === 'number' || otherType === 'bool') {
      const cast: Reading = {
        kind: otherType === 'number' ? 'jsonAsNumber' : 'jsonAsBool',
        operand: jsonSide,
      };
      return leftType === 'json'
        ? { kind: 'compare', as: otherType, left: cast, right: plain(right) }
        : { kind: 'compare', as: otherType, left: plain(left), right: cast };
    }
    return { kind: 'constant', value: false };
  }
  if (leftType === 'datetime' || rightType === 'datetime') {
    if (leftType === rightType)
      return { kind: 'compare', as: 'datetime', left: plain(left), right: plain(right) };
    const other = leftType === 'datetime' ? right : left;
    if (other.kind !== 'literal') return { kind: 'constant', value: false };
    const micros: Reading = { kind: 'micros', micros: literalMicros(other.value, where) };
    return leftType === 'datetime'
      ? { kind: 'compare', as: 'datetime', left: plain(left), right: micros }
      : { kind: 'compare', as: 'datetime', left: micros, right: plain(right) };
  }
  if (leftType === rightType && (leftType === 'number' || leftType === 'bool')) {
    return { kind: 'compare', as: leftType, left: plain(left), right: plain(right) };
  }
  return { kind: 'constant', value: false };
}

/**
 * `$contains` needs text on both sides (JSON paths read as text): other types never match, and a
 * null literal makes the result unknown.
 */
export function containsIsApplicable(input: Operand, substr: Operand): boolean | null {
  const types = [operandType(input), operandType(substr)];
  if (types.includes('null')) return null;
  return types.every((type) => type === 'text' || type === 'json');
}
