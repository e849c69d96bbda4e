/**
 * Object versions in SQLite (research doc §6): create (idempotent per digest, resurrecting a
 * deleted one), read by digest / latest / index, query, and soft delete that moves "latest" to
 * the newest survivor. Objects are small and their queries use indexes, so they run on the
 * writer's connection; each change is one transaction.
 */
import type Database from 'better-sqlite3';
import type { NewObjectVersion, ObjectsQuery, ObjectVersionSelector, StoredObject } from '../trace-store.js';

interface ObjectRow {
  project_id: string;
  object_id: string;
  digest: string;
  version_index: number;
  is_latest: number;
  kind: 'op' | 'object';
  base_object_class: string | null;
  leaf_object_class: string | null;
  val: string;
  created_at: number;
  deleted_at: number | null;
  wb_user_id: string | null;
}

function toStored(row: ObjectRow): StoredObject {
  const { val, is_latest, ...rest } = row;
  return { ...rest, val_json: val, is_latest: is_latest === 1 };
}

export class ObjectVersions {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      byDigest: db.prepare('SELECT * FROM objects WHERE project_id = ? AND object_id = ? AND digest = ?'),
      byIndex: db.prepare(
        'SELECT * FROM objects WHERE project_id = ? AND object_id = ? AND version_index = ?',
      ),
      latest: db.prepare(
        'SELECT * FROM objects WHERE project_id = ? AND object_id = ? AND is_latest = 1 AND deleted_at IS NULL',
      ),
      // One past the highest index ever given: a resurrected version takes a new one too, so
      // counting rows would hand out an index twice.
      nextIndex: db
        .prepare(
          'SELECT COALESCE(MAX(version_index) + 1, 0) FROM objects WHERE project_id = ? AND object_id = ?',
        )
        .pluck(),
      clearLatest: db.prepare(
        'UPDATE objects SET is_latest = 0 WHERE project_id = ? AND object_id = ? AND is_latest = 1',
      ),
      setLatest: db.prepare(
        'UPDATE objects SET is_latest = 1 WHERE project_id = ? AND object_id = ? AND digest = ?',
      ),
      insert: db.prepare(
        `INSERT INTO objects (project_id, object_id, digest, version_index, is_latest, kind, base_object_class,
           leaf_object_class, val, created_at, deleted_at, wb_user_id)
         VALUES (@project_id, @object_id, @digest, @version_index, 1, @kind, @base_object_class,
           @leaf_object_class, @val_json, @created_at, NULL, @wb_user_id)`,
      ),
      resurrect: db.prepare(
        `UPDATE objects SET version_index = ?, created_at = ?, deleted_at = NULL, is_latest = 1
         WHERE project_id = ? AND object_id = ? AND digest = ?`,
      ),
      liveDigests: db
        .prepare('SELECT digest FROM objects WHERE project_id = ? AND object_id = ? AND deleted_at IS NULL')
        .pluck(),
      softDelete: db.prepare(
        `UPDATE objects SET deleted_at = ?, is_latest = 0
         WHERE project_id = ? AND object_id = ? AND digest = ? AND deleted_at IS NULL`,
      ),
      newestLive: db
        .prepare(
          `SELECT digest FROM objects WHERE project_id = ? AND object_id = ? AND deleted_at IS NULL
           ORDER BY created_at DESC, version_index DESC LIMIT 1`,
        )
        .pluck(),
    };
  }

  create(object: NewObjectVersion): { version_index: number } {
    const { project_id, object_id, digest } = object;
    const existing = this.statements.byDigest.get(project_id, object_id, digest) as ObjectRow | undefined;
    if (existing && existing.deleted_at === null) {
      this.statements.clearLatest.run(project_id, object_id);
      this.statements.setLatest.run(project_id, object_id, digest);
      return { version_index: existing.version_index };
    }
    const versionIndex = this.statements.nextIndex.get(project_id, object_id) as number;
    this.statements.clearLatest.run(project_id, object_id);
    if (existing) {
      this.statements.resurrect.run(versionIndex, object.created_at, project_id, object_id, digest);
    } else {
      this.statements.insert.run({ ...object, version_index: versionIndex });
    }
    return { version_index: versionIndex };
  }

  read(projectId: string, objectId: string, version: ObjectVersionSelector): StoredObject | undefined {
    const row =
      'digest' in version
        ? this.statements.byDigest.get(projectId, objectId, version.digest)
        : 'versionIndex' in version
          ? this.statements.byIndex.get(projectId, objectId, version.versionIndex)
          : this.statements.latest.get(projectId, objectId);
    return row ? toStored(row as ObjectRow) : undefined;
  }

  query(query: ObjectsQuery): StoredObject[] {
    const conditions = ['project_id = ?', 'deleted_at IS NULL'];
    const params: unknown[] = [query.project_id];
    const inList = (column: string, values: readonly string[] | null | undefined) => {
      if (!values || values.length === 0) return;
      conditions.push(`${column} IN (SELECT value FROM json_each(?))`);
      params.push(JSON.stringify(values));
    };
    inList('object_id', query.object_ids);
    inList('base_object_class', query.base_object_classes);
    inList('leaf_object_class', query.leaf_object_classes);
    if (query.exclude_base_object_classes?.length) {
      conditions.push(
        '(base_object_class IS NULL OR base_object_class NOT IN (SELECT value FROM json_each(?)))',
      );
      params.push(JSON.stringify(query.exclude_base_object_classes));
    }
    if (query.is_op != null) {
      conditions.push('kind = ?');
      params.push(query.is_op ? 'op' : 'object');
    }
    if (query.latest_only) conditions.push('is_latest = 1');
    // Column names come from this fixed map, never from the request.
    const columns = { object_id: 'object_id', created_at: 'created_at' } as const;
    const order = [
      ...query.sort_by.map((term) => `${columns[term.field]} ${term.direction === 'desc' ? 'DESC' : 'ASC'}`),
      'created_at ASC',
      'version_index ASC',
    ];
    params.push(query.limit ?? -1, query.offset);
    const rows = this.db
      .prepare(
        `SELECT * FROM objects WHERE ${conditions.join(' AND ')} ORDER BY ${order.join(', ')} LIMIT ? OFFSET ?`,
      )
      .all(...params) as ObjectRow[];
    return rows.map(toStored);
  }

  delete(
    projectId: string,
    objectId: string,
    digests: readonly string[] | null,
    deletedAt: number,
  ): { deleted: number; missing: string[] } {
    const live = new Set(this.statements.liveDigests.all(projectId, objectId) as string[]);
    const targets = digests ?? [...live];
    const missing = targets.filter((digest) => !live.has(digest));
    if (missing.length > 0) return { deleted: 0, missing };
    let deleted = 0;
    for (const digest of new Set(targets)) {
      deleted += this.statements.softDelete.run(deletedAt, projectId, objectId, digest).changes;
    }
    const newest = this.statements.newestLive.get(projectId, objectId) as string | undefined;
    this.statements.clearLatest.run(projectId, objectId);
    if (newest) this.statements.setLatest.run(projectId, objectId, newest);
    return { deleted, missing: [] };
  }
}
