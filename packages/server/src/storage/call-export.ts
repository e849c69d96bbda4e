/**
 * A stored call as `weft migrate` copies it (TraceStore.exportCalls): its merged columns, named as
 * the SQLite store names them, made again into the upserts that store it in another store.
 */
import type { CallUpsert } from './trace-store.js';

/** A live call's columns: the JSON ones as text. */
export interface ExportedCallRow {
  id: string;
  trace_id: string;
  parent_id: string | null;
  op_name: string;
  display_name: string | null;
  thread_id: string | null;
  turn_id: string | null;
  started_at: number;
  attributes: string | null;
  inputs: string | null;
  input_refs: string | null;
  otel_dump: string | null;
  wb_user_id: string | null;
  wb_run_id: string | null;
  wb_run_step: number | null;
  ended_at: number | null;
  exception: string | null;
  output: string | null;
  output_refs: string | null;
  summary: string | null;
  summary_reports_error: number;
  wb_run_step_end: number | null;
}

/** The upserts that store a call row again: its start, and its end once it ended. */
export function callUpsertOf(projectId: string, row: ExportedCallRow): CallUpsert {
  const upsert: CallUpsert = {
    project_id: projectId,
    id: row.id,
    start: {
      trace_id: row.trace_id,
      parent_id: row.parent_id,
      op_name: row.op_name,
      // The name as it reads now, whichever part or rename set it.
      display_name: row.display_name,
      thread_id: row.thread_id,
      turn_id: row.turn_id,
      started_at: row.started_at,
      attributes_json: row.attributes ?? '{}',
      inputs_json: row.inputs ?? '{}',
      input_refs_json: row.input_refs,
      otel_dump_json: row.otel_dump,
      wb_user_id: row.wb_user_id,
      wb_run_id: row.wb_run_id,
      wb_run_step: row.wb_run_step,
    },
  };
  if (row.ended_at !== null) {
    upsert.end = {
      ended_at: row.ended_at,
      exception: row.exception,
      output_json: row.output,
      output_refs_json: row.output_refs,
      summary_json: row.summary ?? '{}',
      summary_reports_error: row.summary_reports_error === 1,
      wb_run_step_end: row.wb_run_step_end,
      display_name: null,
    };
  }
  return upsert;
}
