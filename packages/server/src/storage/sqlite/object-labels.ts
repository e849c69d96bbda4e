/**
 * Tags and aliases of object versions in SQLite (docs/protocol.md §9, migration 9).
 * A tag belongs to one version, keyed by (project, object_id, digest); an alias belongs to an
 * object name and points at one digest. This class only keeps the two tables: which version a
 * selector names is decided by ObjectVersions, which calls it.
 */
import type Database from 'better-sqlite3';

/** One version, as tags and aliases name it. */
export interface VersionKey {
  object_id: string;
  digest: string;
}

export interface VersionLabels {
  tags: string[];
  aliases: string[];
}

const key = (objectId: string, digest: string) => JSON.stringify([objectId, digest]);

export class ObjectLabels {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      addTag: db.prepare(
        `INSERT INTO object_tags (project_id, object_id, digest, tag, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
      ),
      removeTag: db.prepare(
        'DELETE FROM object_tags WHERE project_id = ? AND object_id = ? AND digest = ? AND tag = ?',
      ),
      setAlias: db.prepare(
        `INSERT INTO object_aliases (project_id, object_id, alias, digest, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (project_id, object_id, alias) DO UPDATE SET digest = excluded.digest,
           created_at = excluded.created_at
         WHERE object_aliases.digest IS NOT excluded.digest`,
      ),
      removeAlias: db.prepare(
        'DELETE FROM object_aliases WHERE project_id = ? AND object_id = ? AND alias = ?',
      ),
      aliasTarget: db
        .prepare('SELECT digest FROM object_aliases WHERE project_id = ? AND object_id = ? AND alias = ?')
        .pluck(),
      forgetTags: db.prepare('DELETE FROM object_tags WHERE project_id = ? AND object_id = ? AND digest = ?'),
      forgetAliases: db.prepare(
        'DELETE FROM object_aliases WHERE project_id = ? AND object_id = ? AND digest = ?',
      ),
      listTags: db.prepare('SELECT DISTINCT tag FROM object_tags WHERE project_id = ? ORDER BY tag').pluck(),
      listAliases: db
        .prepare('SELECT DISTINCT alias FROM object_aliases WHERE project_id = ? ORDER BY alias')
        .pluck(),
      // Labels of the given versions only (a page of a query, not every version of its names);
      // SQLite's BINARY order is code point order.
      tagsOf: db.prepare(
        `SELECT object_id, digest, tag AS label FROM object_tags
         WHERE project_id = ? AND (object_id, digest) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?))
         ORDER BY tag`,
      ),
      aliasesOf: db.prepare(
        `SELECT object_id, digest, alias AS label FROM object_aliases
         WHERE project_id = ? AND (object_id, digest) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?))
         ORDER BY alias`,
      ),
    };
  }

  addTags(projectId: string, version: VersionKey, tags: readonly string[], createdAt: number): void {
    for (const tag of tags)
      this.statements.addTag.run(projectId, version.object_id, version.digest, tag, createdAt);
  }

  removeTags(projectId: string, version: VersionKey, tags: readonly string[]): void {
    for (const tag of tags) this.statements.removeTag.run(projectId, version.object_id, version.digest, tag);
  }

  setAliases(projectId: string, version: VersionKey, aliases: readonly string[], createdAt: number): void {
    for (const alias of aliases)
      this.statements.setAlias.run(projectId, version.object_id, alias, version.digest, createdAt);
  }

  removeAliases(projectId: string, objectId: string, aliases: readonly string[]): void {
    for (const alias of aliases) this.statements.removeAlias.run(projectId, objectId, alias);
  }

  /** The digest an alias of the name points at, or undefined. */
  aliasTarget(projectId: string, objectId: string, alias: string): string | undefined {
    return this.statements.aliasTarget.get(projectId, objectId, alias) as string | undefined;
  }

  /** Removes a deleted version's tags and the aliases pointing at it (docs/protocol.md §8.7). */
  forget(projectId: string, version: VersionKey): void {
    this.statements.forgetTags.run(projectId, version.object_id, version.digest);
    this.statements.forgetAliases.run(projectId, version.object_id, version.digest);
  }

  listTags(projectId: string): string[] {
    return this.statements.listTags.all(projectId) as string[];
  }

  listAliases(projectId: string): string[] {
    return this.statements.listAliases.all(projectId) as string[];
  }

  /** Each version's tags and stored aliases, sorted; versions without any get empty lists. */
  of(projectId: string, versions: readonly VersionKey[]): Map<string, VersionLabels> {
    const labels = new Map<string, VersionLabels>();
    for (const version of versions)
      labels.set(key(version.object_id, version.digest), { tags: [], aliases: [] });
    if (versions.length === 0) return labels;
    const pairs = JSON.stringify(versions.map((version) => [version.object_id, version.digest]));
    type Row = VersionKey & { label: string };
    for (const row of this.statements.tagsOf.all(projectId, pairs) as Row[])
      labels.get(key(row.object_id, row.digest))?.tags.push(row.label);
    for (const row of this.statements.aliasesOf.all(projectId, pairs) as Row[])
      labels.get(key(row.object_id, row.digest))?.aliases.push(row.label);
    return labels;
  }

  /** The labels `of` found for one version. */
  static lookup(labels: Map<string, VersionLabels>, version: VersionKey): VersionLabels {
    return labels.get(key(version.object_id, version.digest)) ?? { tags: [], aliases: [] };
  }
}
