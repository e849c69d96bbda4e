import { describe, expect, it } from 'vitest';
import { createMaterializedView, createTable } from './ddl.js';

const spec = {
  name: 'calls',
  columns: 'project_id String, id String',
  engine: 'AggregatingMergeTree',
  orderBy: '(project_id, id)',
  shardKey: 'cityHash64(project_id, id)',
};

describe('ClickHouse DDL', () => {
  it('makes a plain table on one node', () => {
    expect(createTable({ database: 'weft' }, spec)).toEqual([
      'CREATE TABLE IF NOT EXISTS weft.calls (project_id String, id String) ENGINE = AggregatingMergeTree ORDER BY (project_id, id)',
    ]);
  });

  it('makes a replicated local table and a Distributed table over it on a cluster', () => {
    expect(
      createTable(
        { database: 'weft', cluster: 'traces' },
        { ...spec, engine: 'ReplacingMergeTree(version)' },
      ),
    ).toEqual([
      "CREATE TABLE IF NOT EXISTS weft.calls_local ON CLUSTER traces (project_id String, id String) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/weft/calls_local', '{replica}', version) ORDER BY (project_id, id)",
      'CREATE TABLE IF NOT EXISTS weft.calls ON CLUSTER traces AS weft.calls_local ENGINE = Distributed(traces, weft, calls_local, cityHash64(project_id, id))',
    ]);
    expect(
      createMaterializedView(
        { database: 'weft', cluster: 'traces' },
        { name: 'mv', from: 'parts', to: 'calls', select: (from) => `SELECT * FROM ${from}` },
      ),
    ).toEqual([
      'CREATE MATERIALIZED VIEW IF NOT EXISTS weft.mv ON CLUSTER traces TO weft.calls_local AS SELECT * FROM weft.parts_local',
    ]);
  });

  it('refuses a cluster name that is not an identifier', () => {
    expect(() => createTable({ database: 'weft', cluster: "x'; DROP" }, spec)).toThrow(
      /letters, digits and _/,
    );
  });
});
