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
});
