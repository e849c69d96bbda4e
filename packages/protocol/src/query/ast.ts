/**
 * The Query expression language as a typed tree (docs/query-language.md). `parse.ts` builds it from the
 * wire form and rejects anything malformed; backends compile it (the server to SQL, the reference
 * evaluator to plain TypeScript). Field nodes carry the resolved field, so no backend interprets a
 * field path on its own.
 */

export type LiteralValue =
  | string
  | number
  | boolean
  | null
  | LiteralValue[]
  | { [key: string]: LiteralValue };

/** The type an operand has before any comparison looks at it (see `typing.ts`). */
export type ValueType =
  /** Text from a column, a derived field, a literal or a `$convert` to string. */
  | 'text'
  /** A JSON path (`inputs.a.b`): reads as text, and casts itself when compared with a number or bool. */
  | 'json'
  | 'number'
  | 'bool'
  /** Integer µs since the epoch; literals compared with it are unix seconds or ISO-8601 text. */
  | 'datetime'
  /** `{"$literal": null}` */
  | 'null';

export type ConvertTarget = 'int' | 'double' | 'bool' | 'string' | 'exists';

/** A field a query can read, resolved from its dotted path by the table's field resolver. */
export type QueryField =
  | { kind: 'column'; column: string; type: 'text' | 'number' | 'datetime' }
  | {
      kind: 'json';
      /**
       * The JSON column the path starts in (for calls: inputs, output, attributes or summary; or
       * `feedback`, the call's first feedback row of `feedbackType`, as an object).
       */
      column: string;
      /** Keys (strings) and list indexes (numbers), outermost first; empty means the whole value. */
      path: Array<string | number>;
      /** For the `feedback` column: the feedback type, `*` for any. */
      feedbackType?: string;
    }
  | { kind: 'derived'; name: string; type: 'text' | 'number' };

export interface LiteralOperand {
  kind: 'literal';
  value: LiteralValue;
}

export interface FieldOperand {
  kind: 'field';
  /** The path as the request wrote it, for messages. */
  path: string;
  field: QueryField;
}

export interface ConvertOperand {
  kind: 'convert';
  input: Operand;
  to: ConvertTarget;
}

export type ComparisonOperator = 'eq' | 'gt' | 'gte' | 'lt' | 'lte';

export interface ComparisonOperation {
  kind: 'compare';
  operator: ComparisonOperator;
  left: Operand;
  right: Operand;
}

export interface LogicalOperation {
  kind: 'and' | 'or';
  /** At least one; a single operation is unwrapped by the parser. */
  operands: Operand[];
}

export interface NotOperation {
  kind: 'not';
  operand: Operand;
}

export interface InOperation {
  kind: 'in';
  needle: Operand;
  /** May be empty (then nothing matches). */
  haystack: Operand[];
}

export interface ContainsOperation {
  kind: 'contains';
  input: Operand;
  substr: Operand;
  caseInsensitive: boolean;
}

export type Operation =
  | ComparisonOperation
  | LogicalOperation
  | NotOperation
  | InOperation
  | ContainsOperation;

export type Operand = LiteralOperand | FieldOperand | ConvertOperand | Operation;

/** A parsed `{"$expr": ...}`: an operation, or any true/false operand (such as `$convert … exists`). */
export interface QueryExpr {
  expr: Operand;
}
