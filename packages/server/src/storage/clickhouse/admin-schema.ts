/**
 * The store's small tables on ClickHouse (migration 3): registered projects, LLM prices, API keys
 * and per-project retention settings. Each holds hundreds to thousands of rows, written rarely.
 *
 * Insert-only, as ClickHouse wants: a row that changes (a revoked key, a purged price, a cleared
 * retention) gets a new row with a higher version in a ReplacingMergeTree, whose merges keep the
 * newest row of each key; reads use FINAL, so they see the newest row whether or not the merge
 * has happened. `is_deleted` rows are tombstones: FINAL leaves their key out. Each table is
 * ordered by the key it is looked up and replaced by, and on a cluster sharded by a function of
 * that key, so every version of a row lands on the same shard and FINAL sees them together.
 * Timestamps are Int64 µs since the epoch, as TraceStore speaks them.
 */
import type { TableSpec } from './ddl.js';

/**
 * Projects by wire id (`entity/name`). A registration never changes, so there is no version:
 * two registrations of one id (two processes racing) merge into the first one, by `min`.
 */
export const PROJECTS_TABLE: TableSpec = {
  name: 'projects',
  columns: [
    'project_id String',
    'entity SimpleAggregateFunction(any, String)',
    'name SimpleAggregateFunction(any, String)',
    'created_at SimpleAggregateFunction(min, Int64)',
  ].join(', '),
  engine: 'AggregatingMergeTree',
  orderBy: 'project_id',
  shardKey: 'cityHash64(project_id)',
};

/**
 * Prices of a project (`pricing_level_id` = its wire id) and the default ones (`default`): a
 * project's are read together, so they lead the key. A purge writes a tombstone.
 */
export const LLM_PRICES_TABLE: TableSpec = {
  name: 'llm_prices',
  columns: [
    'pricing_level_id String',
    'id String',
    'pricing_level LowCardinality(String)',
    'provider_id String',
    'llm_id String',
    'effective_date Nullable(Int64)',
    'prompt_token_cost Float64',
    'completion_token_cost Float64',
    'cache_read_input_token_cost Nullable(Float64)',
    'cache_creation_input_token_cost Nullable(Float64)',
    'prompt_token_cost_unit String',
    'completion_token_cost_unit String',
    'created_by Nullable(String)',
    'created_at Int64',
    'version UInt64',
    'is_deleted UInt8',
  ].join(', '),
  engine: 'ReplacingMergeTree(version, is_deleted)',
  orderBy: '(pricing_level_id, id)',
  shardKey: 'cityHash64(pricing_level_id)',
};

/**
 * API keys: what StoredApiKey holds (the slow hash of the secret, never the key). `version` is 0
 * for the key as created and 1 once revoked, so a revocation outranks the row it revokes in
 * whatever order the two arrive: a revoked key stays revoked. `all_projects` stands for a null
 * project list (an Array cannot be Nullable).
 */
export const API_KEYS_TABLE: TableSpec = {
  name: 'api_keys',
  columns: [
    'id String',
    'user String',
    'all_projects Bool',
    'projects Array(String)',
    'read_only Bool',
    'secret_hash String',
    'created_at Int64',
    'revoked_at Nullable(Int64)',
    'version UInt8',
  ].join(', '),
  engine: 'ReplacingMergeTree(version)',
  orderBy: 'id',
  shardKey: 'cityHash64(id)',
};

/** A project's retention in days; clearing it writes a tombstone. */
export const PROJECT_RETENTION_TABLE: TableSpec = {
  name: 'project_retention',
  columns: ['project_id String', 'days Int64', 'version UInt64', 'is_deleted UInt8'].join(', '),
  engine: 'ReplacingMergeTree(version, is_deleted)',
  orderBy: 'project_id',
  shardKey: 'cityHash64(project_id)',
};
