/**
 * A prices query (`/cost/query`: a Query expression over the cost fields, a sort and a page)
 * applied to one project's own prices in TypeScript, following docs/query-language.md.
 *
 * Why not in SQL: a project keeps a handful of prices, read whole in one small query, and the
 * Query language's value rules (numbers as JSON writes them, full Unicode case folding, the
 * or-null parsers of `@weft/protocol`) are the protocol's own functions here, where ClickHouse's
 * nearest functions differ in corner cases. The cost fields are all plain columns (text, number,
 * datetime; `resolveCostField`), so only column reads are needed. Nulls follow SQL: a comparison
 * with NULL is unknown, and a price matches only when the expression is true, as on SQLite.
 */
import {
  type ComparisonOperator,
  type ConvertTarget,
  compareCodePoints,
  containsIsApplicable,
  foldCase,
  formatTimestampMicros,
  type LiteralValue,
  literalText,
  numberText,
  type Operand,
  parseBoolOrNull,
  parseDoubleOrNull,
  parseIntOrNull,
  planComparison,
  type QueryExpr,
  type QueryField,
  type Reading,
  resolveCostField,
  truncateOrNull,
} from '@weft/protocol';
import type { PricesQuery, StoredPrice } from '../trace-store.js';

/** A value with its Query-language type; null values are SQL's NULL. */
type Value =
  | { type: 'text'; value: string | null }
  | { type: 'number'; value: number | null }
  | { type: 'bool'; value: boolean | null }
  /** µs since the epoch. */
  | { type: 'datetime'; value: number | null }
  | { type: 'null' };

type Truth = boolean | null;

/** The page of `prices` (one project's own) the query asks for. */
export function applyPricesQuery(prices: readonly StoredPrice[], query: PricesQuery): StoredPrice[] {
  const expr = query.query;
  const matching = expr ? prices.filter((price) => matches(expr, price)) : [...prices];
  // Without a sort, oldest first (as SQLite answers); the id breaks ties in every order.
  const terms =
    query.sort_by.length > 0 ? query.sort_by : [{ field: 'created_at', direction: 'asc' as const }];
  const comparators = terms.map((term) => comparatorFor(resolveCostField(term.field), term.direction));
  matching.sort((left, right) => {
    for (const comparator of comparators) {
      const order = comparator(left, right);
      if (order !== 0) return order;
    }
    return compareCodePoints(left.id, right.id);
  });
  const end = query.limit === null ? undefined : query.offset + query.limit;
  return matching.slice(query.offset, end);
}

export function matches(expr: QueryExpr, price: StoredPrice): boolean {
  return truthOf(expr.expr, price) === true;
}

function column(price: StoredPrice, field: QueryField): string | number | null {
  if (field.kind !== 'column') throw new Error(`prices have no ${field.kind} fields`);
  if (!Object.hasOwn(price, field.column)) throw new Error(`prices have no column ${field.column}`);
  const value = price[field.column as keyof StoredPrice];
  return value === null || typeof value === 'string' || typeof value === 'number' ? value : String(value);
}

// ---- sorting -------------------------------------------------------------------------------------

/** Nulls last in both directions; text by code point (UTF-8 byte order, as SQL sorts it). */
function comparatorFor(field: QueryField, direction: 'asc' | 'desc') {
  const sign = direction === 'asc' ? 1 : -1;
  return (left: StoredPrice, right: StoredPrice): number => {
    const a = column(left, field);
    const b = column(right, field);
    if (a === null || b === null) return (a === null ? 1 : 0) - (b === null ? 1 : 0);
    if (typeof a === 'string' && typeof b === 'string') return sign * compareCodePoints(a, b);
    return sign * (a < b ? -1 : a > b ? 1 : 0);
  };
}

// ---- the expression ------------------------------------------------------------------------------

function truthOf(operand: Operand, price: StoredPrice): Truth {
  const value = evaluate(operand, price);
  if (value.type === 'null') return null;
  if (value.type === 'bool') return value.value;
  throw new Error(`a ${value.type} operand cannot be true or false`);
}

function evaluate(operand: Operand, price: StoredPrice): Value {
  switch (operand.kind) {
    case 'literal':
      return literal(operand.value);
    case 'field': {
      const { field } = operand;
      if (field.kind !== 'column') throw new Error(`prices have no ${field.kind} fields`);
      const value = column(price, field);
      if (field.type === 'text') return { type: 'text', value: value === null ? null : String(value) };
      return { type: field.type, value: value === null ? null : Number(value) };
    }
    case 'convert':
      return convert(evaluate(operand.input, price), operand.to);
    case 'and':
      return bool(and(operand.operands.map((item) => truthOf(item, price))));
    case 'or':
      return bool(or(operand.operands.map((item) => truthOf(item, price))));
    case 'not': {
      const value = truthOf(operand.operand, price);
      return bool(value === null ? null : !value);
    }
    case 'compare':
      return bool(compare(operand.operator, operand.left, operand.right, price));
    case 'in':
      return bool(or(operand.haystack.map((item) => compare('eq', operand.needle, item, price))));
    case 'contains': {
      const applicable = containsIsApplicable(operand.input, operand.substr);
      if (applicable !== true) return bool(applicable);
      const haystack = text(evaluate(operand.input, price));
      const needle = text(evaluate(operand.substr, price));
      if (haystack === null || needle === null) return bool(null);
      return bool(
        operand.caseInsensitive ? foldCase(haystack).includes(foldCase(needle)) : haystack.includes(needle),
      );
    }
  }
}

function bool(value: Truth): Value {
  return { type: 'bool', value };
}

function and(values: readonly Truth[]): Truth {
  if (values.includes(false)) return false;
  return values.includes(null) ? null : true;
}

function or(values: readonly Truth[]): Truth {
  if (values.includes(true)) return true;
  return values.includes(null) ? null : false;
}

function literal(value: LiteralValue): Value {
  if (value === null) return { type: 'null' };
  if (typeof value === 'number') return { type: 'number', value };
  if (typeof value === 'boolean') return { type: 'bool', value };
  return { type: 'text', value: literalText(value) };
}

function text(value: Value): string | null {
  if (value.type !== 'text') throw new Error(`$contains needs text, got a ${value.type} value`);
  return value.value;
}

function compare(operator: ComparisonOperator, left: Operand, right: Operand, price: StoredPrice): Truth {
  const plan = planComparison(operator, left, right, 'query');
  switch (plan.kind) {
    case 'constant':
      return plan.value;
    case 'isNull': {
      const value = evaluate(plan.operand, price);
      return value.type === 'null' || value.value === null;
    }
    case 'compare': {
      const a = read(plan.left, price);
      const b = read(plan.right, price);
      if (a === null || b === null) return null;
      const order =
        plan.as === 'text'
          ? compareCodePoints(String(a), String(b))
          : Number(a) < Number(b)
            ? -1
            : Number(a) > Number(b)
              ? 1
              : 0;
      return holds(operator, order);
    }
  }
}

function read(reading: Reading, price: StoredPrice): string | number | boolean | null {
  switch (reading.kind) {
    case 'micros':
      return reading.micros;
    case 'plain': {
      const value = evaluate(reading.operand, price);
      return value.type === 'null' ? null : value.value;
    }
    default:
      // Casts of JSON fields; the cost fields have none.
      throw new Error(`prices have no JSON fields to read as ${reading.kind}`);
  }
}

function holds(operator: ComparisonOperator, order: number): boolean {
  switch (operator) {
    case 'eq':
      return order === 0;
    case 'gt':
      return order > 0;
    case 'gte':
      return order >= 0;
    case 'lt':
      return order < 0;
    case 'lte':
      return order <= 0;
  }
}

/** The `$convert` table of docs/query-language.md. */
function convert(value: Value, to: ConvertTarget): Value {
  if (value.type === 'null' || value.value === null) {
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
  if (to === 'exists') return { type: 'bool', value: true };
  switch (value.type) {
    case 'text':
      if (to === 'int') return { type: 'number', value: parseIntOrNull(value.value) };
      if (to === 'double') return { type: 'number', value: parseDoubleOrNull(value.value) };
      if (to === 'bool') return { type: 'bool', value: parseBoolOrNull(value.value) };
      return value;
    case 'number':
      if (to === 'int') return { type: 'number', value: truncateOrNull(value.value) };
      if (to === 'double') return value;
      if (to === 'bool') return { type: 'bool', value: value.value !== 0 };
      return { type: 'text', value: numberText(value.value) };
    case 'bool':
      if (to === 'bool') return value;
      if (to === 'string') return { type: 'text', value: value.value ? 'true' : 'false' };
      return { type: 'number', value: value.value ? 1 : 0 };
    case 'datetime':
      if (to === 'int') return { type: 'number', value: Math.trunc(value.value / 1_000_000) };
      if (to === 'double') return { type: 'number', value: value.value / 1_000_000 };
      if (to === 'string') return { type: 'text', value: formatTimestampMicros(value.value) };
      throw new Error('a datetime cannot be converted to bool (the parser refuses this)');
  }
}
