/** The process-wide client that ops report to, set by `init`. */

import type { ObjectRef } from '../objects/refs.js';
import { HttpTraceServer } from '../transport/http-trace-server.js';
import { currentClient, setCurrentClient } from './current-client.js';
import { WeaveClient, type WeaveClientOptions } from './weave-client.js';

export const DEFAULT_SERVER_URL = 'http://127.0.0.1:6345';

export interface InitOptions extends WeaveClientOptions {
  /** The trace server; default `WF_TRACE_SERVER_URL`, then http://127.0.0.1:6345. */
  serverUrl?: string;
  /**
   * The server's API key (`weft keys create`), sent as Weave clients send it (HTTP Basic
   * `api:<key>`); default `WEFT_API_KEY`, then `WANDB_API_KEY`.
   */
  apiKey?: string;
  /** See WeaveClientOptions; default `WEFT_SPOOL_DIR` (unset or empty: no spool). */
  spoolDir?: string;
}

/**
 * Starts tracing into `entity/project` and returns the client. Sends nothing until the first call.
 * Calling it again switches ops to the new client; the old one still sends what it queued.
 */
export function init(projectName: string, options: InitOptions = {}): WeaveClient {
  const parts = projectName.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new Error(`init() needs a project named "entity/project", got ${JSON.stringify(projectName)}`);
  }
  const serverUrl = options.serverUrl ?? process.env.WF_TRACE_SERVER_URL ?? DEFAULT_SERVER_URL;
  // An empty variable counts as unset, as in Weave's clients.
  const apiKey = options.apiKey || process.env.WEFT_API_KEY || process.env.WANDB_API_KEY;
  const server = new HttpTraceServer(serverUrl, apiKey ? { apiKey } : {});
  // An empty variable counts as unset; an empty option turns the variable's spool off.
  const spoolDir = options.spoolDir ?? process.env.WEFT_SPOOL_DIR;
  const client = new WeaveClient(parts[0], parts[1], server, {
    ...options,
    ...(spoolDir ? { spoolDir } : {}),
  });
  setCurrentClient(client);
  return client;
}

/** The client `init` made, or undefined before `init` (ops then run untraced). */
export function getClient(): WeaveClient | undefined {
  return currentClient();
}

/** Stops tracing: ops run untraced until the next `init`. Pending calls are still sent. */
export function resetClient(): void {
  setCurrentClient(undefined);
}

/** Publishes through the client `init` made (see `WeaveClient.publish`). */
export function publish(value: unknown, name?: string): Promise<ObjectRef> {
  const client = currentClient();
  if (!client) return Promise.reject(new Error('publish() needs a client: call init() first'));
  return client.publish(value, name);
}
