/**
 * Opens `@clickhouse/client` on a ClickHouse server, or on the in-process engine of the `chdb`
 * package through the client's `connection` option, so one store runs on both unchanged.
 */
import { createRequire } from 'node:module';
import { type ClickHouseClient, createClient } from '@clickhouse/client';
import type { ClickHouseLocation } from './store-url.js';

/** Settings every session gets: numbers as JSON numbers (µs timestamps fit in a double). */
const SESSION_SETTINGS = {
  output_format_json_quote_64bit_integers: 0,
  // A query answers with JSON text that JSON.parse reads (no NaN or Infinity, which JSON lacks).
  output_format_json_quote_denormals: 0,
  // The JSON functions' default parser (simdjson) refuses a whole document that holds an integer
  // past 64 bits, which JSON.stringify writes as plain digits up to 1e21 (a Python int logged as
  // 10**20): every path in it would read as missing. The other parser reads it as a double, as
  // SQLite and JavaScript do.
  allow_simdjson: 0,
} as const;

export function connect(location: ClickHouseLocation): ClickHouseClient {
  if (location.kind === 'server') {
    return createClient({
      url: location.url,
      username: location.username,
      password: location.password,
      clickhouse_settings: SESSION_SETTINGS,
    });
  }
  return createClient({ connection: chdbConnection(location.path), clickhouse_settings: SESSION_SETTINGS });
}

/** What `chdb/connection` exports that this module uses: a connection for the client's option. */
type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;
interface ChdbConnectionModule {
  createChdbConnection(options: { path: string }): ClientConnection;
}

/**
 * chdb is an optional dependency (its engine is 500 MB): loaded only for a `chdb:` store, with
 * a clear message when it is not installed.
 */
function chdbConnection(path: string) {
  const require = createRequire(import.meta.url);
  let module: ChdbConnectionModule;
  try {
    module = require('chdb/connection') as ChdbConnectionModule;
  } catch (error) {
    throw new Error(
      `a chdb: store needs the chdb package (ClickHouse inside this process): npm install chdb (${(error as Error).message})`,
    );
  }
  try {
    return module.createChdbConnection({ path });
  } catch (error) {
    // The engine locks its folder: a second process (weft serve holding it) cannot open it.
    throw new Error(
      `cannot open the chdb folder ${path}: ${(error as Error).message}. A chdb: store is open in one process at a time; stop the weft serve using it, or keep the data in a ClickHouse server (clickhouse://…) to share it`,
    );
  }
}
