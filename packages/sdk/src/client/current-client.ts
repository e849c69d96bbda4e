/**
 * The process-wide client `init` made: where ops report, and what `ref.get()`, `dataset.save()`
 * and `publish()` use. A module of its own, holding only a type import, so that the modules the
 * client is built from can reach it without importing init.ts in a cycle.
 */
import type { WeaveClient } from './weave-client.js';

let current: WeaveClient | undefined;

export function currentClient(): WeaveClient | undefined {
  return current;
}

export function setCurrentClient(client: WeaveClient | undefined): void {
  current = client;
}
