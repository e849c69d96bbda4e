/** The process-wide client that ops report to, set by `init`. */

import type { ObjectRef } from '../objects/refs.js';
import { HttpTraceServer } from '../transport/http-trace-server.js';
import { currentClient, setCurrentClient } from './current-client.js';
import { WeaveClient, type WeaveClientOptions } from './weave-client.js';

export const DEFAULT_SERVER_URL = 'http://127.0.0.1:6345';

export interface InitOptions extends WeaveClientOptions {
  /** The trace server; default `WF_TRACE_SERVER_URL`, then http://127.0.0.1:6345. */
  serverUrl?: string;
  /** Sent as Weave clients send it (HTTP Basic `api:<key>`); default `WANDB_API_KEY`. */
  apiKey?: string;
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
  const apiKey = options.apiKey ?? process.env.WANDB_API_KEY;
  const server = new HttpTraceServer(serverUrl, apiKey ? { apiKey } : {});
  const client = new WeaveClient(parts[0], parts[1], server, options);
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
