/**
 * Call writes on their own thread: answered only once committed, applied in the order they were
 * sent, and a writer that cannot run fails its writes with a reason instead of hanging them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceUnavailable } from '@weft/protocol';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ended, finished, PROJECT, started, T0 } from '../contract/call-fixtures.js';
import { SqliteTraceStore } from './sqlite-trace-store.js';

const dataDir = mkdtempSync(join(tmpdir(), 'weft-call-writes-'));
let opened = 0;

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

function databasePath(): string {
  opened += 1;
  return join(dataDir, `store-${opened}.db`);
}

describe('the call writer thread', () => {
  it('answers a batch only once it is committed: another connection sees it at once', async () => {
    const path = databasePath();
    const store = SqliteTraceStore.open(path);
    try {
      await store.upsertCalls([started('a'), ended('a'), started('b')]);
      const other = new Database(path, { readonly: true });
      try {
        const rows = other.prepare('SELECT id, ended_at IS NOT NULL AS ended FROM calls ORDER BY id').all();
        expect(rows).toEqual([
          { id: 'a', ended: 1 },
          { id: 'b', ended: 0 },
        ]);
      } finally {
        other.close();
      }
    } finally {
      await store.close();
    }
  });

  it('applies writes sent together in the order they were sent', async () => {
    const store = SqliteTraceStore.open(databasePath());
    try {
      // Not awaited one by one: the rename must find the start, and the delete must see the rename.
      const writes = [
        store.upsertCalls([started('c', { display_name: 'first' })]),
        store.updateDisplayName(PROJECT, 'c', 'renamed'),
        store.upsertCalls([started('c', { display_name: 'from a re-sent start' }), ended('c')]),
        store.deleteCalls(PROJECT, ['c'], 5),
      ];
      const [, renamed, , deleted] = await Promise.all(writes);
      expect(renamed).toBe(true);
      expect(deleted).toBe(1);
      const call = await store.readCall(PROJECT, 'c', ['id', 'display_name', 'deleted_at']);
      // A deleted call is not read back; a re-sent start cannot bring it back either.
      expect(call).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('keeps a rename over a start re-sent after it', async () => {
    const store = SqliteTraceStore.open(databasePath());
    try {
      await Promise.all([
        store.upsertCalls([started('d', { display_name: 'first' })]),
        store.updateDisplayName(PROJECT, 'd', 'renamed'),
        store.upsertCalls([started('d', { display_name: 'from a re-sent start' })]),
      ]);
      expect(await store.readCall(PROJECT, 'd', ['id', 'display_name'])).toMatchObject({
        display_name: 'renamed',
      });
    } finally {
      await store.close();
    }
  });

  it('fails writes with ServiceUnavailable and a reason when the writer cannot run, every time', async () => {
    const path = databasePath();
    const store = SqliteTraceStore.open(path);
    try {
      // The writer opens the file the main thread made; gone, it cannot start (and must not make
      // a new, empty database in its place).
      rmSync(path);
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const write = store.upsertCalls([started(`e${attempt}`)]);
        await expect(write).rejects.toThrow(ServiceUnavailable);
        await expect(write).rejects.toThrow(/the call writer stopped .*unable to open/);
      }
    } finally {
      await store.close();
    }
  });

  it('lets objects, tables and tags be written while the call writer writes, without a busy error', async () => {
    const store = SqliteTraceStore.open(databasePath());
    try {
      // Object writes read before they write; begun as deferred transactions they failed with
      // SQLITE_BUSY (past busy_timeout) whenever the writer thread held the write lock.
      let callsDone = false;
      const callBatches = Promise.all(
        Array.from({ length: 40 }, (_, batch) =>
          store.upsertCalls(Array.from({ length: 500 }, (_, index) => finished(`call-${batch}-${index}`))),
        ),
      ).finally(() => {
        callsDone = true;
      });
      // Object and table writes one after another for as long as the writer is busy.
      let written = 0;
      const objectWrites = (async () => {
        while (!callsDone || written < 50) {
          await store.createObject({
            project_id: PROJECT,
            object_id: `object-${written % 10}`,
            digest: `digest-${written}`,
            kind: 'object',
            base_object_class: null,
            leaf_object_class: null,
            val_json: JSON.stringify({ written }),
            created_at: T0 + written,
            wb_user_id: null,
          });
          await store.createTable(
            PROJECT,
            `table-${written}`,
            [`row-${written}`],
            [{ digest: `row-${written}`, val_json: JSON.stringify({ written }) }],
          );
          written += 1;
          // The store's methods finish synchronously here: yield, or the writer's answers (and
          // the end of this loop) would never be seen.
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      await Promise.all([callBatches, objectWrites]);
      const objects = await store.queryObjects({ project_id: PROJECT, sort_by: [], limit: null, offset: 0 });
      expect(objects).toHaveLength(written);
      expect(await store.countCalls({ project_id: PROJECT, filter: {}, query: null, limit: null })).toBe(
        20_000,
      );
    } finally {
      await store.close();
    }
  });
});
