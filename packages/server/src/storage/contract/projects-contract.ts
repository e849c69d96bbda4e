/**
 * Contract: projects are registered once by entity and name, kept exactly as named; summaries
 * list every project holding live calls or objects, or registered (docs/protocol.md §13).
 */
import { describe, expect, it } from 'vitest';
import type { NewObjectVersion } from '../trace-store.js';
import { ended, finished, OTHER_PROJECT, PROJECT, SECOND, type StoreUnderTest, T0 } from './call-fixtures.js';

function objectVersion(project_id: string, digest: string, created_at: number): NewObjectVersion {
  return {
    project_id,
    object_id: 'thing',
    digest,
    kind: 'object',
    base_object_class: null,
    leaf_object_class: null,
    val_json: JSON.stringify({ digest }),
    created_at,
    wb_user_id: null,
  };
}

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

    it('summarises projects with live calls, live objects or a registration, newest activity first', async () => {
      const { store } = subject;
      // alpha: two live calls, one deleted, one whose start never came; an object newer than the
      // live calls and older than the deleted one.
      await store.upsertCalls([
        finished('a1', { started_at: T0 }),
        finished('a2', { started_at: T0 + SECOND }),
        finished('a-deleted', { started_at: T0 + 5 * SECOND }),
        ended('a-no-start'),
      ]);
      await store.deleteCalls(PROJECT, ['a-deleted'], T0 + 6 * SECOND);
      await store.createObject(objectVersion(PROJECT, 'a-object', T0 + 2 * SECOND));
      // beta: the newest call; one live object version of two.
      await store.upsertCalls([finished('b1', { started_at: T0 + 10 * SECOND }, {}, OTHER_PROJECT)]);
      await store.createObject(objectVersion(OTHER_PROJECT, 'b-kept', T0));
      await store.createObject(objectVersion(OTHER_PROJECT, 'b-deleted', T0 + 20 * SECOND));
      await store.deleteObjectVersions(OTHER_PROJECT, 'thing', [{ digest: 'b-deleted' }], T0 + 21 * SECOND);
      // Objects only, the same time as alpha's object: the tie goes by id.
      await store.createObject(objectVersion('contract/gamma', 'g', T0 + 2 * SECOND));
      // Registered by a client that has not written yet; the entity's case is kept as registered.
      await store.ensureProject({ entity: 'Contract', name: 'zeta', created_at: T0 + 30 * SECOND });
      await store.ensureProject({ entity: 'contract', name: 'empty', created_at: T0 + 40 * SECOND });
      // Everything deleted and never registered: not listed.
      await store.upsertCalls([finished('gone', {}, {}, 'contract/gone')]);
      await store.deleteCalls('contract/gone', ['gone'], T0 + SECOND);

      expect(await store.projectSummaries()).toEqual([
        {
          project_id: OTHER_PROJECT,
          entity: 'contract',
          name: 'beta',
          calls: 1,
          objects: 1,
          last_activity: T0 + 10 * SECOND,
        },
        {
          project_id: PROJECT,
          entity: 'contract',
          name: 'alpha',
          calls: 2,
          objects: 1,
          last_activity: T0 + 2 * SECOND,
        },
        {
          project_id: 'contract/gamma',
          entity: 'contract',
          name: 'gamma',
          calls: 0,
          objects: 1,
          last_activity: T0 + 2 * SECOND,
        },
        {
          project_id: 'Contract/zeta',
          entity: 'Contract',
          name: 'zeta',
          calls: 0,
          objects: 0,
          last_activity: null,
        },
        {
          project_id: 'contract/empty',
          entity: 'contract',
          name: 'empty',
          calls: 0,
          objects: 0,
          last_activity: null,
        },
      ]);
    });

    it('summarises no projects in an empty store', async () => {
      expect(await subject.store.projectSummaries()).toEqual([]);
    });
  });
}
