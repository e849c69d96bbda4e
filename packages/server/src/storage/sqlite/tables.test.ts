/**
 * Reading one row of a table by digest, both ways the store does it: from a cached set of the
 * table's row digests, and, for tables too large to cache, on a read worker.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteTraceStore } from './sqlite-trace-store.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-tables-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PROJECT = 'team/tables';
const row = (digest: string, val: unknown) => ({ digest, val_json: JSON.stringify(val) });

describe('reading a table row by digest', () => {
  for (const [way, cachedTableRows] of [
    ['from the cached digest set', 1_000],
    ['on a read worker, for a table too large to cache', 1],
  ] as const) {
    it(`reads a row the table holds, and nothing else, ${way}`, async () => {
      const store = SqliteTraceStore.open(join(dir, `${cachedTableRows}.db`), { cachedTableRows });
      try {
        await store.createTable(
          PROJECT,
          'small',
          ['ra', 'rb', 'ra'],
          [row('ra', { n: 1 }), row('rb', { n: 2 })],
        );
        await store.createTable(PROJECT, 'other', ['rc'], [row('rc', { n: 3 })]);
        for (let round = 0; round < 2; round++) {
          expect(await store.readTableRow(PROJECT, 'small', 'rb')).toBe('{"n":2}');
          expect(await store.readTableRow(PROJECT, 'small', 'ra')).toBe('{"n":1}');
          expect(await store.readTableRow(PROJECT, 'other', 'rc')).toBe('{"n":3}');
          expect(await store.readTableRow(PROJECT, 'small', 'rc')).toBeUndefined();
          expect(await store.readTableRow(PROJECT, 'small', 'r')).toBeUndefined();
          expect(await store.readTableRow(PROJECT, 'missing', 'ra')).toBeUndefined();
          expect(await store.readTableRow('other/project', 'small', 'ra')).toBeUndefined();
        }
      } finally {
        await store.close();
      }
    });
  }
});
