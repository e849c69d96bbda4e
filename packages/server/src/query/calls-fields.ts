/**
 * Which call columns a `columns` projection may name, independent of any database. Checked in the
 * service so a bad column fails with a 4xx before any query runs.
 */
import { InvalidFieldError } from '@weft/protocol';
import { CALL_COLUMNS, type CallColumn } from '../storage/trace-store.js';

/** Every call row carries these, whatever the projection (StoredCall has them as required fields). */
export const ALWAYS_SELECTED: readonly CallColumn[] = [
  'id',
  'project_id',
  'trace_id',
  'op_name',
  'started_at',
];
/** What `summary.weave` is derived from (docs/protocol.md §4.8). */
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
