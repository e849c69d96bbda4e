import { join, resolve } from 'node:path';
import { buildApp } from './http/app.js';
import { openStore } from './storage/open-store.js';

export interface ServeOptions {
  host?: string;
  port?: number;
  /** Folder for the embedded database; created if missing. */
  dataDir?: string;
  logLevel?: string;
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

/** Starts `weft serve`: the trace server over SQLite in `dataDir`. */
export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const store = openStore(`sqlite:${join(dataDir, 'weft.db')}`);
  const app = buildApp({ store, ...(options.logLevel ? { logLevel: options.logLevel } : {}) });
  try {
    await app.listen({ host: options.host ?? DEFAULT_HOST, port: options.port ?? DEFAULT_PORT });
  } catch (error) {
    await store.close();
    throw error;
  }
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
        await app.close();
        await store.close();
      })();
      return closing;
    },
  };
}
