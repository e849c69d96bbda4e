/**
 * Feedback on ClickHouse (migration 4, docs/protocol.md §18): one row per feedback, under the id
 * and time the client chose; `payload` is the JSON text of an object; timestamps are Int64 µs.
 *
 * Insert-only, as the small tables are (admin-schema.ts): a ReplacingMergeTree(version,
 * is_deleted) whose rows never change; a purge (or the row a replace removes, or the feedback of a
 * deleted call) is a tombstone, the row's key again with `is_deleted` and a higher version. Reads
 * use FINAL, which leaves tombstoned keys out.
 *
 * Ordered by (project_id, call_id, feedback_type, created_at, id): a call's feedback, and its rows
 * of one type oldest first, are one range of the table, which is what calls queries read
 * (`include_feedback`, `feedback.[type]...` fields; calls-read.ts) and what deleting a call
 * removes. Every key column is fixed for a given id (a row is never edited; a replace stores a new
 * row), so each tombstone names its row's whole key. `call_id` is '' for feedback on objects
 * (`call_id` null in StoredFeedback; a call id is never empty), so the key needs no Nullable.
 * Lookups by id (skipping ids already stored, purges) and by weave_ref (the Python client's
 * feedback of one call or object) go through bloom filter indexes.
 *
 * On a cluster the table is sharded as `calls` is, by (project, call): a call's feedback lives on
 * the shard that holds the call, so each shard joins its own calls with its own feedback, and
 * every version of a row lands on one shard.
 */
import type { TableSpec } from './ddl.js';

export const FEEDBACK_TABLE: TableSpec = {
  name: 'feedback',
  columns: [
    'project_id String',
    'call_id String',
    'feedback_type LowCardinality(String)',
    'created_at Int64',
    'id String',
    'weave_ref String',
    'creator Nullable(String)',
    'payload String',
    'annotation_ref Nullable(String)',
    'runnable_ref Nullable(String)',
    'call_ref Nullable(String)',
    'trigger_ref Nullable(String)',
    'wb_user_id Nullable(String)',
    'version UInt64',
    'is_deleted UInt8',
    'INDEX id_index id TYPE bloom_filter GRANULARITY 1',
    'INDEX weave_ref_index weave_ref TYPE bloom_filter GRANULARITY 1',
  ].join(', '),
  engine: 'ReplacingMergeTree(version, is_deleted)',
  orderBy: '(project_id, call_id, feedback_type, created_at, id)',
  shardKey: 'cityHash64(project_id, call_id)',
};
