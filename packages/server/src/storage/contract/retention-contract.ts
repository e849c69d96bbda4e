/**
 * Contract: pruning removes exactly a project's calls started before the cut-off (deleted ones
 * too), with their feedback, and nothing of other projects or newer calls; retention settings
 * are kept per project (docs/protocol.md §20).
 */
import { describe, expect, it } from 'vitest';
import {
  finished,
  idsOf,
  note,
  OTHER_PROJECT,
  PROJECT,
  SECOND,
  type StoreUnderTest,
  T0,
} from './call-fixtures.js';

export function describeRetention(subject: StoreUnderTest): void {
  describe('pruning and retention', () => {
    it("removes a project's calls started before the cut-off, with their feedback, and nothing else", async () => {
      const { store } = subject;
      await store.upsertCalls([
        finished('old', { started_at: T0 }),
        finished('old-child', { started_at: T0 + SECOND, parent_id: 'old', trace_id: 'old' }),
        finished('old-deleted', { started_at: T0 + 2 * SECOND }),
        finished('new', { started_at: T0 + 10 * SECOND }),
        finished('other', { started_at: T0 }, {}, OTHER_PROJECT),
      ]);
      await store.deleteCalls(PROJECT, ['old-deleted'], T0 + 20 * SECOND);
      await store.createFeedback([note('on-old', 'old'), note('on-new', 'new')]);

      expect(await store.pruneCalls(PROJECT, T0 + 5 * SECOND)).toBe(3);
      expect(await idsOf(store)).toEqual(['new']);
      expect(await idsOf(store, { project_id: OTHER_PROJECT })).toEqual(['other']);
      const feedback = await store.queryFeedback({
        project_id: PROJECT,
        query: null,
        sort_by: [],
        limit: null,
        offset: 0,
      });
      expect(feedback.map((row) => row.id)).toEqual(['on-new']);
      expect(await store.pruneCalls(PROJECT, T0 + 5 * SECOND)).toBe(0);
    });

    it('keeps retention settings per project, and clears them', async () => {
      const { store } = subject;
      await store.setRetention(PROJECT, 30);
      await store.setRetention(OTHER_PROJECT, 7);
      await store.setRetention(PROJECT, 90);
      expect(await store.listRetention()).toEqual(
        [
          { project_id: PROJECT, days: 90 },
          { project_id: OTHER_PROJECT, days: 7 },
        ].sort((a, b) => (a.project_id < b.project_id ? -1 : 1)),
      );
      await store.setRetention(PROJECT, null);
      expect(await store.listRetention()).toEqual([{ project_id: OTHER_PROJECT, days: 7 }]);
    });
  });
}
