/**
 * scripts/trees.py: nested ops, parallel children, failing grandchildren, generators, async ops,
 * the seed's summary example, weave.attributes nesting, create_call / finish_call / fail_call.
 */
import { expect, it } from 'vitest';
import type { Call } from 'weft';
import { callName, callStatus } from '../../support/weft-reads.js';
import type { Mode } from '../support/run-script.js';
import { itCompleted, opRefPattern, type PythonGroup, type PythonSuite } from '../support/suite.js';

interface TreesResult {
  seen: Record<
    | 'pipeline'
    | 'async_root'
    | 'summary'
    | 'tagged_inner'
    | 'tagged_outer'
    | 'tagged_untagged'
    | 'manual'
    | 'manual_child'
    | 'manual_failed',
    string
  >;
  root_status: string;
  child_names: string[];
  summary_read: Record<string, unknown>;
  attributes_read: Record<string, Record<string, unknown>>;
  manual: Record<string, unknown>;
  error_names: string[];
}

async function stored(suite: PythonSuite, mode: Mode): Promise<Call[]> {
  return suite
    .weft('trees', mode)
    .getCalls({ sortBy: [{ field: 'started_at', direction: 'asc' }] })
    .toArray();
}

function byId(calls: readonly Call[], id: string): Call {
  const found = calls.filter((call) => call.id === id);
  expect(found, `call ${id}`).toHaveLength(1);
  return found[0]!;
}

const childrenOf = (calls: readonly Call[], parent: Call) =>
  calls.filter((call) => call.parent_id === parent.id);

/** A failed call's exception as the Python SDK records it: JSON with type, message, traceback. */
function exceptionOf(call: Call): { type: string; message: string } {
  expect(call.exception).toEqual(expect.any(String));
  return JSON.parse(call.exception!) as { type: string; message: string };
}

export const trees: PythonGroup = {
  name: 'trees',
  script: 'trees.py',
  checks(suite, mode) {
    const project = suite.project('trees', mode);

    it('runs to completion, every request answered 2xx, over the routes of its mode', () => {
      suite.completed<TreesResult>('trees', mode);
      const calls =
        mode === 'complete' ? ['POST /v2/{entity}/{project}/calls/complete'] : ['POST /call/upsert_batch'];
      expect(suite.routesUsed('trees', mode)).toEqual(
        [
          'GET /server_info',
          'POST /graphql',
          'POST /obj/create',
          'POST /file/create',
          'POST /calls/stream_query',
          'POST /calls/query_stats',
          ...calls,
        ].sort(),
      );
    });

    itCompleted<TreesResult>(
      suite,
      'trees',
      mode,
      'stores the nested tree: parallel children, generators, failing grandchildren',
      async ({ seen, child_names }) => {
        const calls = await stored(suite, mode);
        const root = byId(calls, seen.pipeline);
        expect([root.parent_id, root.inputs]).toEqual([null, { x: 1 }]);
        expect(root.output).toEqual({
          total: 12,
          counted: [0, 10, 20],
          kept: [1, 2],
          labelled: 1,
          recovered: 'recovered',
          caught: 'propagated 1',
        });
        const children = childrenOf(calls, root);
        expect(children.map(callName)).toEqual([
          'fan_out',
          'count_up',
          'count_kept',
          'custom.op-name',
          'guarded',
          'fragile',
        ]);
        // The official client's call.children() saw the same children in the same order.
        expect(child_names).toEqual(children.map(callName));
        const tree = calls.filter((call) => call.trace_id === root.trace_id);
        expect(tree).toHaveLength(1 + 6 + 3 + 2);
        expect(root.trace_id).not.toBe(root.id);

        const [fanOut, countUp, countKept, labelled, guarded, fragile] = children as [
          Call,
          Call,
          Call,
          Call,
          Call,
          Call,
        ];
        // Three leaves ran in worker threads, each recorded under fan_out.
        const leaves = childrenOf(calls, fanOut);
        expect(leaves.map((call) => [callName(call), call.inputs.x, call.output]).sort()).toEqual([
          ['leaf', 1, 2],
          ['leaf', 2, 4],
          ['leaf', 3, 6],
        ]);
        expect(fanOut.output).toBe(12);
        // A plain generator op keeps no output; one with an accumulator keeps what it accumulated.
        expect([countUp.inputs, countUp.output, callStatus(countUp)]).toEqual([{ n: 3 }, null, 'success']);
        expect([countKept.inputs, countKept.output]).toEqual([{ n: 2 }, [1, 2]]);
        expect(labelled.op_name).toMatch(opRefPattern(project, 'custom.op-name'));
        expect(labelled.display_name).toBe('labelled-1');

        const [caught] = childrenOf(calls, guarded);
        const [propagated] = childrenOf(calls, fragile);
        expect([callName(caught!), caught!.inputs, exceptionOf(caught!)]).toEqual([
          'boom',
          { message: 'caught 1' },
          expect.objectContaining({ type: 'ValueError', message: 'caught 1' }),
        ]);
        expect(exceptionOf(propagated!)).toMatchObject({ type: 'ValueError', message: 'propagated 1' });
        expect(exceptionOf(fragile)).toMatchObject({ type: 'ValueError', message: 'propagated 1' });
        expect([guarded.output, guarded.exception]).toEqual(['recovered', null]);
      },
    );

    itCompleted<TreesResult>(
      suite,
      'trees',
      mode,
      'a failing grandchild is error, its caller error or descendant_error, the root descendant_error',
      async ({ seen, root_status, error_names }) => {
        const calls = await stored(suite, mode);
        const root = byId(calls, seen.pipeline);
        const byName = (op: string) => childrenOf(calls, root).find((call) => callName(call) === op)!;
        expect(callStatus(root)).toBe('descendant_error');
        expect(root_status).toBe('descendant_error');
        expect(callStatus(byName('guarded'))).toBe('descendant_error');
        expect(callStatus(byName('fragile'))).toBe('error');
        expect(callStatus(byName('fan_out'))).toBe('success');
        expect(calls.filter((call) => callName(call) === 'boom').map(callStatus)).toEqual(['error', 'error']);
        // What the official client found with a Query on summary.weave.status, weft's SDK finds too.
        const errors = await suite
          .weft('trees', mode)
          .getCalls({
            query: { $expr: { $eq: [{ $getField: 'summary.weave.status' }, { $literal: 'error' }] } },
          })
          .toArray();
        expect(errors.map(callName).sort()).toEqual(error_names);
        expect(error_names).toEqual(['boom', 'boom', 'fragile', 'manual_step']);
      },
    );

    itCompleted<TreesResult>(
      suite,
      'trees',
      mode,
      'async ops nest under their async caller',
      async ({ seen }) => {
        const calls = await stored(suite, mode);
        const root = byId(calls, seen.async_root);
        expect([root.parent_id, root.output, callStatus(root)]).toEqual([null, 203, 'success']);
        expect(childrenOf(calls, root).map((call) => [callName(call), call.inputs, call.output])).toEqual([
          ['async_child', { x: 1 }, 101],
          ['async_child', { x: 2 }, 102],
        ]);
      },
    );

    itCompleted<TreesResult>(
      suite,
      'trees',
      mode,
      "keeps the summary values written through get_current_call (the seed's example)",
      async ({ seen, summary_read }) => {
        expect(summary_read).toEqual({
          accuracy: 0.95,
          num_retries: 2,
          status: 'success',
          latency_is_number: true,
          output: 21,
        });
        const client = suite.weft('trees', mode);
        const call = await client.getCall(seen.summary);
        expect(call.summary).toMatchObject({
          accuracy: 0.95,
          num_retries: 2,
          status_counts: { success: 1, error: 0 },
          weave: { status: 'success', trace_name: 'my_op' },
        });
        // The seed's filter: every version of the op, by its ref with a `*` digest.
        const found = await client
          .getCalls({ filter: { op_names: [`weave:///${project}/op/my_op:*`] } })
          .toArray();
        expect(found.map((each) => each.id)).toEqual([seen.summary]);
      },
    );

    itCompleted<TreesResult>(
      suite,
      'trees',
      mode,
      'weave.attributes nest and merge, next to the client’s own weave attributes',
      async ({ seen, attributes_read }) => {
        expect(attributes_read).toEqual({
          tagged_inner: { env: 'test', tier: 2, user: 'ada' },
          tagged_outer: { env: 'test', tier: 1 },
          tagged_untagged: {},
        });
        const calls = await stored(suite, mode);
        const inner = byId(calls, seen.tagged_inner);
        expect(inner.attributes).toMatchObject({
          env: 'test',
          tier: 2,
          user: 'ada',
          weave: { client_version: '0.54.0', source: 'python-sdk' },
        });
        expect(byId(calls, seen.tagged_outer).attributes).not.toHaveProperty('user');
      },
    );

    itCompleted<TreesResult>(
      suite,
      'trees',
      mode,
      'create_call / finish_call / fail_call with a display-name function',
      async ({ seen, manual }) => {
        expect({ ...manual, failed_exception: JSON.parse(manual.failed_exception as string) }).toEqual({
          display_name: 'manual-why',
          output: 'because',
          failed_display_name: 'manual-how',
          failed_exception: { type: 'RuntimeError', message: 'manual failure' },
          failed_status: 'error',
        });
        const calls = await stored(suite, mode);
        const made = byId(calls, seen.manual);
        expect(made.op_name).toMatch(opRefPattern(project, 'manual_step'));
        expect([made.parent_id, made.inputs, made.output, made.display_name, callStatus(made)]).toEqual([
          null,
          { question: 'why' },
          'because',
          'manual-why',
          'success',
        ]);
        const child = byId(calls, seen.manual_child);
        expect([child.parent_id, child.trace_id, child.output]).toEqual([
          made.id,
          made.trace_id,
          { ok: true },
        ]);
        const failed = byId(calls, seen.manual_failed);
        expect([failed.display_name, failed.output, exceptionOf(failed), callStatus(failed)]).toEqual([
          'manual-how',
          null,
          { type: 'RuntimeError', message: 'manual failure' },
          'error',
        ]);
        // The same anonymous op for both calls made by name.
        expect(failed.op_name).toBe(made.op_name);
      },
    );

    itCompleted<TreesResult>(
      suite,
      'trees',
      mode,
      'every op_name is an op version whose obj.py holds the function’s source',
      async () => {
        const calls = await stored(suite, mode);
        const opNames = [...new Set(calls.map((call) => call.op_name))];
        const sources = new Map<string, string>();
        for (const opName of opNames) {
          const { obj, source } = await suite.reader.readOp(opName);
          sources.set(obj.object_id, source);
        }
        expect([...sources.keys()].sort()).toEqual(
          [
            'async_child',
            'async_root',
            'boom',
            'count_kept',
            'count_up',
            'custom.op-name',
            'fan_out',
            'fragile',
            'guarded',
            'leaf',
            'manual_child',
            'manual_step',
            'my_op',
            'pipeline',
            'tagged',
          ].sort(),
        );
        expect(sources.get('leaf')).toContain('def leaf(x: int) -> int:\n    return x * 2');
        expect(sources.get('custom.op-name')).toContain('def internal_name(x: int) -> int:');
        expect(sources.get('async_root')).toContain('async def async_root(x: int) -> int:');
      },
    );
  },
};
