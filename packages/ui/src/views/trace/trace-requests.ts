/**
 * The reads behind the trace view, as request bodies (docs/protocol.md §4.5–4.9): one call with
 * every column, the trace in pages without inputs and output, and the poll that brings running
 * calls up to date. Pure, so their shapes are tested without a server.
 */
import type { CallsQueryReq, CallsQueryStatsReq } from '@weft/protocol';
import { compareByStart, type TraceCall } from './trace-tree';

/** Calls a poll asks for at most. */
const POLL_LIMIT = 2000;
/** Calls loaded at most; beyond this the view says how many it left out. */
export const TRACE_CALL_CAP = 20_000;
/** Weave's per-list cap (docs/protocol.md §1.5), which `$in` lists are kept under too. */
const MAX_LIST = 1000;

/**
 * What the tree and the timeline need. `summary` brings `ended_at`, `exception` and `display_name`
 * with it (§4.8); inputs, output and attributes are left out, since they can be huge.
 */
export const TREE_COLUMNS = [
  'id',
  'trace_id',
  'parent_id',
  'op_name',
  'display_name',
  'started_at',
  'ended_at',
  'exception',
  'summary',
] as const;

const BY_START: CallsQueryReq['sort_by'] = [{ field: 'started_at', direction: 'asc' }];

/**
 * The whole trace (up to the cap) in one streamed answer, read as it arrives: one query, rather
 * than pages that each compete for the server's cores and the browser's.
 */
export function traceRequest(projectId: string, traceId: string): CallsQueryReq {
  return {
    project_id: projectId,
    filter: { trace_ids: [traceId] },
    sort_by: BY_START,
    limit: TRACE_CALL_CAP,
    columns: [...TREE_COLUMNS],
  };
}

/**
 * A trace root's summary, priced (`include_costs`): clients roll usage up into parents, so the
 * root's cost is the trace's. Asked alone: pricing every call of a large trace would cost the
 * server and the wire far more than the one number the header shows.
 */
export function rootCostRequest(projectId: string, rootId: string): CallsQueryReq {
  return {
    project_id: projectId,
    filter: { call_ids: [rootId] },
    columns: ['id', 'summary'],
    include_costs: true,
    limit: 1,
  };
}

export function traceCountRequest(projectId: string, traceId: string): CallsQueryStatsReq {
  return { project_id: projectId, filter: { trace_ids: [traceId] } };
}

/** Calls that have not ended and not failed: what a poll must ask about again. */
export function runningIds(calls: Iterable<TraceCall>): string[] {
  const ids: string[] = [];
  for (const call of calls) {
    if (!call.ended_at && (call.exception === null || call.exception === undefined)) ids.push(call.id);
  }
  return ids;
}

/**
 * The poll: the running calls again (they may have ended), and the calls that started since
 * the last one seen (new children). `$gte` asks for the last start again, so calls that share
 * it are not missed; merging by id removes the repeats. When the view is at its cap, only the
 * calls it already shows are asked about.
 */
export function pollRequest(
  projectId: string,
  traceId: string,
  running: readonly string[],
  lastStartedAt: string | undefined,
  atCap: boolean,
): CallsQueryReq {
  const clauses: Array<Record<string, unknown>> = [];
  if (running.length > 0) {
    clauses.push({ $in: [{ $getField: 'id' }, running.slice(0, MAX_LIST).map((id) => ({ $literal: id }))] });
  }
  if (!atCap && lastStartedAt) {
    clauses.push({ $gte: [{ $getField: 'started_at' }, { $literal: lastStartedAt }] });
  }
  const request: CallsQueryReq = {
    project_id: projectId,
    filter: { trace_ids: [traceId] },
    sort_by: BY_START,
    limit: POLL_LIMIT,
    columns: [...TREE_COLUMNS],
  };
  if (clauses.length > 0) request.query = { $expr: clauses.length === 1 ? clauses[0]! : { $or: clauses } };
  return request;
}

export interface MergeResult {
  readonly calls: TraceCall[];
  /** Some call is new, or its end, failure, name or status changed. */
  readonly changed: boolean;
  /** Ids of calls that ended or failed in this merge. */
  readonly finished: string[];
}

/** Merges polled calls into the loaded ones by id, keeping start order. */
export function mergeCalls(
  loaded: readonly TraceCall[],
  polled: readonly TraceCall[],
  cap = TRACE_CALL_CAP,
): MergeResult {
  const byId = new Map(loaded.map((call) => [call.id, call]));
  let changed = false;
  const finished: string[] = [];
  for (const call of polled) {
    const before = byId.get(call.id);
    if (!before) {
      if (byId.size >= cap) continue;
      byId.set(call.id, call);
      changed = true;
    } else if (!sameProgress(before, call)) {
      changed = true;
      byId.set(call.id, call);
      if ((!before.ended_at && call.ended_at) || (!before.exception && call.exception))
        finished.push(call.id);
    }
  }
  if (!changed) return { calls: [...loaded], changed, finished };
  const calls = [...byId.values()].sort(compareByStart);
  return { calls, changed, finished };
}

function sameProgress(a: TraceCall, b: TraceCall): boolean {
  return (
    a.ended_at === b.ended_at &&
    a.exception === b.exception &&
    a.display_name === b.display_name &&
    a.summary?.weave?.status === b.summary?.weave?.status
  );
}

/** The latest start among loaded calls (ISO text of one format compares in time order). */
export function lastStartedAt(calls: readonly TraceCall[]): string | undefined {
  let last: string | undefined;
  for (const call of calls) if (last === undefined || call.started_at > last) last = call.started_at;
  return last;
}

export const POLL_FIRST_MS = 1000;
export const POLL_MAX_MS = 15_000;

/** Back-off: quick while the trace is changing, doubling up to a ceiling while it is quiet. */
export function nextPollDelay(previousMs: number, changed: boolean): number {
  if (changed) return POLL_FIRST_MS;
  return Math.min(POLL_MAX_MS, Math.max(POLL_FIRST_MS, previousMs * 2));
}
