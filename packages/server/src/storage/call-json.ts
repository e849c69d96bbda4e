/**
 * Renders stored calls as CallSchema JSON, deriving `summary.weave` on the way out (docs/protocol.md
 * §4.2): it is never stored, so a late child error or a rename shows on the next read.
 * Stored JSON columns are spliced in as text rather than parsed and re-encoded. Every backend
 * renders with this module, where its rows are (the SQLite store does it on its read workers).
 */
import { formatTimestampMicros, opDisplayName, type TraceStatus, type WeaveSummary } from '@weft/protocol';
import type { StoredCall } from './trace-store.js';

const quote = JSON.stringify;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** docs/protocol.md §4.2; the same order as the dialect's status expression used for sorting. */
export function deriveStatus(call: StoredCall): TraceStatus {
  if (call.exception != null) return 'error';
  if (call.ended_at == null) return 'running';
  if (call.has_failed_descendant || call.summary_reports_error) return 'descendant_error';
  return 'success';
}

/** Whole milliseconds between start and end, truncated like Python's timedelta arithmetic. */
export function latencyMs(call: StoredCall): number | null {
  if (call.ended_at == null) return null;
  return Math.trunc((call.ended_at - call.started_at) / 1000);
}

function derivedWeave(call: StoredCall, kept: Record<string, unknown>): WeaveSummary {
  const weave: WeaveSummary = { ...kept, status: deriveStatus(call), latency_ms: latencyMs(call) };
  if (call.display_name) weave.display_name = call.display_name;
  else weave.trace_name = opDisplayName(call.op_name);
  if (call.costs) weave.costs = call.costs;
  if (call.feedback_json) weave.feedback = JSON.parse(call.feedback_json) as unknown[];
  return weave;
}

/**
 * The summary's JSON text with `weave` derived. Most stored summaries have no `weave` key of their
 * own, and then the derived one is appended to the stored text without parsing it (a large trace
 * spends most of its rendering time here otherwise).
 */
function summaryJson(call: StoredCall): string {
  const stored = call.summary_json;
  if (stored?.startsWith('{') && stored.endsWith('}') && !stored.includes('"weave"')) {
    const weave = quote(derivedWeave(call, {}));
    return stored === '{}' ? `{"weave":${weave}}` : `${stored.slice(0, -1)},"weave":${weave}}`;
  }
  return quote(deriveSummary(call));
}

/** The stored summary with `weave` derived afresh; keys the client kept under `weave` survive. */
export function deriveSummary(call: StoredCall): Record<string, unknown> {
  const parsed: unknown = call.summary_json ? JSON.parse(call.summary_json) : {};
  const summary = isObject(parsed) ? parsed : {};
  const stored = isObject(summary.weave) ? summary.weave : {};
  const { status: _s, latency_ms: _l, trace_name: _t, display_name: _d, ...kept } = stored;
  summary.weave = derivedWeave(call, kept);
  return summary;
}

function nullable(value: string | number | null | undefined): string {
  return value == null ? 'null' : quote(value);
}

function timestampOrNull(micros: number | null | undefined): string {
  return micros == null ? 'null' : quote(formatTimestampMicros(micros));
}

/** One call as CallSchema JSON text; columns left out of a projection read as null (or `{}`). */
export function callToJson(call: StoredCall): string {
  return (
    `{"id":${quote(call.id)},"project_id":${quote(call.project_id)},"op_name":${quote(call.op_name)}` +
    `,"display_name":${call.display_name ? quote(call.display_name) : 'null'}` +
    `,"trace_id":${quote(call.trace_id)},"parent_id":${nullable(call.parent_id)}` +
    `,"thread_id":${nullable(call.thread_id)},"turn_id":${nullable(call.turn_id)}` +
    `,"started_at":${quote(formatTimestampMicros(call.started_at))}` +
    `,"ended_at":${timestampOrNull(call.ended_at)},"exception":${nullable(call.exception)}` +
    `,"attributes":${call.attributes_json ?? '{}'},"inputs":${call.inputs_json ?? '{}'}` +
    `,"output":${call.output_json ?? 'null'}` +
    `,"summary":${call.summary_json === undefined ? 'null' : summaryJson(call)}` +
    `,"wb_user_id":${nullable(call.wb_user_id)},"wb_run_id":${nullable(call.wb_run_id)}` +
    `,"wb_run_step":${nullable(call.wb_run_step)},"wb_run_step_end":${nullable(call.wb_run_step_end)}` +
    `,"deleted_at":${timestampOrNull(call.deleted_at)}}`
  );
}
