/**
 * Object versions in SQLite (docs/protocol.md §8.4–§8.7): create (idempotent per digest, resurrecting a
 * deleted one), read by digest / latest / index, query, and soft delete that moves "latest" to
 * the newest survivor. Ops and objects keep separate histories under one name: a version is keyed
 * by (project, object_id, kind, digest), and indexes and latest are kept per kind (docs/protocol.md
 * §8.4; migration 8). Objects are small and their queries use indexes, so they
 * run on the writer's connection; each change is one transaction. Tags and aliases are kept by
 * ObjectLabels (migration 9); this class decides which version a selector names for them.
 */
import type Database from 'better-sqlite3';
import type {
  NewObjectVersion,
  ObjectKind,
  ObjectLabelChange,
  ObjectsQuery,
  ObjectVersionSelector,
  StoredObject,
} from '../trace-store.js';
import { ObjectLabels } from './object-labels.js';

interface ObjectRow {
  project_id: string;
  object_id: string;
  digest: string;
  version_index: number;
  is_latest: number;
  kind: ObjectKind;
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

const KINDS: readonly ObjectKind[] = ['object', 'op'];

export class ObjectVersions {
  private readonly statements;
  private readonly labels: ObjectLabels;

  constructor(private readonly db: Database.Database) {
    this.labels = new ObjectLabels(db);
    // Versions a selector names: of one kind, or of both when @kind is NULL (then the one created
    // first comes first, as Weave's obj_read orders them); only live ones when @live is 1.
    const named = (condition: string) =>
      db.prepare(
        `SELECT * FROM objects WHERE project_id = @project AND object_id = @object AND ${condition}
           AND (@kind IS NULL OR kind = @kind) AND (@live = 0 OR deleted_at IS NULL)
         ORDER BY created_at ASC, kind ASC`,
      );
    this.statements = {
      byDigest: named('digest = @digest'),
      byIndex: named('version_index = @index'),
      latest: named('is_latest = 1 AND deleted_at IS NULL'),
      byKey: db.prepare(
        'SELECT * FROM objects WHERE project_id = ? AND object_id = ? AND kind = ? AND digest = ?',
      ),
      // One past the highest index ever given: a resurrected version takes a new one too, so
      // counting rows would hand out an index twice.
      nextIndex: db
        .prepare(
          'SELECT COALESCE(MAX(version_index) + 1, 0) FROM objects WHERE project_id = ? AND object_id = ? AND kind = ?',
        )
        .pluck(),
      clearLatest: db.prepare(
        'UPDATE objects SET is_latest = 0 WHERE project_id = ? AND object_id = ? AND kind = ? AND is_latest = 1',
      ),
      setLatest: db.prepare(
        'UPDATE objects SET is_latest = 1 WHERE project_id = ? AND object_id = ? AND kind = ? AND digest = ?',
      ),
      insert: db.prepare(
        `INSERT INTO objects (project_id, object_id, kind, digest, version_index, is_latest, base_object_class,
           leaf_object_class, val, created_at, deleted_at, wb_user_id)
         VALUES (@project_id, @object_id, @kind, @digest, @version_index, 1, @base_object_class,
           @leaf_object_class, @val_json, @created_at, NULL, @wb_user_id)`,
      ),
      resurrect: db.prepare(
        `UPDATE objects SET version_index = ?, created_at = ?, deleted_at = NULL, is_latest = 1
         WHERE project_id = ? AND object_id = ? AND kind = ? AND digest = ?`,
      ),
      anyLive: db
        .prepare(
          'SELECT 1 FROM objects WHERE project_id = ? AND object_id = ? AND deleted_at IS NULL LIMIT 1',
        )
        .pluck(),
      allLive: db.prepare(
        'SELECT * FROM objects WHERE project_id = ? AND object_id = ? AND deleted_at IS NULL',
      ),
      softDelete: db.prepare(
        `UPDATE objects SET deleted_at = ?, is_latest = 0
         WHERE project_id = ? AND object_id = ? AND kind = ? AND digest = ? AND deleted_at IS NULL`,
      ),
      hasLatest: db
        .prepare(
          'SELECT 1 FROM objects WHERE project_id = ? AND object_id = ? AND kind = ? AND is_latest = 1 AND deleted_at IS NULL',
        )
        .pluck(),
      newestLive: db
        .prepare(
          `SELECT digest FROM objects WHERE project_id = ? AND object_id = ? AND kind = ? AND deleted_at IS NULL
           ORDER BY created_at DESC, version_index DESC LIMIT 1`,
        )
        .pluck(),
    };
  }

  create(object: NewObjectVersion): { version_index: number } {
    const { project_id, object_id, kind, digest } = object;
    const existing = this.statements.byKey.get(project_id, object_id, kind, digest) as ObjectRow | undefined;
    if (existing && existing.deleted_at === null) {
      this.statements.clearLatest.run(project_id, object_id, kind);
      this.statements.setLatest.run(project_id, object_id, kind, digest);
      return { version_index: existing.version_index };
    }
    const versionIndex = this.statements.nextIndex.get(project_id, object_id, kind) as number;
    this.statements.clearLatest.run(project_id, object_id, kind);
    if (existing) {
      this.statements.resurrect.run(versionIndex, object.created_at, project_id, object_id, kind, digest);
    } else {
      this.statements.insert.run({ ...object, version_index: versionIndex });
    }
    return { version_index: versionIndex };
  }

  read(
    projectId: string,
    objectId: string,
    version: ObjectVersionSelector,
    withLabels = false,
  ): StoredObject | undefined {
    const [first] = this.named(projectId, objectId, version, false);
    if (!first) return undefined;
    return withLabels ? this.labelled(projectId, [first])[0] : toStored(first);
  }

  /** Stored versions with their tags and aliases filled in. */
  private labelled(projectId: string, rows: readonly ObjectRow[]): StoredObject[] {
    const labels = this.labels.of(projectId, rows);
    return rows.map((row) => ({ ...toStored(row), ...ObjectLabels.lookup(labels, row) }));
  }

  private named(
    projectId: string,
    objectId: string,
    version: ObjectVersionSelector,
    live: boolean,
  ): ObjectRow[] {
    const params = { project: projectId, object: objectId, kind: version.kind ?? null, live: live ? 1 : 0 };
    // A name that is no alias of this object is read as a digest (docs/protocol.md §8.5).
    const digest =
      'digest' in version
        ? version.digest
        : 'alias' in version
          ? (this.labels.aliasTarget(projectId, objectId, version.alias) ?? version.alias)
          : undefined;
    const rows =
      digest !== undefined
        ? this.statements.byDigest.all({ ...params, digest })
        : 'versionIndex' in version
          ? this.statements.byIndex.all({ ...params, index: version.versionIndex })
          : this.statements.latest.all(params);
    return rows as ObjectRow[];
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
    if (query.tags?.length) {
      conditions.push(
        `EXISTS (SELECT 1 FROM object_tags AS t WHERE t.project_id = objects.project_id
           AND t.object_id = objects.object_id AND t.digest = objects.digest
           AND t.tag IN (SELECT value FROM json_each(?)))`,
      );
      params.push(JSON.stringify(query.tags));
    }
    if (query.aliases?.length) {
      // `latest` is no stored alias; it matches the latest version (docs/protocol.md §9.3).
      const stored = query.aliases.filter((alias) => alias !== 'latest');
      const matches = [
        `EXISTS (SELECT 1 FROM object_aliases AS a WHERE a.project_id = objects.project_id
           AND a.object_id = objects.object_id AND a.digest = objects.digest
           AND a.alias IN (SELECT value FROM json_each(?)))`,
      ];
      params.push(JSON.stringify(stored));
      if (stored.length < query.aliases.length) matches.push('is_latest = 1');
      conditions.push(`(${matches.join(' OR ')})`);
    }
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
    return query.include_tags_and_aliases ? this.labelled(query.project_id, rows) : rows.map(toStored);
  }

  delete(
    projectId: string,
    objectId: string,
    versions: readonly ObjectVersionSelector[] | null,
    deletedAt: number,
  ): { deleted: number; missing: number[]; ambiguous: number[] } {
    const missing: number[] = [];
    const ambiguous: number[] = [];
    const targets: ObjectRow[] = [];
    if (versions === null) {
      targets.push(...(this.statements.allLive.all(projectId, objectId) as ObjectRow[]));
    } else {
      versions.forEach((version, position) => {
        const rows = this.named(projectId, objectId, version, true);
        if (rows.length === 0) missing.push(position);
        else if (new Set(rows.map((row) => row.kind)).size > 1) ambiguous.push(position);
        else targets.push(...rows);
      });
    }
    if (missing.length > 0 || ambiguous.length > 0) return { deleted: 0, missing, ambiguous };
    let deleted = 0;
    for (const row of targets) {
      // A version named twice (by digest and as latest, say) is deleted once.
      const changes = this.statements.softDelete.run(
        deletedAt,
        projectId,
        objectId,
        row.kind,
        row.digest,
      ).changes;
      // Its tags and the aliases pointing at it go with it (docs/protocol.md §8.7).
      if (changes > 0) this.labels.forget(projectId, row);
      deleted += changes;
    }
    // A kind whose latest was deleted gets its newest survivor as latest (docs/protocol.md §8.7).
    for (const kind of KINDS) {
      if (this.statements.hasLatest.get(projectId, objectId, kind)) continue;
      const newest = this.statements.newestLive.get(projectId, objectId, kind) as string | undefined;
      this.statements.clearLatest.run(projectId, objectId, kind);
      if (newest) this.statements.setLatest.run(projectId, objectId, kind, newest);
    }
    return { deleted, missing: [], ambiguous: [] };
  }

  /** The one live version a selector names, for changing its tags or aliases. */
  private live(
    projectId: string,
    objectId: string,
    version: ObjectVersionSelector,
  ): ObjectRow | 'missing' | 'ambiguous' {
    const rows = this.named(projectId, objectId, version, true);
    if (rows.length === 0) return 'missing';
    return new Set(rows.map((row) => row.kind)).size > 1 ? 'ambiguous' : (rows[0] as ObjectRow);
  }

  addTags(
    projectId: string,
    objectId: string,
    version: ObjectVersionSelector,
    tags: readonly string[],
    createdAt: number,
  ): ObjectLabelChange {
    const row = this.live(projectId, objectId, version);
    if (typeof row === 'string') return row;
    this.labels.addTags(projectId, row, tags, createdAt);
    return 'done';
  }

  removeTags(
    projectId: string,
    objectId: string,
    version: ObjectVersionSelector,
    tags: readonly string[],
  ): ObjectLabelChange {
    const row = this.live(projectId, objectId, version);
    if (typeof row === 'string') return row;
    this.labels.removeTags(projectId, row, tags);
    return 'done';
  }

  setAliases(
    projectId: string,
    objectId: string,
    version: ObjectVersionSelector,
    aliases: readonly string[],
    createdAt: number,
  ): ObjectLabelChange {
    const row = this.live(projectId, objectId, version);
    if (typeof row === 'string') return row;
    this.labels.setAliases(projectId, row, aliases, createdAt);
    return 'done';
  }

  removeAliases(projectId: string, objectId: string, aliases: readonly string[]): boolean {
    if (!this.statements.anyLive.get(projectId, objectId)) return false;
    this.labels.removeAliases(projectId, objectId, aliases);
    return true;
  }

  listTags(projectId: string): string[] {
    return this.labels.listTags(projectId);
  }

  listAliases(projectId: string): string[] {
    return this.labels.listAliases(projectId);
  }
}
