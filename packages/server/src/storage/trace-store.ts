/**
 * TraceStore: the one interface every storage backend implements. It speaks in normalized
 * request/response records close to the protocol; nothing above `storage/` knows which database
 * it talks to. Timestamps are integer µs since the epoch; JSON-valued fields travel as JSON text
 * so a backend can store and return them without re-encoding.
 */
import type { CallsFilter, LlmCost, PricingLevel, QueryExpr, SortBy } from '@weft/protocol';

/** The start half of a call, as the client sent it (ids filled in, timestamps parsed). */
export interface CallStartPart {
  trace_id: string;
  parent_id: string | null;
  op_name: string;
  display_name: string | null;
  thread_id: string | null;
  turn_id: string | null;
  started_at: number;
  attributes_json: string;
  inputs_json: string;
  /** The refs found in the inputs, as a JSON array; null or absent when there are none. */
  input_refs_json?: string | null;
  otel_dump_json: string | null;
  wb_user_id: string | null;
  wb_run_id: string | null;
  wb_run_step: number | null;
}

/** The end half of a call. */
export interface CallEndPart {
  ended_at: number;
  exception: string | null;
  /** JSON text of the output; null when the client sent no output at all. */
  output_json: string | null;
  /** The refs found in the output, as a JSON array; null or absent when there are none. */
  output_refs_json?: string | null;
  summary_json: string;
  /** True when the client's own roll-up (`summary.status_counts.error`) reports a failure below. */
  summary_reports_error: boolean;
  wb_run_step_end: number | null;
  /** The official npm SDK renames a running call through its end part. */
  display_name: string | null;
}

/**
 * One call's parts from one batch: either half may be missing (a long call's start and end travel
 * in different batches, in either order). Applying the same upsert twice changes nothing.
 */
export interface CallUpsert {
  project_id: string;
  id: string;
  start?: CallStartPart;
  end?: CallEndPart;
}

/** A call as stored, with JSON fields as text. Fields left out of a projection are undefined. */
export interface StoredCall {
  project_id: string;
  id: string;
  trace_id: string;
  op_name: string;
  started_at: number;
  display_name?: string | null;
  parent_id?: string | null;
  thread_id?: string | null;
  turn_id?: string | null;
  ended_at?: number | null;
  exception?: string | null;
  attributes_json?: string | null;
  inputs_json?: string | null;
  output_json?: string | null;
  summary_json?: string | null;
  wb_user_id?: string | null;
  wb_run_id?: string | null;
  wb_run_step?: number | null;
  wb_run_step_end?: number | null;
  deleted_at?: number | null;
  /** A live descendant raised (found by the store from the tree, whatever the client rolled up). */
  has_failed_descendant?: boolean;
  /** The client's own roll-up (`summary.status_counts.error > 0`) says a descendant failed. */
  summary_reports_error?: boolean;
  /** `summary.weave.costs`, when the query asked for costs and the call recorded usage. */
  costs?: Record<string, LlmCost>;
  /** `summary.weave.feedback` as a JSON array, when the query asked for feedback. */
  feedback_json?: string | null;
}

/** The stored columns a projection can name (protocol names; JSON columns without `_json`). */
export const CALL_COLUMNS = [
  'id',
  'project_id',
  'op_name',
  'display_name',
  'trace_id',
  'parent_id',
  'thread_id',
  'turn_id',
  'started_at',
  'ended_at',
  'exception',
  'attributes',
  'inputs',
  'output',
  'summary',
  'wb_user_id',
  'wb_run_id',
  'wb_run_step',
  'wb_run_step_end',
  'deleted_at',
] as const;
export type CallColumn = (typeof CALL_COLUMNS)[number];

export interface CallsQuery {
  project_id: string;
  filter: CallsFilter;
  /** A parsed Query expression, ANDed with the filter; null for none. */
  query: QueryExpr | null;
  /**
   * Already checked against the fields the store can sort by. Empty means no particular order
   * (read in the default order, since pages need a stable one: storage/paging.ts).
   */
  sort_by: SortBy[];
  /** null means no limit. */
  limit: number | null;
  offset: number;
  /**
   * The columns to fetch; always includes what derived fields need. id, project_id, trace_id,
   * op_name and started_at come back whether listed or not.
   */
  columns: readonly CallColumn[];
  /** Fill `summary.weave.costs` from each call's usage and the price table (docs/protocol.md §17.3). */
  include_costs?: boolean;
  /** Fill `summary.weave.feedback` with the call's feedback rows (docs/protocol.md §18.4). */
  include_feedback?: boolean;
}

export interface CallsStatsQuery {
  project_id: string;
  filter: CallsFilter;
  query: QueryExpr | null;
  limit: number | null;
}

/** `op` for a serialized op, `object` for anything else (docs/protocol.md §8.3). */
export type ObjectKind = 'op' | 'object';

/** A new object version, digest computed (docs/protocol.md §7.2, §8.4). */
export interface NewObjectVersion {
  project_id: string;
  object_id: string;
  digest: string;
  kind: ObjectKind;
  base_object_class: string | null;
  leaf_object_class: string | null;
  /** The value as JSON text. */
  val_json: string;
  /** µs since the epoch. */
  created_at: number;
  wb_user_id: string | null;
}

export interface StoredObject extends NewObjectVersion {
  version_index: number;
  is_latest: boolean;
  deleted_at: number | null;
  /** When asked for: the version's tags, in code point order (docs/protocol.md §9.3). */
  tags?: string[];
  /**
   * When asked for: the stored aliases pointing at the version, in code point order. `latest` is
   * never stored; the service adds it for the latest version.
   */
  aliases?: string[];
}

/**
 * Which version of an object: a content digest, the latest live one, or an index. Ops and objects
 * keep separate histories under one name (docs/protocol.md §8.4: versions are keyed
 * by kind, and indexes and latest are counted per kind), so `latest` and an index may name one
 * version of each kind. `kind` picks a history; without it both are asked (see readObject).
 */
export type ObjectVersionSelector = (
  | { digest: string }
  | { latest: true }
  | { versionIndex: number }
  /**
   * The version an alias of the object name points at. When the name has no alias by that name,
   * the text is looked up as a digest, as Weave reads it (docs/protocol.md §8.5).
   */
  | { alias: string }
) & {
  kind?: ObjectKind;
};

/**
 * What a change to a version's tags or aliases found: done, no live version named (`missing`), or
 * a selector naming a live version of both kinds (`ambiguous`: `latest` or an index without a
 * kind when an op and an object share the name). Nothing changes unless it is `done`.
 */
export type ObjectLabelChange = 'done' | 'missing' | 'ambiguous';

export interface ObjectsQuery {
  project_id: string;
  object_ids?: readonly string[] | null;
  base_object_classes?: readonly string[] | null;
  exclude_base_object_classes?: readonly string[] | null;
  leaf_object_classes?: readonly string[] | null;
  is_op?: boolean | null;
  latest_only?: boolean | null;
  /** Versions carrying any of these tags. */
  tags?: readonly string[] | null;
  /**
   * Versions any of these aliases point at; `latest` (never a stored alias) matches each history's
   * latest version, as the alias Weave synthesises for it (docs/protocol.md §9.3).
   */
  aliases?: readonly string[] | null;
  /** Fill in `tags` and `aliases` of each version. */
  include_tags_and_aliases?: boolean | null;
  /** Only object_id and created_at can be sorted on; the default is created_at, then version_index. */
  sort_by: ReadonlyArray<{ field: 'object_id' | 'created_at'; direction: 'asc' | 'desc' }>;
  limit: number | null;
  offset: number;
}

/** A table row: its digest and its value as JSON text. */
export interface TableRow {
  digest: string;
  val_json: string;
}

export interface TableQuery {
  project_id: string;
  digest: string;
  /** Only these rows (by digest); null for all. */
  row_digests: readonly string[] | null;
  /** JSON paths inside a row; sorted like JSON call fields (existence, number, text). */
  sort_by: ReadonlyArray<{ path: ReadonlyArray<string | number>; direction: 'asc' | 'desc' }>;
  limit: number | null;
  offset: number;
}

/** A price per token for one model (docs/protocol.md §17.1). Timestamps are µs since the epoch. */
export interface StoredPrice {
  id: string;
  pricing_level: PricingLevel;
  /** The project id for a project price, `default` for a default one. */
  pricing_level_id: string;
  provider_id: string;
  llm_id: string;
  /** From when the price applies; null for a default price that has always applied. */
  effective_date: number | null;
  prompt_token_cost: number;
  completion_token_cost: number;
  /** Null when the price has none of its own: cached tokens then cost the prompt price. */
  cache_read_input_token_cost: number | null;
  cache_creation_input_token_cost: number | null;
  prompt_token_cost_unit: string;
  completion_token_cost_unit: string;
  created_by: string | null;
  created_at: number;
}

/** A page of one project's own prices. */
/** StoredPrice's fields, in the order the stores keep them. */
export const PRICE_COLUMNS = [
  'id',
  'pricing_level',
  'pricing_level_id',
  'provider_id',
  'llm_id',
  'effective_date',
  'prompt_token_cost',
  'completion_token_cost',
  'cache_read_input_token_cost',
  'cache_creation_input_token_cost',
  'prompt_token_cost_unit',
  'completion_token_cost_unit',
  'created_by',
  'created_at',
] as const satisfies ReadonlyArray<keyof StoredPrice>;

export interface PricesQuery {
  project_id: string;
  /** Parsed with the cost fields (`resolveCostField`); null for every price. */
  query: QueryExpr | null;
  /** Already checked against the cost fields. Empty means newest effective date first. */
  sort_by: ReadonlyArray<{ field: string; direction: 'asc' | 'desc' }>;
  limit: number | null;
  offset: number;
}

/** A feedback row (docs/protocol.md §18). Timestamps are µs since the epoch. */
export interface StoredFeedback {
  project_id: string;
  id: string;
  weave_ref: string;
  /** The call `weave_ref` names, when it is a call of this project. */
  call_id: string | null;
  creator: string | null;
  feedback_type: string;
  /** JSON text of an object. */
  payload_json: string;
  annotation_ref: string | null;
  runnable_ref: string | null;
  call_ref: string | null;
  trigger_ref: string | null;
  wb_user_id: string | null;
  created_at: number;
}

/** A page of one project's feedback. */
export interface FeedbackQuery {
  project_id: string;
  /** Parsed with the feedback fields (`resolveFeedbackField`); null for every row. */
  query: QueryExpr | null;
  /** Already checked against the feedback fields. Empty means oldest first. */
  sort_by: ReadonlyArray<{ field: string; direction: 'asc' | 'desc' }>;
  limit: number | null;
  offset: number;
}

/** How a read may be cut short. */
export interface ReadOptions {
  /** Aborted when the client that asked has gone: the store stops the read where it is. */
  signal?: AbortSignal;
}

export interface TraceStore {
  /** Applies all upserts atomically: after a crash either every part of the batch is stored or none. */
  upsertCalls(batch: readonly CallUpsert[]): Promise<void>;
  /** A live call that has its start part, or undefined. */
  readCall(
    projectId: string,
    id: string,
    columns: readonly CallColumn[],
    options?: { includeCosts?: boolean; includeFeedback?: boolean },
  ): Promise<StoredCall | undefined>;
  /**
   * Live calls (start part present, not deleted) matching the query, streamed in order and read a
   * page at a time (storage/paging.ts): each page is a read of its own, so a consumer that stops
   * pulling holds nothing in the store, and later pages see what was written meanwhile. In the
   * default order (start time, then id) and by id, a page continues after the last call returned:
   * a call present throughout is returned exactly once. Other orders read the ids of up to
   * MAX_ID_GROUP calls from one sort, then those calls page by page; the next group starts at an
   * offset.
   */
  queryCalls(query: CallsQuery, options?: ReadOptions): AsyncIterable<StoredCall>;
  /**
   * The same calls rendered as CallSchema JSON lines (`call-json.ts`), a page of whole lines per
   * chunk: what `/calls/stream_query` sends. A backend renders where its rows are, off the event
   * loop.
   */
  queryCallsJsonLines(query: CallsQuery, options?: ReadOptions): AsyncIterable<string>;
  countCalls(query: CallsStatsQuery, options?: ReadOptions): Promise<number>;
  /** Soft-deletes the calls and all their live descendants; returns how many calls it deleted. */
  deleteCalls(projectId: string, ids: readonly string[], deletedAt: number): Promise<number>;
  /** Renames a live call; an empty string clears the name. False when there is no such call. */
  updateDisplayName(projectId: string, id: string, displayName: string): Promise<boolean>;
  /**
   * Stores an object version in its kind's history. Creating a digest the object already has live
   * changes nothing but makes it the latest of its kind; a deleted one comes back with a new
   * version index. Indexes count every version ever made of that kind, deleted ones included, so
   * they are never reused.
   */
  createObject(object: NewObjectVersion): Promise<{ version_index: number }>;
  /**
   * The version, deleted or not (the caller tells a deleted one apart), or undefined. When the
   * selector names no kind and finds a version of each (an op and an object sharing a name), the
   * one created first is returned, as Weave's obj_read takes the first in creation order.
   */
  readObject(
    projectId: string,
    objectId: string,
    version: ObjectVersionSelector,
    options?: { includeTagsAndAliases?: boolean },
  ): Promise<StoredObject | undefined>;
  /** Live versions matching the query. */
  queryObjects(query: ObjectsQuery): Promise<StoredObject[]>;
  /**
   * Soft-deletes the live versions the selectors name (every live version of either kind when
   * `versions` is null) and moves each kind's latest to its newest survivor. A selector that names
   * no live version is `missing`; one that names live versions of both kinds (`latest` or an index
   * without a kind, when an op and an object share the name) is `ambiguous`. Both are given as
   * positions in `versions`; when there are any, nothing changes. The tags of deleted versions
   * and the aliases pointing at them are removed (docs/protocol.md §8.7).
   */
  deleteObjectVersions(
    projectId: string,
    objectId: string,
    versions: readonly ObjectVersionSelector[] | null,
    deletedAt: number,
  ): Promise<{ deleted: number; missing: number[]; ambiguous: number[] }>;
  /**
   * Adds tags to the live version the selector names (docs/protocol.md §9.3: tags
   * belong to one version, keyed by object name and digest). Tags it has already stay.
   */
  addObjectTags(
    projectId: string,
    objectId: string,
    version: ObjectVersionSelector,
    tags: readonly string[],
    createdAt: number,
  ): Promise<ObjectLabelChange>;
  /** Removes tags from the live version the selector names; tags it does not have are ignored. */
  removeObjectTags(
    projectId: string,
    objectId: string,
    version: ObjectVersionSelector,
    tags: readonly string[],
  ): Promise<ObjectLabelChange>;
  /**
   * Points aliases of the object name at the live version the selector names, moving any that
   * pointed elsewhere. Aliases belong to the name, not to one kind's history: an op and an object
   * sharing a name share its aliases (Weave keys them by project and object_id).
   */
  setObjectAliases(
    projectId: string,
    objectId: string,
    version: ObjectVersionSelector,
    aliases: readonly string[],
    createdAt: number,
  ): Promise<ObjectLabelChange>;
  /**
   * Removes aliases of the object name; aliases it does not have are ignored. False (and nothing
   * changed) when the name has no live version.
   */
  removeObjectAliases(projectId: string, objectId: string, aliases: readonly string[]): Promise<boolean>;
  /** The project's distinct tags, in code point order. */
  listTags(projectId: string): Promise<string[]>;
  /** The project's distinct stored aliases, in code point order. */
  listAliases(projectId: string): Promise<string[]>;
  /**
   * Stores a table: its row digests in order, and rows for them (rows are kept once per project,
   * by digest, whatever tables hold them; rows already stored may be given again). Creating a
   * table that exists changes nothing.
   */
  createTable(
    projectId: string,
    digest: string,
    rowDigests: readonly string[],
    rows: readonly TableRow[],
  ): Promise<void>;
  /**
   * Stores a table of rows the project already holds, `rowDigests` in order, unless one of them
   * names no stored row of the project: then nothing is stored and the answer is the first such
   * digest in the list. Otherwise undefined. Creating a table that exists changes nothing.
   */
  createTableFromRowDigests(
    projectId: string,
    digest: string,
    rowDigests: readonly string[],
  ): Promise<string | undefined>;
  /** How many rows a table has, or undefined when there is no such table. */
  tableRowCount(projectId: string, digest: string): Promise<number | undefined>;
  /** A table's row digests in order, or undefined when there is no such table. */
  tableRowDigests(projectId: string, digest: string): Promise<string[] | undefined>;
  /**
   * One row of a table, as JSON text, by its digest: what a row ref (`.../table/<digest>/id/<row
   * digest>`) reads. Undefined when there is no such table or the table does not hold that row.
   */
  readTableRow(projectId: string, tableDigest: string, rowDigest: string): Promise<string | undefined>;
  /**
   * Rows of an existing table with their index in it, in table order unless sorted, a page at a
   * time (storage/paging.ts): no page holds more than MAX_PAGE_ROWS rows, whatever the limit, and
   * each is a read of its own, so a consumer that stops pulling holds nothing in the store.
   */
  queryTable(
    query: TableQuery,
    options?: ReadOptions,
  ): AsyncIterable<Array<TableRow & { original_index: number }>>;
  /** Stores a file's bytes once per project by digest; storing the same content again changes nothing. */
  createFile(projectId: string, digest: string, name: string, content: Uint8Array): Promise<void>;
  readFile(projectId: string, digest: string): Promise<{ name: string; content: Uint8Array } | undefined>;
  /**
   * Registers a project by its wire id (`entity/name`) unless it is registered already; returns
   * the registration, the first one's `created_at` when it existed.
   */
  ensureProject(project: StoredProject): Promise<StoredProject>;
  /** Registered projects, oldest first. */
  listProjects(): Promise<StoredProject[]>;
  /**
   * Every project with live calls, live object versions or a registration, with its counts;
   * newest activity first, projects without any activity last, ties by project id.
   */
  projectSummaries(): Promise<StoredProjectSummary[]>;
  /** Stores project prices; a price whose id exists already is left as it is. */
  createPrices(prices: readonly StoredPrice[]): Promise<void>;
  /** One project's own prices (never the default ones), filtered, sorted and paged. */
  queryPrices(query: PricesQuery): Promise<StoredPrice[]>;
  /** Deletes the project's own prices with these ids; returns how many it deleted. */
  purgePrices(projectId: string, ids: readonly string[]): Promise<number>;
  /**
   * Makes the default prices exactly these (ids stable across loads); false when they were
   * already, so restarting with the same dataset writes nothing.
   */
  replaceDefaultPrices(prices: readonly StoredPrice[]): Promise<boolean>;
  /**
   * Stores feedback rows in one transaction. A row whose id its project holds already is not
   * stored again (a re-sent batch); the result is what is stored under each row's id, in order.
   */
  createFeedback(rows: readonly StoredFeedback[]): Promise<StoredFeedback[]>;
  /** One project's feedback, filtered, sorted and paged. */
  queryFeedback(query: FeedbackQuery): Promise<StoredFeedback[]>;
  /** Deletes the project's feedback with these ids; returns how many it deleted. */
  purgeFeedback(projectId: string, ids: readonly string[]): Promise<number>;
  /** Deletes one row and stores another, in one transaction; false (and nothing stored) if `id` is not there. */
  replaceFeedback(projectId: string, id: string, row: StoredFeedback): Promise<boolean>;
  /**
   * Removes what has waited for a call start since before `olderThan` (µs, server time): calls
   * only their end made (with their feedback), and parked failure walks (docs/protocol.md §3.6).
   */
  removeOrphans(olderThan: number): Promise<{ calls: number; walks: number }>;
  /**
   * Removes the project's calls that started before `before` (µs), deleted or not, with their
   * feedback (docs/protocol.md §20); returns how many.
   */
  pruneCalls(projectId: string, before: number): Promise<number>;
  /** Sets (days) or clears (null) a project's retention. */
  setRetention(projectId: string, days: number | null): Promise<void>;
  /** Every project's retention, by project id. */
  listRetention(): Promise<Array<{ project_id: string; days: number }>>;
  /**
   * Gives freed space back to the file system. `exclusive` (no server is expected to be busy on
   * the store) allows rewriting an old store that cannot free space in place and waiting for
   * readers; without it the work is done in small steps that never wait. Returns the store's size
   * in bytes before and after.
   */
  reclaimSpace(options?: { exclusive?: boolean }): Promise<{ before: number; after: number }>;
  /** Stores a new API key; an id that exists already is refused (Conflict). */
  createApiKey(key: StoredApiKey): Promise<void>;
  /** Every API key ever created, revoked ones included, oldest first. */
  listApiKeys(): Promise<StoredApiKey[]>;
  /** One API key by id, revoked or not; undefined when there is none. */
  readApiKey(id: string): Promise<StoredApiKey | undefined>;
  /** Marks a key revoked; false when there is no such key or it was revoked already. */
  revokeApiKey(id: string, revokedAt: number): Promise<boolean>;
  // ---- export and import, for copying a store (`weft migrate`, cli/migrate-copy.ts) ----------
  /**
   * Live calls (start present, not deleted) with an id after `page.after`, in id order, as the
   * upserts that store them again: every stored field in the start part (the display name as it
   * reads now, renames included) and, once the call ended, in the end part.
   */
  exportCalls(projectId: string, page: ExportPage): Promise<CallUpsert[]>;
  /**
   * Every version, deleted ones included, of up to `page.limit` object names after `page.after`
   * (code point order), with their tags and aliases: a name's versions come in one page, ordered
   * by name, kind and digest.
   */
  exportObjectVersions(projectId: string, page: ExportPage): Promise<ExportedObjectVersion[]>;
  /**
   * Stores versions exactly as exported: indexes, latest flags, deletion times and creation times
   * are kept rather than worked out anew, so deleted versions keep their indexes from being
   * reused. A name's versions are imported together. Importing the same versions again changes
   * nothing.
   */
  importObjectVersions(projectId: string, versions: readonly ExportedObjectVersion[]): Promise<void>;
  /** Digests of the project's tables after `page.after`, in order. */
  listTableDigests(projectId: string, page: ExportPage): Promise<string[]>;
  /** The project's stored table rows with a digest after `page.after`, in digest order. */
  exportTableRows(projectId: string, page: ExportPage): Promise<TableRow[]>;
  /** Stores table rows by digest (rows stored already are left as they are). */
  importTableRows(projectId: string, rows: readonly TableRow[]): Promise<void>;
  /** Digests of the project's files after `page.after`, in order. */
  listFileDigests(projectId: string, page: ExportPage): Promise<string[]>;
  /** How much the project holds besides calls (countCalls counts those): what a copy is checked by. */
  countProjectContents(projectId: string): Promise<ProjectContents>;
  close(): Promise<void>;
}

/**
 * A page of an export: what comes after the key `after` (null: from the first), at most `limit`.
 * A page may hold fewer (a store reads at most so many rows); only an empty one ends the export.
 */
export interface ExportPage {
  after: string | null;
  limit: number;
}

/** An object version with everything a copy keeps: deleted or not, with its labels. */
export interface ExportedObjectVersion extends StoredObject {
  /** Empty for a deleted version (its labels went with it). */
  tags: string[];
  aliases: string[];
}

/** What a project holds besides calls, counted as stored. */
export interface ProjectContents {
  /** Object versions, deleted ones included. */
  object_versions: number;
  tables: number;
  table_rows: number;
  files: number;
  feedback: number;
  /** The project's own prices. */
  prices: number;
}

/**
 * An API key as stored (docs/protocol.md §19): its id, who it is for and what it may do, and a
 * slow hash of its secret part, never the key itself. Times in µs since the epoch.
 */
export interface StoredApiKey {
  id: string;
  user: string;
  /** Wire project ids (`entity/name`) the key may use; null: every project. */
  projects: string[] | null;
  read_only: boolean;
  secret_hash: string;
  created_at: number;
  revoked_at: number | null;
}

/** A registered project; `created_at` in µs since the epoch. */
export interface StoredProject {
  entity: string;
  name: string;
  created_at: number;
}

/** A project with what it holds, for the web UI's projects page (docs/protocol.md §13.1). */
export interface StoredProjectSummary {
  /** The wire id, `entity/name`. */
  project_id: string;
  entity: string;
  name: string;
  /** Calls whose start arrived and that are not deleted. */
  calls: number;
  /** Object versions not deleted, ops included. */
  objects: number;
  /** µs: the newest live call's start or live object version's creation; null when neither exists. */
  last_activity: number | null;
}
