/**
 * Contract: export and import, what `weft migrate` copies a store with. Calls export as the
 * upserts that store them again, every stored field kept; object versions export whole (deleted
 * ones, indexes, latest flags, labels) and import as they were; tables, rows and files are listed
 * by digest a page at a time; a project's contents are counted as stored. Each copy here goes
 * from one project of the store to another, so what is read back can be compared field by field.
 */
import { describe, expect, it } from 'vitest';
import { callToJson } from '../call-json.js';
import {
  CALL_COLUMNS,
  type CallUpsert,
  type ExportPage,
  type NewObjectVersion,
  type StoredPrice,
  type TraceStore,
} from '../trace-store.js';
import {
  collect,
  ended,
  FAILS,
  finished,
  idsOf,
  note,
  OTHER_PROJECT,
  PROJECT,
  SECOND,
  type StoreUnderTest,
  started,
  T0,
} from './call-fixtures.js';
import { tableRows } from './tables-contract.js';

const COPY = 'contract/copy';

/**
 * Every page of an export, asking for `limit` at a time, each continuing after the last key of the
 * one before. `size` is what the limit counts (items, or object names); no page may exceed it.
 */
async function exportAll<T>(
  read: (page: ExportPage) => Promise<T[]>,
  keyOf: (item: T) => string,
  limit: number,
  size: (page: T[]) => number = (page) => page.length,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let pages = 0;
  for (let after: string | null = null; ; ) {
    const page = await read({ after, limit });
    if (page.length === 0) return { items, pages };
    expect(size(page)).toBeLessThanOrEqual(limit);
    pages++;
    items.push(...page);
    after = keyOf(page[page.length - 1] as T);
  }
}

function toProject<T extends { project_id: string }>(items: readonly T[], project: string): T[] {
  return items.map((item) => ({ ...item, project_id: project }));
}

/** Calls as CallSchema JSON, project id left out, so copies compare with their originals. */
async function callsJson(store: TraceStore, project: string): Promise<string[]> {
  const calls = await collect(store, {
    project_id: project,
    sort_by: [{ field: 'id', direction: 'asc' }],
    columns: CALL_COLUMNS,
  });
  return calls.map((call) => callToJson({ ...call, project_id: '-' }));
}

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
    base_object_class: 'Dataset',
    leaf_object_class: 'Dataset',
    val_json: JSON.stringify({ digest, n: 1.5 }),
    created_at,
    wb_user_id: 'ada',
    ...extra,
  };
}

/** A history with a deleted version, a resurrected one, an op beside an object, tags and aliases. */
async function objectHistory(store: TraceStore): Promise<void> {
  await store.createObject(version('ds', 'd0', T0));
  await store.createObject(version('ds', 'd1', T0 + 1));
  await store.createObject(version('ds', 'd2', T0 + 2));
  await store.deleteObjectVersions(PROJECT, 'ds', [{ digest: 'd2' }], T0 + 3);
  // d0 again: live already, so it only becomes the latest, keeping index 0.
  await store.createObject(version('ds', 'd0', T0 + 4));
  await store.createObject(version('ds', 'op-d', T0 + 5, { kind: 'op', base_object_class: null }));
  await store.createObject(version('gone', 'g0', T0 + 6));
  await store.deleteObjectVersions(PROJECT, 'gone', null, T0 + 7);
  await store.createObject(version('back', 'b0', T0 + 8));
  await store.createObject(version('back', 'b1', T0 + 9));
  await store.deleteObjectVersions(PROJECT, 'back', [{ digest: 'b0' }], T0 + 10);
  await store.createObject(version('back', 'b0', T0 + 11));
  const labelled = (change: Promise<unknown>) => expect(change).resolves.toBe('done');
  await labelled(store.addObjectTags(PROJECT, 'ds', { digest: 'd1' }, ['gold', 'checked', 'temp'], T0 + 12));
  await labelled(store.removeObjectTags(PROJECT, 'ds', { digest: 'd1' }, ['temp']));
  // Moved from d0 to d1: only d1 has it.
  await labelled(store.setObjectAliases(PROJECT, 'ds', { digest: 'd0' }, ['production'], T0 + 13));
  await labelled(store.setObjectAliases(PROJECT, 'ds', { digest: 'd1' }, ['production'], T0 + 13));
  expect(await store.setObjectAliases(PROJECT, 'back', { digest: 'b0' }, ['staging'], T0 + 14)).toBe('done');
}

function projectPrice(id: string, project = PROJECT): StoredPrice {
  return {
    id,
    pricing_level: 'project',
    pricing_level_id: project,
    provider_id: 'default',
    llm_id: `model-${id}`,
    effective_date: T0,
    prompt_token_cost: 0.001,
    completion_token_cost: 0.002,
    cache_read_input_token_cost: null,
    cache_creation_input_token_cost: null,
    prompt_token_cost_unit: 'USD',
    completion_token_cost_unit: 'USD',
    created_by: 'tester',
    created_at: T0,
  };
}

export function describeMigration(subject: StoreUnderTest): void {
  describe('export and import (weft migrate)', () => {
    it('exports live calls by id, as the upserts that store every field again', async () => {
      const { store } = subject;
      const rich: CallUpsert = finished(
        'c-rich',
        {
          trace_id: 't-rich',
          parent_id: 'c-parent',
          display_name: 'first name',
          thread_id: 'thread-1',
          turn_id: 'turn-1',
          started_at: T0 + 5 * SECOND,
          attributes_json: '{"weave":{"client":"x"},"a":[1,2.5]}',
          inputs_json: '{"ds":"weave:///contract/alpha/object/ds:d1","big":123456789012345}',
          input_refs_json: '["weave:///contract/alpha/object/ds:d1"]',
          otel_dump_json: '{"span":{"name":"s"}}',
          wb_user_id: 'user-1',
          wb_run_id: 'run-1',
          wb_run_step: 7,
        },
        {
          output_json: '{"model":"weave:///contract/alpha/object/m:v1"}',
          output_refs_json: '["weave:///contract/alpha/object/m:v1"]',
          summary_json: '{"usage":{"m":{"requests":1}},"status_counts":{"error":1}}',
          summary_reports_error: true,
          wb_run_step_end: 9,
        },
      );
      await store.upsertCalls([
        rich,
        started('c-running', { started_at: T0 + SECOND }),
        finished('c-failed', { started_at: T0 + 2 * SECOND }, FAILS),
        finished('c-deleted', { started_at: T0 + 3 * SECOND }),
        ended('c-end-only'),
        finished('c-other', {}, {}, OTHER_PROJECT),
      ]);
      await store.deleteCalls(PROJECT, ['c-deleted'], T0 + 10 * SECOND);
      expect(await store.updateDisplayName(PROJECT, 'c-rich', 'renamed')).toBe(true);

      const { items, pages } = await exportAll(
        (page) => store.exportCalls(PROJECT, page),
        (call) => call.id,
        2,
      );
      expect(pages).toBeGreaterThanOrEqual(2);
      expect(items.map((call) => call.id)).toEqual(['c-failed', 'c-rich', 'c-running']);
      // The rename is the name the call has now; the end part names none of its own.
      const renamed = { ...rich, start: { ...rich.start, display_name: 'renamed' } };
      expect(items[1]).toEqual({ ...renamed, end: { ...rich.end, display_name: null } });
      expect(items[2]?.end).toBeUndefined();
      expect(items[0]?.end?.exception).toBe(FAILS.exception);
      expect(await store.exportCalls(PROJECT, { after: 'c-running', limit: 10 })).toEqual([]);
    });

    it('copies calls that read back identical: fields, names, statuses, refs, and again changes nothing', async () => {
      const { store } = subject;
      await store.upsertCalls([
        finished('root', {
          trace_id: 'tr',
          started_at: T0,
          display_name: 'start name',
          otel_dump_json: '{"resource":{"service":"s"}}',
        }),
        finished(
          'child',
          {
            trace_id: 'tr',
            parent_id: 'root',
            started_at: T0 + SECOND,
            input_refs_json: '["weave:///contract/alpha/object/ds:v1"]',
          },
          { ...FAILS, output_refs_json: '["weave:///contract/alpha/object/out:v1"]' },
        ),
        finished(
          'reported',
          { started_at: T0 + 2 * SECOND },
          {
            summary_json: '{"status_counts":{"error":2}}',
            summary_reports_error: true,
            display_name: 'end name',
          },
        ),
        started('running', { trace_id: 'tr', parent_id: 'root', started_at: T0 + 3 * SECOND }),
        finished('cleared', { started_at: T0 + 4 * SECOND, display_name: 'to clear' }),
      ]);
      await store.updateDisplayName(PROJECT, 'cleared', '');
      await store.updateDisplayName(PROJECT, 'root', 'renamed root');

      const exported = await store.exportCalls(PROJECT, { after: null, limit: 100 });
      await store.upsertCalls(toProject(exported, COPY));
      const original = await callsJson(store, PROJECT);
      expect(original).toHaveLength(5);
      expect(await callsJson(store, COPY)).toEqual(original);
      expect(JSON.parse(original.find((call) => call.includes('"id":"root"')) ?? '{}')).toMatchObject({
        display_name: 'renamed root',
        summary: { weave: { status: 'descendant_error' } },
      });
      // What reads cannot show (refs, the client's roll-up, the otel dump) exports the same.
      expect(toProject(await store.exportCalls(COPY, { after: null, limit: 100 }), PROJECT)).toEqual(
        exported,
      );
      expect(
        await idsOf(store, {
          project_id: COPY,
          filter: { input_refs: ['weave:///contract/alpha/object/ds:v1'] },
        }),
      ).toEqual(['child']);
      expect(
        await idsOf(store, {
          project_id: COPY,
          filter: { output_refs: ['weave:///contract/alpha/object/out:v1'] },
        }),
      ).toEqual(['child']);

      // A batch sent twice (a resumed copy) stores nothing new.
      await store.upsertCalls(toProject(exported, COPY));
      expect(await callsJson(store, COPY)).toEqual(original);
      expect(await store.countCalls({ project_id: COPY, filter: {}, query: null, limit: null })).toBe(5);
    });

    it('exports every object version with its index, latest flag, deletion and labels, a page of names at a time', async () => {
      const { store } = subject;
      await objectHistory(store);
      const { items, pages } = await exportAll(
        (page) => store.exportObjectVersions(PROJECT, page),
        (object) => object.object_id,
        1,
        (page) => new Set(page.map((object) => object.object_id)).size,
      );
      // One name a page: every version of a name comes in the page of its name.
      expect(pages).toBe(3);
      const brief = items.map((object) => [
        object.object_id,
        object.kind,
        object.digest,
        object.version_index,
        object.is_latest,
        object.deleted_at,
        object.tags,
        object.aliases,
      ]);
      expect(brief).toEqual([
        ['back', 'object', 'b0', 2, true, null, [], ['staging']],
        ['back', 'object', 'b1', 1, false, null, [], []],
        ['ds', 'object', 'd0', 0, true, null, [], []],
        ['ds', 'object', 'd1', 1, false, null, ['checked', 'gold'], ['production']],
        ['ds', 'object', 'd2', 2, false, T0 + 3, [], []],
        ['ds', 'op', 'op-d', 0, true, null, [], []],
        ['gone', 'object', 'g0', 0, false, T0 + 7, [], []],
      ]);
      expect(items[3]).toMatchObject({
        project_id: PROJECT,
        base_object_class: 'Dataset',
        leaf_object_class: 'Dataset',
        val_json: '{"digest":"d1","n":1.5}',
        created_at: T0 + 1,
        wb_user_id: 'ada',
      });
      // A resurrected version was created again.
      expect(items[0]?.created_at).toBe(T0 + 11);
    });

    it('imports object versions as they were: indexes are never reused, and again changes nothing', async () => {
      const { store } = subject;
      await objectHistory(store);
      const exported = await store.exportObjectVersions(PROJECT, { after: null, limit: 100 });
      const copied = toProject(exported, COPY);
      // Names in two pages, as a copy sends them.
      await store.importObjectVersions(
        COPY,
        copied.filter((object) => object.object_id < 'd'),
      );
      await store.importObjectVersions(
        COPY,
        copied.filter((object) => object.object_id >= 'd'),
      );
      const reExport = () => store.exportObjectVersions(COPY, { after: null, limit: 100 });
      expect(await reExport()).toEqual(copied);
      await store.importObjectVersions(COPY, copied);
      expect(await reExport()).toEqual(copied);

      const live = { project_id: COPY, sort_by: [], limit: null, offset: 0, include_tags_and_aliases: true };
      const strip = <T extends { project_id: string }>(objects: readonly T[]) =>
        objects.map(({ project_id: _project, ...object }) => object);
      expect(strip(await store.queryObjects(live))).toEqual(
        strip(await store.queryObjects({ ...live, project_id: PROJECT })),
      );
      expect(await store.readObject(COPY, 'ds', { alias: 'production' })).toMatchObject({ digest: 'd1' });
      expect(await store.readObject(COPY, 'ds', { latest: true, kind: 'object' })).toMatchObject({
        digest: 'd0',
      });
      expect(await store.listTags(COPY)).toEqual(['checked', 'gold']);
      expect(await store.listAliases(COPY)).toEqual(['production', 'staging']);

      // The deleted d2 held index 2: a new version takes 3, and d2 coming back takes 4.
      expect(await store.createObject(version('ds', 'd3', T0 + 20, { project_id: COPY }))).toEqual({
        version_index: 3,
      });
      expect(await store.createObject(version('ds', 'd2', T0 + 21, { project_id: COPY }))).toEqual({
        version_index: 4,
      });
      expect(await store.readObject(COPY, 'ds', { latest: true, kind: 'object' })).toMatchObject({
        digest: 'd2',
      });
      // Deleting the latest moves it to the newest survivor (created last), as in the original.
      await store.deleteObjectVersions(COPY, 'ds', [{ digest: 'd2' }, { digest: 'd3' }], T0 + 22);
      expect(await store.readObject(COPY, 'ds', { latest: true, kind: 'object' })).toMatchObject({
        digest: 'd1',
      });
      expect(await store.createObject(version('gone', 'g1', T0 + 23, { project_id: COPY }))).toEqual({
        version_index: 1,
      });
    });

    it('lists tables, rows and files by digest a page at a time, and copies tables from them', async () => {
      const { store } = subject;
      const row = (digest: string, value: unknown) => ({ digest, val_json: JSON.stringify(value) });
      await store.createTable(
        PROJECT,
        't2',
        ['r1', 'r2', 'r1'],
        [row('r1', { a: 1 }), row('r2', { a: 2.5 })],
      );
      await store.createTable(PROJECT, 't1', ['r3'], [row('r3', { b: 'x' })]);
      await store.createTable(PROJECT, 't3', [], []);
      await store.createTable(OTHER_PROJECT, 't0', ['r0'], [row('r0', {})]);
      await store.createFile(PROJECT, 'f2', 'two.txt', new Uint8Array([2]));
      await store.createFile(PROJECT, 'f1', 'one.txt', new Uint8Array([1, 0, 255]));
      await store.createFile(OTHER_PROJECT, 'f0', 'zero.txt', new Uint8Array([0]));

      const tables = await exportAll(
        (page) => store.listTableDigests(PROJECT, page),
        (digest) => digest,
        2,
      );
      expect(tables.items).toEqual(['t1', 't2', 't3']);
      expect(tables.pages).toBeGreaterThanOrEqual(2);
      const rows = await exportAll(
        (page) => store.exportTableRows(PROJECT, page),
        (item) => item.digest,
        2,
      );
      expect(rows.items).toEqual([row('r1', { a: 1 }), row('r2', { a: 2.5 }), row('r3', { b: 'x' })]);
      expect(rows.pages).toBeGreaterThanOrEqual(2);
      const files = await exportAll(
        (page) => store.listFileDigests(PROJECT, page),
        (digest) => digest,
        1,
      );
      expect(files).toEqual({ items: ['f1', 'f2'], pages: 2 });

      await store.importTableRows(COPY, rows.items);
      await store.importTableRows(COPY, rows.items);
      expect(await store.exportTableRows(COPY, { after: null, limit: 10 })).toEqual(rows.items);
      for (const digest of tables.items) {
        const rowDigests = (await store.tableRowDigests(PROJECT, digest)) ?? [];
        expect(await store.createTableFromRowDigests(COPY, digest, rowDigests)).toBeUndefined();
      }
      const query = { row_digests: null, sort_by: [], limit: null, offset: 0 };
      for (const digest of tables.items) {
        expect(await tableRows(store, { ...query, project_id: COPY, digest })).toEqual(
          await tableRows(store, { ...query, project_id: PROJECT, digest }),
        );
      }
      expect(await store.tableRowCount(COPY, 't3')).toBe(0);
    });

    it("counts a project's contents as stored: deleted object versions, tables, rows, files, feedback, own prices", async () => {
      const { store } = subject;
      const empty = {
        object_versions: 0,
        tables: 0,
        table_rows: 0,
        files: 0,
        feedback: 0,
        prices: 0,
      };
      expect(await store.countProjectContents(PROJECT)).toEqual(empty);
      await objectHistory(store);
      await store.createTable(
        PROJECT,
        't1',
        ['r1', 'r2', 'r1'],
        [
          { digest: 'r1', val_json: '1' },
          { digest: 'r2', val_json: '2' },
        ],
      );
      await store.createTable(PROJECT, 't1', ['r1', 'r2', 'r1'], []);
      await store.createFile(PROJECT, 'f1', 'one', new Uint8Array([1]));
      await store.createFile(PROJECT, 'f1', 'one', new Uint8Array([1]));
      await store.upsertCalls([finished('a'), finished('b')]);
      await store.createFeedback([note('n1', 'a'), note('n2', 'b'), note('n3', 'a')]);
      await store.purgeFeedback(PROJECT, ['n3']);
      await store.createPrices([projectPrice('p1'), projectPrice('p2'), projectPrice('p3', OTHER_PROJECT)]);
      await store.replaceDefaultPrices([
        { ...projectPrice('d1'), pricing_level: 'default', pricing_level_id: 'default' },
      ]);
      expect(await store.countProjectContents(PROJECT)).toEqual({
        object_versions: 7,
        tables: 1,
        table_rows: 2,
        files: 1,
        feedback: 2,
        prices: 2,
      });
      expect(await store.countProjectContents(COPY)).toEqual(empty);
    });
  });
}
