/**
 * Export and import for copying a store (`weft migrate`): the rows as stored, read and written on
 * the writer's connection a page at a time. Pages continue after a key (call id, object name,
 * digest), each a range of a primary key or unique index, so a page costs what it returns however
 * far the copy has come. Only `weft migrate` uses these, with no server on the store.
 */
import type Database from 'better-sqlite3';
import { callUpsertOf, type ExportedCallRow } from '../call-export.js';
import type {
  CallUpsert,
  ExportedObjectVersion,
  ExportPage,
  ObjectKind,
  ProjectContents,
  TableRow,
} from '../trace-store.js';
import { ObjectLabels } from './object-labels.js';

interface ObjectRow {
  object_id: string;
  kind: ObjectKind;
  digest: string;
  version_index: number;
  is_latest: number;
  base_object_class: string | null;
  leaf_object_class: string | null;
  val: string;
  created_at: number;
  deleted_at: number | null;
  wb_user_id: string | null;
}

/** Named parameters of a paged statement (only those: better-sqlite3 binds what it is given). */
function pageParams(projectId: string, page: ExportPage) {
  return { project: projectId, after: page.after, limit: page.limit };
}

export class SqliteTransfer {
  private readonly statements;
  private readonly labels: ObjectLabels;

  constructor(db: Database.Database) {
    this.labels = new ObjectLabels(db);
    // `@after IS NULL OR key > @after` keeps one statement for the first page and the rest.
    this.statements = {
      calls: db.prepare(
        `SELECT id, trace_id, parent_id, op_name, display_name, thread_id, turn_id, started_at, attributes,
           inputs, input_refs, otel_dump, wb_user_id, wb_run_id, wb_run_step, ended_at, exception, output,
           output_refs, summary, summary_reports_error, wb_run_step_end
         FROM calls
         WHERE project_id = @project AND (@after IS NULL OR id > @after)
           AND started_at IS NOT NULL AND deleted_at IS NULL
         ORDER BY id LIMIT @limit`,
      ),
      objects: db.prepare(
        `SELECT object_id, kind, digest, version_index, is_latest, base_object_class, leaf_object_class, val,
           created_at, deleted_at, wb_user_id
         FROM objects
         WHERE project_id = @project AND object_id IN (
           SELECT DISTINCT object_id FROM objects WHERE project_id = @project AND (@after IS NULL OR object_id > @after)
           ORDER BY object_id LIMIT @limit)
         ORDER BY object_id, kind, digest`,
      ),
      // Any other version of its kind made latest first, so the import leaves one latest.
      clearLatest: db.prepare(
        `UPDATE objects SET is_latest = 0
         WHERE project_id = ? AND object_id = ? AND kind = ? AND digest <> ? AND is_latest = 1`,
      ),
      importObject: db.prepare(
        `INSERT INTO objects (project_id, object_id, kind, digest, version_index, is_latest, base_object_class,
           leaf_object_class, val, created_at, deleted_at, wb_user_id)
         VALUES (@project_id, @object_id, @kind, @digest, @version_index, @is_latest, @base_object_class,
           @leaf_object_class, @val_json, @created_at, @deleted_at, @wb_user_id)
         ON CONFLICT (project_id, object_id, kind, digest) DO UPDATE SET version_index = excluded.version_index,
           is_latest = excluded.is_latest, base_object_class = excluded.base_object_class,
           leaf_object_class = excluded.leaf_object_class, val = excluded.val, created_at = excluded.created_at,
           deleted_at = excluded.deleted_at, wb_user_id = excluded.wb_user_id`,
      ),
      tableDigests: db
        .prepare(
          `SELECT digest FROM tables WHERE project_id = @project AND (@after IS NULL OR digest > @after)
           ORDER BY digest LIMIT @limit`,
        )
        .pluck(),
      tableRows: db.prepare(
        `SELECT digest, val AS val_json FROM table_rows
         WHERE project_id = @project AND (@after IS NULL OR digest > @after) ORDER BY digest LIMIT @limit`,
      ),
      importRow: db.prepare('INSERT OR IGNORE INTO table_rows (project_id, digest, val) VALUES (?, ?, ?)'),
      fileDigests: db
        .prepare(
          `SELECT digest FROM files WHERE project_id = @project AND (@after IS NULL OR digest > @after)
           ORDER BY digest LIMIT @limit`,
        )
        .pluck(),
      contents: db.prepare(
        `SELECT (SELECT count(*) FROM objects WHERE project_id = @project) AS object_versions,
           (SELECT count(*) FROM tables WHERE project_id = @project) AS tables,
           (SELECT count(*) FROM table_rows WHERE project_id = @project) AS table_rows,
           (SELECT count(*) FROM files WHERE project_id = @project) AS files,
           (SELECT count(*) FROM feedback WHERE project_id = @project) AS feedback,
           (SELECT count(*) FROM llm_prices WHERE pricing_level = 'project' AND pricing_level_id = @project) AS prices`,
      ),
    };
  }

  exportCalls(projectId: string, page: ExportPage): CallUpsert[] {
    const rows = this.statements.calls.all(pageParams(projectId, page)) as ExportedCallRow[];
    return rows.map((row) => callUpsertOf(projectId, row));
  }

  exportObjectVersions(projectId: string, page: ExportPage): ExportedObjectVersion[] {
    const rows = this.statements.objects.all(pageParams(projectId, page)) as ObjectRow[];
    // Deleting a version removed its labels: only live ones have any.
    const labels = this.labels.of(
      projectId,
      rows.filter((row) => row.deleted_at === null),
    );
    return rows.map(({ val, is_latest, ...row }) => ({
      ...row,
      project_id: projectId,
      val_json: val,
      is_latest: is_latest === 1,
      ...ObjectLabels.lookup(labels, row),
    }));
  }

  /** The caller runs this in a write transaction. */
  importObjectVersions(projectId: string, versions: readonly ExportedObjectVersion[]): void {
    for (const version of versions) {
      if (version.is_latest) {
        this.statements.clearLatest.run(projectId, version.object_id, version.kind, version.digest);
      }
      this.statements.importObject.run({
        project_id: projectId,
        object_id: version.object_id,
        kind: version.kind,
        digest: version.digest,
        version_index: version.version_index,
        is_latest: version.is_latest ? 1 : 0,
        base_object_class: version.base_object_class,
        leaf_object_class: version.leaf_object_class,
        val_json: version.val_json,
        created_at: version.created_at,
        deleted_at: version.deleted_at,
        wb_user_id: version.wb_user_id,
      });
      if (version.deleted_at !== null) continue;
      // When a label was set is not kept in an export: the version's creation stands in for it.
      this.labels.addTags(projectId, version, version.tags, version.created_at);
      this.labels.setAliases(projectId, version, version.aliases, version.created_at);
    }
  }

  listTableDigests(projectId: string, page: ExportPage): string[] {
    return this.statements.tableDigests.all(pageParams(projectId, page)) as string[];
  }

  exportTableRows(projectId: string, page: ExportPage): TableRow[] {
    return this.statements.tableRows.all(pageParams(projectId, page)) as TableRow[];
  }

  /** The caller runs this in a write transaction. */
  importTableRows(projectId: string, rows: readonly TableRow[]): void {
    for (const row of rows) this.statements.importRow.run(projectId, row.digest, row.val_json);
  }

  listFileDigests(projectId: string, page: ExportPage): string[] {
    return this.statements.fileDigests.all(pageParams(projectId, page)) as string[];
  }

  countProjectContents(projectId: string): ProjectContents {
    return this.statements.contents.get({ project: projectId }) as ProjectContents;
  }
}
