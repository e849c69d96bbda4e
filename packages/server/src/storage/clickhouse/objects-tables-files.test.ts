/**
 * What the contract does not ask of the ClickHouse objects, tables and files but their design
 * must hold (objects-schema.ts): bytes and odd text survive a round trip, version indexes stay
 * distinct under concurrent creates (the write queue), a reopened store's writes still win over
 * stored ones (the write clock), and table rows sort by the rules of JSON call fields.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NewObjectVersion, TableQuery, TraceStore } from '../trace-store.js';
import { ClickHouseTraceStore } from './clickhouse-trace-store.js';

const folder = mkdtempSync(join(tmpdir(), 'weft-chdb-objects-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

let opened = 0;
const open = (database = `objects_${++opened}`) =>
  ClickHouseTraceStore.open(`chdb:${folder}?database=${database}`);

/** Quotes, backslashes, control characters, NUL and an astral character: all only ever bound. */
const ODD = 'o\'"\t\n\\\u0000\u{20000}';
const PROJECT = `${ODD}/project`;

function version(object_id: string, digest: string, created_at: number): NewObjectVersion {
  return {
    project_id: PROJECT,
    object_id,
    digest,
    kind: 'object',
    base_object_class: null,
    leaf_object_class: null,
    val_json: JSON.stringify({ digest, text: ODD }),
    created_at,
    wb_user_id: null,
  };
}

async function withStore(run: (store: TraceStore) => Promise<void>, database?: string): Promise<void> {
  const store = await open(database);
  try {
    await run(store);
  } finally {
    await store.close();
  }
}

describe('ClickHouse objects, tables and files (chdb)', () => {
  it('gives back every byte value and an empty file', async () => {
    await withStore(async (store) => {
      const every = new Uint8Array(256).map((_, index) => index);
      await store.createFile(PROJECT, 'every', ODD, every);
      // A view into a larger buffer stores only its own bytes.
      await store.createFile(PROJECT, 'view', 'view', every.subarray(250, 253));
      await store.createFile(PROJECT, 'empty', 'empty', new Uint8Array());
      const found = await store.readFile(PROJECT, 'every');
      expect(found?.name).toBe(ODD);
      expect(Buffer.from(found?.content ?? []).equals(Buffer.from(every))).toBe(true);
      expect([...((await store.readFile(PROJECT, 'view'))?.content ?? [])]).toEqual([250, 251, 252]);
      expect((await store.readFile(PROJECT, 'empty'))?.content.length).toBe(0);
    });
  });

  it('numbers concurrent creates apart, keeps odd names and labels, and writes after a reopen win', async () => {
    const database = `objects_${++opened}`;
    await withStore(async (store) => {
      const created = await Promise.all(
        Array.from({ length: 12 }, (_, index) => store.createObject(version(ODD, `d${index}`, 1000 + index))),
      );
      expect(created.map((found) => found.version_index).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 12 }, (_, index) => index),
      );
      expect(await store.readObject(PROJECT, ODD, { latest: true })).toMatchObject({
        digest: 'd11',
        val_json: version(ODD, 'd11', 0).val_json,
      });
      expect(await store.addObjectTags(PROJECT, ODD, { digest: 'd3' }, [ODD, 'plain'], 5)).toBe('done');
      expect(await store.setObjectAliases(PROJECT, ODD, { digest: 'd4' }, [ODD], 5)).toBe('done');
      expect(await store.readObject(PROJECT, ODD, { alias: ODD })).toMatchObject({ digest: 'd4' });
      // A live version created again becomes latest, keeping its index and creation time.
      expect(await store.createObject(version(ODD, 'd2', 5000))).toEqual({ version_index: 2 });
      expect(await store.readObject(PROJECT, ODD, { latest: true })).toMatchObject({
        digest: 'd2',
        created_at: 1002,
      });
    }, database);
    await withStore(async (store) => {
      expect(await store.deleteObjectVersions(PROJECT, ODD, [{ latest: true }], 9000)).toEqual({
        deleted: 1,
        missing: [],
        ambiguous: [],
      });
      // The newest survivor by creation time.
      expect(await store.readObject(PROJECT, ODD, { latest: true })).toMatchObject({ digest: 'd11' });
      expect(await store.removeObjectTags(PROJECT, ODD, { digest: 'd3' }, [ODD])).toBe('done');
      expect(await store.listTags(PROJECT)).toEqual(['plain']);
      expect(await store.removeObjectAliases(PROJECT, ODD, [ODD])).toBe(true);
      expect(await store.listAliases(PROJECT)).toEqual([]);
      const page = await store.queryObjects({
        project_id: PROJECT,
        sort_by: [{ field: 'created_at', direction: 'desc' }],
        limit: 2,
        offset: 1,
      });
      expect(page.map((found) => found.digest)).toEqual(['d10', 'd9']);
    }, database);
  });

  it('sorts table rows as JSON call fields: present first, then numbers, then text', async () => {
    await withStore(async (store) => {
      const values = [
        { a: 5 },
        { a: '10' },
        { a: 'x' },
        { a: null },
        {},
        { a: true },
        { a: [1, 2] },
        { a: -1.5 },
      ];
      const rows = values.map((value, index) => ({ digest: `r${index}`, val_json: JSON.stringify(value) }));
      await store.createTable(
        PROJECT,
        't',
        rows.map((row) => row.digest),
        rows,
      );
      const query: TableQuery = {
        project_id: PROJECT,
        digest: 't',
        row_digests: null,
        sort_by: [],
        limit: null,
        offset: 0,
      };
      const order = async (direction: 'asc' | 'desc') => {
        const indexes: number[] = [];
        for await (const page of store.queryTable({ ...query, sort_by: [{ path: ['a'], direction }] }))
          indexes.push(...page.map((row) => row.original_index));
        return indexes;
      };
      // Numbers (text that reads as one too), then the others by text ('[1,2]' < 'true' < 'x'),
      // then null and missing in table order.
      expect(await order('asc')).toEqual([7, 0, 1, 6, 5, 2, 3, 4]);
      expect(await order('desc')).toEqual([1, 0, 7, 2, 5, 6, 3, 4]);
    });
  });
});
