import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { readCallBy } from '../call-by-id.js';
import { DEFAULT_QUERY_TIMEOUT_MS } from '../time-limit.js';
import type {
  CallColumn,
  CallsQuery,
  CallsStatsQuery,
  CallUpsert,
  ExportedObjectVersion,
  ExportPage,
  FeedbackQuery,
  NewObjectVersion,
  ObjectLabelChange,
  ObjectsQuery,
  ObjectVersionSelector,
  PricesQuery,
  ProjectContents,
  ReadOptions,
  StoredApiKey,
  StoredCall,
  StoredFeedback,
  StoredObject,
  StoredPrice,
  StoredProject,
  StoredProjectSummary,
  TableQuery,
  TableRow,
  TraceStore,
} from '../trace-store.js';
import { ApiKeys } from './api-keys.js';
import { CallWriteThread } from './call-write-thread.js';
import { limitDatabaseSize, storageFullAsProtocolError } from './database-size.js';
import { Feedback } from './feedback.js';
import { addFieldIndex, dropFieldIndex, listFieldIndexes } from './field-indexes.js';
import { MIGRATIONS } from './migrations.js';
import { ObjectVersions } from './object-versions.js';
import { Prices } from './prices.js';
import { registerQueryFunctions } from './query-functions.js';
import { ReadWorkers } from './read-workers.js';
import { RetentionSettings, reclaimSpace } from './retention.js';
import { Tables } from './tables.js';
import { SqliteTransfer } from './transfer.js';

export interface SqliteTraceStoreOptions {
  /** Read worker threads (each page of a query holds one while it is read). Default 4. */
  maxReaders?: number;
  /**
   * How long a read worker may spend producing one page of a query's rows (or a count) before
   * the query fails with QueryTimeout. Waiting for a slow consumer does not count. Default 30 s.
   */
  queryTimeoutMs?: number;
  /**
   * Row refs into tables of at most this many rows are read from a cached set of the table's
   * digests on the main connection; larger tables are read on a read worker. Default 50,000.
   */
  cachedTableRows?: number;
  /** The largest the database file may grow; past it writes fail with a 507 (database-size.ts). */
  maxDatabaseBytes?: number;
}

export class SqliteTraceStore implements TraceStore {
  private readonly db: Database.Database;
  /** Call writes run on a thread of their own (write-worker.ts); objects, tables and files here. */
  private readonly callWrites: CallWriteThread;
  private readonly objects: ObjectVersions;
  private readonly tables: Tables;
  private readonly prices: Prices;
  private readonly feedback: Feedback;
  private readonly apiKeys: ApiKeys;
  private readonly retention: RetentionSettings;
  private readonly transfer: SqliteTransfer;
  private readonly readers: ReadWorkers;
  private closed = false;

  private constructor(
    private readonly path: string,
    options: SqliteTraceStoreOptions,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    // Set before the first table exists, so that pruned space can be given back in place
    // (retention.ts); on a database made before, it changes nothing until a full VACUUM.
    this.db.pragma('auto_vacuum = INCREMENTAL');
    // WAL lets readers run beside the writer; synchronous=FULL makes every acknowledged batch
    // durable across power loss, not just across a process crash.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    // Not WRITE_BUSY_TIMEOUT_MS: a wait here blocks the event loop, so every request waits with it.
    this.db.pragma('busy_timeout = 5000');
    // Price queries (/cost/query) and the sort keys of feedback (feedback-sort-keys.ts, from a
    // migration on) run here and use the Query language's functions.
    registerQueryFunctions(this.db);
    migrate(this.db);
    limitDatabaseSize(this.db, options.maxDatabaseBytes);
    this.objects = new ObjectVersions(this.db);
    this.prices = new Prices(this.db);
    this.feedback = new Feedback(this.db);
    this.apiKeys = new ApiKeys(this.db);
    this.retention = new RetentionSettings(this.db);
    this.tables = new Tables(this.db, options.cachedTableRows);
    this.transfer = new SqliteTransfer(this.db);
    this.callWrites = new CallWriteThread(path, options.maxDatabaseBytes);
    this.readers = new ReadWorkers(path, {
      maxReaders: options.maxReaders ?? 4,
      queryTimeoutMs: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
    });
  }

  /** Opens (creating if needed) the database file and applies pending migrations. */
  static open(path: string, options: SqliteTraceStoreOptions = {}): SqliteTraceStore {
    return new SqliteTraceStore(path, options);
  }

  async upsertCalls(batch: readonly CallUpsert[]): Promise<void> {
    this.assertOpen();
    if (batch.length === 0) return;
    await this.callWrites.upsert(batch);
  }

  readCall(
    projectId: string,
    id: string,
    columns: readonly CallColumn[],
    options: { includeCosts?: boolean; includeFeedback?: boolean } = {},
  ): Promise<StoredCall | undefined> {
    return readCallBy((query) => this.queryCalls(query), projectId, id, columns, options);
  }

  queryCalls(query: CallsQuery, options: ReadOptions = {}): AsyncIterable<StoredCall> {
    this.assertOpen();
    return this.readers.query(query, options.signal);
  }

  queryCallsJsonLines(query: CallsQuery, options: ReadOptions = {}): AsyncIterable<string> {
    this.assertOpen();
    return this.readers.queryJsonLines(query, options.signal);
  }

  async countCalls(query: CallsStatsQuery, options: ReadOptions = {}): Promise<number> {
    this.assertOpen();
    return this.readers.count(query, options.signal);
  }

  async deleteCalls(projectId: string, ids: readonly string[], deletedAt: number): Promise<number> {
    this.assertOpen();
    return this.callWrites.delete(projectId, ids, deletedAt);
  }

  async updateDisplayName(projectId: string, id: string, displayName: string): Promise<boolean> {
    this.assertOpen();
    return this.callWrites.rename(projectId, id, displayName);
  }

  /**
   * Indexes a JSON field (`inputs.model`) so filters on it need not read every call; false when
   * it was indexed already. Blocks writes while the index builds (seconds per million calls).
   */
  addFieldIndex(field: string): boolean {
    this.assertOpen();
    return addFieldIndex(this.db, field);
  }

  /** Removes a field's index; false when it had none. */
  dropFieldIndex(field: string): boolean {
    this.assertOpen();
    return dropFieldIndex(this.db, field);
  }

  listFieldIndexes(): string[] {
    this.assertOpen();
    return listFieldIndexes(this.db);
  }

  async createObject(object: NewObjectVersion): Promise<{ version_index: number }> {
    this.assertOpen();
    return this.write(() => this.objects.create(object));
  }

  async readObject(
    projectId: string,
    objectId: string,
    version: ObjectVersionSelector,
    options: { includeTagsAndAliases?: boolean } = {},
  ): Promise<StoredObject | undefined> {
    this.assertOpen();
    return this.objects.read(projectId, objectId, version, options.includeTagsAndAliases ?? false);
  }

  async queryObjects(query: ObjectsQuery): Promise<StoredObject[]> {
    this.assertOpen();
    return this.objects.query(query);
  }

  async deleteObjectVersions(
    projectId: string,
    objectId: string,
    versions: readonly ObjectVersionSelector[] | null,
    deletedAt: number,
  ): Promise<{ deleted: number; missing: number[]; ambiguous: number[] }> {
    this.assertOpen();
    return this.write(() => this.objects.delete(projectId, objectId, versions, deletedAt));
  }

  async addObjectTags(
    projectId: string,
    objectId: string,
    version: ObjectVersionSelector,
    tags: readonly string[],
    createdAt: number,
  ): Promise<ObjectLabelChange> {
    this.assertOpen();
    return this.write(() => this.objects.addTags(projectId, objectId, version, tags, createdAt));
  }

  async removeObjectTags(
    projectId: string,
    objectId: string,
    version: ObjectVersionSelector,
    tags: readonly string[],
  ): Promise<ObjectLabelChange> {
    this.assertOpen();
    return this.write(() => this.objects.removeTags(projectId, objectId, version, tags));
  }

  async setObjectAliases(
    projectId: string,
    objectId: string,
    version: ObjectVersionSelector,
    aliases: readonly string[],
    createdAt: number,
  ): Promise<ObjectLabelChange> {
    this.assertOpen();
    return this.write(() => this.objects.setAliases(projectId, objectId, version, aliases, createdAt));
  }

  async removeObjectAliases(
    projectId: string,
    objectId: string,
    aliases: readonly string[],
  ): Promise<boolean> {
    this.assertOpen();
    return this.write(() => this.objects.removeAliases(projectId, objectId, aliases));
  }

  async listTags(projectId: string): Promise<string[]> {
    this.assertOpen();
    return this.objects.listTags(projectId);
  }

  async listAliases(projectId: string): Promise<string[]> {
    this.assertOpen();
    return this.objects.listAliases(projectId);
  }

  async createTable(
    projectId: string,
    digest: string,
    rowDigests: readonly string[],
    rows: readonly TableRow[],
  ): Promise<void> {
    this.assertOpen();
    this.write(() => this.tables.create(projectId, digest, rowDigests, rows));
  }

  async createTableFromRowDigests(
    projectId: string,
    digest: string,
    rowDigests: readonly string[],
  ): Promise<string | undefined> {
    this.assertOpen();
    const rowDigestsJson = JSON.stringify(rowDigests);
    // Checked on a read worker, before the write transaction: a long list holds up neither the
    // event loop nor the call writer. Rows are never deleted, so a row found then is still there
    // when the table is written.
    const missing = await this.readers.firstMissingTableRow(projectId, rowDigestsJson);
    if (missing !== undefined) return missing;
    this.write(() => this.tables.createFromStoredRows(projectId, digest, rowDigestsJson, rowDigests.length));
    return undefined;
  }

  async tableRowCount(projectId: string, digest: string): Promise<number | undefined> {
    this.assertOpen();
    return this.tables.rowCount(projectId, digest);
  }

  async tableRowDigests(projectId: string, digest: string): Promise<string[] | undefined> {
    this.assertOpen();
    return this.tables.rowDigests(projectId, digest);
  }

  async readTableRow(projectId: string, tableDigest: string, rowDigest: string): Promise<string | undefined> {
    this.assertOpen();
    const row = this.tables.readRow(projectId, tableDigest, rowDigest);
    if (row !== 'too large') return row;
    // A large table's digests are walked on a read worker, under the time limit.
    for await (const [found] of this.readers.queryTable({
      project_id: projectId,
      digest: tableDigest,
      row_digests: [rowDigest],
      sort_by: [],
      limit: 1,
      offset: 0,
    })) {
      return found?.val_json;
    }
    return undefined;
  }

  queryTable(
    query: TableQuery,
    options: ReadOptions = {},
  ): AsyncIterable<Array<TableRow & { original_index: number }>> {
    this.assertOpen();
    return this.readers.queryTable(query, options.signal);
  }

  async createFile(projectId: string, digest: string, name: string, content: Uint8Array): Promise<void> {
    this.assertOpen();
    this.write(() =>
      this.db
        .prepare(
          'INSERT OR IGNORE INTO files (project_id, digest, name, size, content) VALUES (?, ?, ?, ?, ?)',
        )
        .run(projectId, digest, name, content.byteLength, content),
    );
  }

  async readFile(
    projectId: string,
    digest: string,
  ): Promise<{ name: string; content: Uint8Array } | undefined> {
    this.assertOpen();
    return this.db
      .prepare('SELECT name, content FROM files WHERE project_id = ? AND digest = ?')
      .get(projectId, digest) as { name: string; content: Uint8Array } | undefined;
  }

  async ensureProject(project: StoredProject): Promise<StoredProject> {
    this.assertOpen();
    // RETURNING on a conflict-ignored insert gives nothing; the row is then read back.
    this.write(() =>
      this.db
        .prepare('INSERT OR IGNORE INTO projects (id, entity, name, created_at) VALUES (?, ?, ?, ?)')
        .run(`${project.entity}/${project.name}`, project.entity, project.name, project.created_at),
    );
    return this.db
      .prepare('SELECT entity, name, created_at FROM projects WHERE id = ?')
      .get(`${project.entity}/${project.name}`) as StoredProject;
  }

  async listProjects(): Promise<StoredProject[]> {
    this.assertOpen();
    return this.db
      .prepare('SELECT entity, name, created_at FROM projects ORDER BY created_at, id')
      .all() as StoredProject[];
  }

  async projectSummaries(): Promise<StoredProjectSummary[]> {
    this.assertOpen();
    return this.readers.projectSummaries();
  }

  async createPrices(prices: readonly StoredPrice[]): Promise<void> {
    this.assertOpen();
    this.write(() => this.prices.create(prices));
  }

  async queryPrices(query: PricesQuery): Promise<StoredPrice[]> {
    this.assertOpen();
    return this.prices.query(query);
  }

  async purgePrices(projectId: string, ids: readonly string[]): Promise<number> {
    this.assertOpen();
    return this.write(() => this.prices.purge(projectId, ids));
  }

  async replaceDefaultPrices(prices: readonly StoredPrice[]): Promise<boolean> {
    this.assertOpen();
    return this.write(() => this.prices.replaceDefaults(prices));
  }

  async createFeedback(rows: readonly StoredFeedback[]): Promise<StoredFeedback[]> {
    this.assertOpen();
    return this.write(() => this.feedback.create(rows));
  }

  async queryFeedback(query: FeedbackQuery): Promise<StoredFeedback[]> {
    this.assertOpen();
    return this.feedback.query(query);
  }

  async purgeFeedback(projectId: string, ids: readonly string[]): Promise<number> {
    this.assertOpen();
    return this.write(() => this.feedback.purge(projectId, ids));
  }

  async replaceFeedback(projectId: string, id: string, row: StoredFeedback): Promise<boolean> {
    this.assertOpen();
    return this.write(() => {
      if (this.feedback.purge(projectId, [id]) === 0) return false;
      this.feedback.create([row]);
      return true;
    });
  }

  async removeOrphans(olderThan: number): Promise<{ calls: number; walks: number }> {
    this.assertOpen();
    return this.callWrites.removeOrphans(olderThan);
  }

  async pruneCalls(projectId: string, before: number): Promise<number> {
    this.assertOpen();
    return this.callWrites.prune(projectId, before);
  }

  async setRetention(projectId: string, days: number | null): Promise<void> {
    this.assertOpen();
    this.write(() => this.retention.set(projectId, days));
  }

  async listRetention(): Promise<Array<{ project_id: string; days: number }>> {
    this.assertOpen();
    return this.retention.list();
  }

  async reclaimSpace(options: { exclusive?: boolean } = {}): Promise<{ before: number; after: number }> {
    this.assertOpen();
    return reclaimSpace(this.db, () => statSync(this.path).size, { exclusive: options.exclusive ?? false });
  }

  async createApiKey(key: StoredApiKey): Promise<void> {
    this.assertOpen();
    this.write(() => this.apiKeys.create(key));
  }

  async listApiKeys(): Promise<StoredApiKey[]> {
    this.assertOpen();
    return this.apiKeys.list();
  }

  async readApiKey(id: string): Promise<StoredApiKey | undefined> {
    this.assertOpen();
    return this.apiKeys.read(id);
  }

  async revokeApiKey(id: string, revokedAt: number): Promise<boolean> {
    this.assertOpen();
    return this.write(() => this.apiKeys.revoke(id, revokedAt));
  }

  // Export and import (transfer.ts) read and write on this connection: only `weft migrate` uses
  // them, a page at a time.

  async exportCalls(projectId: string, page: ExportPage): Promise<CallUpsert[]> {
    this.assertOpen();
    return this.transfer.exportCalls(projectId, page);
  }

  async exportObjectVersions(projectId: string, page: ExportPage): Promise<ExportedObjectVersion[]> {
    this.assertOpen();
    return this.transfer.exportObjectVersions(projectId, page);
  }

  async importObjectVersions(projectId: string, versions: readonly ExportedObjectVersion[]): Promise<void> {
    this.assertOpen();
    this.write(() => this.transfer.importObjectVersions(projectId, versions));
  }

  async listTableDigests(projectId: string, page: ExportPage): Promise<string[]> {
    this.assertOpen();
    return this.transfer.listTableDigests(projectId, page);
  }

  async exportTableRows(projectId: string, page: ExportPage): Promise<TableRow[]> {
    this.assertOpen();
    return this.transfer.exportTableRows(projectId, page);
  }

  async importTableRows(projectId: string, rows: readonly TableRow[]): Promise<void> {
    this.assertOpen();
    this.write(() => this.transfer.importTableRows(projectId, rows));
  }

  async listFileDigests(projectId: string, page: ExportPage): Promise<string[]> {
    this.assertOpen();
    return this.transfer.listFileDigests(projectId, page);
  }

  async countProjectContents(projectId: string): Promise<ProjectContents> {
    this.assertOpen();
    return this.transfer.countProjectContents(projectId);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.readers.close(), this.callWrites.close()]);
    this.db.pragma('optimize');
    this.db.close();
  }

  /**
   * Runs a write transaction that takes the write lock when it begins (BEGIN IMMEDIATE). The call
   * writer thread writes through its own connection: a transaction that read first and then tried
   * to write while that one was writing would fail at once with SQLITE_BUSY, past busy_timeout.
   */
  private write<T>(work: () => T): T {
    try {
      return this.db.transaction(work).immediate();
    } catch (error) {
      throw storageFullAsProtocolError(error);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the trace store is closed');
  }
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      migration.populate?.(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}
