import { resolve } from 'node:path';
import { SqliteTraceStore } from './sqlite/sqlite-trace-store.js';
import type { TraceStore } from './trace-store.js';

export interface OpenStoreOptions {
  /** How long one step of a query (a page of rows, a count) may take before it fails with QueryTimeout. */
  queryTimeoutMs?: number;
  /** The largest the database may grow; past it, writes get 507 (storage/sqlite/database-size.ts). */
  maxDatabaseBytes?: number;
}

/**
 * Opens a store from a URL: `sqlite:<path to database file>`. Later backends (ClickHouse) add
 * their own schemes here, and nothing else changes.
 */
export function openStore(url: string, options: OpenStoreOptions = {}): TraceStore {
  const separator = url.indexOf(':');
  const scheme = separator > 0 ? url.slice(0, separator) : '';
  const location = url.slice(separator + 1);
  switch (scheme) {
    case 'sqlite':
      return SqliteTraceStore.open(resolve(location), options);
    default:
      throw new Error(`unsupported store URL ${JSON.stringify(url)}: expected sqlite:<path>`);
  }
}
