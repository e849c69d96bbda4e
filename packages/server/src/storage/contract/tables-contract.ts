/**
 * Contract: tables. A table is its ordered row digests; rows are shared by digest; a table may be
 * made of stored rows by their digests; queries keep table order (with each row's index) unless
 * sorted, and sort JSON fields like call fields do.
 */
import { describe, expect, it } from 'vitest';
import type { TableQuery, TableRow, TraceStore } from '../trace-store.js';
import { PROJECT, type StoreUnderTest } from './call-fixtures.js';

const row = (digest: string, val: unknown): TableRow => ({ digest, val_json: JSON.stringify(val) });

/** Every row a table query gives, its pages joined. */
export async function tableRows(
  store: TraceStore,
  query: TableQuery,
): Promise<Array<TableRow & { original_index: number }>> {
  const rows: Array<TableRow & { original_index: number }> = [];
  for await (const page of store.queryTable(query)) rows.push(...page);
  return rows;
}

export function describeTables(subject: StoreUnderTest): void {
  describe('tables', () => {
    it('stores tables by digest; rows shared between tables are given once', async () => {
      const { store } = subject;
      const a = row('ra', { n: 2, name: 'b' });
      const b = row('rb', { n: 10, name: 'a' });
      const c = row('rc', { name: 'c' });
      await store.createTable(PROJECT, 't1', ['ra', 'rb', 'rc', 'ra'], [a, b, c]);
      // The second table only brings its new row; the shared ones are already stored.
      await store.createTable(PROJECT, 't2', ['rc', 'rd'], [row('rd', { n: 1 })]);
      await store.createTable(PROJECT, 't1', ['ra', 'rb', 'rc', 'ra'], [a, b, c]);
      expect(await store.tableRowDigests(PROJECT, 't1')).toEqual(['ra', 'rb', 'rc', 'ra']);
      expect(await store.tableRowDigests(PROJECT, 'nope')).toBeUndefined();
      expect(await store.tableRowCount(PROJECT, 't1')).toBe(4);
      expect(await store.tableRowCount(PROJECT, 'nope')).toBeUndefined();
      expect(await store.tableRowDigests('other/project', 't1')).toBeUndefined();

      const query = { project_id: PROJECT, row_digests: null, sort_by: [], limit: null, offset: 0 };
      const t2 = await tableRows(store, { ...query, digest: 't2' });
      expect(t2).toEqual([
        { digest: 'rc', val_json: '{"name":"c"}', original_index: 0 },
        { digest: 'rd', val_json: '{"n":1}', original_index: 1 },
      ]);
      const indexes = async (extra: Record<string, unknown>) =>
        (await tableRows(store, { ...query, digest: 't1', ...extra })).map((found) => found.original_index);
      expect(await indexes({})).toEqual([0, 1, 2, 3]);
      expect(await indexes({ sort_by: [{ path: ['n'], direction: 'desc' }] })).toEqual([1, 0, 3, 2]);
      expect(await indexes({ sort_by: [{ path: ['n'], direction: 'asc' }] })).toEqual([0, 3, 1, 2]);
      expect(await indexes({ sort_by: [{ path: ['name'], direction: 'asc' }] })).toEqual([1, 0, 3, 2]);
      expect(await indexes({ row_digests: ['ra'] })).toEqual([0, 3]);
      expect(await indexes({ limit: 2, offset: 1 })).toEqual([1, 2]);
    });

    it('makes a table of stored rows from their digests, in their order, and only of this project’s rows', async () => {
      const { store } = subject;
      await store.createTable(PROJECT, 'part1', ['ra', 'rb'], [row('ra', { n: 1 }), row('rb', { n: 2 })]);
      await store.createTable(PROJECT, 'part2', ['rc'], [row('rc', { n: 3 })]);
      await store.createTable('other/project', 'theirs', ['rx'], [row('rx', { n: 9 })]);

      expect(
        await store.createTableFromRowDigests(PROJECT, 'whole', ['rc', 'ra', 'rb', 'ra']),
      ).toBeUndefined();
      expect(await store.tableRowDigests(PROJECT, 'whole')).toEqual(['rc', 'ra', 'rb', 'ra']);
      expect(await store.tableRowCount(PROJECT, 'whole')).toBe(4);
      const query = { project_id: PROJECT, row_digests: null, sort_by: [], limit: null, offset: 0 };
      expect(await tableRows(store, { ...query, digest: 'whole' })).toEqual([
        { digest: 'rc', val_json: '{"n":3}', original_index: 0 },
        { digest: 'ra', val_json: '{"n":1}', original_index: 1 },
        { digest: 'rb', val_json: '{"n":2}', original_index: 2 },
        { digest: 'ra', val_json: '{"n":1}', original_index: 3 },
      ]);
      expect(await store.readTableRow(PROJECT, 'whole', 'rb')).toBe('{"n":2}');

      // The first digest in list order that is no row here, and nothing is stored.
      expect(await store.createTableFromRowDigests(PROJECT, 'bad', ['ra', 'zz', 'rb', 'aa'])).toBe('zz');
      expect(await store.tableRowCount(PROJECT, 'bad')).toBeUndefined();
      // Another project's row is no row of this one.
      expect(await store.createTableFromRowDigests(PROJECT, 'bad', ['ra', 'rx'])).toBe('rx');
      expect(await store.tableRowCount(PROJECT, 'bad')).toBeUndefined();

      expect(await store.createTableFromRowDigests(PROJECT, 'empty', [])).toBeUndefined();
      expect(await store.tableRowCount(PROJECT, 'empty')).toBe(0);
      // A table that exists is kept as it is.
      expect(await store.createTableFromRowDigests(PROJECT, 'part1', ['rc'])).toBeUndefined();
      expect(await store.tableRowDigests(PROJECT, 'part1')).toEqual(['ra', 'rb']);
    });

    it('checks a long list of row digests in one go, finding one missing at its end', async () => {
      const { store } = subject;
      const digests = Array.from({ length: 5000 }, (_, index) => `row-${index}`);
      await store.createTable(
        PROJECT,
        'rows',
        digests,
        digests.map((digest, index) => row(digest, { index })),
      );
      const reversed = [...digests].reverse();
      expect(await store.createTableFromRowDigests(PROJECT, 'reversed', reversed)).toBeUndefined();
      expect(await store.tableRowDigests(PROJECT, 'reversed')).toEqual(reversed);
      expect(await store.createTableFromRowDigests(PROJECT, 'short', [...digests, 'row-5000'])).toBe(
        'row-5000',
      );
    });

    it('reads one row of a table by digest, only from a table that holds it', async () => {
      const { store } = subject;
      await store.createTable(PROJECT, 'u1', ['ra', 'rb'], [row('ra', { n: 1 }), row('rb', { n: 2 })]);
      await store.createTable(PROJECT, 'u2', ['rc'], [row('rc', { n: 3 })]);
      expect(await store.readTableRow(PROJECT, 'u1', 'rb')).toBe('{"n":2}');
      expect(await store.readTableRow(PROJECT, 'u2', 'rc')).toBe('{"n":3}');
      // A stored row that this table does not hold, a digest that is only part of one, no table.
      expect(await store.readTableRow(PROJECT, 'u1', 'rc')).toBeUndefined();
      expect(await store.readTableRow(PROJECT, 'u1', 'r')).toBeUndefined();
      expect(await store.readTableRow(PROJECT, 'nope', 'ra')).toBeUndefined();
      expect(await store.readTableRow('other/project', 'u1', 'ra')).toBeUndefined();
    });
  });
}
