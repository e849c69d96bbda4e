/** Contract: projects are registered once by entity and name, kept exactly as named. */
import { describe, expect, it } from 'vitest';
import type { StoreUnderTest } from './call-fixtures.js';

export function describeProjects(subject: StoreUnderTest): void {
  describe('projects', () => {
    it('registers a project once and keeps the first registration', async () => {
      const { store } = subject;
      const first = await store.ensureProject({ entity: 'acme', name: 'Évals 2026', created_at: 10 });
      expect(first).toEqual({ entity: 'acme', name: 'Évals 2026', created_at: 10 });
      expect(await store.ensureProject({ entity: 'acme', name: 'Évals 2026', created_at: 20 })).toEqual(
        first,
      );
    });

    it('lists projects oldest first, telling entities and letter case apart', async () => {
      const { store } = subject;
      await store.ensureProject({ entity: 'b', name: 'p', created_at: 3 });
      await store.ensureProject({ entity: 'a', name: 'p', created_at: 1 });
      await store.ensureProject({ entity: 'a', name: 'P', created_at: 2 });
      expect(await store.listProjects()).toEqual([
        { entity: 'a', name: 'p', created_at: 1 },
        { entity: 'a', name: 'P', created_at: 2 },
        { entity: 'b', name: 'p', created_at: 3 },
      ]);
    });
  });
}
