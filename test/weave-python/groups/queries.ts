/**
 * scripts/queries.py: get_calls with filter, query, sort_by, columns, limit/offset, page_size and
 * len(); call.children(); set_display_name / remove_display_name; delete_call / delete_calls.
 */
import { expect, it } from 'vitest';
import { callName } from '../../support/weft-reads.js';
import { itCompleted, type PythonGroup } from '../support/suite.js';

interface QueriesResult {
  batch_id: string;
  square_ids: string[];
  root_names: string[];
  slim: { output: unknown; inputs: unknown; has_op_name: boolean };
  names: {
    renamed_id: string;
    unnamed_id: string;
    after_set: string | null;
    after_reset: string | null;
    after_remove: string | null;
  };
  doomed: {
    ids: { a: string; b: string; c: string };
    before: number;
    after_one: string[];
    after_all: number;
    deleted_read: string;
  };
}

const SQUARES = 12;

export const queries: PythonGroup = {
  name: 'queries',
  script: 'queries.py',
  checks(suite, mode) {
    const project = suite.project('queries', mode);
    const allCalls = () =>
      suite
        .weft('queries', mode)
        .getCalls({ sortBy: [{ field: 'started_at', direction: 'asc' }] })
        .toArray();

    it('runs to completion, every request answered 2xx, over the routes of its mode', () => {
      suite.completed<QueriesResult>('queries', mode);
      const calls =
        mode === 'complete' ? ['POST /v2/{entity}/{project}/calls/complete'] : ['POST /call/upsert_batch'];
      expect(suite.routesUsed('queries', mode)).toEqual(
        [
          'GET /server_info',
          'POST /graphql',
          'POST /obj/create',
          'POST /file/create',
          'POST /calls/stream_query',
          'POST /calls/query_stats',
          'POST /call/update',
          'POST /calls/delete',
          ...calls,
        ].sort(),
      );
    });

    itCompleted<QueriesResult>(
      suite,
      'queries',
      mode,
      'the calls the official client found are the ones weft stored, in the same order',
      async ({ batch_id, square_ids, root_names }) => {
        const calls = await allCalls();
        const squares = calls.filter((call) => callName(call) === 'square');
        expect(squares.map((call) => call.id)).toEqual(square_ids);
        expect(squares.every((call) => call.parent_id === batch_id)).toBe(true);
        expect(squares.map((call) => [call.inputs, call.output])).toEqual(
          Array.from({ length: SQUARES }, (_, i) => [
            { i, label: `item-${i}` },
            { value: i * i, parity: i % 2 === 0 ? 'even' : 'odd' },
          ]),
        );
        // trace_roots_only, asked before the deletes: batch, three doomed chains, two named calls.
        expect(root_names).toEqual(['batch', 'doomed', 'doomed', 'doomed', 'named', 'named']);
        const batch = calls.find((call) => call.id === batch_id)!;
        expect(batch.output).toBe(Array.from({ length: SQUARES }, (_, i) => i * i).reduce((a, b) => a + b));
      },
    );

    itCompleted<QueriesResult>(
      suite,
      'queries',
      mode,
      'page_size pages with limit and offset; a limit/offset window is cut by the client',
      ({ square_ids }) => {
        expect(square_ids).toHaveLength(SQUARES);
        const pages = suite
          .requestBodies('queries', mode, 'POST', '/calls/stream_query')
          .map((body) => body as { limit?: number | null; offset?: number | null })
          .filter((body) => body.limit === 5)
          .map((body) => body.offset ?? 0);
        expect(pages).toEqual([0, 5, 10]);
      },
    );

    itCompleted<QueriesResult>(
      suite,
      'queries',
      mode,
      'columns return only what was asked for',
      async ({ slim }) => {
        expect(slim).toEqual({ output: { value: 0, parity: 'even' }, inputs: {}, has_op_name: true });
        const [slimCall] = await suite
          .weft('queries', mode)
          .getCalls({
            filter: { op_names: [`weave:///${project}/op/square:*`] },
            columns: ['output'],
            limit: 1,
          })
          .toArray();
        expect(slimCall!.output).toEqual({ value: 0, parity: 'even' });
        expect(slimCall!.inputs).toEqual({});
      },
    );

    itCompleted<QueriesResult>(
      suite,
      'queries',
      mode,
      'set_display_name and remove_display_name change the stored name',
      async ({ names }) => {
        expect([names.after_set, names.after_reset, names.after_remove]).toEqual([
          'first name',
          'second name',
          null,
        ]);
        const client = suite.weft('queries', mode);
        expect((await client.getCall(names.renamed_id)).display_name).toBe('second name');
        expect((await client.getCall(names.unnamed_id)).display_name).toBeNull();
        // remove_display_name is sent as an update to the empty name.
        const updates = suite.requestBodies('queries', mode, 'POST', '/call/update') as Array<{
          call_id: string;
          display_name: string;
        }>;
        expect(
          updates.filter((update) => update.call_id === names.unnamed_id).map((u) => u.display_name),
        ).toEqual(['temporary', '']);
      },
    );

    itCompleted<QueriesResult>(
      suite,
      'queries',
      mode,
      'delete_call and delete_calls remove the calls and their descendants',
      async ({ doomed }) => {
        expect(doomed.before).toBe(3 + 2 + 1);
        // After deleting chain a (three calls), b's two and c remain.
        expect(doomed.after_one).toHaveLength(3);
        expect(doomed.after_one).toContain(doomed.ids.b);
        expect(doomed.after_one).toContain(doomed.ids.c);
        expect(doomed.after_all).toBe(0);
        expect(doomed.deleted_read).toBe(`Call not found: ${doomed.ids.a}`);
        const calls = await allCalls();
        expect(calls.filter((call) => callName(call) === 'doomed')).toEqual([]);
        // The deletes named only the chains' roots.
        expect(suite.requestBodies('queries', mode, 'POST', '/calls/delete')).toEqual([
          expect.objectContaining({ project_id: project, call_ids: [doomed.ids.a] }),
          expect.objectContaining({ project_id: project, call_ids: [doomed.ids.b, doomed.ids.c] }),
        ]);
        const stats = await suite.reader.post<{ count: number }>('/calls/query_stats', {
          project_id: project,
          filter: { op_names: [`weave:///${project}/op/doomed:*`] },
        });
        expect(stats.count).toBe(0);
      },
    );
  },
};
