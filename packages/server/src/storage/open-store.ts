import { resolve } from 'node:path';
import { ClickHouseTraceStore } from './clickhouse/clickhouse-trace-store.js';
import { redact } from './clickhouse/store-url.js';
import { SqliteTraceStore } from './sqlite/sqlite-trace-store.js';
import type { TraceStore } from './trace-store.js';

export interface OpenStoreOptions {
  /** How long one step of a query (a page of rows, a count) may take before it fails with QueryTimeout. */
  queryTimeoutMs?: number;
  /** The largest the database may grow; past it, writes get 507 (storage/sqlite/database-size.ts). */
  maxDatabaseBytes?: number;
  /** ClickHouse: the cluster the schema is made for (storage/clickhouse/ddl.ts). */
  clickhouseCluster?: string;
}

/**
 * Opens a store from a URL: `sqlite:<path to database file>` (the default, embedded), or a
 * ClickHouse store, `clickhouse://user:password@host:8123/database` (`clickhouses://` for TLS) or
 * `chdb:<folder>` for ClickHouse inside this process (storage/clickhouse/store-url.ts).
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<TraceStore> {
  const separator = url.indexOf(':');
  const scheme = separator > 0 ? url.slice(0, separator) : '';
  const location = url.slice(separator + 1);
  switch (scheme) {
    case 'sqlite':
      return SqliteTraceStore.open(resolve(location), options);
    case 'clickhouse':
    case 'clickhouses':
    case 'chdb':
      return ClickHouseTraceStore.open(url, {
        ...(options.clickhouseCluster ? { cluster: options.clickhouseCluster } : {}),
        ...(options.queryTimeoutMs ? { queryTimeoutMs: options.queryTimeoutMs } : {}),
      });
    default:
      throw new Error(
        `unsupported store URL ${JSON.stringify(redact(url))}: expected sqlite:<path>, clickhouse://… or chdb:<folder>`,
      );
  }
}

/** Whether a store URL names a ClickHouse store. */
export function isClickHouseUrl(url: string): boolean {
  return /^(clickhouses?|chdb):/.test(url);
}
