/**
 * Random wire queries (`{"$expr": ...}`) and sorts over a generated project, for differential
 * tests. Literals are mostly drawn from values the calls really hold, so that comparisons match
 * some calls and not others; the rest probe fields that do not exist, every operator and
 * `$convert` target, nulls, lists and objects, and datetimes given as seconds or ISO text.
 */
import { formatTimestampMicros, joinFieldPath, type SortBy } from '@weft/protocol';
import { T0, UNICODE_TEXT } from './generate.js';
import type { Random } from './random.js';
import {
  type JsonColumn,
  jsonValueAt,
  jsonValueText,
  type ReferenceCall,
  type ReferenceCallColumn,
  readColumn,
  readDerived,
} from './reference-call.js';

type OperandType = 'text' | 'json' | 'number' | 'bool' | 'datetime' | 'null';

/** A generated wire operand and the type the typing rules will give it. */
interface Generated {
  wire: unknown;
  type: OperandType;
}

/** A field and how to read its value from a call, to make literals that match. */
interface FieldChoice {
  path: string;
  type: 'text' | 'json' | 'number' | 'datetime';
  valueIn(call: ReferenceCall): unknown;
}

const TEXT_COLUMNS: readonly ReferenceCallColumn[] = [
  'id',
  'project_id',
  'trace_id',
  'parent_id',
  'thread_id',
  'turn_id',
  'op_name',
  'display_name',
  'exception',
  'wb_user_id',
  'wb_run_id',
];
const NUMBER_COLUMNS: readonly ReferenceCallColumn[] = ['wb_run_step', 'wb_run_step_end'];
const DATETIME_COLUMNS: readonly ReferenceCallColumn[] = ['started_at', 'ended_at', 'deleted_at'];
const DERIVED = [
  ['status', 'text'],
  ['latency_ms', 'number'],
  ['trace_name', 'text'],
  ['total_tokens', 'number'],
] as const;
const JSON_COLUMNS: readonly JsonColumn[] = ['inputs', 'output', 'attributes', 'summary'];
const CONVERT_TARGETS = ['int', 'double', 'bool', 'string', 'exists'] as const;
const COMPARISONS = ['$eq', '$eq', '$gt', '$gte', '$lt', '$lte'] as const;

const LITERAL_TEXT = [
  '',
  'abc',
  '5',
  '5.5',
  ' 5',
  '1e3',
  'true',
  'TRUE',
  '1',
  '0',
  'null',
  '[]',
  '{}',
  '[1,2,3]',
  '{"a":1}',
  'gpt-4o',
  'hello',
  'ÉCOLE',
  ...UNICODE_TEXT,
];
const LITERAL_NUMBERS = [
  0,
  1,
  -1,
  2,
  5,
  5.5,
  0.5,
  -0.25,
  0.1,
  1e-7,
  1000,
  2 ** 53 - 1,
  42,
  1e21,
  -1e300,
  2 ** 60,
];
const LITERAL_COMPOSITES: readonly unknown[] = [
  [],
  {},
  [1, 2, 3],
  ['a', 'b'],
  [null],
  { a: 1 },
  { x: { y: 'z' } },
];

/** The JSON paths the calls hold (whole columns included), to query and sort by. */
export function observeJsonPaths(
  calls: readonly ReferenceCall[],
): Array<{ column: JsonColumn; path: Array<string | number> }> {
  const seen = new Map<string, { column: JsonColumn; path: Array<string | number> }>();
  const visit = (column: JsonColumn, path: Array<string | number>, value: unknown, depth: number): void => {
    const key = fieldPath(column, path);
    if (!seen.has(key)) seen.set(key, { column, path });
    if (depth >= 4 || typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      for (const [index, item] of value.slice(0, 3).entries())
        visit(column, [...path, index], item, depth + 1);
      return;
    }
    for (const [key, item] of Object.entries(value)) {
      // Empty keys cannot be addressed, and summary.weave.* names only the derived fields.
      if (key === '' || (column === 'summary' && path.length === 0 && key === 'weave')) continue;
      visit(column, [...path, key], item, depth + 1);
    }
  };
  for (const call of calls) {
    for (const column of JSON_COLUMNS) visit(column, [], jsonValueAt(call, column, []), 0);
  }
  return [...seen.values()];
}

function fieldPath(column: string, path: ReadonlyArray<string | number>): string {
  return path.length === 0 ? column : `${column}.${joinFieldPath(path)}`;
}

/** Code points, so that slicing never leaves half a surrogate pair. */
function slice(text: string, random: Random): string {
  const characters = Array.from(text);
  const start = random.int(0, characters.length);
  return characters.slice(start, start + random.int(1, 4)).join('');
}

export class QueryGenerator {
  private readonly jsonPaths: Array<{ column: JsonColumn; path: Array<string | number> }>;
  private readonly maxDepth = 4;

  constructor(
    private readonly random: Random,
    private readonly calls: readonly ReferenceCall[],
  ) {
    this.jsonPaths = observeJsonPaths(calls);
  }

  /** Mostly an operation: a constant `$expr` says little about the compiler. */
  query(): { $expr: unknown } {
    return { $expr: this.random.chance(0.95) ? this.operation(0) : this.boolOperand(0).wire };
  }

  /** 0–3 keys over columns, derived fields and JSON paths, sometimes ending in started_at. */
  sortBy(): SortBy[] {
    const random = this.random;
    const keys = random.weighted([
      [10, 0],
      [40, 1],
      [30, 2],
      [20, 3],
    ]);
    const sortBy: SortBy[] = Array.from({ length: keys }, () => ({
      field: random.chance(0.08) ? 'id' : this.field(true).path,
      direction: random.pick(['asc', 'desc'] as const),
    }));
    if (keys > 0 && random.chance(0.15))
      sortBy.push({ field: 'started_at', direction: random.pick(['asc', 'desc']) });
    return sortBy;
  }

  private call(): ReferenceCall {
    return this.random.pick(this.calls);
  }

  private field(forSorting = false): FieldChoice {
    const random = this.random;
    const kind = random.weighted([
      [35, 'json'],
      [5, 'missingJson'],
      [5, 'wholeJson'],
      [25, 'text'],
      [10, 'number'],
      [forSorting ? 10 : 15, 'datetime'],
      [forSorting ? 10 : 5, 'derived'],
    ] as const);
    switch (kind) {
      case 'json':
      case 'missingJson':
      case 'wholeJson': {
        let { column, path } = random.chance(0.8) ? this.pathInSomeCall() : random.pick(this.jsonPaths);
        if (kind === 'wholeJson') path = [];
        if (kind === 'missingJson')
          path = [...path, random.pick<string | number>(['nope', 7, 'a', 0, 'zzz'])];
        return {
          path: fieldPath(column, path),
          type: 'json',
          valueIn: (call) => jsonValueAt(call, column, path),
        };
      }
      case 'text':
      case 'number':
      case 'datetime': {
        const columns =
          kind === 'text' ? TEXT_COLUMNS : kind === 'number' ? NUMBER_COLUMNS : DATETIME_COLUMNS;
        const column = random.pick(columns);
        return { path: column, type: kind, valueIn: (call) => readColumn(call, column) };
      }
      case 'derived': {
        const [name, type] = random.pick(DERIVED);
        return { path: `summary.weave.${name}`, type, valueIn: (call) => readDerived(call, name) };
      }
    }
  }

  /**
   * A path some call holds, found by walking its JSON: common paths come up often and rare ones
   * seldom, so comparisons on them split the calls instead of matching one or none.
   */
  private pathInSomeCall(): { column: JsonColumn; path: Array<string | number> } {
    const random = this.random;
    const column = random.weighted([
      [50, 'inputs'],
      [20, 'output'],
      [15, 'attributes'],
      [15, 'summary'],
    ] as const);
    const path: Array<string | number> = [];
    let value = jsonValueAt(this.call(), column, []);
    while (typeof value === 'object' && value !== null && random.chance(path.length === 0 ? 0.9 : 0.5)) {
      const keys: Array<string | number> = Array.isArray(value)
        ? value.map((_, index) => index)
        : Object.keys(value).filter(
            (key) => key !== '' && !(column === 'summary' && path.length === 0 && key === 'weave'),
          );
      if (keys.length === 0) break;
      const key = random.pick(keys);
      path.push(key);
      value = (value as Record<string | number, unknown>)[key];
    }
    return { column, path };
  }

  private boolOperand(depth: number): Generated {
    const random = this.random;
    const kind = random.weighted([
      [85, 'operation'],
      [9, 'convert'],
      [5, 'bool'],
      [1, 'null'],
    ] as const);
    switch (kind) {
      case 'operation':
        return { wire: this.operation(depth), type: 'bool' };
      case 'convert':
        return this.convert(depth, random.pick(['bool', 'exists'] as const));
      case 'bool':
        return { wire: { $literal: random.chance(0.5) }, type: 'bool' };
      case 'null':
        return { wire: { $literal: null }, type: 'null' };
    }
  }

  private operation(depth: number): unknown {
    const random = this.random;
    const leaf = depth >= this.maxDepth - 1;
    const kind = random.weighted([
      [35, 'compare'],
      [10, 'in'],
      [15, 'contains'],
      [leaf ? 0 : 14, 'and'],
      [leaf ? 0 : 14, 'or'],
      [leaf ? 0 : 8, 'not'],
    ] as const);
    switch (kind) {
      case 'compare':
        return this.comparison(depth);
      case 'in':
        return this.in(depth);
      case 'contains':
        return this.contains(depth);
      case 'not':
        return { $not: [this.boolOperand(depth + 1).wire] };
      case 'and':
      case 'or':
        return {
          [`$${kind}`]: Array.from(
            { length: random.pick([1, 2, 2, 3, 4]) },
            () => this.boolOperand(depth + 1).wire,
          ),
        };
    }
  }

  private comparison(depth: number): unknown {
    const random = this.random;
    const operator = random.pick(COMPARISONS);
    const strategy = random.weighted([
      [65, 'fieldVsObserved'],
      [10, 'fieldVsField'],
      [25, 'anything'],
    ] as const);
    let left: Generated;
    let right: Generated;
    if (strategy === 'fieldVsObserved') {
      const field = this.field();
      left = { wire: { $getField: field.path }, type: field.type };
      right = this.observedLiteral(field);
    } else if (strategy === 'fieldVsField') {
      left = this.fieldOperand();
      right = this.fieldOperand();
    } else {
      left = this.valueOperand(depth + 1);
      right = this.valueOperand(depth + 1);
    }
    [left, right] = this.datetimeSafe(left, right);
    if (random.chance(0.3)) [left, right] = [right, left];
    return { [operator]: [left.wire, right.wire] };
  }

  /** A datetime compared with a literal needs seconds or ISO-8601 text (anything else is a 400). */
  private datetimeSafe(left: Generated, right: Generated): [Generated, Generated] {
    const isLiteral = (operand: Generated) =>
      typeof operand.wire === 'object' && operand.wire !== null && '$literal' in operand.wire;
    if (left.type === 'datetime' && isLiteral(right) && right.type !== 'null')
      return [left, this.timeLiteral()];
    if (right.type === 'datetime' && isLiteral(left) && left.type !== 'null')
      return [this.timeLiteral(), right];
    return [left, right];
  }

  private in(depth: number): unknown {
    const random = this.random;
    const field = this.field();
    // A literal needle would need every datetime item's literal rules reversed; keep it a field.
    const needle: Generated = { wire: { $getField: field.path }, type: field.type };
    const count = random.weighted([
      [5, 0],
      [30, 1],
      [40, 2],
      [25, 4],
    ]);
    const items = Array.from({ length: count }, () => {
      const item = random.weighted([
        [70, 'observed'],
        [15, 'literal'],
        [10, 'field'],
        [5, 'convert'],
      ] as const);
      const operand =
        item === 'observed'
          ? this.observedLiteral(field)
          : item === 'literal'
            ? this.literal()
            : item === 'field'
              ? this.fieldOperand()
              : this.convert(depth + 1, random.pick(CONVERT_TARGETS));
      return this.datetimeSafe(needle, operand)[1].wire;
    });
    return { $in: [needle.wire, items] };
  }

  private contains(depth: number): unknown {
    const random = this.random;
    const field = this.field();
    const textual = field.type === 'text' || field.type === 'json';
    const inputKind = random.weighted([
      [80, 'textField'],
      [8, 'convert'],
      [7, 'anyField'],
      [5, 'anything'],
    ] as const);
    const input =
      inputKind === 'textField'
        ? textual
          ? { $getField: field.path }
          : this.textOperand().wire
        : inputKind === 'convert'
          ? this.convert(depth, 'string').wire
          : inputKind === 'anyField'
            ? { $getField: field.path }
            : this.valueOperand(depth + 1).wire;
    const substrKind = random.weighted([
      [60, 'observed'],
      [15, 'text'],
      [5, 'empty'],
      [3, 'null'],
      [4, 'number'],
      [8, 'field'],
      [5, 'convert'],
    ] as const);
    let substr: unknown;
    switch (substrKind) {
      case 'observed': {
        const observed = jsonValueText(field.valueIn(this.call()) ?? '');
        const piece = slice(observed, random);
        substr = { $literal: random.pick([piece, piece.toUpperCase(), piece.toLowerCase()]) };
        break;
      }
      case 'text':
        substr = { $literal: random.pick(LITERAL_TEXT) };
        break;
      case 'empty':
        substr = { $literal: '' };
        break;
      case 'null':
        substr = { $literal: null };
        break;
      case 'number':
        substr = { $literal: random.pick(LITERAL_NUMBERS) };
        break;
      case 'field':
        substr = this.fieldOperand().wire;
        break;
      case 'convert':
        substr = this.convert(depth, 'string').wire;
        break;
    }
    const body: Record<string, unknown> = { input, substr };
    const caseInsensitive = random.pick([true, false, undefined]);
    if (caseInsensitive !== undefined) body.case_insensitive = caseInsensitive;
    return { $contains: body };
  }

  private textOperand(): Generated {
    const field = this.random.pick(TEXT_COLUMNS);
    return { wire: { $getField: field }, type: 'text' };
  }

  private fieldOperand(): Generated {
    const field = this.field();
    return { wire: { $getField: field.path }, type: field.type };
  }

  private valueOperand(depth: number): Generated {
    const random = this.random;
    const kind = random.weighted([
      [45, 'field'],
      [30, 'literal'],
      [depth < this.maxDepth ? 20 : 0, 'convert'],
      [depth < this.maxDepth - 1 ? 5 : 0, 'operation'],
    ] as const);
    switch (kind) {
      case 'field':
        return this.fieldOperand();
      case 'literal':
        return this.literal();
      case 'convert':
        return this.convert(depth, random.pick(CONVERT_TARGETS));
      case 'operation':
        return { wire: this.operation(depth + 1), type: 'bool' };
    }
  }

  private convert(depth: number, to: (typeof CONVERT_TARGETS)[number]): Generated {
    const input = this.valueOperand(depth + 1);
    // A datetime cannot become a bool (the parser refuses it); ask for its seconds instead.
    const target = input.type === 'datetime' && to === 'bool' ? 'int' : to;
    const type: OperandType =
      target === 'int' || target === 'double' ? 'number' : target === 'string' ? 'text' : 'bool';
    return { wire: { $convert: { input: input.wire, to: target } }, type };
  }

  private literal(): Generated {
    const random = this.random;
    const kind = random.weighted([
      [35, 'text'],
      [25, 'number'],
      [10, 'bool'],
      [10, 'null'],
      [10, 'composite'],
      [10, 'observed'],
    ] as const);
    switch (kind) {
      case 'text':
        return { wire: { $literal: random.pick(LITERAL_TEXT) }, type: 'text' };
      case 'number':
        return { wire: { $literal: random.pick(LITERAL_NUMBERS) }, type: 'number' };
      case 'bool':
        return { wire: { $literal: random.chance(0.5) }, type: 'bool' };
      case 'null':
        return { wire: { $literal: null }, type: 'null' };
      case 'composite':
        return { wire: { $literal: random.pick(LITERAL_COMPOSITES) }, type: 'text' };
      case 'observed':
        return this.observedLiteral(this.field());
    }
  }

  /** A literal made from the field's value in some call, as itself or in another type's clothes. */
  private observedLiteral(field: FieldChoice): Generated {
    const random = this.random;
    if (field.type === 'datetime') return this.timeLiteral(field.valueIn(this.call()) as number | null);
    const value = field.valueIn(this.call());
    if (value === undefined) return this.literal();
    if (value === null)
      return random.chance(0.5) ? { wire: { $literal: null }, type: 'null' } : this.literal();
    const text = jsonValueText(value);
    const asNumber = Number(text);
    const forms: Array<readonly [number, unknown]> = [
      [50, value],
      [15, text],
      [10, text.toUpperCase()],
    ];
    if (typeof value === 'number') forms.push([10, value + random.pick([-1, 1, 0.5])]);
    if (text.trim() !== '' && Number.isFinite(asNumber)) forms.push([15, asNumber]);
    if (/^(true|false)$/i.test(text)) forms.push([10, text.toLowerCase() === 'true']);
    const literal = random.weighted(forms);
    return { wire: { $literal: literal }, type: literalType(literal) };
  }

  /** Unix seconds (whole or fractional) or ISO-8601 text, near `micros` when given. */
  private timeLiteral(micros: number | null = null): Generated {
    const random = this.random;
    const around = micros ?? T0 + random.int(0, 12 * 3600) * 1_000_000 + random.int(0, 999_999);
    const exact = random.chance(micros === null ? 0.2 : 0.6);
    const at = exact ? around : around + random.pick([-1, 1, -1000, 1000, 1_000_000, -1_000_000]);
    const literal = random.weighted<unknown>([
      [30, at / 1_000_000],
      [10, Math.trunc(at / 1_000_000)],
      [30, formatTimestampMicros(at)],
      [10, new Date(Math.trunc(at / 1000)).toISOString()],
      [10, new Date(Math.trunc(at / 1000)).toISOString().replace('Z', '+00:00').replace('T', ' ')],
      [10, isoWithOffset(at)],
    ]);
    return { wire: { $literal: literal }, type: typeof literal === 'number' ? 'number' : 'text' };
  }
}

/** `2026-01-01T02:00:00.123456+02:00`: the same instant in another zone. */
function isoWithOffset(micros: number): string {
  const shifted = formatTimestampMicros(micros + 2 * 3600 * 1_000_000);
  return `${shifted.slice(0, -1)}+02:00`;
}

function literalType(value: unknown): OperandType {
  if (value === null) return 'null';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'bool';
  return 'text';
}
