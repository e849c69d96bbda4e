/**
 * Turns validated start/end records into storage parts: ids filled in, timestamps parsed, JSON
 * fields encoded once. Bad values become InvalidRequest errors that name the offending field.
 */
import {
  type CallBatchItem,
  type CallBatchItemError,
  type CompletedCallSchemaForInsert,
  collectRefs,
  type EndedCallSchemaForInsert,
  InvalidRequest,
  parseTimestampMicros,
  type StartedCallSchemaForInsert,
  WEAVE_REF_PREFIX,
} from '@weft/protocol';
import { uuidv7 } from 'uuidv7';
import type { CallEndPart, CallStartPart, CallUpsert } from '../storage/trace-store.js';

/**
 * JSON text of a value parsed from the request. JSON.parse accepts nesting deeper than
 * JSON.stringify can write back (it recurses); that is a client mistake, not a server error.
 * `where` names the record in its request for error messages: `start`, `batch[3].req.start`, or
 * `batch[3]` for a complete item.
 */
function toJsonText(value: unknown, where: string, field: string): string {
  try {
    return JSON.stringify(value);
  } catch {
    throw new InvalidRequest(`${where}.${field} is nested too deeply to store`);
  }
}

function timestamp(value: string, where: string, field: string): number {
  const micros = parseTimestampMicros(value);
  if (micros === undefined) {
    throw new InvalidRequest(`${where}.${field} is not an ISO-8601 timestamp: ${JSON.stringify(value)}`);
  }
  return micros;
}

export interface NormalizedStart {
  project_id: string;
  id: string;
  part: CallStartPart;
}

export function normalizeStart(start: StartedCallSchemaForInsert, where = 'start'): NormalizedStart {
  const id = start.id ?? uuidv7();
  const inputsJson = toJsonText(start.inputs, where, 'inputs');
  return {
    project_id: start.project_id,
    id,
    part: {
      trace_id: start.trace_id ?? uuidv7(),
      parent_id: start.parent_id ?? null,
      op_name: start.op_name,
      display_name: start.display_name ?? null,
      thread_id: start.thread_id ?? null,
      turn_id: start.turn_id ?? null,
      started_at: timestamp(start.started_at, where, 'started_at'),
      attributes_json: toJsonText(start.attributes, where, 'attributes'),
      inputs_json: inputsJson,
      input_refs_json: refsJson(start.inputs, inputsJson),
      otel_dump_json: start.otel_dump ? toJsonText(start.otel_dump, where, 'otel_dump') : null,
      wb_user_id: start.wb_user_id ?? null,
      wb_run_id: start.wb_run_id ?? null,
      wb_run_step: start.wb_run_step ?? null,
    },
  };
}

/** The refs inside a value as a JSON array, or null; most values hold none and skip the walk. */
function refsJson(value: unknown, json: string | null): string | null {
  if (json === null || !json.includes(WEAVE_REF_PREFIX)) return null;
  const refs = collectRefs(value);
  return refs.length === 0 ? null : JSON.stringify(refs);
}

/** True when the client's own roll-up says some descendant failed (docs/protocol.md §4.2). */
function summaryReportsError(summary: Record<string, unknown>): boolean {
  const counts = summary.status_counts;
  if (typeof counts !== 'object' || counts === null) return false;
  const errors = (counts as Record<string, unknown>).error;
  return typeof errors === 'number' && errors > 0;
}

export function normalizeEnd(end: EndedCallSchemaForInsert, where = 'end'): CallEndPart {
  const outputJson = end.output === undefined ? null : toJsonText(end.output, where, 'output');
  return {
    ended_at: timestamp(end.ended_at, where, 'ended_at'),
    exception: end.exception ?? null,
    output_json: outputJson,
    output_refs_json: refsJson(end.output, outputJson),
    summary_json: toJsonText(end.summary, where, 'summary'),
    summary_reports_error: summaryReportsError(end.summary),
    wb_run_step_end: end.wb_run_step_end ?? null,
    display_name: end.display_name ?? null,
  };
}

/**
 * A batch item that failed schema validation in the route, kept in its place so that results and
 * errors keep the item's index.
 */
export interface RejectedBatchItem {
  rejected: string;
  /** The call id the item named, if any. */
  id?: string;
}

export type BatchEntry = CallBatchItem | RejectedBatchItem;

/**
 * Merges a batch's items into one upsert per call, so a call whose start and end travel together
 * is written once. Later items for the same part win, as they would if applied one by one.
 *
 * An item that cannot be stored (rejected by the route's schema, or a value normalization refuses,
 * such as a timestamp that is not ISO-8601) is left out and reported in `errors`; the other items
 * are kept. Anything other than an InvalidRequest is a server fault and still fails the batch.
 */
export function mergeBatch(items: readonly BatchEntry[]): {
  upserts: CallUpsert[];
  results: Array<{ id: string; trace_id: string } | Record<string, never>>;
  errors: CallBatchItemError[];
} {
  const byProject = new Map<string, Map<string, CallUpsert>>();
  const upserts: CallUpsert[] = [];
  const results: Array<{ id: string; trace_id: string } | Record<string, never>> = [];
  const errors: CallBatchItemError[] = [];
  const upsertFor = (projectId: string, id: string): CallUpsert => {
    let byId = byProject.get(projectId);
    if (!byId) {
      byId = new Map();
      byProject.set(projectId, byId);
    }
    let upsert = byId.get(id);
    if (!upsert) {
      upsert = { project_id: projectId, id };
      byId.set(id, upsert);
      upserts.push(upsert);
    }
    return upsert;
  };
  const reject = (index: number, reason: string, id: string | undefined) => {
    errors.push(itemError(index, reason, id));
    results.push({});
  };
  items.forEach((item, index) => {
    if ('rejected' in item) {
      reject(index, item.rejected, item.id);
      return;
    }
    try {
      if (item.mode === 'start') {
        // Normalized before anything is recorded for the call, so a bad start leaves no trace.
        const start = normalizeStart(item.req.start, `batch[${index}].req.start`);
        upsertFor(start.project_id, start.id).start = start.part;
        results.push({ id: start.id, trace_id: start.part.trace_id });
      } else {
        const end = item.req.end;
        const part = normalizeEnd(end, `batch[${index}].req.end`);
        upsertFor(end.project_id, end.id).end = part;
        results.push({});
      }
    } catch (error) {
      if (!(error instanceof InvalidRequest)) throw error;
      reject(
        index,
        error.message,
        item.mode === 'start' ? (item.req.start.id ?? undefined) : item.req.end.id,
      );
    }
  });
  return { upserts, results, errors };
}

/** A complete item as the route passes it on: validated, or the reason it was not. */
export type CompleteEntry = CompletedCallSchemaForInsert | RejectedBatchItem;

/**
 * One upsert per call from `/v2/{entity}/{project}/calls/complete` items: both parts at once, so
 * an item merges with an eager start of the same id, and a re-sent item writes the same values.
 * A bad item is dropped and reported, as in `/call/upsert_batch`. An item for another project
 * than the path's refuses the whole request instead: clients send one project per request, so it
 * is a routing mistake, and storing it under either project would be wrong.
 */
export function mergeCompleteBatch(
  projectId: string,
  items: readonly CompleteEntry[],
): { upserts: CallUpsert[]; errors: CallBatchItemError[] } {
  items.forEach((item, index) => {
    if (!('rejected' in item) && item.project_id !== projectId) {
      throw new InvalidRequest(
        `batch[${index}].project_id ${JSON.stringify(item.project_id)} is not the project of the route ` +
          `(${JSON.stringify(projectId)}); nothing in this request was stored`,
      );
    }
  });
  const byId = new Map<string, CallUpsert>();
  const errors: CallBatchItemError[] = [];
  items.forEach((item, index) => {
    if ('rejected' in item) {
      errors.push(itemError(index, item.rejected, item.id));
      return;
    }
    try {
      const where = `batch[${index}]`;
      const start = normalizeStart(item, where);
      // The item names the call once; it is recorded as the start's name (a rename still wins).
      const end = { ...normalizeEnd(item, where), display_name: null };
      // A later item for the same id wins, as it would if the items were written one by one.
      byId.set(item.id, { project_id: projectId, id: item.id, start: start.part, end });
    } catch (error) {
      if (!(error instanceof InvalidRequest)) throw error;
      errors.push(itemError(index, error.message, item.id));
    }
  });
  return { upserts: [...byId.values()], errors };
}

function itemError(index: number, reason: string, id: string | undefined): CallBatchItemError {
  return { index, ...(id === undefined ? {} : { id }), reason, error_type: 'InvalidRequest' };
}
