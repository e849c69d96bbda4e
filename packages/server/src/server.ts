import type { Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { buildApp } from './http/app.js';
import { openStore } from './storage/open-store.js';

export interface ServeOptions {
  host?: string;
  port?: number;
  /** Folder for the embedded database; created if missing. */
  dataDir?: string;
  logLevel?: string;
  /** How long a query may take to produce one batch of results before it fails with a 504. */
  queryTimeoutMs?: number;
  /** The entity given to project names without one (the Python SDK asks over GraphQL). */
  defaultEntity?: string;
  /** The built web UI to serve; by default @weft/ui's build; null serves none (AppOptions.uiDir). */
  uiDir?: string | null;
}

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

/** Starts `weft serve`: the trace server over SQLite in `dataDir`. */
export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const store = openStore(`sqlite:${join(dataDir, 'weft.db')}`, {
    ...(options.queryTimeoutMs !== undefined ? { queryTimeoutMs: options.queryTimeoutMs } : {}),
  });
  let app: ReturnType<typeof buildApp>;
  try {
    app = buildApp({
      store,
      ...(options.logLevel ? { logLevel: options.logLevel } : {}),
      ...(options.defaultEntity ? { defaultEntity: options.defaultEntity } : {}),
      ...(options.uiDir !== undefined ? { uiDir: options.uiDir } : {}),
    });
    await app.listen({ host: options.host ?? DEFAULT_HOST, port: options.port ?? DEFAULT_PORT });
  } catch (error) {
    await store.close();
    throw error;
  }
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
        // Requests have finished, so every acknowledged write is committed; now close the database.
        await store.close();
      })();
      return closing;
    },
  };
}
