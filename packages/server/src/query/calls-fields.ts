/**
 * Which call fields requests may name in `sort_by` and `columns`, independent of any database.
 * Checked in the service so a bad field fails with a 4xx before any query runs.
 */
import { InvalidFieldError, NotImplemented } from '@weft/protocol';
import { CALL_COLUMNS, type CallColumn } from '../storage/trace-store.js';

/** Top-level columns that sort directly (JSON columns sort by path, not as a whole). */
export const SORTABLE_COLUMNS: ReadonlySet<string> = new Set(
  CALL_COLUMNS.filter((column) => !['attributes', 'inputs', 'output', 'summary'].includes(column)),
);

export type DerivedField = 'summary.weave.status' | 'summary.weave.latency_ms' | 'summary.weave.trace_name';
export const DERIVED_FIELDS: ReadonlySet<string> = new Set<DerivedField>([
  'summary.weave.status',
  'summary.weave.latency_ms',
  'summary.weave.trace_name',
]);

const JSON_FIELD_PREFIXES = ['inputs.', 'output.', 'attributes.', 'summary.'];

/** Throws a clear protocol error unless `field` can be sorted on. */
export function assertSortable(field: string): void {
  if (SORTABLE_COLUMNS.has(field) || DERIVED_FIELDS.has(field)) return;
  if (field.startsWith('summary.weave.')) {
    throw new InvalidFieldError(
      `cannot sort by ${field}: the derived fields are summary.weave.status, latency_ms and trace_name`,
    );
  }
  if (JSON_FIELD_PREFIXES.some((prefix) => field.startsWith(prefix))) {
    throw new NotImplemented(`sorting by JSON fields such as ${field} is not supported by this server yet`);
  }
  throw new InvalidFieldError(`cannot sort by unknown field ${JSON.stringify(field)}`);
}

/** Every call row carries these, whatever the projection (StoredCall has them as required fields). */
export const ALWAYS_SELECTED: readonly CallColumn[] = [
  'id',
  'project_id',
  'trace_id',
  'op_name',
  'started_at',
];
/** What `summary.weave` is derived from (research doc §3, "columns"). */
const NEEDED_FOR_SUMMARY: readonly CallColumn[] = ['ended_at', 'exception', 'display_name'];
const KNOWN_COLUMNS: ReadonlySet<string> = new Set(CALL_COLUMNS);

/**
 * Resolves a `columns` projection: `inputs.x` counts as `inputs`, a `_dump` suffix is tolerated,
 * and what `summary.weave` needs comes with `summary`. No projection means every column. (The
 * query builder adds ALWAYS_SELECTED to every projection.)
 */
export function resolveColumns(requested: readonly string[] | null | undefined): CallColumn[] {
  if (!requested || requested.length === 0) return [...CALL_COLUMNS];
  const columns = new Set<CallColumn>();
  for (const name of requested) {
    const top = (name.split('.')[0] ?? '').replace(/_dump$/, '');
    if (!KNOWN_COLUMNS.has(top)) {
      throw new InvalidFieldError(`unknown column ${JSON.stringify(name)}`);
    }
    columns.add(top as CallColumn);
  }
  if (columns.has('summary')) for (const column of NEEDED_FOR_SUMMARY) columns.add(column);
  return [...columns];
}
