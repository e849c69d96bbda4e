/** Test fixture: a CallSchema with every field, overridable. Imported only by tests. */
import type { CallSchema } from '@weft/protocol';

export function call(overrides: Partial<CallSchema>): CallSchema {
  return {
    id: 'c1',
    project_id: 'e/p',
    op_name: 'weave:///e/p/op/Evaluation.evaluate:abc',
    display_name: null,
    trace_id: 't1',
    parent_id: null,
    thread_id: null,
    turn_id: null,
    started_at: '2026-01-01T00:00:00.000000Z',
    attributes: {},
    inputs: {},
    ended_at: null,
    exception: null,
    output: null,
    summary: null,
    wb_user_id: null,
    wb_run_id: null,
    wb_run_step: null,
    wb_run_step_end: null,
    deleted_at: null,
    ...overrides,
  };
}
