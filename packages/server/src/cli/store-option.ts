/**
 * Where a command finds the data: the SQLite database in `--data` (the default), or the store
 * `--store` names (a ClickHouse URL, as `weft serve --store` takes). Shared by every command that
 * opens the store itself.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_DATA_DIR } from '../server.js';
import { openStore } from '../storage/open-store.js';
import type { TraceStore } from '../storage/trace-store.js';

/** parseArgs options for the store: give them to a command's parser as they are. */
export const STORE_OPTIONS = {
  data: { type: 'string', default: process.env.WEFT_DATA ?? DEFAULT_DATA_DIR },
  store: {
    type: 'string',
    ...(process.env.WEFT_STORE_URL !== undefined ? { default: process.env.WEFT_STORE_URL } : {}),
  },
  'clickhouse-cluster': {
    type: 'string',
    ...(process.env.WEFT_CLICKHOUSE_CLUSTER !== undefined
      ? { default: process.env.WEFT_CLICKHOUSE_CLUSTER }
      : {}),
  },
} as const;

/** How a command's usage shows the store options. */
export const STORE_USAGE = `[--data ${DEFAULT_DATA_DIR} | --store URL [--clickhouse-cluster NAME]]`;

export interface StoreValues {
  data: string;
  store?: string | undefined;
  'clickhouse-cluster'?: string | undefined;
}

/** The SQLite database a `--data` folder holds. */
export function databaseIn(dataDir: string): string {
  return join(resolve(dataDir), 'weft.db');
}

/**
 * Opens the store the options name. With `mustExist`, a missing SQLite database is an error
 * (made by `missing`) rather than a new empty one: a command that reads or changes data must
 * not quietly work on a folder weft serve does not use.
 */
export async function openCommandStore(
  values: StoreValues,
  options: { mustExist: boolean; missing: (path: string) => Error },
): Promise<TraceStore> {
  if (values.store !== undefined) {
    const cluster = values['clickhouse-cluster'];
    return openStore(values.store, cluster !== undefined ? { clickhouseCluster: cluster } : {});
  }
  const path = databaseIn(values.data);
  if (options.mustExist && !existsSync(path)) throw options.missing(path);
  return openStore(`sqlite:${path}`);
}

/** Runs `work` on the store the options name, closing it after. */
export async function withCommandStore<T>(
  values: StoreValues,
  options: { mustExist: boolean; missing: (path: string) => Error },
  work: (store: TraceStore) => Promise<T>,
): Promise<T> {
  const store = await openCommandStore(values, options);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
