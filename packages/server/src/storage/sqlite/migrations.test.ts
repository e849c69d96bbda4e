import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { callsQuery, PROJECT } from '../contract/call-fixtures.js';
import { MIGRATIONS } from './migrations.js';
import { SqliteTraceStore } from './sqlite-trace-store.js';

const directory = mkdtempSync(join(tmpdir(), 'weft-migrations-'));

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe('migrations', () => {
  it('bring a database made by an older weft up to date: calls stored before migration 6 get their refs', async () => {
    const path = join(directory, 'weft.db');
    const old = new Database(path);
    for (const migration of MIGRATIONS.filter((m) => m.version <= 6)) old.exec(migration.sql);
    old.pragma('user_version = 6');
    const ref = `weave:///${PROJECT}/object/my-dataset:abc`;
    old
      .prepare(
        `INSERT INTO calls (project_id, id, trace_id, op_name, op_short_name, started_at, attributes, inputs, output, summary)
         VALUES (?, ?, 't', 'op', 'op', 1, '{}', ?, ?, '{}')`,
      )
      .run(PROJECT, 'old-call', JSON.stringify({ data: { rows: [ref, 'plain text'] } }), JSON.stringify(ref));
    old.close();

    const store = SqliteTraceStore.open(path);
    try {
      const found: string[] = [];
      for await (const call of store.queryCalls(callsQuery({ filter: { input_refs: [ref] } })))
        found.push(call.id);
      for await (const call of store.queryCalls(callsQuery({ filter: { output_refs: [ref] } })))
        found.push(call.id);
      expect(found).toEqual(['old-call', 'old-call']);
    } finally {
      await store.close();
    }
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)?.version);
    check.close();
  });

  it('give ops and objects that share a name separate histories (migration 8), keeping other indexes', async () => {
    const path = join(directory, 'objects.db');
    const old = new Database(path);
    for (const migration of MIGRATIONS.filter((m) => m.version <= 7)) old.exec(migration.sql);
    old.pragma('user_version = 7');
    const insert = old.prepare(
      `INSERT INTO objects (project_id, object_id, digest, version_index, is_latest, kind, val, created_at, deleted_at)
       VALUES (?, ?, ?, ?, ?, ?, '{}', ?, ?)`,
    );
    // One sequence for both kinds, as weft kept it before: object, op, object, op (latest), and a
    // deleted object version in between.
    insert.run(PROJECT, 'shared', 'obj0', 0, 0, 'object', 1, null);
    insert.run(PROJECT, 'shared', 'op0', 1, 0, 'op', 2, null);
    insert.run(PROJECT, 'shared', 'obj1', 2, 0, 'object', 3, null);
    insert.run(PROJECT, 'shared', 'obj2', 3, 0, 'object', 4, 5);
    insert.run(PROJECT, 'shared', 'op1', 4, 1, 'op', 6, null);
    // A name with one kind keeps its indexes, gap included (index 1 was resurrected as 2).
    insert.run(PROJECT, 'alone', 'a', 0, 0, 'object', 1, null);
    insert.run(PROJECT, 'alone', 'b', 2, 1, 'object', 3, null);
    old.close();

    const store = SqliteTraceStore.open(path);
    try {
      const listed = await store.queryObjects({
        project_id: PROJECT,
        sort_by: [{ field: 'object_id', direction: 'asc' }],
        limit: null,
        offset: 0,
      });
      expect(
        listed.map((found) => [
          found.object_id,
          found.kind,
          found.digest,
          found.version_index,
          found.is_latest,
        ]),
      ).toEqual([
        ['alone', 'object', 'a', 0, false],
        ['alone', 'object', 'b', 2, true],
        ['shared', 'object', 'obj0', 0, false],
        ['shared', 'op', 'op0', 0, false],
        ['shared', 'object', 'obj1', 1, true],
        ['shared', 'op', 'op1', 1, true],
      ]);
      expect(await store.readObject(PROJECT, 'shared', { digest: 'obj2' })).toMatchObject({
        version_index: 2,
        deleted_at: 5,
      });
      const next = (object_id: string, kind: 'op' | 'object', digest: string) =>
        store.createObject({
          project_id: PROJECT,
          object_id,
          digest,
          kind,
          base_object_class: null,
          leaf_object_class: null,
          val_json: '{}',
          created_at: 10,
          wb_user_id: null,
        });
      expect(await next('shared', 'object', 'obj3')).toEqual({ version_index: 3 });
      expect(await next('shared', 'op', 'op2')).toEqual({ version_index: 2 });
      expect(await next('alone', 'object', 'c')).toEqual({ version_index: 3 });
    } finally {
      await store.close();
    }
  });

  it('add tag and alias tables (migration 9) with which versions stored before can be labelled', async () => {
    const path = join(directory, 'labels.db');
    const old = new Database(path);
    for (const migration of MIGRATIONS.filter((m) => m.version <= 8)) old.exec(migration.sql);
    old.pragma('user_version = 8');
    const insert = old.prepare(
      `INSERT INTO objects (project_id, object_id, kind, digest, version_index, is_latest, val, created_at)
       VALUES (?, 'model', 'object', ?, ?, ?, '{}', ?)`,
    );
    insert.run(PROJECT, 'm0', 0, 0, 1);
    insert.run(PROJECT, 'm1', 1, 1, 2);
    old.close();

    const store = SqliteTraceStore.open(path);
    try {
      expect(await store.addObjectTags(PROJECT, 'model', { versionIndex: 0 }, ['baseline'], 3)).toBe('done');
      expect(await store.setObjectAliases(PROJECT, 'model', { latest: true }, ['prod'], 3)).toBe('done');
      expect(await store.readObject(PROJECT, 'model', { alias: 'prod' })).toMatchObject({ digest: 'm1' });
      expect(await store.listTags(PROJECT)).toEqual(['baseline']);
    } finally {
      await store.close();
    }
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)?.version);
    check.close();
  });

  it('add the projects table (migration 10) to a database that has calls', async () => {
    const path = join(directory, 'projects.db');
    const old = new Database(path);
    for (const migration of MIGRATIONS.filter((m) => m.version <= 9)) old.exec(migration.sql);
    old.pragma('user_version = 9');
    old.close();

    const store = SqliteTraceStore.open(path);
    try {
      const first = await store.ensureProject({ entity: 'team', name: 'p', created_at: 5 });
      expect(first).toEqual({ entity: 'team', name: 'p', created_at: 5 });
      // Registered once: a later mention keeps the first registration.
      expect(await store.ensureProject({ entity: 'team', name: 'p', created_at: 9 })).toEqual(first);
      expect(await store.listProjects()).toEqual([first]);
    } finally {
      await store.close();
    }
  });

  it('keep sort keys (migration 13) for feedback stored before, so sorting by a score reads them', async () => {
    const path = join(directory, 'feedback.db');
    const old = new Database(path);
    for (const migration of MIGRATIONS.filter((m) => m.version <= 12)) old.exec(migration.sql);
    old.pragma('user_version = 12');
    const call = old.prepare(
      `INSERT INTO calls (project_id, id, trace_id, op_name, op_short_name, started_at, attributes, inputs, summary)
       VALUES (?, ?, 't', 'op', 'op', ?, '{}', '{}', '{}')`,
    );
    const score = old.prepare(
      `INSERT INTO feedback (project_id, id, weave_ref, call_id, feedback_type, payload, created_at)
       VALUES (?, ?, '', ?, 'wandb.runnable.judge', ?, ?)`,
    );
    for (const [index, id] of ['low', 'high', 'unscored'].entries()) call.run(PROJECT, id, index + 1);
    score.run(PROJECT, 'f1', 'low', '{"output":{"score":0.1}}', 1);
    score.run(PROJECT, 'f2', 'high', '{"output":{"score":0.9}}', 1);
    // A later row of the same type does not count: the oldest does.
    score.run(PROJECT, 'f3', 'low', '{"output":{"score":5}}', 2);
    old.close();

    const store = SqliteTraceStore.open(path);
    const sort_by = [
      { field: 'feedback.[wandb.runnable.judge].payload.output.score', direction: 'desc' as const },
    ];
    try {
      const ids: string[] = [];
      for await (const found of store.queryCalls(callsQuery({ sort_by }))) ids.push(found.id);
      expect(ids).toEqual(['high', 'low', 'unscored']);
    } finally {
      await store.close();
    }
    const check = new Database(path, { readonly: true });
    expect(
      check
        .prepare('SELECT call_id, number FROM feedback_sort_keys WHERE path = ? ORDER BY call_id')
        .all('$."payload"."output"."score"'),
    ).toEqual([
      { call_id: 'high', number: 0.9 },
      { call_id: 'low', number: 0.1 },
    ]);
    check.close();
  });

  it('give parts already waiting for their start an arrival time (migration 15), so they age out', async () => {
    const path = join(directory, 'orphans.db');
    const old = new Database(path);
    for (const migration of MIGRATIONS.filter((m) => m.version <= 14)) old.exec(migration.sql);
    old.pragma('user_version = 14');
    old
      .prepare(
        `INSERT INTO calls (project_id, id, ended_at, summary, exception) VALUES (?, 'end-only', 5, '{}', 'boom')`,
      )
      .run(PROJECT);
    old
      .prepare(`INSERT INTO pending_failure_walks (project_id, call_id) VALUES (?, 'end-only')`)
      .run(PROJECT);
    old.close();

    const before = Date.now() * 1000;
    const store = SqliteTraceStore.open(path);
    try {
      const check = new Database(path, { readonly: true });
      const arrived = check.prepare('SELECT part_arrived_at FROM calls').pluck().get() as number;
      const parked = check.prepare('SELECT parked_at FROM pending_failure_walks').pluck().get() as number;
      check.close();
      for (const time of [arrived, parked]) {
        expect(time).toBeGreaterThanOrEqual(before - 1_000_000);
        expect(time).toBeLessThanOrEqual(Date.now() * 1000 + 1_000_000);
      }
      expect(await store.removeOrphans(before - 3_600_000_000)).toEqual({ calls: 0, walks: 0 });
      expect(await store.removeOrphans(Date.now() * 1000 + 3_600_000_000)).toEqual({ calls: 1, walks: 1 });
    } finally {
      await store.close();
    }
  });
});
