/**
 * How object versions, their tags and aliases, tables and files are kept in ClickHouse (migration
 * 2). ClickHouse has no transactions, unique keys or cheap updates, so every table here is written
 * insert-only:
 *
 * - A row that changes (an object version deleted or made latest again, a tag or alias added or
 *   removed) is a ReplacingMergeTree row whose newer state is inserted with a higher
 *   `row_version`; reads use FINAL, so they see the newest state before merges fold the old ones
 *   away. Tags and aliases carry `removed` as the engine's is_deleted column: FINAL leaves removed
 *   ones out.
 * - A tag or alias names the incarnation of the version it was set on (kind and version index: a
 *   deleted version that comes back gets a new index). It counts only while that incarnation is
 *   live, so deleting a version drops its tags and the aliases pointing at it in the same single
 *   insert that deletes it, and a resurrected version comes back bare (docs/protocol.md §8.7).
 * - Content is keyed by digest (table rows, files): storing it again inserts an identical row
 *   that merges away. Reads dedupe with FINAL (files: the first stored row wins, see below).
 * - A table is a header row (its row count: an empty table exists too) and one entry per
 *   position, so a page in table order is a range of the primary key. The header is written last:
 *   a table whose entries were cut short by a crash has none and does not exist.
 *
 * Every ORDER BY starts with project_id. On a cluster, every table but files is sharded by the
 * project, so the lookups between them (tags of versions, rows of tables) find both sides on one
 * shard (queries run with distributed_product_mode = 'local', see query-helpers.ts).
 */
import { createTable, type SchemaTarget } from './ddl.js';

const BY_PROJECT = 'cityHash64(project_id)';

export function objectsTablesFilesStatements(target: SchemaTarget): string[] {
  return [
    // One row per version of an object name, keyed by kind and digest (ops and objects keep
    // separate histories). `made_latest` is the write clock when the version last became its
    // kind's latest: the latest is the live version with the highest one.
    ...createTable(target, {
      name: 'objects',
      columns: `project_id String,
  object_id String,
  kind LowCardinality(String),
  digest String,
  version_index Int64,
  base_object_class Nullable(String),
  leaf_object_class Nullable(String),
  val_dump String CODEC(ZSTD(1)),
  created_at Int64,
  deleted_at Nullable(Int64),
  wb_user_id Nullable(String),
  made_latest UInt64,
  row_version UInt64`,
      engine: 'ReplacingMergeTree(row_version)',
      orderBy: '(project_id, object_id, kind, digest)',
      shardKey: BY_PROJECT,
    }),
    // A tag of a version (keyed by name and digest, as Weave keys them), valid while the
    // incarnation (kind, version_index) it was set on is live.
    ...createTable(target, {
      name: 'object_tags',
      columns: `project_id String,
  object_id String,
  digest String,
  tag String,
  kind LowCardinality(String),
  version_index Int64,
  created_at Int64,
  removed UInt8,
  row_version UInt64`,
      engine: 'ReplacingMergeTree(row_version, removed)',
      orderBy: '(project_id, object_id, digest, tag)',
      shardKey: BY_PROJECT,
    }),
    // An alias of an object name, pointing at one incarnation of one version.
    ...createTable(target, {
      name: 'object_aliases',
      columns: `project_id String,
  object_id String,
  alias String,
  kind LowCardinality(String),
  digest String,
  version_index Int64,
  created_at Int64,
  removed UInt8,
  row_version UInt64`,
      engine: 'ReplacingMergeTree(row_version, removed)',
      orderBy: '(project_id, object_id, alias)',
      shardKey: BY_PROJECT,
    }),
    // Table rows, once per project by digest, whatever tables hold them.
    ...createTable(target, {
      name: 'table_rows',
      columns: `project_id String,
  digest String,
  val_dump String CODEC(ZSTD(1))`,
      engine: 'ReplacingMergeTree',
      orderBy: '(project_id, digest)',
      shardKey: BY_PROJECT,
    }),
    // A table's row digests by position; the bloom filter finds a row ref's row in a large table.
    ...createTable(target, {
      name: 'table_entries',
      columns: `project_id String,
  table_digest String,
  position UInt32,
  row_digest String,
  INDEX row_digest_index row_digest TYPE bloom_filter GRANULARITY 1`,
      engine: 'ReplacingMergeTree',
      orderBy: '(project_id, table_digest, position)',
      shardKey: BY_PROJECT,
    }),
    // A table exists once its header is stored (after its entries).
    ...createTable(target, {
      name: 'tables',
      columns: `project_id String,
  digest String,
  row_count UInt64,
  created_at Int64`,
      engine: 'ReplacingMergeTree',
      orderBy: '(project_id, digest)',
      shardKey: BY_PROJECT,
    }),
    // Files by digest, the bytes as base64 text (inserts travel as JSON text, which cannot hold
    // arbitrary bytes). The first stored name is kept: `keep_rank` falls as `stored_at` rises, so
    // merges keep the earliest row, and reads take the earliest before merges.
    ...createTable(target, {
      name: 'files',
      columns: `project_id String,
  digest String,
  name String,
  size UInt64,
  content_base64 String CODEC(ZSTD(1)),
  stored_at Int64,
  keep_rank UInt64 DEFAULT toUInt64(9223372036854775807 - stored_at)`,
      engine: 'ReplacingMergeTree(keep_rank)',
      orderBy: '(project_id, digest)',
      shardKey: 'cityHash64(project_id, digest)',
    }),
  ];
}
