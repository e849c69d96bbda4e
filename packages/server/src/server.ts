import type { Socket } from 'node:net';
import { join, resolve } from 'node:path';
import type { AuthMode } from './http/access/access-control.js';
import { buildApp } from './http/app.js';
import { startMaintenance } from './service/maintenance.js';
import { openStore } from './storage/open-store.js';
import type { TraceStore } from './storage/trace-store.js';

export interface ServeOptions {
  host?: string;
  port?: number;
  /** Folder for the embedded database; created if missing. */
  dataDir?: string;
  /**
   * Another store than SQLite in `dataDir` (storage/open-store.ts): `clickhouse://…` or
   * `chdb:<folder>`. The ClickHouse store is being built (issue 14): what it lacks answers 501.
   */
  storeUrl?: string;
  /** `--clickhouse-cluster`: the ClickHouse cluster the schema is made for. */
  clickhouseCluster?: string;
  logLevel?: string;
  /** How long a query may take to produce one page of results before it fails with a 504. */
  queryTimeoutMs?: number;
  /** The entity given to project names without one (the Python SDK asks over GraphQL). */
  defaultEntity?: string;
  /** The built web UI to serve; by default @weft/ui's build; null serves none (AppOptions.uiDir). */
  uiDir?: string | null;
  /**
   * Serve without API keys even on an address other machines reach (`--insecure-no-auth`).
   * Without it, a server bound beyond loopback refuses to start until a key exists, and a local
   * one requires keys as soon as any exists (docs/protocol.md §19).
   */
  insecureNoAuth?: boolean;
  /** `--max-db-size`: past this many bytes the database takes no more writes (507); reads go on. */
  maxDatabaseBytes?: number;
  /** Requests per minute per API key (AppOptions.rateLimitPerMinute). */
  rateLimitPerMinute?: number;
  /** Origins allowed to call the API from a browser (AppOptions.corsOrigins). */
  corsOrigins?: readonly string[];
  /** A streamed answer's client that takes no bytes for this long is cut off; default 30 s. */
  writeTimeoutMs?: number;
}

/** `weft serve` would be open to other machines without keys: it does not start. */
export class UnsafeServeRefused extends Error {}

export interface RunningServer {
  url: string;
  dataDir: string;
  /** Stops accepting requests, lets in-flight ones finish, then closes the store. Idempotent. */
  close(): Promise<void>;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 6345;
export const DEFAULT_DATA_DIR = './weft-data';
/** How long shutdown waits for in-flight requests before closing their connections anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

/** Whether only this machine can reach an address: localhost, 127.0.0.0/8 or ::1. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(?:\.\d{1,3}){3}$/.test(bare);
}

async function authMode(store: TraceStore, options: ServeOptions): Promise<AuthMode> {
  if (options.insecureNoAuth) return 'off';
  const host = options.host ?? DEFAULT_HOST;
  if (isLoopbackHost(host)) return 'auto';
  const keys = await store.listApiKeys();
  if (!keys.some((key) => key.revoked_at === null)) {
    throw new UnsafeServeRefused(
      `refusing to serve on ${host} without API keys: anyone who reaches it could read and delete every project. ` +
        'Create a key first (weft keys create --user NAME --data DIR), bind to 127.0.0.1, ' +
        'or pass --insecure-no-auth to serve without keys anyway.',
    );
  }
  return 'required';
}

/** Starts `weft serve`: the trace server over SQLite in `dataDir`. */
export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const store = await openStore(options.storeUrl ?? `sqlite:${join(dataDir, 'weft.db')}`, {
    ...(options.queryTimeoutMs !== undefined ? { queryTimeoutMs: options.queryTimeoutMs } : {}),
    ...(options.maxDatabaseBytes !== undefined ? { maxDatabaseBytes: options.maxDatabaseBytes } : {}),
    ...(options.clickhouseCluster ? { clickhouseCluster: options.clickhouseCluster } : {}),
  });
  let app: ReturnType<typeof buildApp>;
  try {
    const auth = await authMode(store, options);
    app = buildApp({
      auth,
      ...(options.rateLimitPerMinute !== undefined ? { rateLimitPerMinute: options.rateLimitPerMinute } : {}),
      ...(options.corsOrigins ? { corsOrigins: options.corsOrigins } : {}),
      store,
      ...(options.logLevel ? { logLevel: options.logLevel } : {}),
      ...(options.defaultEntity ? { defaultEntity: options.defaultEntity } : {}),
      ...(options.uiDir !== undefined ? { uiDir: options.uiDir } : {}),
      ...(options.writeTimeoutMs !== undefined ? { writeTimeoutMs: options.writeTimeoutMs } : {}),
    });
    await app.listen({ host: options.host ?? DEFAULT_HOST, port: options.port ?? DEFAULT_PORT });
  } catch (error) {
    await store.close();
    throw error;
  }
  const maintenance = startMaintenance(store, { log: app.log });
  // Connections a client opened but never sent a request on are not "idle" to node's HTTP server,
  // so a graceful close would wait for them; track sockets to close those at shutdown.
  const sockets = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host ?? DEFAULT_HOST;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    dataDir,
    close() {
      closing ??= (async () => {
        const closed = app.close();
        for (const socket of sockets) if (socket.bytesRead === 0) socket.destroy();
        const force = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        force.unref();
        await closed;
        clearTimeout(force);
        await maintenance.stop();
        // Requests have finished, so every acknowledged write is committed; now close the database.
        await store.close();
      })();
      return closing;
    },
  };
}
