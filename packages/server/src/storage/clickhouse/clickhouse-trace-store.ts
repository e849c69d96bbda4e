/**
 * The TraceStore on ClickHouse (docs/architecture.md, "ClickHouse"): a server or cluster through
 * `@clickhouse/client`, or the engine of the `chdb` package inside this process. Each capability
 * lives in a module of its own; this class opens the connection, applies the migrations and hands
 * each method to its module.
 */
import type { ClickHouseClient } from '@clickhouse/client';
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
  ObjectsQuery,
  ObjectVersionSelector,
  PricesQuery,
  ReadOptions,
  StoredApiKey,
  StoredCall,
  StoredFeedback,
  StoredPrice,
  StoredProject,
  TableQuery,
  TableRow,
  TraceStore,
} from '../trace-store.js';
import { ClickHouseApiKeys } from './api-keys.js';
import { ClickHouseCalls } from './calls.js';
import { connect } from './connect.js';
import { type ClickHouseContext, clickHouseContext } from './context.js';
import type { SchemaTarget } from './ddl.js';
import { ClickHouseFeedback } from './feedback.js';
import { ClickHouseFiles } from './files.js';
import { migrate } from './migrations.js';
import { ClickHouseObjects } from './objects.js';
import { ClickHousePrices } from './prices.js';
import { ClickHouseProjects } from './projects.js';
import { ClickHouseRetention } from './retention.js';
import { type ClickHouseLocation, parseClickHouseUrl } from './store-url.js';
import { ClickHouseTables } from './tables.js';
import { ClickHouseTransfer } from './transfer.js';

export interface ClickHouseStoreOptions {
  /** `--clickhouse-cluster`: DDL for a cluster of that name (ddl.ts). */
  cluster?: string;
  /** How long one read may take before it fails with QueryTimeout (query-helpers.ts); 30 s by default. */
  queryTimeoutMs?: number;
}

export class ClickHouseTraceStore implements TraceStore {
  private readonly calls: ClickHouseCalls;
  private readonly objects: ClickHouseObjects;
  private readonly tables: ClickHouseTables;
  private readonly files: ClickHouseFiles;
  private readonly projects: ClickHouseProjects;
  private readonly prices: ClickHousePrices;
  private readonly feedback: ClickHouseFeedback;
  private readonly apiKeys: ClickHouseApiKeys;
  private readonly retention: ClickHouseRetention;
  private readonly transfer: ClickHouseTransfer;

  private constructor(private readonly context: ClickHouseContext) {
    this.prices = new ClickHousePrices(context);
    this.calls = new ClickHouseCalls(context, (projectId) => this.prices.priceSource(projectId));
    this.objects = new ClickHouseObjects(context);
    this.tables = new ClickHouseTables(context);
    this.files = new ClickHouseFiles(context);
    this.projects = new ClickHouseProjects(context);
    this.feedback = new ClickHouseFeedback(context);
    this.apiKeys = new ClickHouseApiKeys(context);
    this.retention = new ClickHouseRetention(context);
    this.transfer = new ClickHouseTransfer(context, this.objects);
  }

  /** Connects to the store at `url` (store-url.ts) and brings its schema up to date. */
  static async open(url: string, options: ClickHouseStoreOptions = {}): Promise<ClickHouseTraceStore> {
    return ClickHouseTraceStore.openAt(parseClickHouseUrl(url), options);
  }

  static async openAt(
    location: ClickHouseLocation,
    options: ClickHouseStoreOptions = {},
  ): Promise<ClickHouseTraceStore> {
    const client: ClickHouseClient = connect(location);
    const target: SchemaTarget = {
      database: location.database,
      ...(options.cluster ? { cluster: options.cluster } : {}),
    };
    try {
      await migrate(client, target);
    } catch (error) {
      await client.close();
      throw error;
    }
    return new ClickHouseTraceStore(
      clickHouseContext(client, target, {
        queryTimeoutMs: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
      }),
    );
  }

  // ---- calls -----------------------------------------------------------------------------------

  upsertCalls(batch: readonly CallUpsert[]): Promise<void> {
    return this.calls.upsertCalls(batch);
  }
  readCall(
    projectId: string,
    id: string,
    columns: readonly CallColumn[],
    options?: { includeCosts?: boolean; includeFeedback?: boolean },
  ): Promise<StoredCall | undefined> {
    return this.calls.readCall(projectId, id, columns, options);
  }
  queryCalls(query: CallsQuery, options?: ReadOptions): AsyncIterable<StoredCall> {
    return this.calls.queryCalls(query, options);
  }
  queryCallsJsonLines(query: CallsQuery, options?: ReadOptions): AsyncIterable<string> {
    return this.calls.queryCallsJsonLines(query, options);
  }
  countCalls(query: CallsStatsQuery, options?: ReadOptions): Promise<number> {
    return this.calls.countCalls(query, options);
  }
  deleteCalls(projectId: string, ids: readonly string[], deletedAt: number): Promise<number> {
    return this.calls.deleteCalls(projectId, ids, deletedAt);
  }
  updateDisplayName(projectId: string, id: string, displayName: string): Promise<boolean> {
    return this.calls.updateDisplayName(projectId, id, displayName);
  }
  removeOrphans(olderThan: number): Promise<{ calls: number; walks: number }> {
    return this.calls.removeOrphans(olderThan);
  }
  pruneCalls(projectId: string, before: number): Promise<number> {
    return this.calls.pruneCalls(projectId, before);
  }

  // ---- objects, tables, files -------------------------------------------------------------------

  createObject(object: NewObjectVersion) {
    return this.objects.createObject(object);
  }
  readObject(
    projectId: string,
    objectId: string,
    version: ObjectVersionSelector,
    options?: { includeTagsAndAliases?: boolean },
  ) {
    return this.objects.readObject(projectId, objectId, version, options);
  }
  queryObjects(query: ObjectsQuery) {
    return this.objects.queryObjects(query);
  }
  deleteObjectVersions(
    projectId: string,
    objectId: string,
    versions: readonly ObjectVersionSelector[] | null,
    deletedAt: number,
  ) {
    return this.objects.deleteObjectVersions(projectId, objectId, versions, deletedAt);
  }
  addObjectTags(
    projectId: string,
    objectId: string,
    version: ObjectVersionSelector,
    tags: readonly string[],
    createdAt: number,
  ) {
    return this.objects.addObjectTags(projectId, objectId, version, tags, createdAt);
  }
  removeObjectTags(
    projectId: string,
    objectId: string,
    version: ObjectVersionSelector,
    tags: readonly string[],
  ) {
    return this.objects.removeObjectTags(projectId, objectId, version, tags);
  }
  setObjectAliases(
    projectId: string,
    objectId: string,
    version: ObjectVersionSelector,
    aliases: readonly string[],
    createdAt: number,
  ) {
    return this.objects.setObjectAliases(projectId, objectId, version, aliases, createdAt);
  }
  removeObjectAliases(projectId: string, objectId: string, aliases: readonly string[]) {
    return this.objects.removeObjectAliases(projectId, objectId, aliases);
  }
  listTags(projectId: string) {
    return this.objects.listTags(projectId);
  }
  listAliases(projectId: string) {
    return this.objects.listAliases(projectId);
  }
  createTable(projectId: string, digest: string, rowDigests: readonly string[], rows: readonly TableRow[]) {
    return this.tables.createTable(projectId, digest, rowDigests, rows);
  }
  createTableFromRowDigests(projectId: string, digest: string, rowDigests: readonly string[]) {
    return this.tables.createTableFromRowDigests(projectId, digest, rowDigests);
  }
  tableRowCount(projectId: string, digest: string) {
    return this.tables.tableRowCount(projectId, digest);
  }
  tableRowDigests(projectId: string, digest: string) {
    return this.tables.tableRowDigests(projectId, digest);
  }
  readTableRow(projectId: string, tableDigest: string, rowDigest: string) {
    return this.tables.readTableRow(projectId, tableDigest, rowDigest);
  }
  queryTable(query: TableQuery, options?: ReadOptions) {
    return this.tables.queryTable(query, options);
  }
  createFile(projectId: string, digest: string, name: string, content: Uint8Array) {
    return this.files.createFile(projectId, digest, name, content);
  }
  readFile(projectId: string, digest: string) {
    return this.files.readFile(projectId, digest);
  }

  // ---- projects, prices, feedback, keys, retention ----------------------------------------------

  ensureProject(project: StoredProject) {
    return this.projects.ensureProject(project);
  }
  listProjects() {
    return this.projects.listProjects();
  }
  projectSummaries() {
    return this.projects.projectSummaries();
  }
  createPrices(prices: readonly StoredPrice[]) {
    return this.prices.createPrices(prices);
  }
  queryPrices(query: PricesQuery) {
    return this.prices.queryPrices(query);
  }
  purgePrices(projectId: string, ids: readonly string[]) {
    return this.prices.purgePrices(projectId, ids);
  }
  replaceDefaultPrices(prices: readonly StoredPrice[]) {
    return this.prices.replaceDefaultPrices(prices);
  }
  createFeedback(rows: readonly StoredFeedback[]) {
    return this.feedback.createFeedback(rows);
  }
  queryFeedback(query: FeedbackQuery) {
    return this.feedback.queryFeedback(query);
  }
  purgeFeedback(projectId: string, ids: readonly string[]) {
    return this.feedback.purgeFeedback(projectId, ids);
  }
  replaceFeedback(projectId: string, id: string, row: StoredFeedback) {
    return this.feedback.replaceFeedback(projectId, id, row);
  }
  createApiKey(key: StoredApiKey) {
    return this.apiKeys.createApiKey(key);
  }
  listApiKeys() {
    return this.apiKeys.listApiKeys();
  }
  readApiKey(id: string) {
    return this.apiKeys.readApiKey(id);
  }
  revokeApiKey(id: string, revokedAt: number) {
    return this.apiKeys.revokeApiKey(id, revokedAt);
  }
  setRetention(projectId: string, days: number | null) {
    return this.retention.setRetention(projectId, days);
  }
  listRetention() {
    return this.retention.listRetention();
  }
  reclaimSpace(options?: { exclusive?: boolean }) {
    return this.retention.reclaimSpace(options);
  }

  // ---- export and import (weft migrate) ----------------------------------------------------------

  exportCalls(projectId: string, page: ExportPage) {
    return this.transfer.exportCalls(projectId, page);
  }
  exportObjectVersions(projectId: string, page: ExportPage) {
    return this.transfer.exportObjectVersions(projectId, page);
  }
  importObjectVersions(projectId: string, versions: readonly ExportedObjectVersion[]) {
    return this.transfer.importObjectVersions(projectId, versions);
  }
  listTableDigests(projectId: string, page: ExportPage) {
    return this.transfer.listTableDigests(projectId, page);
  }
  exportTableRows(projectId: string, page: ExportPage) {
    return this.transfer.exportTableRows(projectId, page);
  }
  importTableRows(projectId: string, rows: readonly TableRow[]) {
    return this.transfer.importTableRows(projectId, rows);
  }
  listFileDigests(projectId: string, page: ExportPage) {
    return this.transfer.listFileDigests(projectId, page);
  }
  countProjectContents(projectId: string) {
    return this.transfer.countProjectContents(projectId);
  }

  async close(): Promise<void> {
    await this.context.client.close();
  }
}
