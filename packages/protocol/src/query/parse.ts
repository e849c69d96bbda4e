/**
 * Parses and checks a wire Query (`{"$expr": ...}`, docs/query-language.md) into the typed tree of
 * `ast.ts`. Every problem is a 400 that names where in the request it is, e.g.
 * `query.$expr.$and[1].$eq[0]: unknown operator "$foo"`; unknown fields are 422s from the
 * field resolver. Nothing in the tree is trusted text: backends bind literals and build field
 * access from the resolved field, never from the path string.
 */
import { InvalidRequest, ProtocolError } from '../errors.js';
import type {
  ComparisonOperator,
  ConvertTarget,
  LiteralValue,
  Operand,
  Operation,
  QueryExpr,
  QueryField,
} from './ast.js';
import { checkConversion, containsIsApplicable, operandType, planComparison } from './typing.js';

/** Deeper trees are refused: nothing real needs them, and recursion must stay bounded. */
const MAX_DEPTH = 64;
/** Operators, operands and literal values, all told. */
const MAX_NODES = 20_000;

const COMPARISONS: Record<string, ComparisonOperator> = {
  $eq: 'eq',
  $gt: 'gt',
  $gte: 'gte',
  $lt: 'lt',
  $lte: 'lte',
};
const CONVERT_TARGETS: ReadonlySet<string> = new Set<ConvertTarget>([
  'int',
  'double',
  'bool',
  'string',
  'exists',
]);

export type FieldResolver = (path: string) => QueryField;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Parser {
  private nodes = 0;

  constructor(private readonly resolveField: FieldResolver) {}

  private fail(where: string, message: string): never {
    throw new InvalidRequest(`${where}: ${message}`);
  }

  private count(where: string, depth: number): void {
    if (++this.nodes > MAX_NODES) this.fail(where, `the query has more than ${MAX_NODES} parts`);
    if (depth > MAX_DEPTH) this.fail(where, `the query is nested more than ${MAX_DEPTH} levels deep`);
  }

  /** The single `$`-key of an operator object. */
  private operatorOf(node: unknown, where: string): [string, unknown] {
    if (!isRecord(node)) {
      this.fail(where, `expected an operator object such as {"$eq": [...]}, got ${describe(node)}`);
    }
    const keys = Object.keys(node);
    if (keys.length !== 1) {
      this.fail(
        where,
        `an operator object has exactly one key, got ${keys.length === 0 ? 'none' : keys.map((key) => JSON.stringify(key)).join(', ')}`,
      );
    }
    const key = keys[0] as string;
    return [key, node[key]];
  }

  operand(node: unknown, where: string, depth: number): Operand {
    this.count(where, depth);
    const [key, body] = this.operatorOf(node, where);
    const inner = `${where}.${key}`;
    switch (key) {
      case '$literal':
        return { kind: 'literal', value: this.literal(body, inner, depth + 1) };
      case '$getField':
        if (typeof body !== 'string') this.fail(inner, `expected a field path string, got ${describe(body)}`);
        return { kind: 'field', path: body, field: this.field(body, inner) };
      case '$convert':
        return this.convert(body, inner, depth);
      case '$and':
      case '$or':
        return this.logical(key === '$and' ? 'and' : 'or', body, inner, depth);
      case '$not': {
        const [operand] = this.list(body, inner, 1, 1);
        return { kind: 'not', operand: this.booleanOperand(operand, `${inner}[0]`, depth + 1) };
      }
      case '$in': {
        const [needleNode, haystack] = this.list(body, inner, 2, 2);
        if (!Array.isArray(haystack))
          this.fail(`${inner}[1]`, `expected a list of operands, got ${describe(haystack)}`);
        const before = this.nodes;
        const needle = this.operand(needleNode, `${inner}[0]`, depth + 1);
        // `$in` means one `$eq` per item, each repeating the needle: count a needle larger than a
        // single field or literal that many times, so a large needle times a long list cannot
        // compile to an enormous statement.
        this.nodes += Math.max(0, this.nodes - before - 1) * Math.max(0, haystack.length - 1);
        this.count(inner, depth);
        return {
          kind: 'in',
          needle,
          haystack: haystack.map((item, index) => {
            const operand = this.operand(item, `${inner}[1][${index}]`, depth + 2);
            // Each item is compared as `$eq` would: this throws for literals a datetime cannot take.
            planComparison('eq', needle, operand, `${inner}[1][${index}]`);
            return operand;
          }),
        };
      }
      case '$contains':
        return this.contains(body, inner, depth);
      default: {
        const operator = COMPARISONS[key];
        if (!operator) this.fail(where, `unknown operator ${JSON.stringify(key)}`);
        const [left, right] = this.list(body, inner, 2, 2);
        const comparison = {
          kind: 'compare' as const,
          operator,
          left: this.operand(left, `${inner}[0]`, depth + 1),
          right: this.operand(right, `${inner}[1]`, depth + 1),
        };
        // Throws for literals a datetime cannot be compared with.
        planComparison(operator, comparison.left, comparison.right, inner);
        return comparison;
      }
    }
  }

  private logical(kind: 'and' | 'or', body: unknown, where: string, depth: number): Operation {
    const items = this.list(body, where, 1, Number.POSITIVE_INFINITY);
    const operands = items.map((item, index) => this.booleanOperand(item, `${where}[${index}]`, depth + 1));
    // A single operand needs no combining (Weave unwraps it; docs/protocol.md §5); it stays a one-item list
    // so that a non-operation operand keeps its three-valued meaning.
    const [only] = operands;
    if (
      operands.length === 1 &&
      only &&
      only.kind !== 'literal' &&
      only.kind !== 'field' &&
      only.kind !== 'convert'
    ) {
      return only;
    }
    return { kind, operands };
  }

  /** Operands of $and, $or and $not, and `$expr` itself, must be true/false valued. */
  booleanOperand(node: unknown, where: string, depth: number): Operand {
    const operand = this.operand(node, where, depth);
    const type = operandType(operand);
    if (type !== 'bool' && type !== 'null') {
      this.fail(
        where,
        `expected a true/false operand (an operation, a bool literal, or $convert to bool/exists), got a ${type} value`,
      );
    }
    return operand;
  }

  private convert(body: unknown, where: string, depth: number): Operand {
    if (!isRecord(body)) this.fail(where, `expected {"input": ..., "to": ...}, got ${describe(body)}`);
    const unknownKeys = Object.keys(body).filter((key) => key !== 'input' && key !== 'to');
    if (unknownKeys.length > 0) this.fail(where, `unexpected key ${JSON.stringify(unknownKeys[0])}`);
    if (!('input' in body)) this.fail(where, 'missing "input"');
    const to = body.to;
    if (typeof to !== 'string' || !CONVERT_TARGETS.has(to)) {
      this.fail(`${where}.to`, `expected one of int, double, bool, string, exists, got ${describe(to)}`);
    }
    const input = this.operand(body.input, `${where}.input`, depth + 1);
    checkConversion(operandType(input), to as ConvertTarget, where);
    return { kind: 'convert', input, to: to as ConvertTarget };
  }

  private contains(body: unknown, where: string, depth: number): Operation {
    if (!isRecord(body))
      this.fail(
        where,
        `expected {"input": ..., "substr": ..., "case_insensitive"?: bool}, got ${describe(body)}`,
      );
    const unknownKeys = Object.keys(body).filter(
      (key) => !['input', 'substr', 'case_insensitive'].includes(key),
    );
    if (unknownKeys.length > 0) this.fail(where, `unexpected key ${JSON.stringify(unknownKeys[0])}`);
    if (!('input' in body)) this.fail(where, 'missing "input"');
    if (!('substr' in body)) this.fail(where, 'missing "substr"');
    const caseInsensitive = body.case_insensitive ?? false;
    if (typeof caseInsensitive !== 'boolean') {
      this.fail(`${where}.case_insensitive`, `expected true or false, got ${describe(caseInsensitive)}`);
    }
    const input = this.operand(body.input, `${where}.input`, depth + 1);
    const substr = this.operand(body.substr, `${where}.substr`, depth + 1);
    containsIsApplicable(input, substr);
    return { kind: 'contains', input, substr, caseInsensitive };
  }

  private list(body: unknown, where: string, min: number, max: number): unknown[] {
    if (!Array.isArray(body)) this.fail(where, `expected a list, got ${describe(body)}`);
    if (body.length < min || body.length > max) {
      const expected = min === max ? `exactly ${min}` : `at least ${min}`;
      this.fail(where, `expected ${expected} item${min === 1 && max === 1 ? '' : 's'}, got ${body.length}`);
    }
    return body;
  }

  private literal(value: unknown, where: string, depth: number): LiteralValue {
    this.count(where, depth);
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) this.fail(where, 'numbers must be finite');
      return value;
    }
    if (Array.isArray(value))
      return value.map((item, index) => this.literal(item, `${where}[${index}]`, depth + 1));
    if (isRecord(value)) {
      const result: Record<string, LiteralValue> = {};
      for (const [key, item] of Object.entries(value)) {
        // defineProperty, not assignment: a "__proto__" key must stay a key.
        Object.defineProperty(result, key, {
          value: this.literal(item, `${where}.${key}`, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return result;
    }
    this.fail(where, `expected a JSON value, got ${describe(value)}`);
  }

  private field(path: string, where: string): QueryField {
    try {
      return this.resolveField(path);
    } catch (error) {
      if (error instanceof ProtocolError) {
        // Keep the error's kind (422 unknown field, 501 not yet supported) and say where it was.
        error.message = `${where}: ${error.message}`;
      }
      throw error;
    }
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

/** Parses `{"$expr": ...}`; `where` names the request field in error messages. */
export function parseQuery(wire: unknown, resolveField: FieldResolver, where = 'query'): QueryExpr {
  if (!isRecord(wire)) throw new InvalidRequest(`${where}: expected {"$expr": ...}, got ${describe(wire)}`);
  const keys = Object.keys(wire);
  if (keys.length !== 1 || keys[0] !== '$expr') {
    throw new InvalidRequest(`${where}: the only key allowed at the top level is "$expr"`);
  }
  const parser = new Parser(resolveField);
  return { expr: parser.booleanOperand(wire.$expr, `${where}.$expr`, 0) };
}
