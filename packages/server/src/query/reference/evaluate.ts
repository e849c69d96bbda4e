/**
 * The reference evaluator: a parsed Query expression applied to one call in plain TypeScript,
 * following docs/query-language.md. Tests compare the SQL compiler against it, so it shares only
 * the static typing decisions (`typing.ts`) and conversion rules (`values.ts`) with the SQL side,
 * and nothing else.
 */
import {
  type ComparisonOperator,
  type ComparisonPlan,
  type ConvertTarget,
  containsIsApplicable,
  foldCase,
  formatTimestampMicros,
  type LiteralValue,
  literalText,
  numberText,
  type Operand,
  type Operation,
  parseBoolOrNull,
  parseDoubleOrNull,
  parseIntOrNull,
  planComparison,
  type QueryExpr,
  type QueryField,
  type Reading,
} from '@weft/protocol';
import { compareCodePoints } from './code-points.js';
import {
  type JsonColumn,
  type ReferenceCall,
  type ReferenceCallColumn,
  readColumn,
  readDerived,
  readJson,
} from './reference-call.js';

/** An operand's value with the type the typing rules gave it; null values are SQL's NULL. */
type Value =
  | { type: 'text'; value: string | null }
  /** A JSON field never reads as null: a missing path or JSON null is '' that does not exist. */
  | { type: 'json'; exists: boolean; text: string }
  | { type: 'number'; value: number | null }
  | { type: 'bool'; value: boolean | null }
  /** µs since the epoch. */
  | { type: 'datetime'; value: number | null }
  | { type: 'null' };

/** True, false, or null for unknown; a call matches only when this is true. */
export function evaluateQuery(expr: QueryExpr, call: ReferenceCall): boolean | null {
  return truthOf(expr.expr, call);
}

function evaluateOperation(operation: Operation, call: ReferenceCall): boolean | null {
  switch (operation.kind) {
    case 'and':
      return and(operation.operands.map((operand) => truthOf(operand, call)));
    case 'or':
      return or(operation.operands.map((operand) => truthOf(operand, call)));
    case 'not': {
      const value = truthOf(operation.operand, call);
      return value === null ? null : !value;
    }
    case 'compare':
      return compare(operation.operator, operation.left, operation.right, call);
    case 'in':
      return or(operation.haystack.map((item) => compare('eq', operation.needle, item, call)));
    case 'contains':
      return contains(operation.input, operation.substr, operation.caseInsensitive, call);
  }
}

function and(values: ReadonlyArray<boolean | null>): boolean | null {
  if (values.includes(false)) return false;
  return values.includes(null) ? null : true;
}

function or(values: ReadonlyArray<boolean | null>): boolean | null {
  if (values.includes(true)) return true;
  return values.includes(null) ? null : false;
}

/** `$expr` or an item of $and, $or or $not; the parser lets only true/false valued operands through. */
function truthOf(operand: Operand, call: ReferenceCall): boolean | null {
  const value = evaluateOperand(operand, call);
  if (value.type === 'null') return null;
  if (value.type === 'bool') return value.value;
  throw new Error(`a ${value.type} operand cannot be true or false`);
}

function evaluateOperand(operand: Operand, call: ReferenceCall): Value {
  switch (operand.kind) {
    case 'literal':
      return literalValue(operand.value);
    case 'field':
      return fieldValue(operand.field, call);
    case 'convert':
      return convert(evaluateOperand(operand.input, call), operand.to);
    default:
      return { type: 'bool', value: evaluateOperation(operand, call) };
  }
}

function literalValue(value: LiteralValue): Value {
  if (value === null) return { type: 'null' };
  switch (typeof value) {
    case 'number':
      return { type: 'number', value };
    case 'boolean':
      return { type: 'bool', value };
    default:
      return { type: 'text', value: literalText(value) };
  }
}

function fieldValue(field: QueryField, call: ReferenceCall): Value {
  switch (field.kind) {
    case 'json': {
      const { exists, text } = readJson(call, field.column as JsonColumn, field.path);
      return { type: 'json', exists, text };
    }
    case 'column':
      return typed(field.type, readColumn(call, field.column as ReferenceCallColumn));
    case 'derived':
      return typed(field.type, readDerived(call, field.name));
  }
}

function typed(type: 'text' | 'number' | 'datetime', value: string | number | null): Value {
  if (type === 'text') return { type, value: value === null ? null : String(value) };
  return { type, value: value === null ? null : Number(value) };
}

/** The `$convert` table of the specification, row by row. */
function convert(value: Value, to: ConvertTarget): Value {
  switch (value.type) {
    case 'null':
      return nullOf(to);
    case 'json':
      return to === 'exists' ? { type: 'bool', value: value.exists } : fromText(value.text, to);
    case 'text':
      return value.value === null ? nullOf(to) : fromText(value.value, to);
    case 'number':
      return value.value === null ? nullOf(to) : fromNumber(value.value, to);
    case 'bool':
      return value.value === null ? nullOf(to) : fromBool(value.value, to);
    case 'datetime':
      return value.value === null ? nullOf(to) : fromMicros(value.value, to);
  }
}

/** Null converts to null, except that `exists` of null is false. */
function nullOf(to: ConvertTarget): Value {
  switch (to) {
    case 'int':
    case 'double':
      return { type: 'number', value: null };
    case 'bool':
      return { type: 'bool', value: null };
    case 'string':
      return { type: 'text', value: null };
    case 'exists':
      return { type: 'bool', value: false };
  }
}

function fromText(text: string, to: ConvertTarget): Value {
  switch (to) {
    case 'int':
      return { type: 'number', value: parseIntOrNull(text) };
    case 'double':
      return { type: 'number', value: parseDoubleOrNull(text) };
    case 'bool':
      return { type: 'bool', value: parseBoolOrNull(text) };
    case 'string':
      return { type: 'text', value: text };
    case 'exists':
      return { type: 'bool', value: true };
  }
}

function fromNumber(number: number, to: ConvertTarget): Value {
  switch (to) {
    case 'int': {
      // Outside the 64-bit range an int conversion is null (docs/query-language.md, $convert).
      const truncated = Math.trunc(number);
      return Math.abs(truncated) < 2 ** 63 ? { type: 'number', value: truncated } : { type: 'null' };
    }
    case 'double':
      return { type: 'number', value: number };
    case 'bool':
      return { type: 'bool', value: number !== 0 };
    case 'string':
      return { type: 'text', value: numberText(number) };
    case 'exists':
      return { type: 'bool', value: true };
  }
}

function fromBool(bool: boolean, to: ConvertTarget): Value {
  switch (to) {
    case 'int':
    case 'double':
      return { type: 'number', value: bool ? 1 : 0 };
    case 'bool':
    case 'exists':
      return { type: 'bool', value: to === 'bool' ? bool : true };
    case 'string':
      return { type: 'text', value: bool ? 'true' : 'false' };
  }
}

function fromMicros(micros: number, to: ConvertTarget): Value {
  switch (to) {
    case 'int':
      return { type: 'number', value: Math.trunc(micros / 1_000_000) };
    case 'double':
      return { type: 'number', value: micros / 1_000_000 };
    case 'bool':
      throw new Error('a datetime cannot be converted to bool (the parser refuses this)');
    case 'string':
      return { type: 'text', value: formatTimestampMicros(micros) };
    case 'exists':
      return { type: 'bool', value: true };
  }
}

function compare(
  operator: ComparisonOperator,
  left: Operand,
  right: Operand,
  call: ReferenceCall,
): boolean | null {
  const plan: ComparisonPlan = planComparison(operator, left, right, 'query');
  switch (plan.kind) {
    case 'constant':
      return plan.value;
    case 'isNull':
      return isNull(evaluateOperand(plan.operand, call));
    case 'compare': {
      const leftValue = read(plan.left, call);
      const rightValue = read(plan.right, call);
      if (leftValue === null || rightValue === null) return null;
      return holds(operator, order(leftValue, rightValue, plan.as));
    }
  }
}

function isNull(value: Value): boolean {
  if (value.type === 'null') return true;
  if (value.type === 'json') return false;
  return value.value === null;
}

type Scalar = string | number | boolean;

function read(reading: Reading, call: ReferenceCall): Scalar | null {
  switch (reading.kind) {
    case 'micros':
      return reading.micros;
    case 'jsonAsNumber':
      return parseDoubleOrNull(jsonText(evaluateOperand(reading.operand, call)));
    case 'jsonAsBool':
      return parseBoolOrNull(jsonText(evaluateOperand(reading.operand, call)));
    case 'plain': {
      const value = evaluateOperand(reading.operand, call);
      if (value.type === 'json') return value.text;
      if (value.type === 'null') return null;
      return value.value;
    }
  }
}

function jsonText(value: Value): string {
  if (value.type !== 'json') throw new Error(`expected a JSON field, got a ${value.type} value`);
  return value.text;
}

function order(left: Scalar, right: Scalar, as: 'text' | 'number' | 'bool' | 'datetime'): number {
  if (as === 'text') return compareCodePoints(String(left), String(right));
  const leftNumber = Number(left);
  const rightNumber = Number(right);
  return leftNumber < rightNumber ? -1 : leftNumber > rightNumber ? 1 : 0;
}

function holds(operator: ComparisonOperator, comparison: number): boolean {
  switch (operator) {
    case 'eq':
      return comparison === 0;
    case 'gt':
      return comparison > 0;
    case 'gte':
      return comparison >= 0;
    case 'lt':
      return comparison < 0;
    case 'lte':
      return comparison <= 0;
  }
}

function contains(
  input: Operand,
  substr: Operand,
  caseInsensitive: boolean,
  call: ReferenceCall,
): boolean | null {
  const applicable = containsIsApplicable(input, substr);
  if (applicable !== true) return applicable;
  const haystack = textOf(evaluateOperand(input, call));
  const needle = textOf(evaluateOperand(substr, call));
  if (haystack === null || needle === null) return null;
  return caseInsensitive ? foldCase(haystack).includes(foldCase(needle)) : haystack.includes(needle);
}

function textOf(value: Value): string | null {
  if (value.type === 'json') return value.text;
  if (value.type === 'text') return value.value;
  throw new Error(`$contains needs text, got a ${value.type} value`);
}
