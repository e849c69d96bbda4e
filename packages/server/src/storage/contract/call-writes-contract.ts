/**
 * Contract: how call parts merge into calls, whatever order and however often they arrive, and how
 * a rename interacts with names carried by the parts.
 */
import { describe, expect, it } from 'vitest';
import {
  collect,
  countQuery,
  ended,
  FAILS,
  finished,
  idsOf,
  MS,
  opRef,
  PROJECT,
  parseJson,
  readFull,
  SECOND,
  type StoreUnderTest,
  started,
  T0,
} from './call-fixtures.js';

export function describeCallWrites(subject: StoreUnderTest): void {
  describe('merging start and end parts', () => {
    it('merges a start followed by its end into one call', async () => {
      const { store } = subject;
      await store.upsertCalls([
        started('a', {
          trace_id: 't',
          op_name: opRef('answer'),
          started_at: T0,
          inputs_json: '{"question":"why?"}',
          attributes_json: '{"env":"test"}',
          thread_id: 'thread-1',
          turn_id: 'turn-1',
          wb_user_id: 'user-1',
          wb_run_id: 'run-1',
          wb_run_step: 3,
        }),
      ]);
      const running = await readFull(store, 'a');
      expect(running).toMatchObject({ id: 'a', project_id: PROJECT, trace_id: 't', started_at: T0 });
      expect(running?.ended_at ?? null).toBeNull();
      expect(running?.output_json ?? null).toBeNull();

      await store.upsertCalls([
        ended('a', {
          ended_at: T0 + 250 * MS,
          output_json: '{"answer":42}',
          summary_json: '{"usage":{"m":{"requests":1}}}',
          wb_run_step_end: 4,
        }),
      ]);
      const call = await readFull(store, 'a');
      expect(call).toMatchObject({
        id: 'a',
        project_id: PROJECT,
        trace_id: 't',
        parent_id: null,
        op_name: opRef('answer'),
        thread_id: 'thread-1',
        turn_id: 'turn-1',
        started_at: T0,
        ended_at: T0 + 250 * MS,
        exception: null,
        wb_user_id: 'user-1',
        wb_run_id: 'run-1',
        wb_run_step: 3,
        wb_run_step_end: 4,
        deleted_at: null,
        has_failed_descendant: false,
      });
      expect(parseJson(call?.inputs_json)).toEqual({ question: 'why?' });
      expect(parseJson(call?.attributes_json)).toEqual({ env: 'test' });
      expect(parseJson(call?.output_json)).toEqual({ answer: 42 });
      expect(parseJson(call?.summary_json)).toEqual({ usage: { m: { requests: 1 } } });
      expect(await idsOf(store)).toEqual(['a']);
      expect(await store.countCalls(countQuery())).toBe(1);
    });

    it('stores a call whose start and end travel in the same upsert', async () => {
      const { store } = subject;
      await store.upsertCalls([finished('a', { started_at: T0 }, { ended_at: T0 + 2 * SECOND, ...FAILS })]);
      expect(await readFull(store, 'a')).toMatchObject({
        started_at: T0,
        ended_at: T0 + 2 * SECOND,
        exception: 'ValueError: boom',
      });
    });

    it('hides an end-only call from readCall, queryCalls and countCalls until its start arrives', async () => {
      const { store } = subject;
      await store.upsertCalls([ended('a', { ended_at: T0 + 5 * SECOND, output_json: '"late"' })]);
      expect(await readFull(store, 'a')).toBeUndefined();
      expect(await idsOf(store)).toEqual([]);
      expect(await idsOf(store, { filter: { call_ids: ['a'] } })).toEqual([]);
      expect(await store.countCalls(countQuery())).toBe(0);

      await store.upsertCalls([started('a', { started_at: T0, inputs_json: '{"x":1}' })]);
      const call = await readFull(store, 'a');
      expect(call).toMatchObject({ id: 'a', started_at: T0, ended_at: T0 + 5 * SECOND, exception: null });
      expect(parseJson(call?.output_json)).toBe('late');
      expect(parseJson(call?.inputs_json)).toEqual({ x: 1 });
      expect(await store.countCalls(countQuery())).toBe(1);
    });

    it('keeps the end when the start is sent again after it', async () => {
      const { store } = subject;
      await store.upsertCalls([started('a')]);
      await store.upsertCalls([ended('a', { ended_at: T0 + 3 * SECOND, ...FAILS })]);
      await store.upsertCalls([started('a')]);
      expect(await readFull(store, 'a')).toMatchObject({
        ended_at: T0 + 3 * SECOND,
        exception: 'ValueError: boom',
      });
    });

    it('changes nothing when the same batch is applied twice', async () => {
      const { store } = subject;
      const batch = [
        finished('root', { trace_id: 't', started_at: T0, display_name: 'the root' }),
        finished('child', { trace_id: 't', parent_id: 'root', started_at: T0 + MS }, FAILS),
        started('running', { trace_id: 't', parent_id: 'root', started_at: T0 + 2 * MS }),
        finished('renamed', { started_at: T0 + 3 * MS, display_name: 'first' }, { display_name: 'second' }),
        ended('end-only'),
      ];
      await store.upsertCalls(batch);
      const before = await collect(store);
      const countBefore = await store.countCalls(countQuery());

      await store.upsertCalls(batch);
      expect(await collect(store)).toEqual(before);
      expect(await store.countCalls(countQuery())).toBe(countBefore);
      expect(countBefore).toBe(4);
      expect(before.map((call) => call.id)).toEqual(['root', 'child', 'running', 'renamed']);
      expect(await readFull(store, 'end-only')).toBeUndefined();
    });

    it('stores a child whose start arrives before its parent', async () => {
      const { store } = subject;
      await store.upsertCalls([
        finished('child', { trace_id: 't', parent_id: 'parent', started_at: T0 + MS }),
      ]);
      expect(await readFull(store, 'child')).toMatchObject({ parent_id: 'parent', trace_id: 't' });
      expect(await readFull(store, 'parent')).toBeUndefined();
      expect(await idsOf(store, { filter: { parent_ids: ['parent'] } })).toEqual(['child']);

      await store.upsertCalls([finished('parent', { trace_id: 't', started_at: T0 })]);
      expect(await idsOf(store, { filter: { trace_ids: ['t'] } })).toEqual(['parent', 'child']);
      expect(await idsOf(store, { filter: { trace_roots_only: true } })).toEqual(['parent']);
      expect(await idsOf(store, { filter: { parent_ids: ['parent'] } })).toEqual(['child']);
    });
  });

  describe('display names', () => {
    it('lets an end part rename a call that started with a name, in either order', async () => {
      const { store } = subject;
      await store.upsertCalls([started('a', { display_name: 'from start' })]);
      await store.upsertCalls([ended('a', { display_name: 'from end' })]);
      await store.upsertCalls([ended('b', { display_name: 'from end' })]);
      await store.upsertCalls([started('b', { display_name: 'from start' })]);
      expect((await readFull(store, 'a'))?.display_name).toBe('from end');
      expect((await readFull(store, 'b'))?.display_name).toBe('from end');
    });

    it('keeps a rename over names carried by parts that arrive later', async () => {
      const { store } = subject;
      await store.upsertCalls([started('a', { display_name: 'from start' })]);
      expect(await store.updateDisplayName(PROJECT, 'a', 'renamed')).toBe(true);
      expect((await readFull(store, 'a'))?.display_name).toBe('renamed');

      await store.upsertCalls([ended('a', { display_name: 'from end' })]);
      expect((await readFull(store, 'a'))?.display_name).toBe('renamed');
      await store.upsertCalls([started('a', { display_name: 'from start again' })]);
      expect((await readFull(store, 'a'))?.display_name).toBe('renamed');

      expect(await store.updateDisplayName(PROJECT, 'a', 'renamed twice')).toBe(true);
      expect((await readFull(store, 'a'))?.display_name).toBe('renamed twice');
    });

    it('clears the name when renamed to the empty string, and later parts do not bring it back', async () => {
      const { store } = subject;
      await store.upsertCalls([started('a', { display_name: 'from start' })]);
      expect(await store.updateDisplayName(PROJECT, 'a', '')).toBe(true);
      expect((await readFull(store, 'a'))?.display_name ?? null).toBeNull();
      await store.upsertCalls([ended('a', { display_name: 'from end' })]);
      expect((await readFull(store, 'a'))?.display_name ?? null).toBeNull();
    });

    it('returns false when renaming an unknown, end-only or deleted call, and renames nothing', async () => {
      const { store } = subject;
      await store.upsertCalls([
        ended('end-only'),
        finished('deleted'),
        finished('kept', { display_name: 'k' }),
      ]);
      await store.deleteCalls(PROJECT, ['deleted'], T0 + 10 * SECOND);

      expect(await store.updateDisplayName(PROJECT, 'unknown', 'x')).toBe(false);
      expect(await store.updateDisplayName(PROJECT, 'end-only', 'x')).toBe(false);
      expect(await store.updateDisplayName(PROJECT, 'deleted', 'x')).toBe(false);
      expect(await readFull(store, 'unknown')).toBeUndefined();
      expect(await readFull(store, 'deleted')).toBeUndefined();
      expect((await readFull(store, 'kept'))?.display_name).toBe('k');

      await store.upsertCalls([started('end-only')]);
      expect((await readFull(store, 'end-only'))?.display_name ?? null).toBeNull();
    });
  });
}
