import { describe, expect, it } from 'vitest';
import { ended, finished, started } from '../contract/call-fixtures.js';
import type { CallUpsert } from '../trace-store.js';
import { decodeUpserts, encodeUpserts } from './call-upsert-codec.js';

describe('call upserts flattened for the writer thread', () => {
  it('come back as they were: starts, ends, both, nulls, numbers, flags and unicode', () => {
    const batch: CallUpsert[] = [
      started('a', {
        parent_id: 'p',
        display_name: 'naïve 🚀',
        wb_run_step: 0,
        input_refs_json: '["weave:///x"]',
      }),
      ended('b', {
        exception: 'Error: boom',
        summary_reports_error: true,
        wb_run_step_end: 7,
        output_json: null,
      }),
      finished('c', { thread_id: 't', otel_dump_json: '{"span":1}' }, { display_name: 'renamed' }),
      ended('d', { summary_reports_error: false, output_refs_json: '[]' }, 'other/project'),
    ];
    const decoded = decodeUpserts(encodeUpserts(batch));
    // Absent ref lists travel as null, which the writer stores the same way.
    const normalised = batch.map((call) => ({
      ...call,
      ...(call.start
        ? { start: { ...call.start, input_refs_json: call.start.input_refs_json ?? null } }
        : {}),
      ...(call.end ? { end: { ...call.end, output_refs_json: call.end.output_refs_json ?? null } } : {}),
    }));
    expect(decoded).toEqual(normalised);
  });

  it('flattens an empty batch to nothing', () => {
    expect(encodeUpserts([])).toEqual([]);
    expect(decodeUpserts([])).toEqual([]);
  });
});
