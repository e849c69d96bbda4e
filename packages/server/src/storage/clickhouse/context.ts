/** What every part of the ClickHouse store works with: the client and where its tables are. */
import type { ClickHouseClient } from '@clickhouse/client';
import { NotImplemented } from '@weft/protocol';
import type { SchemaTarget } from './ddl.js';

export interface ClickHouseContext {
  client: ClickHouseClient;
  target: SchemaTarget;
  /** A table's name for queries and inserts: `<database>.<table>` (Distributed on a cluster). */
  table(name: string): string;
}

export function clickHouseContext(client: ClickHouseClient, target: SchemaTarget): ClickHouseContext {
  return { client, target, table: (name) => `${target.database}.${name}` };
}

/** For the capabilities the ClickHouse store does not have yet (issue 14 lands them in parts). */
export function notOnClickHouseYet(what: string): never {
  throw new NotImplemented(`${what} is not available on the ClickHouse store yet`);
}
