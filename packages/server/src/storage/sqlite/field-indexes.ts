/**
 * Indexed JSON fields (`weft index add inputs.model`). Filtering on a JSON path otherwise reads
 * every call of the project; an indexed field gets a generated column holding the field's text
 * (the exact expression queries use) and an index on (project, text, start time), and the query
 * compiler reads that column instead. The registry lives in the `field_indexes` table; query
 * connections reload it when the schema changes, so a running server picks up new indexes.
 */
import { InvalidRequest, resolveCallField } from '@weft/protocol';
import type Database from 'better-sqlite3';
import type { JsonPath } from '../../query/dialect.js';
import { sqliteCallsDialect, sqliteJsonPath, sqliteJsonText } from '../../query/dialects/sqlite.js';
import type { QueryCompileContext } from '../../query/query-expr.js';
import { compileSql, rawSql, type Sql } from '../../query/sql.js';

/** Generated column names are ours alone; checked again before they go into SQL text. */
const COLUMN_NAME = /^field_index_\d+$/;

interface FieldIndexRow {
  field: string;
  json_column: string;
  json_path: string;
  column_name: string;
}

function registryKey(jsonColumn: string, jsonPath: string): string {
  return `${jsonColumn}\u0000${jsonPath}`;
}

/** A JSON field that can be indexed: its column and SQLite path, or a 400 saying why not. */
function indexableField(field: string): { jsonColumn: string; jsonPath: string } {
  const resolved = resolveCallField(field);
  if (resolved.kind !== 'json' || resolved.path.length === 0) {
    throw new InvalidRequest(
      `only fields inside inputs, output, attributes or summary can be indexed (columns and summary.weave fields already are); got ${JSON.stringify(field)}`,
    );
  }
  // Keys are JSON-escaped in the path (control characters included) and the path is then quoted
  // as an SQL string literal, so any key is safe in the schema.
  const jsonPath = sqliteJsonPath(resolved.path);
  return { jsonColumn: resolved.column, jsonPath };
}

function sqlStringLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export function listFieldIndexes(db: Database.Database): string[] {
  return db.prepare('SELECT field FROM field_indexes ORDER BY field').pluck().all() as string[];
}

/** Adds an index for a JSON field; false when it already had one. Takes a write lock while it builds. */
export function addFieldIndex(db: Database.Database, field: string): boolean {
  const { jsonColumn, jsonPath } = indexableField(field);
  const add = db.transaction(() => {
    const existing = db
      .prepare('SELECT 1 FROM field_indexes WHERE json_column = ? AND json_path = ?')
      .get(jsonColumn, jsonPath);
    if (existing) return false;
    const next = db
      .prepare(
        `SELECT COALESCE(MAX(CAST(substr(column_name, ${'field_index_'.length + 1}) AS INTEGER)), 0) + 1 FROM field_indexes`,
      )
      .pluck()
      .get() as number;
    const columnName = `field_index_${next}`;
    const expression = compileSql(
      sqliteJsonText(rawSql(jsonColumn), rawSql(sqlStringLiteral(jsonPath))),
      sqliteCallsDialect.placeholder,
    );
    if (expression.params.length > 0) throw new Error('a generated column cannot take parameters');
    db.exec(`ALTER TABLE calls ADD COLUMN ${columnName} TEXT GENERATED ALWAYS AS ${expression.text} VIRTUAL`);
    db.exec(
      `CREATE INDEX calls_${columnName} ON calls (project_id, ${columnName}, started_at, id) WHERE deleted_at IS NULL`,
    );
    db.prepare(
      'INSERT INTO field_indexes (field, json_column, json_path, column_name) VALUES (?, ?, ?, ?)',
    ).run(field, jsonColumn, jsonPath, columnName);
    return true;
  });
  // BEGIN IMMEDIATE: a running server's call writer may be writing (see SqliteTraceStore.write).
  return add.immediate();
}

/** Removes a field's index and its generated column; false when the field had none. */
export function dropFieldIndex(db: Database.Database, field: string): boolean {
  const { jsonColumn, jsonPath } = indexableField(field);
  const drop = db.transaction(() => {
    const row = db
      .prepare('SELECT column_name FROM field_indexes WHERE json_column = ? AND json_path = ?')
      .get(jsonColumn, jsonPath) as { column_name: string } | undefined;
    if (!row) return false;
    if (!COLUMN_NAME.test(row.column_name)) throw new Error(`unexpected column name ${row.column_name}`);
    db.exec(`DROP INDEX IF EXISTS calls_${row.column_name}`);
    db.exec(`ALTER TABLE calls DROP COLUMN ${row.column_name}`);
    db.prepare('DELETE FROM field_indexes WHERE column_name = ?').run(row.column_name);
    return true;
  });
  // BEGIN IMMEDIATE: a running server's call writer may be writing (see SqliteTraceStore.write).
  return drop.immediate();
}

/**
 * The compile context for one query connection: the dialect plus the indexed fields, reloaded
 * whenever the schema version changes (an index added or dropped by another process).
 */
export class QueryContextCache {
  private schemaVersion = -1;
  private context: QueryCompileContext = { dialect: sqliteCallsDialect };

  constructor(private readonly db: Database.Database) {}

  current(): QueryCompileContext {
    const version = this.db.pragma('schema_version', { simple: true }) as number;
    if (version !== this.schemaVersion) {
      this.schemaVersion = version;
      this.context = this.load();
    }
    return this.context;
  }

  private load(): QueryCompileContext {
    const rows = this.db.prepare('SELECT * FROM field_indexes').all() as FieldIndexRow[];
    if (rows.length === 0) return { dialect: sqliteCallsDialect };
    const columns = new Map<string, Sql>();
    for (const row of rows) {
      if (COLUMN_NAME.test(row.column_name)) {
        columns.set(registryKey(row.json_column, row.json_path), rawSql(`calls.${row.column_name}`));
      }
    }
    return {
      dialect: sqliteCallsDialect,
      indexedJsonText: (jsonColumn: string, path: JsonPath) =>
        columns.get(registryKey(jsonColumn, sqliteJsonPath(path))),
    };
  }
}
