/**
 * DDL that runs on one ClickHouse node or on a cluster unchanged (docs/architecture.md,
 * "ClickHouse"). On one node a table is what it says. With `--clickhouse-cluster NAME` every
 * statement is `ON CLUSTER NAME`, a table is a `Replicated*MergeTree` named `<table>_local` on
 * each node, and `<table>` is a `Distributed` table over them, sharded by its shard key: the
 * store's queries name `<table>` in both cases.
 */

export interface SchemaTarget {
  database: string;
  /** The cluster's name from the servers' `remote_servers`; absent on one node. */
  cluster?: string;
}

export interface TableSpec {
  name: string;
  /** Column and index definitions, as between the parentheses of CREATE TABLE. */
  columns: string;
  /** `MergeTree`, `ReplacingMergeTree(version)`, `AggregatingMergeTree` or `Null`. */
  engine: string;
  /** ORDER BY (absent for the Null engine). */
  orderBy?: string;
  /** What follows ORDER BY: PARTITION BY, TTL, SETTINGS. */
  tail?: string;
  /** Rows of one shard key live on one shard, so a call's parts merge where they land. */
  shardKey: string;
}

/** Cluster and database names go into DDL as identifiers: held to identifier characters. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export function checkIdentifier(kind: string, name: string): string {
  if (!IDENTIFIER.test(name))
    throw new Error(`a ClickHouse ${kind} name is letters, digits and _: got ${JSON.stringify(name)}`);
  return name;
}

function onCluster(target: SchemaTarget): string {
  return target.cluster ? ` ON CLUSTER ${checkIdentifier('cluster', target.cluster)}` : '';
}

/** Where a table's rows are stored: the table itself on one node, `<table>_local` on a cluster. */
export function storageTable(target: SchemaTarget, name: string): string {
  return `${target.database}.${target.cluster ? `${name}_local` : name}`;
}

function replicated(engine: string, target: SchemaTarget, table: string): string {
  if (!target.cluster || engine === 'Null') return engine;
  const open = engine.indexOf('(');
  const family = open < 0 ? engine : engine.slice(0, open);
  const args = open < 0 ? '' : engine.slice(open + 1, -1);
  const path = `'/clickhouse/tables/{shard}/${target.database}/${table}', '{replica}'`;
  return `Replicated${family}(${path}${args ? `, ${args}` : ''})`;
}

export function createTable(target: SchemaTarget, spec: TableSpec): string[] {
  const local = storageTable(target, spec.name);
  const engine = replicated(spec.engine, target, `${spec.name}_local`);
  const order = spec.orderBy ? ` ORDER BY ${spec.orderBy}` : '';
  const statements = [
    `CREATE TABLE IF NOT EXISTS ${local}${onCluster(target)} (${spec.columns}) ENGINE = ${engine}${order}${spec.tail ? ` ${spec.tail}` : ''}`,
  ];
  if (target.cluster) {
    statements.push(
      `CREATE TABLE IF NOT EXISTS ${target.database}.${spec.name}${onCluster(target)} AS ${local} ENGINE = Distributed(${target.cluster}, ${target.database}, ${spec.name}_local, ${spec.shardKey})`,
    );
  }
  return statements;
}

/**
 * A materialized view from one table's rows as they are inserted into another's storage: on a
 * cluster it runs on each node, from the local table to the local table.
 */
export function createMaterializedView(
  target: SchemaTarget,
  view: { name: string; from: string; to: string; select: (from: string) => string },
): string[] {
  return [
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${target.database}.${view.name}${onCluster(target)} TO ${storageTable(target, view.to)} AS ${view.select(storageTable(target, view.from))}`,
  ];
}

export function createDatabase(target: SchemaTarget): string {
  return `CREATE DATABASE IF NOT EXISTS ${checkIdentifier('database', target.database)}${onCluster(target)}`;
}

/**
 * `DELETE FROM` a table's storage (a lightweight delete: rows are masked at once and dropped by
 * later merges). On a cluster each node deletes from its own local table; rows that belong
 * together share a shard (their shard key), so a condition that reads the same table is answered
 * on each shard from its own rows.
 */
export function deleteFrom(target: SchemaTarget, table: string): string {
  return `DELETE FROM ${storageTable(target, table)}${onCluster(target)}`;
}
