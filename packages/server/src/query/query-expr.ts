/**
 * Compiles a parsed Query expression (`@weft/protocol` query tree) to SQL through a dialect's
 * hooks, following docs/query-language.md. Typing decisions come from the protocol's `typing.ts`,
 * the same module the reference evaluator uses. Literals become bound parameters and fields
 * become column references or JSON-path reads with the path bound; no request text is spliced.
 */
import {
  type ComparisonOperator,
  type ConvertOperand,
  containsIsApplicable,
  type FieldOperand,
  literalText,
  type Operand,
  operandType,
  planComparison,
  type QueryExpr,
  type QueryField,
  type Reading,
  type ValueType,
} from '@weft/protocol';
import type { CallsDialect, JsonPath } from './dialect.js';
import { balancedJoin, rawSql, type Sql, sql } from './sql.js';

export interface QueryCompileContext {
  dialect: CallsDialect;
  /** The column holding an indexed JSON field's text (`weft index add`), when there is one. */
  indexedJsonText?: (column: string, path: JsonPath) => Sql | undefined;
  /**
   * Reads of a feedback field from kept sort keys (storage/sqlite/feedback-sort-keys.ts), when
   * the store keeps them for that type and path of the query's project: the same values as the
   * JSON reads of the call's oldest row of the type, without parsing it.
   */
  feedbackKeys?: (feedbackType: string, path: JsonPath) => JsonReads | undefined;
}

/** A JSON field's value as the Query language reads it (docs/query-language.md, "Values"). */
export interface JsonReads {
  text: Sql;
  number: Sql;
  exists: Sql;
}

type JsonField = Extract<QueryField, { kind: 'json' }>;

const OPERATORS: Record<ComparisonOperator, string> = { eq: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' };
const NULL = rawSql('NULL');

export class QueryCompiler {
  constructor(private readonly context: QueryCompileContext) {}

  private get dialect(): CallsDialect {
    return this.context.dialect;
  }

  /** A true/false/NULL SQL condition for the whole expression. */
  condition(query: QueryExpr): Sql {
    return this.value(query.expr);
  }

  /** An operand's SQL value in its own type (docs/query-language.md, "Fields" and "Values"). */
  value(operand: Operand): Sql {
    switch (operand.kind) {
      case 'literal': {
        const { value } = operand;
        if (value === null) return NULL;
        if (typeof value === 'boolean') return this.dialect.boolean(value);
        if (typeof value === 'number') return sql`${value}`;
        return sql`${literalText(value)}`;
      }
      case 'field':
        return this.field(operand);
      case 'convert':
        return this.convert(operand);
      case 'and':
      case 'or':
        return balancedJoin(
          operand.operands.map((item) => this.value(item)),
          operand.kind === 'and' ? 'AND' : 'OR',
        );
      case 'not':
        return sql`(NOT ${this.value(operand.operand)})`;
      case 'compare':
        return this.compare(operand.operator, operand.left, operand.right);
      case 'in':
        return this.in(operand.needle, operand.haystack);
      case 'contains': {
        const applicable = containsIsApplicable(operand.input, operand.substr);
        if (applicable !== true) return applicable === null ? NULL : this.dialect.boolean(false);
        return this.dialect.contains(
          this.value(operand.input),
          this.value(operand.substr),
          operand.caseInsensitive,
        );
      }
    }
  }

  private field(operand: FieldOperand): Sql {
    const { field } = operand;
    switch (field.kind) {
      case 'column':
        // An empty display name reads as null, as it does in responses.
        if (field.column === 'display_name') return sql`NULLIF(${this.dialect.column('display_name')}, '')`;
        return this.dialect.column(field.column);
      case 'derived':
        return this.derived(field.name);
      case 'json':
        return this.jsonText(field);
    }
  }

  /** A JSON field read as text. */
  jsonText(field: JsonField): Sql {
    return (
      this.keyReads(field)?.text ??
      this.context.indexedJsonText?.(field.column, field.path) ??
      this.dialect.jsonText(this.jsonColumn(field), field.path)
    );
  }

  /** A JSON field read as a number. */
  jsonNumber(field: JsonField): Sql {
    return this.keyReads(field)?.number ?? this.dialect.jsonNumber(this.jsonColumn(field), field.path);
  }

  /** Whether a JSON field exists and is not null. */
  jsonExists(field: JsonField): Sql {
    return this.keyReads(field)?.exists ?? this.dialect.jsonExists(this.jsonColumn(field), field.path);
  }

  private keyReads(field: JsonField): JsonReads | undefined {
    if (field.column !== 'feedback' || field.feedbackType === undefined || field.feedbackType === '*') {
      return undefined;
    }
    return this.context.feedbackKeys?.(field.feedbackType, field.path);
  }

  /** The JSON value a field's path starts in: a column, or the call's first feedback row. */
  private jsonColumn(field: JsonField): Sql {
    return field.column === 'feedback'
      ? this.dialect.feedbackRow(field.feedbackType ?? '*')
      : this.dialect.column(field.column);
  }

  derived(name: string): Sql {
    switch (name) {
      case 'status':
        return this.dialect.derived.status;
      case 'latency_ms':
        return this.dialect.derived.latencyMs;
      case 'trace_name':
        return this.dialect.derived.traceName;
      case 'total_tokens':
        return this.dialect.derived.totalTokens;
      case 'total_cost':
        return this.dialect.derived.totalCost;
      default:
        throw new Error(`no derived call field named ${name}`);
    }
  }

  /** The JSON field behind an operand known to be one. */
  private jsonField(operand: Operand): JsonField {
    if (operand.kind !== 'field' || operand.field.kind !== 'json') throw new Error('expected a JSON field');
    return operand.field;
  }

  private reading(reading: Reading): Sql {
    switch (reading.kind) {
      case 'plain':
        return this.value(reading.operand);
      case 'micros':
        return sql`${reading.micros}`;
      case 'jsonAsNumber':
        return this.jsonNumber(this.jsonField(reading.operand));
      case 'jsonAsBool':
        return this.dialect.textToBool(this.value(reading.operand));
    }
  }

  private compare(operator: ComparisonOperator, left: Operand, right: Operand): Sql {
    const plan = planComparison(operator, left, right, 'query');
    switch (plan.kind) {
      case 'constant':
        return plan.value === null ? NULL : this.dialect.boolean(plan.value);
      case 'isNull':
        return sql`(${this.value(plan.operand)} IS NULL)`;
      case 'compare':
        return sql`(${this.reading(plan.left)} ${rawSql(OPERATORS[operator])} ${this.reading(plan.right)})`;
    }
  }

  /**
   * `$in` means `$eq` item by item (docs/query-language.md). Non-null literals read the same way
   * (as text, as a number, ...) become one `IN` over a bound list each, which an index can serve
   * and which stays small however long the list: a list mixing text and numbers is two `IN`s.
   * Other items are compared one by one; the parts are ORed, as the items' `$eq`s would be.
   */
  private in(needle: Operand, haystack: readonly Operand[]): Sql {
    if (haystack.length === 0) return this.dialect.boolean(false);
    const lists = new Map<string, { left: Reading; values: unknown[] }>();
    const others: Sql[] = [];
    for (const item of haystack) {
      const plan = planComparison('eq', needle, item, 'query');
      if (plan.kind !== 'compare' || item.kind !== 'literal' || item.value === null) {
        others.push(this.compare('eq', needle, item));
        continue;
      }
      const key = `${plan.as}\u0000${plan.left.kind}`;
      const list = lists.get(key) ?? { left: plan.left, values: [] };
      lists.set(key, list);
      list.values.push(listValue(plan.right));
    }
    const parts = [
      ...[...lists.values()].map(
        ({ left, values }) => sql`(${this.dialect.inList(this.reading(left), values)})`,
      ),
      ...others,
    ];
    return parts.length === 1 && parts[0] ? parts[0] : balancedJoin(parts, 'OR');
  }

  private convert(operand: ConvertOperand): Sql {
    const { input, to } = operand;
    const from: ValueType = operandType(input);
    if (from === 'null') return to === 'exists' ? this.dialect.boolean(false) : NULL;
    if (to === 'exists') {
      if (from === 'json') return this.jsonExists(this.jsonField(input));
      return sql`(${this.value(input)} IS NOT NULL)`;
    }
    const value = this.value(input);
    switch (from) {
      case 'json':
      case 'text':
        switch (to) {
          case 'int':
            return this.dialect.textToInt(value);
          case 'double': {
            if (from === 'json') return this.jsonNumber(this.jsonField(input));
            return this.dialect.textToDouble(value);
          }
          case 'bool':
            return this.dialect.textToBool(value);
          case 'string':
            return value;
        }
        break;
      case 'number':
        switch (to) {
          case 'int':
            return this.dialect.truncate(value);
          case 'double':
            return value;
          case 'bool':
            return sql`(${value} <> 0)`;
          case 'string':
            return this.dialect.numberText(value);
        }
        break;
      case 'bool':
        switch (to) {
          case 'int':
          case 'double':
            // A number, not the database's boolean (ClickHouse's reads as 'false' in text).
            return sql`(CASE ${value} WHEN 1 THEN 1 WHEN 0 THEN 0 END)`;
          case 'bool':
            return value;
          case 'string':
            return sql`(CASE ${value} WHEN 1 THEN 'true' WHEN 0 THEN 'false' END)`;
        }
        break;
      case 'datetime':
        switch (to) {
          case 'int':
          case 'double':
            return this.dialect.microsToSeconds(value, to === 'int');
          case 'string':
            return this.dialect.timestampText(value);
          case 'bool':
            break;
        }
        break;
    }
    throw new Error(`cannot convert ${from} to ${to}`);
  }
}

/** A literal's value as an `IN` list binds it (the reading's right side of a planned `$eq`). */
function listValue(right: Reading): unknown {
  if (right.kind === 'micros') return right.micros;
  const literal = (right as { operand: Operand }).operand;
  const value = literal.kind === 'literal' ? literal.value : null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return typeof value === 'number' ? value : literalText(value);
}
