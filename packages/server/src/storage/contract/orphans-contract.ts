/**
 * Contract: what waits for a call start that never comes is removed once older than the cut-off
 * (docs/protocol.md §3.6): a call only its end made, with its feedback, and a failure's parked
 * walk up to a parent that never started. Started calls are never touched.
 */
import { describe, expect, it } from 'vitest';
import {
  ended,
  FAILS,
  failedDescendantFlags,
  finished,
  readFull,
  type StoreUnderTest,
  started,
} from './call-fixtures.js';

const HOUR = 3_600_000_000;

export function describeOrphans(subject: StoreUnderTest): void {
  describe('parts whose start never came', () => {
    it('are removed once older than the cut-off, and nothing else is', async () => {
      const { store } = subject;
      await store.upsertCalls([
        ended('lonely-end', { output_json: '"kept until removed"' }),
        // A failing child whose parent's start never arrives parks a walk for the parent.
        finished('child', { parent_id: 'missing-parent', trace_id: 'trace' }, FAILS),
        finished('ordinary'),
      ]);
      const now = Date.now() * 1000;
      expect(await store.removeOrphans(now - HOUR)).toEqual({ calls: 0, walks: 0 });
      expect(await store.removeOrphans(now + HOUR)).toEqual({ calls: 1, walks: 1 });
      expect(await store.removeOrphans(now + HOUR)).toEqual({ calls: 0, walks: 0 });

      // The end is gone: a late start now makes a call that has not ended.
      await store.upsertCalls([started('lonely-end')]);
      expect(await readFull(store, 'lonely-end')).toMatchObject({ ended_at: null, output_json: null });
      // The walk is gone: the parent's late start is not flagged; started calls are untouched.
      await store.upsertCalls([started('missing-parent', { trace_id: 'trace' })]);
      expect(await failedDescendantFlags(store)).toEqual({
        child: false,
        'lonely-end': false,
        'missing-parent': false,
        ordinary: false,
      });
      expect(await readFull(store, 'child')).toMatchObject({ exception: FAILS.exception });
    });

    it('keep what waits for a start that is merely late', async () => {
      const { store } = subject;
      await store.upsertCalls([
        ended('late', { output_json: '"arrives"' }),
        finished('child', { parent_id: 'late-parent', trace_id: 'trace' }, FAILS),
      ]);
      expect(await store.removeOrphans(Date.now() * 1000 - HOUR)).toEqual({ calls: 0, walks: 0 });
      await store.upsertCalls([started('late'), started('late-parent', { trace_id: 'trace' })]);
      expect(await readFull(store, 'late')).toMatchObject({ output_json: '"arrives"' });
      expect((await failedDescendantFlags(store))['late-parent']).toBe(true);
    });
  });
}
