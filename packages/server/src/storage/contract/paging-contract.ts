/**
 * Contract: long answers are read a page at a time (storage/paging.ts). No page holds more than
 * MAX_PAGE_ROWS rows, whatever the limit; pages join up into exactly the answer one read would
 * give; a consumer that stops pulling holds nothing, so more paused streams than the backend has
 * readers leave other reads answering; and in the keyset orders a page continues after the last
 * call returned, so calls written or deleted meanwhile never repeat or skip one there throughout.
 */
import { parseQuery, resolveCallField } from '@weft/protocol';
import { describe, expect, it } from 'vitest';
import { MAX_PAGE_ROWS } from '../paging.js';
import type { CallsQuery, CallUpsert, TableRow } from '../trace-store.js';
import {
  callsQuery,
  countQuery,
  FAILS,
  finished,
  idsOf,
  MS,
  PROJECT,
  type StoreUnderTest,
  T0,
} from './call-fixtures.js';
import { tableRows } from './tables-contract.js';

/** More than two pages. */
const TOTAL = 2 * MAX_PAGE_ROWS + 500;

function callId(index: number): string {
  return `call-${String(index).padStart(5, '0')}`;
}

/** Two calls start in each millisecond, so the id breaks ties; `inputs.n` is in a scrambled order. */
function manyCalls(): CallUpsert[] {
  return Array.from({ length: TOTAL }, (_, index) =>
    finished(callId(index), {
      started_at: T0 + Math.floor(index / 2) * MS,
      inputs_json: JSON.stringify({ n: (index * 7919) % TOTAL }),
    }),
  );
}

const ALL_IDS = Array.from({ length: TOTAL }, (_, index) => callId(index));

function tableOf(count: number): { digests: string[]; rows: TableRow[] } {
  const digests = Array.from({ length: count }, (_, index) => `row-${index}`);
  const rows = digests.map((digest, index) => ({
    digest,
    val_json: JSON.stringify({ n: (index * 7919) % count }),
  }));
  return { digests, rows };
}

export function describePaging(subject: StoreUnderTest): void {
  describe('reading in pages', () => {
    it('reads every call of an answer longer than a page once, in order, in every order', async () => {
      const { store } = subject;
      await store.upsertCalls(manyCalls());
      const byN = [...ALL_IDS].sort(
        (a, b) => ((Number(b.slice(5)) * 7919) % TOTAL) - ((Number(a.slice(5)) * 7919) % TOTAL),
      );
      const cases: Array<[Partial<CallsQuery>, string[]]> = [
        [{}, ALL_IDS],
        // No order asked for: any order, but each call once.
        [{ sort_by: [] }, ALL_IDS],
        [{ sort_by: [{ field: 'started_at', direction: 'desc' }] }, [...ALL_IDS].reverse()],
        [{ sort_by: [{ field: 'id', direction: 'asc' }] }, ALL_IDS],
        // Not a keyset order: continued by offset.
        [
          {
            sort_by: [
              { field: 'started_at', direction: 'asc' },
              { field: 'id', direction: 'desc' },
            ],
          },
          ALL_IDS.map((_, index) => callId(index % 2 === 0 ? index + 1 : index - 1)),
        ],
        [{ sort_by: [{ field: 'inputs.n', direction: 'desc' }] }, byN],
        // An offset and a limit that cross page boundaries, in both kinds of order.
        [
          { offset: MAX_PAGE_ROWS - 1, limit: MAX_PAGE_ROWS + 2 },
          ALL_IDS.slice(MAX_PAGE_ROWS - 1, 2 * MAX_PAGE_ROWS + 1),
        ],
        [
          {
            sort_by: [{ field: 'inputs.n', direction: 'desc' }],
            offset: MAX_PAGE_ROWS - 1,
            limit: MAX_PAGE_ROWS + 2,
          },
          byN.slice(MAX_PAGE_ROWS - 1, 2 * MAX_PAGE_ROWS + 1),
        ],
      ];
      for (const [overrides, expected] of cases) {
        const ids = await idsOf(store, { ...overrides, columns: ['id'] });
        if (overrides.sort_by?.length === 0) expect([...ids].sort()).toEqual(expected);
        else expect(ids).toEqual(expected);
      }
      // The JSON lines come a page at a time too.
      const chunks: string[] = [];
      for await (const chunk of store.queryCallsJsonLines(callsQuery({ columns: ['id'] })))
        chunks.push(chunk);
      const lines = chunks.map((chunk) => chunk.split('\n').length - 1);
      expect(lines.reduce((sum, count) => sum + count, 0)).toBe(TOTAL);
      expect(Math.max(...lines)).toBeLessThanOrEqual(MAX_PAGE_ROWS);
    });

    it('continues after the last call returned: calls written or deleted meanwhile repeat or skip none', async () => {
      const { store } = subject;
      await store.upsertCalls(manyCalls());
      const stream = store.queryCalls(callsQuery({ columns: ['id'] }))[Symbol.asyncIterator]();
      const ids: string[] = [];
      const first = await stream.next();
      if (!first.done) ids.push(first.value.id);
      // Before the first call returned: with pages continued by offset, it would shift the rest by
      // one and repeat a call. After the second page (read ahead at most one page): read later.
      const deleted = callId(TOTAL - 300);
      await store.upsertCalls([
        finished('before-all', { started_at: T0 - MS }),
        finished('after-all', { started_at: T0 + TOTAL * MS }),
      ]);
      expect(await store.deleteCalls(PROJECT, [deleted], T0 + TOTAL * MS)).toBe(1);
      for (let next = await stream.next(); !next.done; next = await stream.next()) ids.push(next.value.id);
      expect(ids).toEqual([...ALL_IDS.filter((id) => id !== deleted), 'after-all']);
    });

    it('reads the same first pages in the keyset orders however few of the nearest calls match', async () => {
      // A store may look for a keyset page among the calls nearest its place first and read
      // further only when too few of them match (storage/clickhouse/calls-window.ts). Here the
      // newest calls are deleted, most calls fail a filter on what their end carries, ten calls
      // start in each millisecond (ties at any window's edge), and every third call is a child.
      const { store } = subject;
      const count = 3000;
      const deletedFrom = 2600;
      // A few children fail, so their parents' status is descendant_error.
      const fails = (index: number) => index % 267 === 1;
      const keeps = (index: number) => (index % 97 === 0 || index < 3) && !fails(index);
      const startOf = (index: number) => T0 + Math.floor(index / 10) * MS;
      await store.upsertCalls(
        Array.from({ length: count }, (_, index) =>
          finished(
            callId(index),
            {
              started_at: startOf(index),
              parent_id: index % 3 === 1 ? callId(index - 1) : null,
            },
            fails(index) ? FAILS : { output_json: JSON.stringify({ keep: keeps(index) }) },
          ),
        ),
      );
      const newest = Array.from({ length: count - deletedFrom }, (_, offset) => callId(deletedFrom + offset));
      expect(await store.deleteCalls(PROJECT, newest, T0 + count * MS)).toBe(count - deletedFrom);

      const live = Array.from({ length: deletedFrom }, (_, index) => index);
      const kept = live.filter(keeps);
      const roots = live.filter((index) => index % 3 !== 1);
      const ids = (indexes: number[]) => indexes.map(callId);
      const keepQuery = parseQuery(
        { $expr: { $eq: [{ $getField: 'output.keep' }, { $literal: true }] } },
        resolveCallField,
      );
      const aboveFailures = parseQuery(
        { $expr: { $eq: [{ $getField: 'summary.weave.status' }, { $literal: 'descendant_error' }] } },
        resolveCallField,
      );
      const newestFirst = [{ field: 'started_at', direction: 'desc' }] as const;
      const cases: Array<[Partial<CallsQuery>, string[]]> = [
        [{ query: keepQuery, sort_by: [...newestFirst], limit: 20 }, ids([...kept].reverse().slice(0, 20))],
        [{ query: keepQuery, sort_by: [...newestFirst] }, ids([...kept].reverse())],
        [{ query: keepQuery, limit: 5, offset: 2 }, ids(kept.slice(2, 7))],
        [
          { query: keepQuery, sort_by: [{ field: 'id', direction: 'desc' }], limit: 25 },
          ids([...kept].reverse().slice(0, 25)),
        ],
        [{ sort_by: [...newestFirst], limit: 50 }, ids([...live].reverse().slice(0, 50))],
        // Second pages, after the first's last key: their windows start there.
        [{ limit: 1500 }, ids(live.slice(0, 1500))],
        [{ sort_by: [...newestFirst], limit: 1200 }, ids([...live].reverse().slice(0, 1200))],
        [
          { query: aboveFailures, sort_by: [...newestFirst], limit: 4 },
          ids(
            live
              .filter((index) => fails(index + 1))
              .reverse()
              .slice(0, 4),
          ),
        ],
        [
          { filter: { trace_roots_only: true }, sort_by: [...newestFirst], offset: 333, limit: 40 },
          ids([...roots].reverse().slice(333, 373)),
        ],
      ];
      for (const [overrides, expected] of cases) {
        expect(await idsOf(store, { ...overrides, columns: ['id'] })).toEqual(expected);
      }
    });

    it('holds nothing for a paused consumer: more paused streams than readers, and other reads answer', async () => {
      const { store } = subject;
      await store.upsertCalls(manyCalls());
      const table = tableOf(TOTAL);
      await store.createTable(PROJECT, 'big-table', table.digests, table.rows);
      // More than any backend has readers (SQLite: 4 by default), each stopped inside its first page.
      const calls = Array.from({ length: 6 }, () =>
        store.queryCalls(callsQuery({ columns: ['id'] }))[Symbol.asyncIterator](),
      );
      const tables = Array.from({ length: 6 }, () =>
        store
          .queryTable({
            project_id: PROJECT,
            digest: 'big-table',
            row_digests: null,
            sort_by: [],
            limit: null,
            offset: 0,
          })
          [Symbol.asyncIterator](),
      );
      for (const stream of calls) expect((await stream.next()).value?.id).toBe(callId(0));
      for (const stream of tables) expect((await stream.next()).value?.[0]?.digest).toBe('row-0');
      expect(await store.countCalls(countQuery())).toBe(TOTAL);
      expect(await store.readCall(PROJECT, callId(TOTAL - 1), ['id'])).toMatchObject({
        id: callId(TOTAL - 1),
      });
      expect(await store.readTableRow(PROJECT, 'big-table', 'row-7')).toBe(table.rows[7]?.val_json);
      // Each carries on where it stopped, to the end.
      for (const stream of calls) {
        let count = 1;
        while (!(await stream.next()).done) count += 1;
        expect(count).toBe(TOTAL);
      }
      for (const stream of tables) {
        let count = MAX_PAGE_ROWS;
        for (let page = await stream.next(); !page.done; page = await stream.next())
          count += page.value.length;
        expect(count).toBe(TOTAL);
      }
    });

    it('reads a table in pages of at most MAX_PAGE_ROWS rows, in order across them', async () => {
      const { store } = subject;
      const table = tableOf(TOTAL);
      await store.createTable(PROJECT, 'paged', table.digests, table.rows);
      const query = {
        project_id: PROJECT,
        digest: 'paged',
        row_digests: null,
        sort_by: [] as Array<{ path: string[]; direction: 'asc' | 'desc' }>,
        limit: null as number | null,
        offset: 0,
      };
      const sizes: number[] = [];
      for await (const page of store.queryTable(query)) sizes.push(page.length);
      expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(TOTAL);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_PAGE_ROWS);
      const indexes = async (extra: Partial<typeof query>) =>
        (await tableRows(store, { ...query, ...extra })).map((row) => row.original_index);
      const all = Array.from({ length: TOTAL }, (_, index) => index);
      expect(await indexes({})).toEqual(all);
      const byN = [...all].sort((a, b) => ((b * 7919) % TOTAL) - ((a * 7919) % TOTAL));
      expect(await indexes({ sort_by: [{ path: ['n'], direction: 'desc' }] })).toEqual(byN);
      const window = { offset: MAX_PAGE_ROWS - 1, limit: MAX_PAGE_ROWS + 2 };
      expect(await indexes(window)).toEqual(all.slice(MAX_PAGE_ROWS - 1, 2 * MAX_PAGE_ROWS + 1));
      expect(await indexes({ ...window, sort_by: [{ path: ['n'], direction: 'desc' }] })).toEqual(
        byN.slice(MAX_PAGE_ROWS - 1, 2 * MAX_PAGE_ROWS + 1),
      );
    });
  });
}
