/**
 * The ClickHouse schema, as numbered migrations (docs/architecture.md, "ClickHouse"). Applied in
 * order at open; the versions applied are kept in `weft_migrations`. A migration is a list of
 * statements made for the target (one node or a cluster, ddl.ts), each idempotent (IF NOT
 * EXISTS), so a migration interrupted half-way is applied again whole.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { API_KEYS_TABLE, LLM_PRICES_TABLE, PROJECT_RETENTION_TABLE, PROJECTS_TABLE } from './admin-schema.js';
import { CALL_PART_COLUMNS, CALLS_COLUMNS, callsFromParts, modelNamesOf } from './calls-schema.js';
import {
  createDatabase,
  createMaterializedView,
  createTable,
  type SchemaTarget,
  storageTable,
} from './ddl.js';
import { FEEDBACK_TABLE } from './feedback-schema.js';
import { objectsTablesFilesStatements } from './objects-schema.js';

export interface ClickHouseMigration {
  version: number;
  name: string;
  statements(target: SchemaTarget): string[];
}

export const CLICKHOUSE_MIGRATIONS: readonly ClickHouseMigration[] = [
  {
    version: 1,
    name: 'calls',
    statements: (target) => [
      ...createTable(target, {
        name: 'call_parts',
        columns: CALL_PART_COLUMNS,
        engine: 'Null',
        shardKey: 'cityHash64(project_id, id)',
      }),
      ...createTable(target, {
        name: 'calls',
        columns: CALLS_COLUMNS,
        engine: 'AggregatingMergeTree',
        orderBy: '(project_id, id)',
        shardKey: 'cityHash64(project_id, id)',
      }),
      ...createMaterializedView(target, {
        name: 'calls_from_parts',
        from: 'call_parts',
        to: 'calls',
        select: callsFromParts,
      }),
    ],
  },
  {
    version: 2,
    name: 'objects, tables and files',
    statements: objectsTablesFilesStatements,
  },
  {
    version: 3,
    name: 'projects, prices, keys and retention',
    statements: (target) =>
      [PROJECTS_TABLE, LLM_PRICES_TABLE, API_KEYS_TABLE, PROJECT_RETENTION_TABLE].flatMap((spec) =>
        createTable(target, spec),
      ),
  },
  {
    version: 4,
    name: 'feedback',
    statements: (target) => createTable(target, FEEDBACK_TABLE),
  },
  {
    version: 5,
    name: 'model names logged',
    // Pricing a cost filter or sort needs the model names a project's calls log (calls-costs.ts);
    // kept as parts arrive, they are read without parsing every call's summary. A name stays
    // when its calls go (deleted, pruned): it only adds a price to the ones the query binds.
    statements: (target) => [
      ...createTable(target, {
        name: 'call_model_names',
        columns: 'project_id String, name String',
        engine: 'ReplacingMergeTree',
        orderBy: '(project_id, name)',
        shardKey: 'cityHash64(project_id, name)',
      }),
      ...createMaterializedView(target, {
        name: 'call_model_names_from_parts',
        from: 'call_parts',
        to: 'call_model_names',
        select: modelNamesOf,
      }),
      // The names of the calls stored before this migration; a name the view wrote meanwhile is
      // written twice, which the table's merges (and DISTINCT on reading) fold into one.
      `INSERT INTO ${target.database}.call_model_names ${modelNamesOf(`${target.database}.calls`)}`,
    ],
  },
];

const MIGRATIONS_TABLE = 'weft_migrations';

/** Applies the migrations not yet applied, oldest first. */
export async function migrate(
  client: ClickHouseClient,
  target: SchemaTarget,
  migrations: readonly ClickHouseMigration[] = CLICKHOUSE_MIGRATIONS,
): Promise<void> {
  await client.command({ query: createDatabase(target) });
  for (const statement of createTable(target, {
    name: MIGRATIONS_TABLE,
    columns: 'version UInt32, name String, applied_at Int64',
    engine: 'ReplacingMergeTree',
    orderBy: 'version',
    shardKey: 'version',
  })) {
    await client.command({ query: statement });
  }
  const applied = await client.query({
    query: `SELECT DISTINCT version FROM ${target.database}.${MIGRATIONS_TABLE}`,
    format: 'JSONEachRow',
  });
  const done = new Set((await applied.json<{ version: number }>()).map((row) => row.version));
  for (const migration of migrations) {
    if (done.has(migration.version)) continue;
    for (const statement of migration.statements(target)) await client.command({ query: statement });
    await client.insert({
      table: storageTable(target, MIGRATIONS_TABLE),
      values: [{ version: migration.version, name: migration.name, applied_at: Date.now() * 1000 }],
      format: 'JSONEachRow',
    });
  }
}
