/**
 * Contract: reading calls back. Filters (each checked against queryCalls and countCalls alike),
 * sorting, paging, projections, counts, and the wall between projects.
 */
import { type CallsFilter, parseQuery, resolveCallField } from '@weft/protocol';
import { describe, expect, it } from 'vitest';
import { callToJson } from '../call-json.js';
import type { CallUpsert, TraceStore } from '../trace-store.js';
import {
  callsQuery,
  collect,
  countQuery,
  FAILS,
  failedDescendantFlags,
  finished,
  idsOf,
  MS,
  OTHER_PROJECT,
  opRef,
  PROJECT,
  parseJson,
  readFull,
  SECOND,
  type StoreUnderTest,
  started,
  T0,
} from './call-fixtures.js';

/**
 * Two traces whose calls differ in every filterable field; started_at follows the list order.
 *   t1: r1 (my_op:v1) ─┬─ c1 (my_op:v2)
 *                      ├─ c2 (my_op_two:v1)
 *                      └─ c3 (my_op-legacy:v1)
 *   t2: r2 (my_op_two:v1) ── c4 (other:v1)
 */
function filterDataset(): CallUpsert[] {
  const calls: Array<[string, Parameters<typeof finished>[1]]> = [
    ['r1', { trace_id: 't1', op_name: opRef('my_op', 'v1'), thread_id: 'th-1', wb_run_id: 'run-1' }],
    [
      'c1',
      {
        trace_id: 't1',
        parent_id: 'r1',
        op_name: opRef('my_op', 'v2'),
        thread_id: 'th-1',
        turn_id: 'turn-1',
      },
    ],
    ['c2', { trace_id: 't1', parent_id: 'r1', op_name: opRef('my_op_two', 'v1'), wb_run_id: 'run-2' }],
    ['c3', { trace_id: 't1', parent_id: 'r1', op_name: opRef('my_op-legacy', 'v1'), wb_user_id: 'user-1' }],
    ['r2', { trace_id: 't2', op_name: opRef('my_op_two', 'v1'), thread_id: 'th-2', wb_run_id: 'run-1' }],
    ['c4', { trace_id: 't2', parent_id: 'r2', op_name: opRef('other', 'v1'), wb_user_id: 'user-2' }],
  ];
  return calls.map(([id, start], index) => finished(id, { ...start, started_at: T0 + index * MS }));
}

async function expectMatches(store: TraceStore, filter: CallsFilter, expected: string[]): Promise<void> {
  expect(await idsOf(store, { filter })).toEqual(expected);
  expect(await store.countCalls(countQuery({ filter }))).toBe(expected.length);
}

export function describeCallsQueries(subject: StoreUnderTest): void {
  describe('queryCalls filters', () => {
    it('$contains finds needles of any length, in logged text and from other fields', async () => {
      const { store } = subject;
      // Periodic text: the worst case for comparing a needle at every position.
      const needle = `${'ab'.repeat(200)}c`;
      const almost = `${'ab'.repeat(200)}d`;
      await store.upsertCalls([
        finished('has', {
          started_at: T0,
          inputs_json: JSON.stringify({ text: `x${'ab'.repeat(5000)}${needle}y`, part: needle }),
        }),
        finished('almost', {
          started_at: T0 + MS,
          inputs_json: JSON.stringify({ text: `${'ab'.repeat(5000)}${almost}`, part: needle }),
        }),
        finished('upper', {
          started_at: T0 + 2 * MS,
          inputs_json: JSON.stringify({ text: needle.toUpperCase(), part: 'ab' }),
        }),
      ]);
      const containing = async (substr: unknown, caseInsensitive = false) =>
        idsOf(store, {
          query: parseQuery(
            {
              $expr: {
                $contains: { input: { $getField: 'inputs.text' }, substr, case_insensitive: caseInsensitive },
              },
            },
            resolveCallField,
          ),
        });
      expect(await containing({ $literal: needle })).toEqual(['has']);
      expect(await containing({ $literal: needle }, true)).toEqual(['has', 'upper']);
      expect(await containing({ $literal: 'ab' })).toEqual(['has', 'almost']);
      // A needle read from another field of the call.
      expect(await containing({ $getField: 'inputs.part' })).toEqual(['has']);
      expect(await containing({ $getField: 'inputs.part' }, true)).toEqual(['has', 'upper']);
    });

    it('input_refs / output_refs: any ref found in the inputs or output, exact or :* for every version', async () => {
      const { store } = subject;
      const ref = (name: string, digest: string) => `weave:///${PROJECT}/object/${name}:${digest}`;
      await store.upsertCalls([
        finished('a', {
          started_at: T0,
          input_refs_json: JSON.stringify([ref('ds', 'v1'), ref('model', 'm1')]),
        }),
        finished(
          'b',
          { started_at: T0 + MS, input_refs_json: JSON.stringify([ref('ds', 'v2')]) },
          {
            output_refs_json: JSON.stringify([ref('result', 'r1')]),
          },
        ),
        finished('c', { started_at: T0 + 2 * MS }),
        finished('d', { started_at: T0 + 3 * MS, input_refs_json: JSON.stringify([ref('ds2', 'v1')]) }),
      ]);
      await expectMatches(store, { input_refs: [ref('ds', 'v1')] }, ['a']);
      await expectMatches(store, { input_refs: [`weave:///${PROJECT}/object/ds:*`] }, ['a', 'b']);
      await expectMatches(store, { input_refs: [ref('model', 'm1'), ref('ds2', 'v1')] }, ['a', 'd']);
      await expectMatches(store, { output_refs: [ref('result', 'r1')] }, ['b']);
      await expectMatches(store, { input_refs: [ref('ds', 'v2')], output_refs: [ref('result', 'r1')] }, [
        'b',
      ]);
      await expectMatches(store, { output_refs: [ref('ds', 'v1')] }, []);
    });

    it('filters by call_ids, ignoring unknown ids', async () => {
      const { store } = subject;
      await store.upsertCalls(filterDataset());
      await expectMatches(store, { call_ids: ['r2', 'c1', 'missing'] }, ['c1', 'r2']);
    });

    it('filters by trace_ids', async () => {
      const { store } = subject;
      await store.upsertCalls(filterDataset());
      await expectMatches(store, { trace_ids: ['t2'] }, ['r2', 'c4']);
      await expectMatches(store, { trace_ids: ['t1', 't2'] }, ['r1', 'c1', 'c2', 'c3', 'r2', 'c4']);
    });

    it('filters by parent_ids', async () => {
      const { store } = subject;
      await store.upsertCalls(filterDataset());
      await expectMatches(store, { parent_ids: ['r1'] }, ['c1', 'c2', 'c3']);
      await expectMatches(store, { parent_ids: ['r2', 'c1'] }, ['c4']);
    });

    it('returns only roots with trace_roots_only', async () => {
      const { store } = subject;
      await store.upsertCalls(filterDataset());
      await expectMatches(store, { trace_roots_only: true }, ['r1', 'r2']);
      await expectMatches(store, { trace_roots_only: false }, ['r1', 'c1', 'c2', 'c3', 'r2', 'c4']);
    });

    it('matches op_names exactly, one version at a time', async () => {
      const { store } = subject;
      await store.upsertCalls(filterDataset());
      await expectMatches(store, { op_names: [opRef('my_op', 'v1')] }, ['r1']);
      await expectMatches(store, { op_names: [opRef('my_op', 'v1'), opRef('other', 'v1')] }, ['r1', 'c4']);
      await expectMatches(store, { op_names: [opRef('my_op', 'v3')] }, []);
    });

    it('matches every version with a name:* op_name, but not ops whose names merely share a prefix', async () => {
      const { store } = subject;
      await store.upsertCalls(filterDataset());
      await expectMatches(store, { op_names: [opRef('my_op', '*')] }, ['r1', 'c1']);
      await expectMatches(store, { op_names: [opRef('my_op_two', '*')] }, ['c2', 'r2']);
      await expectMatches(store, { op_names: [opRef('my_o', '*')] }, []);
      await expectMatches(store, { op_names: [opRef('my_op', '*'), opRef('other', 'v1')] }, [
        'r1',
        'c1',
        'c4',
      ]);
    });

    it('filters by wb_run_ids, wb_user_ids, thread_ids and turn_ids', async () => {
      const { store } = subject;
      await store.upsertCalls(filterDataset());
      await expectMatches(store, { wb_run_ids: ['run-1'] }, ['r1', 'r2']);
      await expectMatches(store, { wb_run_ids: ['run-2', 'run-9'] }, ['c2']);
      await expectMatches(store, { wb_user_ids: ['user-2'] }, ['c4']);
      await expectMatches(store, { thread_ids: ['th-1'] }, ['r1', 'c1']);
      await expectMatches(store, { thread_ids: ['th-2', 'th-3'] }, ['r2']);
      await expectMatches(store, { turn_ids: ['turn-1'] }, ['c1']);
    });

    it('ANDs the clauses together and treats empty lists as no clause', async () => {
      const { store } = subject;
      await store.upsertCalls(filterDataset());
      await expectMatches(
        store,
        { trace_ids: ['t1'], op_names: [opRef('my_op', '*')], thread_ids: ['th-1'] },
        ['r1', 'c1'],
      );
      await expectMatches(store, { trace_ids: ['t1'], parent_ids: ['r1'], op_names: [opRef('my_op', '*')] }, [
        'c1',
      ]);
      await expectMatches(store, { trace_ids: ['t2'], thread_ids: ['th-1'] }, []);
      await expectMatches(store, { call_ids: [], op_names: [], trace_ids: null }, [
        'r1',
        'c1',
        'c2',
        'c3',
        'r2',
        'c4',
      ]);
    });
  });

  describe('queryCalls sorting', () => {
    it('sorts by started_at in either direction, breaking ties by id in the same direction', async () => {
      const { store } = subject;
      await store.upsertCalls([
        finished('b', { started_at: T0 }),
        finished('e', { started_at: T0 + MS }),
        finished('a', { started_at: T0 }),
        finished('d', { started_at: T0 - MS }),
        finished('c', { started_at: T0 }),
      ]);
      expect(await idsOf(store, { sort_by: [{ field: 'started_at', direction: 'asc' }] })).toEqual([
        'd',
        'a',
        'b',
        'c',
        'e',
      ]);
      expect(await idsOf(store, { sort_by: [{ field: 'started_at', direction: 'desc' }] })).toEqual([
        'e',
        'c',
        'b',
        'a',
        'd',
      ]);
    });

    it('sorts by summary.weave.latency_ms with running calls last in both directions', async () => {
      const { store } = subject;
      await store.upsertCalls([
        started('running-1', { started_at: T0 }),
        finished('l5', { started_at: T0 + MS }, { ended_at: T0 + 6 * MS }),
        finished('l1', { started_at: T0 + 2 * MS }, { ended_at: T0 + 3 * MS + 500 }),
        started('running-2', { started_at: T0 + 3 * MS }),
        finished('l3', { started_at: T0 + 4 * MS }, { ended_at: T0 + 7 * MS }),
        finished('l20', { started_at: T0 + 5 * MS }, { ended_at: T0 + 25 * MS + 999 }),
      ]);
      const asc = await idsOf(store, { sort_by: [{ field: 'summary.weave.latency_ms', direction: 'asc' }] });
      expect(asc.slice(0, 4)).toEqual(['l1', 'l3', 'l5', 'l20']);
      expect(asc.slice(4).sort()).toEqual(['running-1', 'running-2']);
      const desc = await idsOf(store, {
        sort_by: [{ field: 'summary.weave.latency_ms', direction: 'desc' }],
      });
      expect(desc.slice(0, 4)).toEqual(['l20', 'l5', 'l3', 'l1']);
      expect(desc.slice(4).sort()).toEqual(['running-1', 'running-2']);
    });

    it('sorts by summary.weave.status', async () => {
      const { store } = subject;
      const statuses: Record<string, string> = {
        failed: 'error',
        running: 'running',
        'parent-of-failed': 'descendant_error',
        'reports-error': 'descendant_error',
        ok: 'success',
      };
      await store.upsertCalls([
        finished('ok', { trace_id: 't1', started_at: T0 }),
        finished('parent-of-failed', { trace_id: 't2', started_at: T0 + MS }),
        finished('failed', { trace_id: 't2', parent_id: 'parent-of-failed', started_at: T0 + 2 * MS }, FAILS),
        started('running', { trace_id: 't3', started_at: T0 + 3 * MS }),
        finished(
          'reports-error',
          { trace_id: 't4', started_at: T0 + 4 * MS },
          { summary_json: '{"status_counts":{"error":1,"success":2}}', summary_reports_error: true },
        ),
      ]);
      const statusOrder = async (direction: 'asc' | 'desc') =>
        (await idsOf(store, { sort_by: [{ field: 'summary.weave.status', direction }] })).map(
          (id) => statuses[id],
        );
      expect(await statusOrder('asc')).toEqual([
        'descendant_error',
        'descendant_error',
        'error',
        'running',
        'success',
      ]);
      expect(await statusOrder('desc')).toEqual([
        'success',
        'running',
        'error',
        'descendant_error',
        'descendant_error',
      ]);
    });
  });

  describe('paging, projection and counting', () => {
    it('pages with limit and offset through every call exactly once', async () => {
      const { store } = subject;
      const batch: CallUpsert[] = [];
      for (let index = 0; index < 25; index += 1) {
        // Groups of three share a started_at, so the id tie-breaker decides within a group.
        const id = `call-${String((index * 7) % 25).padStart(2, '0')}`;
        batch.push(finished(id, { started_at: T0 + Math.floor(index / 3) * MS }));
      }
      await store.upsertCalls(batch);
      for (const direction of ['asc', 'desc'] as const) {
        const sort_by = [{ field: 'started_at', direction }];
        const all = await idsOf(store, { sort_by });
        expect(all).toHaveLength(25);
        const paged: string[] = [];
        for (let offset = 0; offset < 30; offset += 7) {
          paged.push(...(await idsOf(store, { sort_by, limit: 7, offset })));
        }
        expect(paged).toEqual(all);
        expect(new Set(paged).size).toBe(25);
        expect(await idsOf(store, { sort_by, limit: null, offset: 20 })).toEqual(all.slice(20));
        expect(await idsOf(store, { sort_by, limit: 5, offset: 0 })).toEqual(all.slice(0, 5));
      }
    });

    it('returns only the projected columns, plus id, project_id, trace_id, op_name and started_at', async () => {
      const { store } = subject;
      await store.upsertCalls([
        finished(
          'a',
          { trace_id: 't', parent_id: 'p', display_name: 'named', inputs_json: '{"x":1}', started_at: T0 },
          { ended_at: T0 + SECOND, output_json: '"out"', summary_json: '{"k":1}' },
        ),
      ]);
      const [call] = await collect(store, { columns: ['inputs', 'ended_at'] });
      const read = await store.readCall(PROJECT, 'a', ['inputs', 'ended_at']);
      for (const projected of [call, read]) {
        expect(projected).toMatchObject({
          id: 'a',
          project_id: PROJECT,
          trace_id: 't',
          op_name: opRef('step'),
          started_at: T0,
          ended_at: T0 + SECOND,
        });
        expect(parseJson(projected?.inputs_json)).toEqual({ x: 1 });
        for (const field of [
          'output_json',
          'summary_json',
          'attributes_json',
          'display_name',
          'parent_id',
          'exception',
          'thread_id',
          'wb_run_id',
          'deleted_at',
        ] as const) {
          expect(projected?.[field], field).toBeUndefined();
        }
      }
    });

    it('renders the same calls as JSON lines, in whole lines, as callToJson does', async () => {
      const { store } = subject;
      await store.upsertCalls(filterDataset());
      await store.upsertCalls([
        finished('f', { trace_id: 't1', parent_id: 'c1', started_at: T0 + 10 * MS }, FAILS),
      ]);
      for (const overrides of [
        {},
        { filter: { trace_ids: ['t1'] }, sort_by: [{ field: 'started_at', direction: 'desc' as const }] },
        { columns: ['summary' as const], limit: 3, offset: 1 },
      ]) {
        const expected = (await collect(store, overrides)).map((call) => `${callToJson(call)}\n`).join('');
        const chunks: string[] = [];
        for await (const chunk of store.queryCallsJsonLines(callsQuery(overrides))) chunks.push(chunk);
        for (const chunk of chunks) expect(chunk.endsWith('\n')).toBe(true);
        expect(chunks.join('')).toBe(expected);
      }
      const lines: string[] = [];
      for await (const chunk of store.queryCallsJsonLines(callsQuery({ filter: { call_ids: ['r1'] } })))
        lines.push(chunk);
      expect(JSON.parse(lines.join('')).summary.weave.status).toBe('descendant_error');
    });

    it('counts calls with and without a limit', async () => {
      const { store } = subject;
      await store.upsertCalls(filterDataset());
      expect(await store.countCalls(countQuery())).toBe(6);
      expect(await store.countCalls(countQuery({ limit: 4 }))).toBe(4);
      expect(await store.countCalls(countQuery({ limit: 100 }))).toBe(6);
      expect(await store.countCalls(countQuery({ filter: { trace_ids: ['t1'] }, limit: 2 }))).toBe(2);
      expect(await store.countCalls(countQuery({ filter: { trace_ids: ['t2'] }, limit: 5 }))).toBe(2);
      expect(await store.countCalls(countQuery({ filter: { call_ids: ['nope'] } }))).toBe(0);
    });
  });

  describe('projects', () => {
    it('keeps projects apart even when they use the same call ids', async () => {
      const { store } = subject;
      for (const project of [PROJECT, OTHER_PROJECT]) {
        await store.upsertCalls([
          finished('root', { trace_id: 't', inputs_json: JSON.stringify({ project }) }, {}, project),
          finished('child', { trace_id: 't', parent_id: 'root', started_at: T0 + MS }, {}, project),
        ]);
      }
      await store.upsertCalls([
        finished('only-alpha', { trace_id: 't', parent_id: 'child', started_at: T0 + 2 * MS }, FAILS),
      ]);

      expect(await failedDescendantFlags(store, PROJECT)).toEqual({
        root: true,
        child: true,
        'only-alpha': false,
      });
      expect(await failedDescendantFlags(store, OTHER_PROJECT)).toEqual({ root: false, child: false });
      expect(parseJson((await readFull(store, 'root', OTHER_PROJECT))?.inputs_json)).toEqual({
        project: OTHER_PROJECT,
      });
      expect(await readFull(store, 'only-alpha', OTHER_PROJECT)).toBeUndefined();
      expect(await store.countCalls(countQuery({ project_id: OTHER_PROJECT }))).toBe(2);

      expect(await store.updateDisplayName(PROJECT, 'root', 'alpha root')).toBe(true);
      expect((await readFull(store, 'root', OTHER_PROJECT))?.display_name ?? null).toBeNull();

      expect(await store.deleteCalls(PROJECT, ['root'], T0 + 60 * SECOND)).toBe(3);
      expect(await idsOf(store, { project_id: PROJECT })).toEqual([]);
      expect(await idsOf(store, { project_id: OTHER_PROJECT })).toEqual(['root', 'child']);

      // A call under `root` arriving in the other project is not caught by the first one's deletion.
      await store.upsertCalls([
        finished('late', { trace_id: 't', parent_id: 'root', started_at: T0 + 3 * MS }, FAILS, OTHER_PROJECT),
      ]);
      expect(await failedDescendantFlags(store, OTHER_PROJECT)).toEqual({
        root: true,
        child: false,
        late: false,
      });
      expect(await store.deleteCalls(OTHER_PROJECT, ['late'], T0 + 61 * SECOND)).toBe(1);
      expect(await failedDescendantFlags(store, OTHER_PROJECT)).toEqual({ root: false, child: false });
    });
  });
}
