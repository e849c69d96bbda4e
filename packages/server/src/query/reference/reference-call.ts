/**
 * The call record the reference evaluator reads, and how it reads each kind of field
 * (docs/query-language.md, "Fields" and "Values"). It is written from the specification alone,
 * never from the SQL compiler, so that tests can use it as an oracle.
 *
 * Why an internal record rather than the CallSchema JSON: timestamps stay exact integer µs (ISO
 * text would have to be re-parsed), and JSON columns stay the text the store holds. That text
 * matters: a bare `summary` reads as the stored summary, without the `summary.weave` the server
 * derives on the way out. JSON text is assumed to be what JSON.stringify writes (the server stores
 * nothing else), so JSON.parse followed by JSON.stringify gives back the same text, key order
 * included.
 */
import { numberText, opDisplayName, type TraceStatus } from '@weft/protocol';
import { totalTokensOf } from '../../costs/call-costs.js';

export type JsonColumn = 'inputs' | 'output' | 'attributes' | 'summary';

/** A live call (its start part stored, not deleted) of one project. */
export interface ReferenceCall {
  id: string;
  project_id: string;
  op_name: string;
  /** As stored: an empty string is kept here and reads as null. */
  display_name: string | null;
  trace_id: string;
  parent_id: string | null;
  thread_id: string | null;
  turn_id: string | null;
  /** µs since the epoch. */
  started_at: number;
  ended_at: number | null;
  deleted_at: number | null;
  exception: string | null;
  /** JSON text; null when the column has no value at all (a running call's output and summary). */
  inputs: string | null;
  output: string | null;
  attributes: string | null;
  summary: string | null;
  wb_user_id: string | null;
  wb_run_id: string | null;
  wb_run_step: number | null;
  wb_run_step_end: number | null;
  /** Some live descendant has an exception: the one fact that needs the rest of the tree. */
  has_failed_descendant: boolean;
}

export type ReferenceCallColumn = Exclude<keyof ReferenceCall, JsonColumn | 'has_failed_descendant'>;

const MISSING = Symbol('missing');
type JsonValue = unknown;

const parsedColumns = new WeakMap<ReferenceCall, Map<JsonColumn, JsonValue | typeof MISSING>>();

function parsedColumn(call: ReferenceCall, column: JsonColumn): JsonValue | typeof MISSING {
  let columns = parsedColumns.get(call);
  if (!columns) {
    columns = new Map();
    parsedColumns.set(call, columns);
  }
  if (!columns.has(column)) {
    const text = call[column];
    columns.set(column, text === null ? MISSING : JSON.parse(text));
  }
  return columns.get(column);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Numbers index lists and strings name object keys; anything else is a missing path. */
function descend(value: JsonValue | typeof MISSING, part: string | number): JsonValue | typeof MISSING {
  if (typeof part === 'number') {
    return Array.isArray(value) && part < value.length ? value[part] : MISSING;
  }
  return isObject(value) && Object.hasOwn(value, part) ? value[part] : MISSING;
}

/** A JSON field as the language sees it: whether it is there (and not JSON null), and its text. */
export interface JsonReading {
  exists: boolean;
  text: string;
}

export function jsonValueText(value: JsonValue | typeof MISSING): string {
  if (value === MISSING || value === null) return '';
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return numberText(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return JSON.stringify(value);
  }
}

export function readJson(
  call: ReferenceCall,
  column: JsonColumn,
  path: ReadonlyArray<string | number>,
): JsonReading {
  let value = parsedColumn(call, column);
  for (const part of path) value = descend(value, part);
  return { exists: value !== MISSING && value !== null, text: jsonValueText(value) };
}

/** The parsed JSON value at a path, or undefined when the path is missing (for generators). */
export function jsonValueAt(
  call: ReferenceCall,
  column: JsonColumn,
  path: ReadonlyArray<string | number>,
): unknown {
  let value = parsedColumn(call, column);
  for (const part of path) value = descend(value, part);
  return value === MISSING ? undefined : value;
}

export function readColumn(call: ReferenceCall, column: ReferenceCallColumn): string | number | null {
  if (column === 'display_name') return call.display_name === '' ? null : call.display_name;
  return call[column];
}

/** The client's own roll-up (`summary.status_counts.error > 0`) reports a failure below. */
function summaryReportsError(call: ReferenceCall): boolean {
  const errors = jsonValueAt(call, 'summary', ['status_counts', 'error']);
  return typeof errors === 'number' && errors > 0;
}

export function derivedStatus(call: ReferenceCall): TraceStatus {
  if (call.exception !== null) return 'error';
  if (call.ended_at === null) return 'running';
  if (call.has_failed_descendant || summaryReportsError(call)) return 'descendant_error';
  return 'success';
}

export function derivedLatencyMs(call: ReferenceCall): number | null {
  return call.ended_at === null ? null : Math.trunc((call.ended_at - call.started_at) / 1000);
}

export function derivedTraceName(call: ReferenceCall): string {
  return call.display_name ? call.display_name : opDisplayName(call.op_name);
}

export function readDerived(call: ReferenceCall, name: string): string | number | null {
  switch (name) {
    case 'status':
      return derivedStatus(call);
    case 'latency_ms':
      return derivedLatencyMs(call);
    case 'trace_name':
      return derivedTraceName(call);
    case 'total_tokens':
      // The calculator itself: the differential checks each store's reading against it.
      return totalTokensOf(call.summary);
    default:
      throw new Error(`the reference evaluator knows no derived field summary.weave.${name}`);
  }
}

/**
 * Sets `has_failed_descendant` from the tree the calls form. Only the given calls count, so pass
 * every live call of the project: a deleted call neither fails for its ancestors nor links them.
 */
export function withFailedDescendants(
  calls: ReadonlyArray<Omit<ReferenceCall, 'has_failed_descendant'>>,
): ReferenceCall[] {
  const byId = new Map(calls.map((call) => [call.id, call]));
  const flagged = new Set<string>();
  for (const call of calls) {
    if (call.exception === null) continue;
    const seen = new Set<string>([call.id]);
    let parent = call.parent_id === null ? undefined : byId.get(call.parent_id);
    // `seen` guards against parent cycles, which clients can send.
    while (parent && !seen.has(parent.id)) {
      seen.add(parent.id);
      flagged.add(parent.id);
      parent = parent.parent_id === null ? undefined : byId.get(parent.parent_id);
    }
  }
  return calls.map((call) => ({ ...call, has_failed_descendant: flagged.has(call.id) }));
}
