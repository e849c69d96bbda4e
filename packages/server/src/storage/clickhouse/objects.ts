/**
 * Object versions with their tags and aliases on ClickHouse (docs/protocol.md §8.4–§8.7, §9.3).
 * Kept insert-only in ReplacingMergeTree tables read with FINAL (objects-schema.ts): a version's
 * new state (created, made latest again, deleted, back from the dead) is a new row of `objects`
 * with a higher row version; a tag or alias added or removed is a new row of its table. A tag or
 * alias counts only while the incarnation of the version it names is live, so deleting versions is
 * one insert that also drops their labels, with nothing to clean up after.
 *
 * Changes read the state of the object name (`ObjectHistory`, object-history.ts) and insert what
 * follows from it: the next version index, which version becomes latest. With no transactions,
 * two such changes must not interleave, so every change here runs through one write queue
 * (`WriteQueue`): the store runs in one server process, and each change reads the state after the
 * previous one has been inserted. Reads do not wait for writes.
 */
import type {
  NewObjectVersion,
  ObjectKind,
  ObjectLabelChange,
  ObjectsQuery,
  ObjectVersionSelector,
  StoredObject,
  TraceStore,
} from '../trace-store.js';
import type { ClickHouseContext } from './context.js';
import { KINDS, ObjectHistory, type VersionState } from './object-history.js';
import {
  chunksByLength,
  insertRows,
  QueryParams,
  runStatement,
  selectRows,
  WriteClock,
  WriteQueue,
} from './query-helpers.js';

export type ObjectsMethods = Pick<
  TraceStore,
  | 'createObject'
  | 'readObject'
  | 'queryObjects'
  | 'deleteObjectVersions'
  | 'addObjectTags'
  | 'removeObjectTags'
  | 'setObjectAliases'
  | 'removeObjectAliases'
  | 'listTags'
  | 'listAliases'
>;

const STATE_COLUMNS =
  'kind, digest, version_index, base_object_class, leaf_object_class, created_at, deleted_at, wb_user_id, made_latest';
const OBJECT_COLUMNS =
  'project_id, object_id, kind, digest, version_index, base_object_class, leaf_object_class, val_dump, created_at, deleted_at, wb_user_id, made_latest, row_version';
/** The columns a query can sort on, by field; nothing from a request reaches SQL text. */
const SORT_COLUMNS = { object_id: 'object_id', created_at: 'created_at' } as const;

/** One incarnation of a version, as tags and aliases name it. */
interface Incarnation {
  object_id: string;
  kind: ObjectKind;
  digest: string;
  version_index: number;
}

const TAGS = { table: 'object_tags', column: 'tag' } as const;
const ALIASES = { table: 'object_aliases', column: 'alias' } as const;

interface Labels {
  tags: string[];
  aliases: string[];
}

const incarnationKey = (version: Incarnation) =>
  JSON.stringify([version.object_id, version.kind, version.digest, version.version_index]);

/** An object version as `objects` stores it (FINAL), `is_latest` as 0 or 1. */
export interface ObjectRow extends Incarnation {
  base_object_class: string | null;
  leaf_object_class: string | null;
  val_dump: string;
  created_at: number;
  deleted_at: number | null;
  wb_user_id: string | null;
  is_latest: number;
}

export class ClickHouseObjects implements ObjectsMethods {
  private readonly writes = new WriteQueue();
  private readonly clock = new WriteClock();
  private clockStarted = false;

  constructor(readonly context: ClickHouseContext) {}

  private table(name: 'objects' | 'object_tags' | 'object_aliases'): string {
    return this.context.table(name);
  }

  /**
   * Runs a change after the changes asked for before it (see the top of this file), with the
   * clock past every row version stored.
   */
  private write<T>(change: () => Promise<T>): Promise<T> {
    return this.writes.run(async () => {
      if (!this.clockStarted) {
        const [row] = await selectRows<{ highest: number }>(
          this.context,
          `SELECT greatest((SELECT max(row_version) FROM ${this.table('objects')}),
             (SELECT max(row_version) FROM ${this.table('object_tags')}),
             (SELECT max(row_version) FROM ${this.table('object_aliases')})) AS highest`,
          new QueryParams(),
        );
        this.clock.start(Number(row?.highest ?? 0));
        this.clockStarted = true;
      }
      return change();
    });
  }

  /**
   * Runs a change made elsewhere (an import, transfer.ts) after the changes asked for before it,
   * with row versions from this module's clock, as its own changes run.
   */
  exclusive<T>(change: (nextVersion: () => number) => Promise<T>): Promise<T> {
    return this.write(() => change(() => this.clock.next()));
  }

  /** Every version of an object name, deleted ones included, without values. */
  private async history(projectId: string, objectId: string): Promise<ObjectHistory> {
    const params = new QueryParams();
    const rows = await selectRows<VersionState>(
      this.context,
      `SELECT ${STATE_COLUMNS} FROM ${this.table('objects')} FINAL
       WHERE project_id = ${params.bind(projectId, 'String')} AND object_id = ${params.bind(objectId, 'String')}`,
      params,
    );
    return new ObjectHistory(rows);
  }

  /** The digest the selector's alias points at, when it is an alias pointing at a live version. */
  private async aliasDigest(
    projectId: string,
    objectId: string,
    selector: ObjectVersionSelector,
    history: ObjectHistory,
  ): Promise<string | undefined> {
    if (!('alias' in selector) || history.versions.length === 0) return undefined;
    const params = new QueryParams();
    const [target] = await selectRows<Incarnation>(
      this.context,
      `SELECT object_id, kind, digest, version_index FROM ${this.table('object_aliases')} FINAL
       WHERE project_id = ${params.bind(projectId, 'String')} AND object_id = ${params.bind(objectId, 'String')}
         AND alias = ${params.bind(selector.alias, 'String')}`,
      params,
    );
    return target && this.isLive(history, target) ? target.digest : undefined;
  }

  /** The incarnation is the live version of its kind and digest. */
  private isLive(history: ObjectHistory, incarnation: Incarnation): boolean {
    const version = history.find(incarnation.kind, incarnation.digest);
    return version?.deleted_at === null && version.version_index === incarnation.version_index;
  }

  /** The versions a selector names, the one created first first. */
  private async named(
    projectId: string,
    objectId: string,
    selector: ObjectVersionSelector,
    history: ObjectHistory,
    live: boolean,
  ): Promise<VersionState[]> {
    const aliasDigest = await this.aliasDigest(projectId, objectId, selector, history);
    return history.named(selector, aliasDigest, live);
  }

  /** The one live version a selector names, for changing its tags or aliases. */
  private async liveVersion(
    projectId: string,
    objectId: string,
    selector: ObjectVersionSelector,
  ): Promise<VersionState | 'missing' | 'ambiguous'> {
    const history = await this.history(projectId, objectId);
    const versions = await this.named(projectId, objectId, selector, history, true);
    const [first] = versions;
    if (!first) return 'missing';
    return versions.some((version) => version.kind !== first.kind) ? 'ambiguous' : first;
  }

  createObject(object: NewObjectVersion): Promise<{ version_index: number }> {
    return this.write(async () => {
      const { project_id, object_id, kind, digest } = object;
      const history = await this.history(project_id, object_id);
      const existing = history.find(kind, digest);
      if (existing && existing.deleted_at === null) {
        // The same content again: nothing changes but that it becomes its kind's latest.
        if (!history.isLatest(existing)) {
          const version = this.clock.next();
          // The value given is the one stored: the digest is of the content.
          await insertRows(this.context, 'objects', [
            {
              ...existing,
              project_id,
              object_id,
              val_dump: object.val_json,
              made_latest: version,
              row_version: version,
            },
          ]);
        }
        return { version_index: existing.version_index };
      }
      // New, or back from the dead: a new index either way, never one given before.
      const versionIndex = history.nextIndex(kind);
      const version = this.clock.next();
      await insertRows(this.context, 'objects', [
        {
          project_id,
          object_id,
          kind,
          digest,
          version_index: versionIndex,
          base_object_class: existing ? existing.base_object_class : object.base_object_class,
          leaf_object_class: existing ? existing.leaf_object_class : object.leaf_object_class,
          val_dump: object.val_json,
          created_at: object.created_at,
          deleted_at: null,
          wb_user_id: existing ? existing.wb_user_id : object.wb_user_id,
          made_latest: version,
          row_version: version,
        },
      ]);
      return { version_index: versionIndex };
    });
  }

  async readObject(
    projectId: string,
    objectId: string,
    selector: ObjectVersionSelector,
    options: { includeTagsAndAliases?: boolean } = {},
  ): Promise<StoredObject | undefined> {
    const history = await this.history(projectId, objectId);
    const [found] = await this.named(projectId, objectId, selector, history, false);
    if (!found) return undefined;
    const params = new QueryParams();
    // Every row of a version holds the same value (its digest is of the content): any will do.
    const [row] = await selectRows<{ val_dump: string }>(
      this.context,
      `SELECT val_dump FROM ${this.table('objects')}
       WHERE project_id = ${params.bind(projectId, 'String')} AND object_id = ${params.bind(objectId, 'String')}
         AND kind = ${params.bind(found.kind, 'String')} AND digest = ${params.bind(found.digest, 'String')}
       LIMIT 1`,
      params,
    );
    if (!row) return undefined;
    const stored = storedObjectOf(projectId, {
      ...found,
      object_id: objectId,
      val_dump: row.val_dump,
      is_latest: history.isLatest(found) ? 1 : 0,
    });
    if (!options.includeTagsAndAliases) return stored;
    // A deleted version's labels went with it (they name an incarnation no longer live).
    if (stored.deleted_at !== null) return { ...stored, tags: [], aliases: [] };
    const labels = await this.labels(projectId, [stored]);
    return { ...stored, ...lookup(labels, stored) };
  }

  async queryObjects(query: ObjectsQuery): Promise<StoredObject[]> {
    const params = new QueryParams();
    const project = params.bind(query.project_id, 'String');
    const conditions = [`project_id = ${project}`, 'deleted_at IS NULL'];
    // Which version is latest is decided among all live versions of a name, whatever the filters.
    const latestScope = [`project_id = ${project}`, 'deleted_at IS NULL'];
    const strings = (values: readonly string[]) => params.bind(values, 'Array(String)');
    if (query.object_ids?.length) {
      const ids = strings(query.object_ids);
      conditions.push(`object_id IN ${ids}`);
      latestScope.push(`object_id IN ${ids}`);
    }
    if (query.base_object_classes?.length)
      conditions.push(`base_object_class IN ${strings(query.base_object_classes)}`);
    if (query.leaf_object_classes?.length)
      conditions.push(`leaf_object_class IN ${strings(query.leaf_object_classes)}`);
    if (query.exclude_base_object_classes?.length) {
      conditions.push(
        `(base_object_class IS NULL OR base_object_class NOT IN ${strings(query.exclude_base_object_classes)})`,
      );
    }
    if (query.is_op != null)
      conditions.push(`kind = ${params.bind(query.is_op ? 'op' : 'object', 'String')}`);
    if (query.latest_only) conditions.push('is_latest');
    // Labels count for the live incarnation they name; every version here is live.
    const labelled = (table: 'object_tags' | 'object_aliases', column: string, values: readonly string[]) =>
      `(object_id, kind, digest, version_index) IN (SELECT object_id, kind, digest, version_index
         FROM ${this.table(table)} FINAL WHERE project_id = ${project} AND ${column} IN ${strings(values)})`;
    if (query.tags?.length) conditions.push(labelled('object_tags', 'tag', query.tags));
    if (query.aliases?.length) {
      // `latest` is no stored alias; it matches the latest version (docs/protocol.md §9.3).
      const stored = query.aliases.filter((alias) => alias !== 'latest');
      const matches = stored.length > 0 ? [labelled('object_aliases', 'alias', stored)] : [];
      if (stored.length < query.aliases.length) matches.push('is_latest');
      conditions.push(`(${matches.join(' OR ')})`);
    }
    const order = [
      ...query.sort_by.map(
        (term) => `${SORT_COLUMNS[term.field]} ${term.direction === 'desc' ? 'DESC' : 'ASC'}`,
      ),
      'created_at ASC',
      'version_index ASC',
      // Ties between names, so that pages of one order join up.
      'object_id ASC',
      'kind ASC',
    ];
    const page =
      query.limit !== null
        ? ` LIMIT ${params.bind(query.limit, 'UInt64')} OFFSET ${params.bind(query.offset, 'UInt64')}`
        : query.offset > 0
          ? ` OFFSET ${params.bind(query.offset, 'UInt64')}`
          : '';
    const rows = await selectRows<ObjectRow>(
      this.context,
      `SELECT object_id, kind, digest, version_index, base_object_class, leaf_object_class, val_dump,
         created_at, deleted_at, wb_user_id,
         (object_id, kind, made_latest) IN (SELECT object_id, kind, max(made_latest)
           FROM ${this.table('objects')} FINAL WHERE ${latestScope.join(' AND ')} GROUP BY object_id, kind) AS is_latest
       FROM ${this.table('objects')} FINAL
       WHERE ${conditions.join(' AND ')}
       ORDER BY ${order.join(', ')}${page}`,
      params,
    );
    const objects = rows.map((row) => storedObjectOf(query.project_id, row));
    if (!query.include_tags_and_aliases) return objects;
    const labels = await this.labels(query.project_id, objects);
    return objects.map((object) => ({ ...object, ...lookup(labels, object) }));
  }

  deleteObjectVersions(
    projectId: string,
    objectId: string,
    versions: readonly ObjectVersionSelector[] | null,
    deletedAt: number,
  ): Promise<{ deleted: number; missing: number[]; ambiguous: number[] }> {
    return this.write(async () => {
      const history = await this.history(projectId, objectId);
      const missing: number[] = [];
      const ambiguous: number[] = [];
      // A version named twice (by digest and as latest, say) is deleted once.
      const targets = new Set<VersionState>();
      if (versions === null) {
        for (const version of history.live()) targets.add(version);
      } else {
        for (const [position, selector] of versions.entries()) {
          const named = await this.named(projectId, objectId, selector, history, true);
          const [first] = named;
          if (!first) missing.push(position);
          else if (named.some((version) => version.kind !== first.kind)) ambiguous.push(position);
          else for (const version of named) targets.add(version);
        }
      }
      if (missing.length > 0 || ambiguous.length > 0) return { deleted: 0, missing, ambiguous };
      if (targets.size === 0) return { deleted: 0, missing: [], ambiguous: [] };
      // A kind whose latest goes gets its newest survivor as latest (docs/protocol.md §8.7).
      const survivors: VersionState[] = [];
      for (const kind of KINDS) {
        const latest = history.latest(kind);
        if (!latest || !targets.has(latest)) continue;
        const survivor = history.newestLive(kind, targets);
        if (survivor) survivors.push(survivor);
      }
      // One insert, written from the stored rows: the deleted versions, which takes their tags and
      // the aliases pointing at them along (they name incarnations no longer live), and the new
      // latest ones.
      const params = new QueryParams();
      const keys = (list: readonly VersionState[]) =>
        `arrayZip(${params.bind(
          list.map((version) => version.kind),
          'Array(String)',
        )}, ${params.bind(
          list.map((version) => version.digest),
          'Array(String)',
        )})`;
      const version = params.bind(this.clock.next(), 'UInt64');
      const deleted = keys([...targets]);
      const promoted = survivors.length > 0 ? keys(survivors) : null;
      await runStatement(
        this.context,
        `INSERT INTO ${this.table('objects')} (${OBJECT_COLUMNS})
         SELECT project_id, object_id, kind, digest, version_index, base_object_class, leaf_object_class,
           val_dump, created_at,
           if((kind, digest) IN ${deleted}, ${params.bind(deletedAt, 'Int64')}, deleted_at) AS deleted_at,
           wb_user_id,
           ${promoted ? `if((kind, digest) IN ${promoted}, ${version}, made_latest)` : 'made_latest'} AS made_latest,
           ${version} AS row_version
         FROM ${this.table('objects')} FINAL
         WHERE project_id = ${params.bind(projectId, 'String')} AND object_id = ${params.bind(objectId, 'String')}
           AND ((kind, digest) IN ${deleted}${promoted ? ` OR (kind, digest) IN ${promoted}` : ''})`,
        params,
      );
      return { deleted: targets.size, missing: [], ambiguous: [] };
    });
  }

  addObjectTags(
    projectId: string,
    objectId: string,
    selector: ObjectVersionSelector,
    tags: readonly string[],
    createdAt: number,
  ): Promise<ObjectLabelChange> {
    return this.write(async () => {
      const version = await this.liveVersion(projectId, objectId, selector);
      if (typeof version === 'string') return version;
      // Tags it has already stay as they are.
      const has = new Set(await this.tagsOf(projectId, objectId, version));
      await this.insertLabels(
        projectId,
        TAGS,
        { ...version, object_id: objectId },
        [...new Set(tags)].filter((tag) => !has.has(tag)),
        {
          created_at: createdAt,
          removed: 0,
        },
      );
      return 'done';
    });
  }

  removeObjectTags(
    projectId: string,
    objectId: string,
    selector: ObjectVersionSelector,
    tags: readonly string[],
  ): Promise<ObjectLabelChange> {
    return this.write(async () => {
      const version = await this.liveVersion(projectId, objectId, selector);
      if (typeof version === 'string') return version;
      const has = new Set(await this.tagsOf(projectId, objectId, version));
      await this.insertLabels(
        projectId,
        TAGS,
        { ...version, object_id: objectId },
        [...new Set(tags)].filter((tag) => has.has(tag)),
        {
          created_at: 0,
          removed: 1,
        },
      );
      return 'done';
    });
  }

  /** The tags of the live version's incarnation. */
  private async tagsOf(projectId: string, objectId: string, version: VersionState): Promise<string[]> {
    const params = new QueryParams();
    const rows = await selectRows<{ tag: string }>(
      this.context,
      `SELECT tag FROM ${this.table('object_tags')} FINAL
       WHERE project_id = ${params.bind(projectId, 'String')} AND object_id = ${params.bind(objectId, 'String')}
         AND digest = ${params.bind(version.digest, 'String')} AND kind = ${params.bind(version.kind, 'String')}
         AND version_index = ${params.bind(version.version_index, 'Int64')}`,
      params,
    );
    return rows.map((row) => row.tag);
  }

  setObjectAliases(
    projectId: string,
    objectId: string,
    selector: ObjectVersionSelector,
    aliases: readonly string[],
    createdAt: number,
  ): Promise<ObjectLabelChange> {
    return this.write(async () => {
      const version = await this.liveVersion(projectId, objectId, selector);
      if (typeof version === 'string') return version;
      const target: Incarnation = { object_id: objectId, ...version };
      // An alias of the name already pointing here stays as it is; any other moves here.
      const current = new Map(
        (await this.aliasesOf(projectId, objectId)).map((row) => [row.alias, incarnationKey(row)]),
      );
      const moved = [...new Set(aliases)].filter((alias) => current.get(alias) !== incarnationKey(target));
      await this.insertLabels(projectId, ALIASES, target, moved, { created_at: createdAt, removed: 0 });
      return 'done';
    });
  }

  removeObjectAliases(projectId: string, objectId: string, aliases: readonly string[]): Promise<boolean> {
    return this.write(async () => {
      const history = await this.history(projectId, objectId);
      if (!history.anyLive()) return false;
      const current = new Map((await this.aliasesOf(projectId, objectId)).map((row) => [row.alias, row]));
      for (const alias of new Set(aliases)) {
        const row = current.get(alias);
        if (row) await this.insertLabels(projectId, ALIASES, row, [alias], { created_at: 0, removed: 1 });
      }
      return true;
    });
  }

  /** The stored aliases of a name, whatever they point at. */
  private async aliasesOf(
    projectId: string,
    objectId: string,
  ): Promise<Array<Incarnation & { alias: string }>> {
    const params = new QueryParams();
    return selectRows(
      this.context,
      `SELECT alias, object_id, kind, digest, version_index FROM ${this.table('object_aliases')} FINAL
       WHERE project_id = ${params.bind(projectId, 'String')} AND object_id = ${params.bind(objectId, 'String')}`,
      params,
    );
  }

  /** Tag or alias rows for one incarnation of a version: set (`removed: 0`) or taken off. */
  private async insertLabels(
    projectId: string,
    kind: { table: 'object_tags'; column: 'tag' } | { table: 'object_aliases'; column: 'alias' },
    target: Incarnation,
    labels: readonly string[],
    state: { created_at: number; removed: 0 | 1 },
  ): Promise<void> {
    if (labels.length === 0) return;
    const rowVersion = this.clock.next();
    await insertRows(
      this.context,
      kind.table,
      labels.map((label) => ({
        project_id: projectId,
        object_id: target.object_id,
        [kind.column]: label,
        kind: target.kind,
        digest: target.digest,
        version_index: target.version_index,
        ...state,
        row_version: rowVersion,
      })),
    );
  }

  listTags(projectId: string): Promise<string[]> {
    return this.listLabels(projectId, 'object_tags', 'tag');
  }

  listAliases(projectId: string): Promise<string[]> {
    return this.listLabels(projectId, 'object_aliases', 'alias');
  }

  /** A project's distinct labels naming live incarnations, in code point order (byte order of UTF-8). */
  private async listLabels(
    projectId: string,
    table: 'object_tags' | 'object_aliases',
    column: 'tag' | 'alias',
  ): Promise<string[]> {
    const params = new QueryParams();
    const project = params.bind(projectId, 'String');
    const rows = await selectRows<{ label: string }>(
      this.context,
      `SELECT DISTINCT ${column} AS label FROM ${this.table(table)} FINAL
       WHERE project_id = ${project} AND (object_id, kind, digest, version_index) IN
         (SELECT object_id, kind, digest, version_index FROM ${this.table('objects')} FINAL
          WHERE project_id = ${project} AND deleted_at IS NULL)
       ORDER BY label`,
      params,
    );
    return rows.map((row) => row.label);
  }

  /**
   * The tags and aliases of live versions (a page of a query, or one version read), each list in
   * code point order. Labels are read by the versions' names, a bounded list at a time.
   */
  private async labels(projectId: string, versions: readonly Incarnation[]): Promise<Map<string, Labels>> {
    const labels = new Map<string, Labels>();
    for (const version of versions) labels.set(incarnationKey(version), { tags: [], aliases: [] });
    const names = [...new Set(versions.map((version) => version.object_id))];
    for (const chunk of chunksByLength(names)) {
      for (const [table, column, list] of [
        ['object_tags', 'tag', 'tags'],
        ['object_aliases', 'alias', 'aliases'],
      ] as const) {
        const params = new QueryParams();
        const rows = await selectRows<Incarnation & { label: string }>(
          this.context,
          `SELECT object_id, kind, digest, version_index, ${column} AS label FROM ${this.table(table)} FINAL
           WHERE project_id = ${params.bind(projectId, 'String')} AND object_id IN ${params.bind(chunk, 'Array(String)')}
           ORDER BY label`,
          params,
        );
        // A label of another incarnation than the live one finds no entry here.
        for (const row of rows) labels.get(incarnationKey(row))?.[list].push(row.label);
      }
    }
    return labels;
  }
}

function lookup(labels: Map<string, Labels>, version: Incarnation): Labels {
  return labels.get(incarnationKey(version)) ?? { tags: [], aliases: [] };
}

/** A stored row as the TraceStore's StoredObject. */
export function storedObjectOf(projectId: string, row: ObjectRow): StoredObject {
  return {
    project_id: projectId,
    object_id: row.object_id,
    digest: row.digest,
    kind: row.kind,
    base_object_class: row.base_object_class,
    leaf_object_class: row.leaf_object_class,
    val_json: row.val_dump,
    created_at: row.created_at,
    wb_user_id: row.wb_user_id,
    version_index: row.version_index,
    is_latest: row.is_latest === 1,
    deleted_at: row.deleted_at,
  };
}
