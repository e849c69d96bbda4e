/**
 * Export and import for copying a store (`weft migrate`) on ClickHouse. Pages continue after a
 * key that leads the tables' sort keys (call id, object name, digest), so each page reads a range
 * of the primary key: first the page's keys from the narrow key columns, then the page's rows.
 *
 * Calls are read merged, as every calls read combines a call's parts (calls-schema.ts); object
 * versions under FINAL with the labels of their live incarnations (objects-schema.ts). Importing
 * object versions writes their stored state as it is, in the objects module's write queue and
 * with its clock (objects.ts), so a later change there sees them as its own.
 */

import { callUpsertOf, type ExportedCallRow } from '../call-export.js';
import type {
  CallUpsert,
  ExportedObjectVersion,
  ExportPage,
  ObjectKind,
  ProjectContents,
  TableRow,
} from '../trace-store.js';
import type { ClickHouseContext } from './context.js';
import { ObjectHistory, type VersionState } from './object-history.js';
import { type ClickHouseObjects, storedObjectOf } from './objects.js';
import { chunksByLength, insertRows, QueryParams, selectRows } from './query-helpers.js';

/**
 * A call's stored columns read merged, each under an alias of its own (an alias equal to the
 * column it aggregates would be read back into other expressions by some ClickHouse versions).
 */
const CALL_COLUMNS = [
  'trace_id',
  'parent_id',
  'op_name',
  'thread_id',
  'turn_id',
  'started_at',
  'attributes_dump',
  'inputs_dump',
  'input_refs_dump',
  'otel_dump',
  'wb_user_id',
  'wb_run_id',
  'wb_run_step',
  'ended_at',
  'exception',
  'output_dump',
  'output_refs_dump',
  'summary_dump',
  'summary_reports_error',
  'wb_run_step_end',
] as const;

type CallRow = { id: string; merged_display_name: string | null } & {
  [Column in (typeof CALL_COLUMNS)[number] as `merged_${Column}`]: Column extends
    | 'started_at'
    | 'ended_at'
    | 'wb_run_step'
    | 'wb_run_step_end'
    | 'summary_reports_error'
    ? number | null
    : string | null;
};

interface ObjectRow extends VersionState {
  object_id: string;
  val_dump: string;
}

interface LabelRow {
  object_id: string;
  kind: ObjectKind;
  digest: string;
  version_index: number;
  label: string;
}

const incarnation = (row: { object_id: string; kind: string; digest: string; version_index: number }) =>
  JSON.stringify([row.object_id, row.kind, row.digest, row.version_index]);

/** The condition that a key comes after `after` (every key when it is null: the first page). */
function afterKey(params: QueryParams, column: string, after: string | null): string {
  if (after === null) return 'true';
  return `${column} > ${params.bind(after, 'String')}`;
}

/**
 * The merged row under the SQLite store's column names: `merged_` dropped, and the `_dump` of
 * the JSON columns (otel_dump is named so on both).
 */
function exportedRow(row: CallRow): ExportedCallRow {
  const plain: Record<string, unknown> = { id: row.id };
  for (const [key, value] of Object.entries(row)) {
    if (!key.startsWith('merged_')) continue;
    const column = key.slice('merged_'.length);
    plain[column === 'otel_dump' ? column : column.replace(/_dump$/, '')] = value;
  }
  return plain as unknown as ExportedCallRow;
}

export class ClickHouseTransfer {
  constructor(
    readonly context: ClickHouseContext,
    private readonly objects: ClickHouseObjects,
  ) {}

  private table(name: string): string {
    return this.context.table(name);
  }

  async exportCalls(projectId: string, page: ExportPage): Promise<CallUpsert[]> {
    // A range of ids read in the table's order (ClickHouse stops reading at the LIMIT), then the
    // calls of that range merged: aggregating every call after the key and keeping the first ones
    // would read the rest of the project for each page. A range whose calls are all deleted or
    // never started gives none: the next range is read, so an empty answer means the end.
    for (let after = page.after; ; ) {
      const ids = await this.keysAfter('calls', 'id', projectId, { after, limit: page.limit });
      const last = ids[ids.length - 1];
      if (last === undefined) return [];
      const calls = await this.callsBetween(projectId, after, last);
      if (calls.length > 0) return calls;
      after = last;
    }
  }

  /** The live calls with an id after `after` and up to `last`, merged, in id order. */
  private async callsBetween(projectId: string, after: string | null, last: string): Promise<CallUpsert[]> {
    const columns = CALL_COLUMNS.map((column) => `any(${column}) AS merged_${column}`).join(', ');
    const params = new QueryParams();
    const rows = await selectRows<CallRow>(
      this.context,
      `SELECT id, ${columns}, nullIf(argMaxMerge(display_name), '') AS merged_display_name
       FROM ${this.table('calls')}
       WHERE project_id = ${params.bind(projectId, 'String')} AND ${afterKey(params, 'id', after)}
         AND id <= ${params.bind(last, 'String')}
       GROUP BY id HAVING any(started_at) IS NOT NULL AND max(deleted_at) IS NULL
       ORDER BY id`,
      params,
    );
    return rows.map((row) => callUpsertOf(projectId, exportedRow(row)));
  }

  async exportObjectVersions(projectId: string, page: ExportPage): Promise<ExportedObjectVersion[]> {
    const names = await this.keysAfter('objects', 'object_id', projectId, page);
    if (names.length === 0) return [];
    const params = new QueryParams();
    const project = params.bind(projectId, 'String');
    const named = params.bind(names, 'Array(String)');
    const rows = await selectRows<ObjectRow>(
      this.context,
      `SELECT object_id, kind, digest, version_index, base_object_class, leaf_object_class, val_dump,
         created_at, deleted_at, wb_user_id, made_latest
       FROM ${this.table('objects')} FINAL
       WHERE project_id = ${project} AND object_id IN ${named}
       ORDER BY object_id, kind, digest`,
      params,
    );
    // Which version is latest is decided per name, among its live versions (object-history.ts).
    const histories = new Map<string, ObjectHistory>();
    for (const name of names) {
      histories.set(name, new ObjectHistory(rows.filter((row) => row.object_id === name)));
    }
    const tags = await this.labelsOf(projectId, names, 'object_tags', 'tag');
    const aliases = await this.labelsOf(projectId, names, 'object_aliases', 'alias');
    return rows.map((row) => {
      // A label counts while the incarnation it names is live: a deleted version has none.
      const live = row.deleted_at === null;
      return {
        ...storedObjectOf(projectId, {
          ...row,
          is_latest: histories.get(row.object_id)?.isLatest(row) ? 1 : 0,
        }),
        tags: live ? (tags.get(incarnation(row)) ?? []) : [],
        aliases: live ? (aliases.get(incarnation(row)) ?? []) : [],
      };
    });
  }

  /** The labels of the names' versions by incarnation, each list in code point order. */
  private async labelsOf(
    projectId: string,
    names: readonly string[],
    table: 'object_tags' | 'object_aliases',
    column: 'tag' | 'alias',
  ): Promise<Map<string, string[]>> {
    const labels = new Map<string, string[]>();
    for (const chunk of chunksByLength(names)) {
      const params = new QueryParams();
      const rows = await selectRows<LabelRow>(
        this.context,
        `SELECT object_id, kind, digest, version_index, ${column} AS label FROM ${this.table(table)} FINAL
         WHERE project_id = ${params.bind(projectId, 'String')} AND object_id IN ${params.bind(chunk, 'Array(String)')}
         ORDER BY label`,
        params,
      );
      for (const row of rows) {
        const key = incarnation(row);
        labels.set(key, [...(labels.get(key) ?? []), row.label]);
      }
    }
    return labels;
  }

  importObjectVersions(projectId: string, versions: readonly ExportedObjectVersion[]): Promise<void> {
    if (versions.length === 0) return Promise.resolve();
    return this.objects.exclusive(async (nextVersion) => {
      const rowVersion = nextVersion();
      // The latest of a kind is the live version made latest last: each latest one gets this
      // write's clock, the others 0, so that it stays latest until a later change.
      await insertRows(
        this.context,
        'objects',
        versions.map((version) => ({
          project_id: projectId,
          object_id: version.object_id,
          kind: version.kind,
          digest: version.digest,
          version_index: version.version_index,
          base_object_class: version.base_object_class,
          leaf_object_class: version.leaf_object_class,
          val_dump: version.val_json,
          created_at: version.created_at,
          deleted_at: version.deleted_at,
          wb_user_id: version.wb_user_id,
          made_latest: version.is_latest && version.deleted_at === null ? rowVersion : 0,
          row_version: rowVersion,
        })),
      );
      const live = versions.filter((version) => version.deleted_at === null);
      // When a label was set is not kept in an export: the version's creation stands in for it.
      const labelRows = (version: ExportedObjectVersion) => ({
        project_id: projectId,
        object_id: version.object_id,
        kind: version.kind,
        digest: version.digest,
        version_index: version.version_index,
        created_at: version.created_at,
        removed: 0,
        row_version: rowVersion,
      });
      await insertRows(
        this.context,
        'object_tags',
        live.flatMap((version) => version.tags.map((tag) => ({ ...labelRows(version), tag }))),
      );
      await insertRows(
        this.context,
        'object_aliases',
        live.flatMap((version) => version.aliases.map((alias) => ({ ...labelRows(version), alias }))),
      );
    });
  }

  listTableDigests(projectId: string, page: ExportPage): Promise<string[]> {
    return this.keysAfter('tables', 'digest', projectId, page);
  }

  async exportTableRows(projectId: string, page: ExportPage): Promise<TableRow[]> {
    const digests = await this.keysAfter('table_rows', 'digest', projectId, page);
    if (digests.length === 0) return [];
    const params = new QueryParams();
    // A row stored twice reads once (content-addressed: the copies are equal).
    return selectRows<TableRow>(
      this.context,
      `SELECT digest, any(val_dump) AS val_json FROM ${this.table('table_rows')}
       WHERE project_id = ${params.bind(projectId, 'String')} AND digest IN ${params.bind(digests, 'Array(String)')}
       GROUP BY digest ORDER BY digest`,
      params,
    );
  }

  importTableRows(projectId: string, rows: readonly TableRow[]): Promise<void> {
    // Rows stored already merge away with these (same key, same content).
    return insertRows(
      this.context,
      'table_rows',
      rows.map((row) => ({ project_id: projectId, digest: row.digest, val_dump: row.val_json })),
    );
  }

  listFileDigests(projectId: string, page: ExportPage): Promise<string[]> {
    return this.keysAfter('files', 'digest', projectId, page);
  }

  async countProjectContents(projectId: string): Promise<ProjectContents> {
    const params = new QueryParams();
    const project = params.bind(projectId, 'String');
    const [row] = await selectRows<Record<keyof ProjectContents, number>>(
      this.context,
      `SELECT
         (SELECT count() FROM ${this.table('objects')} FINAL WHERE project_id = ${project}) AS object_versions,
         (SELECT uniqExact(digest) FROM ${this.table('tables')} WHERE project_id = ${project}) AS tables,
         (SELECT uniqExact(digest) FROM ${this.table('table_rows')} WHERE project_id = ${project}) AS table_rows,
         (SELECT uniqExact(digest) FROM ${this.table('files')} WHERE project_id = ${project}) AS files,
         (SELECT count() FROM ${this.table('feedback')} FINAL WHERE project_id = ${project}) AS feedback,
         (SELECT count() FROM ${this.table('llm_prices')} FINAL
           WHERE pricing_level_id = ${project} AND pricing_level = 'project') AS prices`,
      params,
    );
    return {
      object_versions: Number(row?.object_versions ?? 0),
      tables: Number(row?.tables ?? 0),
      table_rows: Number(row?.table_rows ?? 0),
      files: Number(row?.files ?? 0),
      feedback: Number(row?.feedback ?? 0),
      prices: Number(row?.prices ?? 0),
    };
  }

  /**
   * Keys of a project's table after `page.after`, in order, from at most `page.limit` rows: read
   * in the table's order, so ClickHouse stops at the limit. Rows of one key not merged yet count
   * once each, so a page may hold fewer keys, but never none while there are more.
   */
  private async keysAfter(
    table: 'calls' | 'objects' | 'tables' | 'table_rows' | 'files',
    column: 'id' | 'object_id' | 'digest',
    projectId: string,
    page: ExportPage,
  ): Promise<string[]> {
    const params = new QueryParams();
    const rows = await selectRows<{ key: string }>(
      this.context,
      `SELECT ${column} AS key FROM ${this.table(table)}
       WHERE project_id = ${params.bind(projectId, 'String')} AND ${afterKey(params, column, page.after)}
       ORDER BY ${column} LIMIT ${params.bind(page.limit, 'UInt64')}`,
      params,
    );
    return [...new Set(rows.map((row) => row.key))];
  }
}
