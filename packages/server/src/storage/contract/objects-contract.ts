/**
 * Contract: object versions (docs/protocol.md §8.4–§8.7). Indexes count every version ever made; creating a
 * live digest again makes it latest without a new version; a deleted digest created again comes
 * back with a new index; deleting moves latest to the newest survivor, or refuses as a whole. Ops
 * and objects sharing a name keep separate histories (docs/protocol.md §8.4). Tags
 * belong to versions and aliases to names; deleting a version drops both (docs/protocol.md §9.3).
 */
import { describe, expect, it } from 'vitest';
import type { NewObjectVersion, ObjectVersionSelector } from '../trace-store.js';
import { PROJECT, type StoreUnderTest, T0 } from './call-fixtures.js';

function version(
  object_id: string,
  digest: string,
  created_at: number,
  extra: Partial<NewObjectVersion> = {},
): NewObjectVersion {
  return {
    project_id: PROJECT,
    object_id,
    digest,
    kind: 'object',
    base_object_class: null,
    leaf_object_class: null,
    val_json: JSON.stringify({ digest }),
    created_at,
    wb_user_id: null,
    ...extra,
  };
}

export function describeObjectVersions(subject: StoreUnderTest): void {
  describe('object versions', () => {
    it('numbers versions and keeps one latest', async () => {
      const { store } = subject;
      expect(await store.createObject(version('o', 'd0', T0))).toEqual({ version_index: 0 });
      expect(await store.createObject(version('o', 'd1', T0 + 1))).toEqual({ version_index: 1 });
      expect(await store.createObject(version('o', 'd0', T0 + 2))).toEqual({ version_index: 0 });
      expect(await store.readObject(PROJECT, 'o', { latest: true })).toMatchObject({
        digest: 'd0',
        is_latest: true,
      });
      expect(await store.readObject(PROJECT, 'o', { versionIndex: 1 })).toMatchObject({
        digest: 'd1',
        is_latest: false,
      });
      expect(await store.readObject(PROJECT, 'o', { digest: 'd1' })).toMatchObject({
        val_json: '{"digest":"d1"}',
      });
      expect(await store.readObject(PROJECT, 'o', { digest: 'nope' })).toBeUndefined();
      expect(await store.readObject('other/project', 'o', { latest: true })).toBeUndefined();
    });

    it('deletes softly, moves latest, never reuses an index, and resurrects a deleted digest', async () => {
      const { store } = subject;
      for (const [index, digest] of ['a', 'b', 'c'].entries())
        await store.createObject(version('p', digest, T0 + index));
      expect(
        await store.deleteObjectVersions(PROJECT, 'p', [{ digest: 'c' }, { digest: 'x' }], T0 + 10),
      ).toEqual({ deleted: 0, missing: [1], ambiguous: [] });
      expect(await store.deleteObjectVersions(PROJECT, 'p', [{ digest: 'c' }], T0 + 10)).toEqual({
        deleted: 1,
        missing: [],
        ambiguous: [],
      });
      expect(await store.readObject(PROJECT, 'p', { digest: 'c' })).toMatchObject({
        deleted_at: T0 + 10,
        is_latest: false,
      });
      expect(await store.readObject(PROJECT, 'p', { latest: true })).toMatchObject({ digest: 'b' });
      expect(await store.createObject(version('p', 'd', T0 + 11))).toEqual({ version_index: 3 });
      expect(await store.createObject(version('p', 'c', T0 + 12))).toEqual({ version_index: 4 });
      expect(await store.readObject(PROJECT, 'p', { digest: 'c' })).toMatchObject({
        deleted_at: null,
        is_latest: true,
      });
      // After a resurrection the next index is still new, not the count of rows.
      expect(await store.createObject(version('p', 'e', T0 + 13))).toEqual({ version_index: 5 });
      expect(await store.deleteObjectVersions(PROJECT, 'p', null, T0 + 20)).toEqual({
        deleted: 5,
        missing: [],
        ambiguous: [],
      });
      expect(await store.readObject(PROJECT, 'p', { latest: true })).toBeUndefined();
      expect(
        await store.queryObjects({
          project_id: PROJECT,
          object_ids: ['p'],
          sort_by: [],
          limit: null,
          offset: 0,
        }),
      ).toEqual([]);
    });

    it('queries live versions by id, kind, class and latest, in creation order unless sorted', async () => {
      const { store } = subject;
      await store.createObject(
        version('model', 'm0', T0, { base_object_class: 'Model', leaf_object_class: 'MyModel' }),
      );
      await store.createObject(version('an-op', 'op0', T0 + 1, { kind: 'op' }));
      await store.createObject(
        version('model', 'm1', T0 + 2, { base_object_class: 'Model', leaf_object_class: 'MyModel' }),
      );
      await store.createObject(
        version('data', 'x0', T0 + 3, { base_object_class: 'Dataset', leaf_object_class: 'Dataset' }),
      );
      const digests = async (query: Record<string, unknown>) =>
        (
          await store.queryObjects({ project_id: PROJECT, sort_by: [], limit: null, offset: 0, ...query })
        ).map((o) => o.digest);
      expect(await digests({})).toEqual(['m0', 'op0', 'm1', 'x0']);
      expect(await digests({ is_op: true })).toEqual(['op0']);
      expect(await digests({ is_op: false, latest_only: true })).toEqual(['m1', 'x0']);
      expect(await digests({ base_object_classes: ['Model'] })).toEqual(['m0', 'm1']);
      expect(await digests({ exclude_base_object_classes: ['Model'] })).toEqual(['op0', 'x0']);
      expect(await digests({ leaf_object_classes: ['Dataset'], object_ids: ['data'] })).toEqual(['x0']);
      expect(await digests({ sort_by: [{ field: 'object_id', direction: 'asc' }] })).toEqual([
        'op0',
        'x0',
        'm0',
        'm1',
      ]);
      expect(await digests({ limit: 2, offset: 1 })).toEqual(['op0', 'm1']);
    });

    it('keeps separate version indexes and latest for an op and an object with the same name', async () => {
      const { store } = subject;
      const op = (digest: string, at: number) => version('shared', digest, at, { kind: 'op' });
      expect(await store.createObject(version('shared', 'obj0', T0))).toEqual({ version_index: 0 });
      expect(await store.createObject(op('op0', T0 + 1))).toEqual({ version_index: 0 });
      expect(await store.createObject(op('op1', T0 + 2))).toEqual({ version_index: 1 });
      expect(await store.createObject(version('shared', 'obj1', T0 + 3))).toEqual({ version_index: 1 });
      expect(await store.createObject(op('op2', T0 + 4))).toEqual({ version_index: 2 });

      const read = async (selector: ObjectVersionSelector) => {
        const found = await store.readObject(PROJECT, 'shared', selector);
        return found && [found.kind, found.digest, found.version_index, found.is_latest];
      };
      // Each kind has its own latest, and creating one kind's version leaves the other's alone.
      expect(await read({ latest: true, kind: 'op' })).toEqual(['op', 'op2', 2, true]);
      expect(await read({ latest: true, kind: 'object' })).toEqual(['object', 'obj1', 1, true]);
      expect(await read({ versionIndex: 1, kind: 'op' })).toEqual(['op', 'op1', 1, false]);
      expect(await read({ versionIndex: 2, kind: 'object' })).toBeUndefined();
      // Without a kind, the version created first of those named (Weave's obj_read order).
      expect(await read({ latest: true })).toEqual(['object', 'obj1', 1, true]);
      expect(await read({ versionIndex: 0 })).toEqual(['object', 'obj0', 0, false]);
      expect(await read({ versionIndex: 2 })).toEqual(['op', 'op2', 2, true]);
      expect(await read({ digest: 'op1' })).toEqual(['op', 'op1', 1, false]);
      expect(await read({ digest: 'op1', kind: 'object' })).toBeUndefined();

      const listed = await store.queryObjects({
        project_id: PROJECT,
        object_ids: ['shared'],
        latest_only: true,
        sort_by: [],
        limit: null,
        offset: 0,
      });
      expect(listed.map((found) => [found.kind, found.digest])).toEqual([
        ['object', 'obj1'],
        ['op', 'op2'],
      ]);

      // Deleting one kind's latest moves only that kind's latest.
      expect(
        await store.deleteObjectVersions(PROJECT, 'shared', [{ latest: true, kind: 'op' }], T0 + 10),
      ).toEqual({ deleted: 1, missing: [], ambiguous: [] });
      expect(await read({ latest: true, kind: 'op' })).toEqual(['op', 'op1', 1, true]);
      expect(await read({ latest: true, kind: 'object' })).toEqual(['object', 'obj1', 1, true]);
      // A new op version continues the op's own count.
      expect(await store.createObject(op('op3', T0 + 11))).toEqual({ version_index: 3 });
    });

    it('deletes by latest and by index, refusing selectors that name nothing or both kinds', async () => {
      const { store } = subject;
      for (const [index, digest] of ['a', 'b', 'c'].entries())
        await store.createObject(version('q', digest, T0 + index));
      await store.createObject(version('q', 'op-a', T0 + 5, { kind: 'op' }));
      const result = (deleted: number, missing: number[] = [], ambiguous: number[] = []) => ({
        deleted,
        missing,
        ambiguous,
      });

      // `latest` and `v0` name a version of each kind: refused, and nothing changes.
      expect(await store.deleteObjectVersions(PROJECT, 'q', [{ latest: true }], T0 + 10)).toEqual(
        result(0, [], [0]),
      );
      expect(
        await store.deleteObjectVersions(PROJECT, 'q', [{ digest: 'a' }, { versionIndex: 0 }], T0 + 10),
      ).toEqual(result(0, [], [1]));
      expect(await store.deleteObjectVersions(PROJECT, 'q', [{ versionIndex: 7 }], T0 + 10)).toEqual(
        result(0, [0]),
      );
      expect(await store.readObject(PROJECT, 'q', { digest: 'a' })).toMatchObject({ deleted_at: null });

      // `v1` names only the object's b; latest of the object is c; named twice, deleted once.
      expect(
        await store.deleteObjectVersions(
          PROJECT,
          'q',
          [{ versionIndex: 1 }, { latest: true, kind: 'object' }, { digest: 'c' }],
          T0 + 10,
        ),
      ).toEqual(result(2));
      expect(await store.readObject(PROJECT, 'q', { latest: true, kind: 'object' })).toMatchObject({
        digest: 'a',
      });
      // Now `latest` of the object is a; a deleted version is not named by its index any more.
      expect(await store.deleteObjectVersions(PROJECT, 'q', [{ versionIndex: 1 }], T0 + 11)).toEqual(
        result(0, [0]),
      );
      // With no list, every live version of both kinds goes.
      expect(await store.deleteObjectVersions(PROJECT, 'q', null, T0 + 12)).toEqual(result(2));
      expect(await store.readObject(PROJECT, 'q', { latest: true })).toBeUndefined();
    });
  });

  describe('object tags and aliases', () => {
    const all = { sort_by: [], limit: null, offset: 0 } as const;

    it('tags versions, ignoring tags given twice, and lists a project’s tags once each in code point order', async () => {
      const { store } = subject;
      await store.createObject(version('t', 'd0', T0));
      await store.createObject(version('t', 'd1', T0 + 1));
      expect(
        await store.addObjectTags(PROJECT, 't', { digest: 'd0' }, ['zeta', 'alpha', 'alpha'], T0 + 2),
      ).toBe('done');
      // Astral characters sort after U+E000–U+FFFF by code point (UTF-16 order would differ).
      expect(
        await store.addObjectTags(PROJECT, 't', { latest: true }, ['alpha', '\u{20000}', '\uFF21'], T0 + 3),
      ).toBe('done');
      const read = await store.readObject(PROJECT, 't', { digest: 'd0' }, { includeTagsAndAliases: true });
      expect(read).toMatchObject({ tags: ['alpha', 'zeta'], aliases: [] });
      expect(
        (await store.readObject(PROJECT, 't', { versionIndex: 1 }, { includeTagsAndAliases: true }))?.tags,
      ).toEqual(['alpha', '\uFF21', '\u{20000}']);
      expect(await store.readObject(PROJECT, 't', { digest: 'd0' })).not.toHaveProperty('tags');
      expect(await store.listTags(PROJECT)).toEqual(['alpha', 'zeta', '\uFF21', '\u{20000}']);
      expect(await store.listTags('other/project')).toEqual([]);

      expect(await store.removeObjectTags(PROJECT, 't', { digest: 'd0' }, ['zeta', 'never-set'])).toBe(
        'done',
      );
      expect(
        (await store.readObject(PROJECT, 't', { digest: 'd0' }, { includeTagsAndAliases: true }))?.tags,
      ).toEqual(['alpha']);
      expect(await store.addObjectTags(PROJECT, 't', { digest: 'nope' }, ['x'], T0)).toBe('missing');
      expect(await store.addObjectTags(PROJECT, 'nobody', { latest: true }, ['x'], T0)).toBe('missing');
      expect(await store.removeObjectTags(PROJECT, 't', { versionIndex: 9 }, ['alpha'])).toBe('missing');
      expect(await store.listTags(PROJECT)).toEqual(['alpha', '\uFF21', '\u{20000}']);
    });

    it('points an alias of a name at one version, moves it when set again, and reads versions through it', async () => {
      const { store } = subject;
      await store.createObject(version('a', 'd0', T0));
      await store.createObject(version('a', 'd1', T0 + 1));
      expect(await store.setObjectAliases(PROJECT, 'a', { digest: 'd0' }, ['prod', 'stable'], T0 + 2)).toBe(
        'done',
      );
      expect(await store.readObject(PROJECT, 'a', { alias: 'prod' })).toMatchObject({ digest: 'd0' });
      // Set again on another version: it moves; the other alias stays.
      expect(await store.setObjectAliases(PROJECT, 'a', { alias: 'd1' }, ['prod'], T0 + 3)).toBe('done');
      expect(await store.readObject(PROJECT, 'a', { alias: 'prod' })).toMatchObject({ digest: 'd1' });
      expect(await store.readObject(PROJECT, 'a', { alias: 'stable' })).toMatchObject({ digest: 'd0' });
      // Text that is no alias of this name is read as a digest.
      expect(await store.readObject(PROJECT, 'a', { alias: 'd0' })).toMatchObject({ digest: 'd0' });
      expect(await store.readObject(PROJECT, 'a', { alias: 'other' })).toBeUndefined();
      const labelled = await store.queryObjects({
        project_id: PROJECT,
        ...all,
        include_tags_and_aliases: true,
      });
      expect(labelled.map((found) => [found.digest, found.tags, found.aliases])).toEqual([
        ['d0', [], ['stable']],
        ['d1', [], ['prod']],
      ]);
      expect(await store.listAliases(PROJECT)).toEqual(['prod', 'stable']);

      expect(await store.removeObjectAliases(PROJECT, 'a', ['stable', 'never-set'])).toBe(true);
      expect(await store.readObject(PROJECT, 'a', { alias: 'stable' })).toBeUndefined();
      expect(await store.removeObjectAliases(PROJECT, 'nobody', ['prod'])).toBe(false);
      expect(await store.setObjectAliases(PROJECT, 'a', { digest: 'nope' }, ['x'], T0)).toBe('missing');
      expect(await store.listAliases(PROJECT)).toEqual(['prod']);
      expect(await store.listAliases('other/project')).toEqual([]);
    });

    it('filters queries by any of the given tags or aliases; `latest` matches latest versions', async () => {
      const { store } = subject;
      await store.createObject(version('f', 'f0', T0));
      await store.createObject(version('f', 'f1', T0 + 1));
      await store.createObject(version('g', 'g0', T0 + 2));
      await store.addObjectTags(PROJECT, 'f', { digest: 'f0' }, ['red'], T0 + 3);
      await store.addObjectTags(PROJECT, 'g', { digest: 'g0' }, ['blue'], T0 + 3);
      await store.setObjectAliases(PROJECT, 'f', { digest: 'f0' }, ['prod'], T0 + 3);
      const digests = async (query: Record<string, unknown>) =>
        (await store.queryObjects({ project_id: PROJECT, ...all, ...query })).map((found) => found.digest);
      expect(await digests({ tags: ['red', 'blue'] })).toEqual(['f0', 'g0']);
      expect(await digests({ tags: ['red'], object_ids: ['g'] })).toEqual([]);
      expect(await digests({ tags: ['green'] })).toEqual([]);
      expect(await digests({ aliases: ['prod'] })).toEqual(['f0']);
      expect(await digests({ aliases: ['latest'] })).toEqual(['f1', 'g0']);
      expect(await digests({ aliases: ['prod', 'latest'] })).toEqual(['f0', 'f1', 'g0']);
      expect(await digests({ aliases: ['prod'], tags: ['blue'] })).toEqual([]);
      expect(await digests({ tags: [], aliases: [] })).toEqual(['f0', 'f1', 'g0']);
    });

    it('drops the tags and aliases of deleted versions, so a resurrected version comes back bare', async () => {
      const { store } = subject;
      await store.createObject(version('x', 'x0', T0));
      await store.createObject(version('x', 'x1', T0 + 1));
      await store.addObjectTags(PROJECT, 'x', { digest: 'x0' }, ['old'], T0 + 2);
      await store.addObjectTags(PROJECT, 'x', { digest: 'x1' }, ['new'], T0 + 2);
      await store.setObjectAliases(PROJECT, 'x', { digest: 'x0' }, ['prod'], T0 + 2);
      await store.setObjectAliases(PROJECT, 'x', { digest: 'x1' }, ['next'], T0 + 2);
      // Deleting through an alias names the version it points at.
      expect(await store.deleteObjectVersions(PROJECT, 'x', [{ alias: 'prod' }], T0 + 3)).toMatchObject({
        deleted: 1,
      });
      expect(await store.readObject(PROJECT, 'x', { digest: 'x0' })).toMatchObject({ deleted_at: T0 + 3 });
      expect(await store.listTags(PROJECT)).toEqual(['new']);
      expect(await store.listAliases(PROJECT)).toEqual(['next']);
      expect(await store.addObjectTags(PROJECT, 'x', { digest: 'x0' }, ['late'], T0 + 4)).toBe('missing');
      await store.createObject(version('x', 'x0', T0 + 5));
      expect(
        await store.readObject(PROJECT, 'x', { digest: 'x0' }, { includeTagsAndAliases: true }),
      ).toMatchObject({
        tags: [],
        aliases: [],
      });
      expect(await store.deleteObjectVersions(PROJECT, 'x', null, T0 + 6)).toMatchObject({ deleted: 2 });
      expect(await store.listTags(PROJECT)).toEqual([]);
      expect(await store.listAliases(PROJECT)).toEqual([]);
      expect(await store.removeObjectAliases(PROJECT, 'x', ['next'])).toBe(false);
    });

    it('shares aliases between an op and an object of one name; tags stay with their version', async () => {
      const { store } = subject;
      await store.createObject(version('s', 'obj0', T0));
      await store.createObject(version('s', 'op0', T0 + 1, { kind: 'op' }));
      expect(await store.setObjectAliases(PROJECT, 's', { latest: true }, ['prod'], T0 + 2)).toBe(
        'ambiguous',
      );
      expect(await store.addObjectTags(PROJECT, 's', { versionIndex: 0 }, ['t'], T0 + 2)).toBe('ambiguous');
      expect(await store.listAliases(PROJECT)).toEqual([]);
      expect(
        await store.setObjectAliases(PROJECT, 's', { latest: true, kind: 'object' }, ['prod'], T0 + 2),
      ).toBe('done');
      expect(await store.readObject(PROJECT, 's', { alias: 'prod' })).toMatchObject({ kind: 'object' });
      // The op's version takes the alias from the object's: one alias per name.
      expect(await store.setObjectAliases(PROJECT, 's', { digest: 'op0' }, ['prod'], T0 + 3)).toBe('done');
      expect(await store.readObject(PROJECT, 's', { alias: 'prod' })).toMatchObject({
        kind: 'op',
        digest: 'op0',
      });
      expect(await store.addObjectTags(PROJECT, 's', { digest: 'op0' }, ['fast'], T0 + 3)).toBe('done');
      const labelled = await store.queryObjects({
        project_id: PROJECT,
        object_ids: ['s'],
        ...all,
        include_tags_and_aliases: true,
      });
      expect(labelled.map((found) => [found.kind, found.tags, found.aliases])).toEqual([
        ['object', [], []],
        ['op', ['fast'], ['prod']],
      ]);
      expect(
        (await store.queryObjects({ project_id: PROJECT, is_op: false, aliases: ['prod'], ...all })).length,
      ).toBe(0);
    });
  });
}
