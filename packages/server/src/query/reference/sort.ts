/**
 * The reference order of calls for `sort_by` (docs/query-language.md, "Sorting"), in plain
 * TypeScript: nulls last in both directions, text by code point, JSON fields by the three keys
 * (exists, number, text), and the `id` tie-breaker.
 */
import { parseDoubleOrNull, type QueryField, resolveCallField, type SortBy } from '@weft/protocol';
import { compareCodePoints } from './code-points.js';
import {
  type JsonColumn,
  type ReferenceCall,
  type ReferenceCallColumn,
  readColumn,
  readDerived,
  readJson,
} from './reference-call.js';

type Direction = SortBy['direction'];
type Comparator = (left: ReferenceCall, right: ReferenceCall) => number;

/** Without `sort_by`, calls come oldest first (docs/protocol.md §4.7). */
const DEFAULT_ORDER: readonly SortBy[] = [{ field: 'started_at', direction: 'asc' }];

/** Sorts a copy. */
export function sortCalls(calls: readonly ReferenceCall[], sortBy: readonly SortBy[]): ReferenceCall[] {
  const comparators = withTieBreaker(sortBy.length === 0 ? DEFAULT_ORDER : sortBy).map(
    ({ field, direction }) => comparatorFor(resolveCallField(field), direction),
  );
  return [...calls].sort((left, right) => {
    for (const comparator of comparators) {
      const result = comparator(left, right);
      if (result !== 0) return result;
    }
    return 0;
  });
}

function isColumn(field: QueryField, column: string): boolean {
  return field.kind === 'column' && field.column === column;
}

/**
 * `id` is added unless a key already sorts by it: in the direction of the last key when that key
 * is `started_at` (so "newest first" stays newest first among equal times), else ascending. Fields
 * are compared resolved, so an escaped spelling such as `i\d` counts as `id`.
 */
export function withTieBreaker(sortBy: readonly SortBy[]): SortBy[] {
  if (sortBy.some(({ field }) => isColumn(resolveCallField(field), 'id'))) return [...sortBy];
  const last = sortBy.at(-1);
  const direction: Direction =
    last && isColumn(resolveCallField(last.field), 'started_at') ? last.direction : 'asc';
  return [...sortBy, { field: 'id', direction }];
}

function comparatorFor(field: QueryField, direction: Direction): Comparator {
  const sign = direction === 'asc' ? 1 : -1;
  switch (field.kind) {
    case 'column': {
      const column = field.column as ReferenceCallColumn;
      return (left, right) => compareNullsLast(readColumn(left, column), readColumn(right, column), sign);
    }
    case 'derived':
      return (left, right) =>
        compareNullsLast(readDerived(left, field.name), readDerived(right, field.name), sign);
    case 'json':
      return jsonComparator(field.column as JsonColumn, field.path, sign);
  }
}

/** Nulls go last whatever the direction; only the order among values follows it. */
function compareNullsLast(left: string | number | null, right: string | number | null, sign: number): number {
  if (left === null || right === null) return (left === null ? 1 : 0) - (right === null ? 1 : 0);
  if (typeof left === 'string' && typeof right === 'string') return sign * compareCodePoints(left, right);
  return sign * (left < right ? -1 : left > right ? 1 : 0);
}

/**
 * Existing values first (in both directions), then the value read as a number (non-numbers are
 * null, so last), then its text.
 */
function jsonComparator(column: JsonColumn, path: ReadonlyArray<string | number>, sign: number): Comparator {
  return (left, right) => {
    const leftReading = readJson(left, column, path);
    const rightReading = readJson(right, column, path);
    if (leftReading.exists !== rightReading.exists) return leftReading.exists ? -1 : 1;
    const byNumber = compareNullsLast(
      parseDoubleOrNull(leftReading.text),
      parseDoubleOrNull(rightReading.text),
      sign,
    );
    if (byNumber !== 0) return byNumber;
    return sign * compareCodePoints(leftReading.text, rightReading.text);
  };
}
