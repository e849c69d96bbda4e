/**
 * Contract: what the store derives from the call tree. `has_failed_descendant` must be true exactly
 * when some live descendant raised, whatever order the parts arrive in and after deletions; deleting
 * a call deletes its subtree, including descendants that arrive later.
 */
import { describe, expect, it } from 'vitest';
import {
  countQuery,
  ended,
  FAILS,
  failedDescendantFlags,
  finished,
  finishedTree,
  idsOf,
  PROJECT,
  readFull,
  SECOND,
  type StoreUnderTest,
  started,
  T0,
  TREE,
  treeCall,
  treeStarted,
} from './call-fixtures.js';

/** The flags when `c`, three levels below the root, is the only failure. */
const ONLY_C_FAILED = {
  root: true,
  a: true,
  'a-sibling': false,
  b: true,
  'b-sibling': false,
  c: false,
  'c-sibling': false,
};

const NOTHING_FAILED = {
  root: false,
  a: false,
  'a-sibling': false,
  b: false,
  'b-sibling': false,
  c: false,
  'c-sibling': false,
};

const DELETED_AT = T0 + 60 * SECOND;

export function describeCallTree(subject: StoreUnderTest): void {
  describe('has_failed_descendant', () => {
    it('is false everywhere in a tree where nothing failed', async () => {
      const { store } = subject;
      await store.upsertCalls(finishedTree());
      expect(await failedDescendantFlags(store)).toEqual(NOTHING_FAILED);
    });

    it('flags every ancestor of an error three levels down, but not the failing call or any sibling', async () => {
      const { store } = subject;
      await store.upsertCalls(finishedTree(['c']));
      expect(await failedDescendantFlags(store)).toEqual(ONLY_C_FAILED);
    });

    it('flags the ancestors when the error arrives in an end part after all the starts', async () => {
      const { store } = subject;
      await store.upsertCalls(TREE.map(([id, parent]) => treeStarted(id, parent)));
      expect(await failedDescendantFlags(store)).toEqual(NOTHING_FAILED);
      await store.upsertCalls([...TREE].reverse().map(([id]) => ended(id, id === 'c' ? FAILS : {})));
      expect(await failedDescendantFlags(store)).toEqual(ONLY_C_FAILED);
    });

    it('flags ancestors that had already finished when a late error arrives', async () => {
      const { store } = subject;
      await store.upsertCalls(TREE.filter(([id]) => id !== 'c').map(([id, parent]) => treeCall(id, parent)));
      await store.upsertCalls([treeStarted('c', 'b')]);
      expect(await failedDescendantFlags(store)).toEqual(NOTHING_FAILED);
      await store.upsertCalls([ended('c', FAILS)]);
      expect(await failedDescendantFlags(store)).toEqual(ONLY_C_FAILED);
    });

    it('flags parents whose starts arrive after their children failed, one batch at a time', async () => {
      const { store } = subject;
      for (const [id, parent] of [...TREE].reverse()) {
        await store.upsertCalls([treeCall(id, parent, id === 'c')]);
      }
      expect(await failedDescendantFlags(store)).toEqual(ONLY_C_FAILED);
    });

    it('flags parents whose starts come after their failed children in the same batch', async () => {
      const { store } = subject;
      await store.upsertCalls(finishedTree(['c']).reverse());
      expect(await failedDescendantFlags(store)).toEqual(ONLY_C_FAILED);
    });

    it('flags an end-only parent row once its start arrives, and its ancestors with it', async () => {
      const { store } = subject;
      await store.upsertCalls([treeCall('root', null), treeCall('a', 'root'), treeCall('a-sibling', 'root')]);
      await store.upsertCalls([ended('b')]);
      await store.upsertCalls([treeCall('c', 'b', true), treeCall('c-sibling', 'b')]);
      expect(await readFull(store, 'b')).toBeUndefined();

      await store.upsertCalls([treeStarted('b', 'a'), treeCall('b-sibling', 'a')]);
      expect(await failedDescendantFlags(store)).toEqual(ONLY_C_FAILED);
    });

    it('flags a parent whose only failing child failed while the parent row had its end alone', async () => {
      const { store } = subject;
      await store.upsertCalls([ended('p')]);
      await store.upsertCalls([
        finished('kid', { trace_id: 't', parent_id: 'p', started_at: T0 + 1 }, FAILS),
      ]);
      await store.upsertCalls([started('p', { trace_id: 't', started_at: T0 })]);
      expect(await failedDescendantFlags(store)).toEqual({ p: true, kid: false });
    });

    it('flags the ancestors of a call that fails below a failing call', async () => {
      const { store } = subject;
      await store.upsertCalls(finishedTree(['b', 'c']));
      expect(await failedDescendantFlags(store)).toEqual(ONLY_C_FAILED);
    });

    it('clears the ancestors when the failing subtree is deleted', async () => {
      const { store } = subject;
      await store.upsertCalls(finishedTree(['c']));
      expect(await store.deleteCalls(PROJECT, ['b'], DELETED_AT)).toBe(3);
      expect(await failedDescendantFlags(store)).toEqual({
        root: false,
        a: false,
        'a-sibling': false,
        'b-sibling': false,
      });
    });

    it('clears an ancestor only when no other failing descendant remains below it', async () => {
      const { store } = subject;
      await store.upsertCalls([
        ...finishedTree(['c', 'b-sibling']),
        finished('d', { trace_id: 'tree', parent_id: 'a-sibling', started_at: T0 + 10 }, FAILS),
      ]);
      expect(await failedDescendantFlags(store)).toEqual({ ...ONLY_C_FAILED, 'a-sibling': true, d: false });

      expect(await store.deleteCalls(PROJECT, ['c'], DELETED_AT)).toBe(1);
      expect(await failedDescendantFlags(store)).toEqual({
        root: true,
        a: true,
        'a-sibling': true,
        b: false,
        'b-sibling': false,
        'c-sibling': false,
        d: false,
      });

      expect(await store.deleteCalls(PROJECT, ['b-sibling'], DELETED_AT)).toBe(1);
      expect(await failedDescendantFlags(store)).toEqual({
        root: true,
        a: false,
        'a-sibling': true,
        b: false,
        'c-sibling': false,
        d: false,
      });

      expect(await store.deleteCalls(PROJECT, ['d'], DELETED_AT)).toBe(1);
      expect(await failedDescendantFlags(store)).toEqual({
        root: false,
        a: false,
        'a-sibling': false,
        b: false,
        'c-sibling': false,
      });
    });

    it('does not let a failing call that arrives under a deleted parent flag anything', async () => {
      const { store } = subject;
      await store.upsertCalls(finishedTree());
      await store.deleteCalls(PROJECT, ['b'], DELETED_AT);
      await store.upsertCalls([
        finished('late', { trace_id: 'tree', parent_id: 'b', started_at: T0 + 20 }, FAILS),
      ]);
      expect(await failedDescendantFlags(store)).toEqual({
        root: false,
        a: false,
        'a-sibling': false,
        'b-sibling': false,
      });
    });
  });

  describe('deleteCalls', () => {
    it('deletes a call with all its descendants and returns how many calls it deleted', async () => {
      const { store } = subject;
      await store.upsertCalls(finishedTree());
      expect(await store.deleteCalls(PROJECT, ['a'], DELETED_AT)).toBe(5);
      expect(await idsOf(store)).toEqual(['root', 'a-sibling']);
    });

    it('counts each call once when the requested ids overlap in one subtree', async () => {
      const { store } = subject;
      await store.upsertCalls(finishedTree());
      expect(await store.deleteCalls(PROJECT, ['a', 'b', 'c'], DELETED_AT)).toBe(5);
      expect(await idsOf(store)).toEqual(['root', 'a-sibling']);
    });

    it('deletes nothing for unknown or already deleted calls', async () => {
      const { store } = subject;
      await store.upsertCalls(finishedTree());
      expect(await store.deleteCalls(PROJECT, ['b'], DELETED_AT)).toBe(3);
      expect(await store.deleteCalls(PROJECT, ['b', 'c', 'unknown'], DELETED_AT + SECOND)).toBe(0);
      expect(await store.deleteCalls(PROJECT, [], DELETED_AT + SECOND)).toBe(0);
      expect(await store.countCalls(countQuery())).toBe(4);
    });

    it('removes deleted calls from readCall, queryCalls and countCalls', async () => {
      const { store } = subject;
      await store.upsertCalls(finishedTree());
      await store.deleteCalls(PROJECT, ['b'], DELETED_AT);
      for (const id of ['b', 'c', 'c-sibling']) expect(await readFull(store, id)).toBeUndefined();
      expect(await readFull(store, 'a')).toBeDefined();
      expect(await idsOf(store, { filter: { call_ids: ['b', 'c', 'a'] } })).toEqual(['a']);
      expect(await idsOf(store, { filter: { parent_ids: ['b'] } })).toEqual([]);
      expect(await idsOf(store, { filter: { trace_ids: ['tree'] } })).toEqual([
        'root',
        'a',
        'a-sibling',
        'b-sibling',
      ]);
      expect(await store.countCalls(countQuery())).toBe(4);
      expect(await store.countCalls(countQuery({ filter: { parent_ids: ['b'] } }))).toBe(0);
    });

    it('keeps a deleted call deleted when its parts are sent again', async () => {
      const { store } = subject;
      const tree = finishedTree(['c']);
      await store.upsertCalls(tree);
      await store.deleteCalls(PROJECT, ['c'], DELETED_AT);
      await store.upsertCalls(tree);
      await store.upsertCalls([ended('c', FAILS)]);
      expect(await readFull(store, 'c')).toBeUndefined();
      expect(await failedDescendantFlags(store)).toEqual({
        root: false,
        a: false,
        'a-sibling': false,
        b: false,
        'b-sibling': false,
        'c-sibling': false,
      });
      expect(await store.countCalls(countQuery())).toBe(6);
    });

    it('deletes a call whose start arrives after its parent was deleted, with the children it brought', async () => {
      const { store } = subject;
      await store.upsertCalls(finishedTree());
      await store.deleteCalls(PROJECT, ['b'], DELETED_AT);
      // A grandchild arrives before its own parent, which then arrives under the deleted `b`.
      await store.upsertCalls([
        finished('grandchild', { trace_id: 'tree', parent_id: 'late', started_at: T0 + 30 }),
      ]);
      expect(await readFull(store, 'grandchild')).toBeDefined();
      await store.upsertCalls([started('late', { trace_id: 'tree', parent_id: 'b', started_at: T0 + 20 })]);
      expect(await readFull(store, 'late')).toBeUndefined();
      expect(await readFull(store, 'grandchild')).toBeUndefined();
      expect(await store.countCalls(countQuery())).toBe(4);

      await store.upsertCalls([ended('late')]);
      expect(await readFull(store, 'late')).toBeUndefined();
      expect(await store.deleteCalls(PROJECT, ['late'], DELETED_AT + SECOND)).toBe(0);
    });
  });
}
