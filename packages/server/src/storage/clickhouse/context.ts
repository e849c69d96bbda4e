/** What every part of the ClickHouse store works with: the client and where its tables are. */
import type { ClickHouseClient } from '@clickhouse/client';
import type { SchemaTarget } from './ddl.js';

export interface ClickHouseContext {
  client: ClickHouseClient;
  target: SchemaTarget;
  /** A table's name for queries and inserts: `<database>.<table>` (Distributed on a cluster). */
  table(name: string): string;
  /** How long one read (a page of calls, a count) may take: `weft serve --query-timeout`. */
  queryTimeoutMs?: number;
}

export function clickHouseContext(
  client: ClickHouseClient,
  target: SchemaTarget,
  options: { queryTimeoutMs?: number } = {},
): ClickHouseContext {
  return {
    client,
    target,
    table: (name) => `${target.database}.${name}`,
    ...(options.queryTimeoutMs ? { queryTimeoutMs: options.queryTimeoutMs } : {}),
  };
}
