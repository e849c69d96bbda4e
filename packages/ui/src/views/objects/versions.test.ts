import type { ObjSchema } from '@weft/protocol';
import { describe, expect, it } from 'vitest';
import { classesOf, findVersion, previousVersion, summariseObjects, versionRows } from './versions';

function version(
  overrides: Partial<ObjSchema> & Pick<ObjSchema, 'object_id' | 'digest' | 'version_index'>,
): ObjSchema {
  return {
    project_id: 'e/p',
    created_at: `2025-01-0${overrides.version_index + 1}T00:00:00Z`,
    deleted_at: null,
    is_latest: 0,
    kind: 'object',
    base_object_class: null,
    leaf_object_class: null,
    val: {},
    wb_user_id: null,
    ...overrides,
  };
}

describe('versionRows', () => {
  it('lists versions newest first with latest, aliases and tags apart', () => {
    const rows = versionRows([
      version({ object_id: 'a', digest: 'd0', version_index: 0, tags: ['reviewed'] }),
      version({ object_id: 'a', digest: 'd1', version_index: 1, is_latest: 1, aliases: ['latest', 'prod'] }),
    ]);
    expect(rows.map((row) => row.digest)).toEqual(['d1', 'd0']);
    expect(rows[0]).toMatchObject({ isLatest: true, aliases: ['prod'], tags: [] });
    expect(rows[1]).toMatchObject({ isLatest: false, aliases: [], tags: ['reviewed'] });
  });

  it('leaves deleted versions out', () => {
    const rows = versionRows([
      version({ object_id: 'a', digest: 'd0', version_index: 0 }),
      version({ object_id: 'a', digest: 'd1', version_index: 1, deleted_at: '2025-02-01T00:00:00Z' }),
    ]);
    expect(rows.map((row) => row.digest)).toEqual(['d0']);
  });

  it('adds the version read on its own when the list does not have it yet, and moves latest to it', () => {
    const listed = [
      version({ object_id: 'a', digest: 'd0', version_index: 0, is_latest: 1, aliases: ['latest'] }),
    ];
    const current = version({
      object_id: 'a',
      digest: 'd1',
      version_index: 1,
      is_latest: 1,
      aliases: ['latest'],
    });
    const rows = versionRows(listed, current);
    expect(rows.map((row) => [row.digest, row.isLatest])).toEqual([
      ['d1', true],
      ['d0', false],
    ]);
  });

  it("takes the current version's labels over the list's older ones", () => {
    const listed = [version({ object_id: 'a', digest: 'd0', version_index: 0, tags: [] })];
    const current = version({ object_id: 'a', digest: 'd0', version_index: 0, tags: ['new-tag'] });
    expect(versionRows(listed, current)[0]?.tags).toEqual(['new-tag']);
  });
});

describe('previousVersion and findVersion', () => {
  const rows = versionRows([
    version({ object_id: 'a', digest: 'd0', version_index: 0 }),
    version({ object_id: 'a', digest: 'd2', version_index: 2, is_latest: 1, aliases: ['latest', 'prod'] }),
  ]);

  it('finds the next older live version, skipping indexes of deleted ones', () => {
    expect(previousVersion(rows, 'd2')?.digest).toBe('d0');
    expect(previousVersion(rows, 'd0')).toBeUndefined();
  });

  it('resolves latest, vN, aliases and digests', () => {
    expect(findVersion(rows, 'latest')?.digest).toBe('d2');
    expect(findVersion(rows, 'v0')?.digest).toBe('d0');
    expect(findVersion(rows, 'prod')?.digest).toBe('d2');
    expect(findVersion(rows, 'd0')?.digest).toBe('d0');
    expect(findVersion(rows, 'v1')).toBeUndefined();
  });
});

describe('summariseObjects', () => {
  it('gives each name its latest version and its count of live versions, newest update first', () => {
    const summaries = summariseObjects([
      version({ object_id: 'old', digest: 'o0', version_index: 0, is_latest: 1 }),
      version({ object_id: 'model', digest: 'm0', version_index: 0, leaf_object_class: 'Model' }),
      version({ object_id: 'model', digest: 'm1', version_index: 1 }),
      version({
        object_id: 'model',
        digest: 'm3',
        version_index: 3,
        is_latest: 1,
        base_object_class: 'Model',
        leaf_object_class: 'MyModel',
      }),
      version({ object_id: 'model', digest: 'm2', version_index: 2, deleted_at: '2025-03-01T00:00:00Z' }),
    ]);
    expect(
      summaries.map((summary) => [summary.objectId, summary.latest.digest, summary.versionCount]),
    ).toEqual([
      ['model', 'm3', 3],
      ['old', 'o0', 1],
    ]);
    expect(summaries[0]?.className).toBe('MyModel');
  });

  it('takes the highest index as latest when no version is marked', () => {
    const [summary] = summariseObjects([
      version({ object_id: 'a', digest: 'a1', version_index: 1 }),
      version({ object_id: 'a', digest: 'a0', version_index: 0 }),
    ]);
    expect(summary?.latest.digest).toBe('a1');
  });

  it('lists the distinct classes sorted', () => {
    const summaries = summariseObjects([
      version({ object_id: 'a', digest: 'a', version_index: 0, leaf_object_class: 'Model' }),
      version({ object_id: 'b', digest: 'b', version_index: 0, base_object_class: 'Dataset' }),
      version({ object_id: 'c', digest: 'c', version_index: 0, leaf_object_class: 'Model' }),
      version({ object_id: 'd', digest: 'd', version_index: 0 }),
    ]);
    expect(classesOf(summaries)).toEqual(['Dataset', 'Model']);
  });
});
