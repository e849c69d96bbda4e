/**
 * Reading one row of a table, both ways the store does it: from a cached set of the table's row
 * digests, and, for tables too large to cache, by searching the table's digest text.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteTraceStore } from './sqlite-trace-store.js';
import { Tables } from './tables.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-tables-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PROJECT = 'team/tables';
const row = (digest: string, val: unknown) => ({ digest, val_json: JSON.stringify(val) });

async function migratedDatabase(name: string): Promise<Database.Database> {
  const path = join(dir, name);
  await SqliteTraceStore.open(path).close();
  return new Database(path);
}

describe('Tables.readRow', () => {
  for (const [way, maxCachedTableRows] of [
    ['from the cached digest set', 1_000],
    ['by searching the digest text of a table too large to cache', 1],
  ] as const) {
    it(`reads a row the table holds, and nothing else, ${way}`, async () => {
      const db = await migratedDatabase(`${maxCachedTableRows}.db`);
      try {
        const tables = new Tables(db, maxCachedTableRows);
        tables.create(PROJECT, 'small', ['ra', 'rb', 'ra'], [row('ra', { n: 1 }), row('rb', { n: 2 })]);
        tables.create(PROJECT, 'other', ['rc'], [row('rc', { n: 3 })]);
        for (let round = 0; round < 2; round++) {
          expect(tables.readRow(PROJECT, 'small', 'rb')).toBe('{"n":2}');
          expect(tables.readRow(PROJECT, 'small', 'ra')).toBe('{"n":1}');
          expect(tables.readRow(PROJECT, 'small', 'rc')).toBeUndefined();
          expect(tables.readRow(PROJECT, 'small', 'r')).toBeUndefined();
          expect(tables.readRow(PROJECT, 'missing', 'ra')).toBeUndefined();
          expect(tables.readRow('other/project', 'small', 'ra')).toBeUndefined();
        }
      } finally {
        db.close();
      }
    });
  }
});
