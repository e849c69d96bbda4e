/**
 * How calls are kept in ClickHouse (docs/architecture.md, "ClickHouse"). A call arrives in parts
 * (a start, an end, a rename, a delete; in any order, any number of times). Each part is inserted
 * as it comes into `call_parts`, a Null table that keeps nothing: a materialized view turns each
 * insert into rows of `calls`, an AggregatingMergeTree keyed by (project_id, id) whose columns
 * say how parts combine: `any` for what one part carries (the start's fields, the end's fields),
 * `max` for the deletion time, `argMax` by rank for the display name (start < end < rename, later
 * renames above earlier ones). Background merges fold a call's rows into one, but a query never
 * waits for them: reads GROUP BY (project_id, id) and combine with the same functions, so a call
 * reads the same before and after merging, and a part sent twice changes nothing.
 *
 * Ids are UUIDv7 for Weave's clients, so the table's order (project, id) is also time order
 * within a project. Timestamps are Int64 µs since the epoch, as TraceStore speaks them.
 */

/** The columns of one part, as `call_parts` takes them; NULL where the part says nothing. */
export const CALL_PART_COLUMNS = `
  project_id String,
  id String,
  trace_id Nullable(String),
  parent_id Nullable(String),
  op_name Nullable(String),
  op_short_name Nullable(String),
  thread_id Nullable(String),
  turn_id Nullable(String),
  started_at Nullable(Int64),
  attributes_dump Nullable(String),
  inputs_dump Nullable(String),
  input_refs_dump Nullable(String),
  otel_dump Nullable(String),
  wb_user_id Nullable(String),
  wb_run_id Nullable(String),
  wb_run_step Nullable(Int64),
  ended_at Nullable(Int64),
  exception Nullable(String),
  output_dump Nullable(String),
  output_refs_dump Nullable(String),
  summary_dump Nullable(String),
  summary_reports_error Nullable(UInt8),
  wb_run_step_end Nullable(Int64),
  display_name Nullable(String),
  display_name_rank UInt64,
  deleted_at Nullable(Int64),
  walks_dropped_at Nullable(Int64),
  arrived_at Int64`;

/** Columns that one part carries and every other part leaves NULL: combined with `any`. */
export const CALL_ANY_COLUMNS: ReadonlyArray<readonly [name: string, type: string]> = [
  ['trace_id', 'Nullable(String)'],
  ['parent_id', 'Nullable(String)'],
  ['op_name', 'Nullable(String)'],
  ['op_short_name', 'Nullable(String)'],
  ['thread_id', 'Nullable(String)'],
  ['turn_id', 'Nullable(String)'],
  ['started_at', 'Nullable(Int64)'],
  ['attributes_dump', 'Nullable(String)'],
  ['inputs_dump', 'Nullable(String)'],
  ['input_refs_dump', 'Nullable(String)'],
  ['otel_dump', 'Nullable(String)'],
  ['wb_user_id', 'Nullable(String)'],
  ['wb_run_id', 'Nullable(String)'],
  ['wb_run_step', 'Nullable(Int64)'],
  ['ended_at', 'Nullable(Int64)'],
  ['exception', 'Nullable(String)'],
  ['output_dump', 'Nullable(String)'],
  ['output_refs_dump', 'Nullable(String)'],
  ['summary_dump', 'Nullable(String)'],
  ['summary_reports_error', 'Nullable(UInt8)'],
  ['wb_run_step_end', 'Nullable(Int64)'],
];

/** The merged table's columns: how each combines, and skip indexes for the lookups by id. */
export const CALLS_COLUMNS = [
  'project_id String',
  'id String',
  ...CALL_ANY_COLUMNS.map(([name, type]) => `${name} SimpleAggregateFunction(any, ${type})`),
  'display_name AggregateFunction(argMax, Nullable(String), UInt64)',
  'deleted_at SimpleAggregateFunction(max, Nullable(Int64))',
  'first_arrived_at SimpleAggregateFunction(min, Int64)',
  // Failures that arrived before this no longer mark this call or those above it (orphans.ts).
  'walks_dropped_at SimpleAggregateFunction(max, Nullable(Int64))',
  // A trace's calls, a call's children and a time range are found without reading the project.
  'INDEX trace_id_index trace_id TYPE bloom_filter GRANULARITY 1',
  'INDEX parent_id_index parent_id TYPE bloom_filter GRANULARITY 1',
  'INDEX started_at_index started_at TYPE minmax GRANULARITY 1',
].join(',\n  ');

/** What the materialized view makes of an insert into `call_parts`. */
export function callsFromParts(parts: string): string {
  const anyColumns = CALL_ANY_COLUMNS.map(([name]) => `any(${name}) AS ${name}`).join(', ');
  return `SELECT project_id, id, ${anyColumns},
    argMaxState(display_name, if(display_name IS NULL, toUInt64(0), display_name_rank)) AS display_name,
    max(deleted_at) AS deleted_at, min(arrived_at) AS first_arrived_at, max(walks_dropped_at) AS walks_dropped_at
  FROM ${parts} GROUP BY project_id, id`;
}

/** The model names under `summary.usage` of the given rows (parts, or the calls table's rows). */
export function modelNamesOf(rows: string): string {
  return `SELECT DISTINCT project_id, name FROM ${rows}
  ARRAY JOIN JSONExtractKeys(ifNull(summary_dump, '{}'), 'usage') AS name
  WHERE summary_dump IS NOT NULL`;
}

/** Display-name ranks: a start's name, then an end's, then renames, later ones above. */
export const NAME_RANK = {
  start: 1n,
  end: 2n,
  /** Plus the rename's time in µs. */
  renameBase: 16n,
} as const;
