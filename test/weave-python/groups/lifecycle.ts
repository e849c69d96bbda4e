/**
 * scripts/lifecycle.py: client.flush(), client.finish() with a progress callback,
 * num_outstanding_jobs, and calls still queued when the process exits.
 */
import { expect, it } from 'vitest';
import { itCompleted, type PythonGroup } from '../support/suite.js';

interface LifecycleResult {
  after_flush: number;
  after_finish: number;
  last_status: { has_pending_jobs: boolean; total_completed: number; max_total_jobs: number };
}

export const lifecycle: PythonGroup = {
  name: 'lifecycle',
  script: 'lifecycle.py',
  checks(suite, mode) {
    const project = suite.project('lifecycle', mode);

    it('runs to completion, every request answered 2xx', () => {
      suite.completed<LifecycleResult>('lifecycle', mode);
      const calls =
        mode === 'complete' ? 'POST /v2/{entity}/{project}/calls/complete' : 'POST /call/upsert_batch';
      expect(suite.routesUsed('lifecycle', mode)).toEqual(
        [
          'GET /server_info',
          'POST /graphql',
          'POST /obj/create',
          'POST /file/create',
          'POST /calls/query_stats',
          calls,
        ].sort(),
      );
    });

    itCompleted<LifecycleResult>(
      suite,
      'lifecycle',
      mode,
      'flush() and finish() leave nothing outstanding and every call on the server',
      (result) => {
        expect(result.after_flush).toBe(200);
        expect(result.after_finish).toBe(250);
        expect(result.last_status.has_pending_jobs).toBe(false);
      },
    );

    itCompleted<LifecycleResult>(
      suite,
      'lifecycle',
      mode,
      'calls still queued at exit are sent before the process ends',
      async () => {
        const calls = await suite
          .weft('lifecycle', mode)
          .getCalls({
            filter: { op_names: [`weave:///${project}/op/tick:*`] },
            sortBy: [{ field: 'started_at', direction: 'asc' }],
          })
          .toArray();
        const phases = new Map<string, number[]>();
        for (const call of calls) {
          const phase = call.inputs.phase as string;
          phases.set(phase, [...(phases.get(phase) ?? []), call.inputs.i as number]);
        }
        expect(Object.fromEntries([...phases].map(([phase, ids]) => [phase, ids.length]))).toEqual({
          flushed: 200,
          finished: 50,
          at_exit: 5,
        });
        expect(phases.get('at_exit')).toEqual([0, 1, 2, 3, 4]);
        expect(calls.every((call) => call.output === call.inputs.i && call.ended_at !== null)).toBe(true);
      },
    );
  },
};
