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
    return perRequestSettings(module.createChdbConnection({ path }));
  } catch (error) {
    // The engine locks its folder: a second process (weft serve holding it) cannot open it.
    throw new Error(
      `cannot open the chdb folder ${path}: ${(error as Error).message}. A chdb: store is open in one process at a time; stop the weft serve using it, or keep the data in a ClickHouse server (clickhouse://…) to share it`,
    );
  }
}

const REQUESTS = new Set<PropertyKey>(['query', 'exec', 'command', 'insert']);

/** Runs a query on the engine and ignores its answer (and its failure: the caller's error comes first). */
async function runQuietly(connection: ClientConnection, query: string): Promise<void> {
  try {
    await connection.query({ query } as Parameters<ClientConnection['query']>[0]);
  } catch {
    // Nothing to do: the request's own answer or error is what the caller gets.
  }
}

/**
 * Two things chdb 3.4's connection does that a ClickHouse server does not, undone after each
 * request (time-limit.test.ts checks both):
 * - it applies a request's settings as `SET` statements, which stay in the engine's one session:
 *   a read's time limit would then apply to every later write, and the merged view's
 *   `prefer_column_name_to_alias` to every later query. Each is set back to its default after
 *   the request, unless it is a session setting every request carries anyway;
 * - it keeps the rows a query wrote before it failed (a time limit mid-scan) and hands them out
 *   at the start of the next answer, which would then hold another query's rows: a throwaway
 *   query takes them before the error reaches the caller.
 * chdb runs queries without parameters side by side on its one session, so the wrapper runs
 * requests one at a time (each answer is read whole before the next starts): no request sees
 * another's settings or rows.
 */
function perRequestSettings(connection: ClientConnection): ClientConnection {
  let tail: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };
  return new Proxy(connection, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => Promise<unknown>;
      if (!REQUESTS.has(property)) return method.bind(target);
      return (params: { clickhouse_settings?: Record<string, unknown> }) =>
        oneAtATime(async () => {
          const own = Object.keys(params.clickhouse_settings ?? {}).filter(
            (name) => !Object.hasOwn(SESSION_SETTINGS, name),
          );
          const reset = async () => {
            if (own.length > 0)
              await runQuietly(target, `SET ${own.map((name) => `${name} = DEFAULT`).join(', ')}`);
          };
          try {
            const answer = await method.call(target, params);
            await reset();
            return answer;
          } catch (error) {
            await runQuietly(target, 'SELECT 1');
            await reset();
            throw error;
          }
        });
    },
  });
}
