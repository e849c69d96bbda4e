/**
 * The API key the UI sends, and whether the server wants one it does not have (docs/protocol.md
 * §19). This module is the only one that reads or writes the key.
 *
 * The key lives in the tab's sessionStorage: it survives a reload and is gone when the tab closes.
 * Never localStorage (kept on disk for every later visit, shared by every tab) and never a URL
 * (URLs land in the history, in server and proxy logs, in bookmarks and in pasted links). Where
 * the browser refuses storage altogether, the key is held in memory for the page's life, so the
 * UI still works until a reload.
 *
 * "A key is needed" is a small store rather than a React state so that a 401 that arrives before
 * any component listens (the calls page's loader asks while the app is still mounting) is not lost.
 */

const STORAGE_NAME = 'weft.api-key';

/** Why the app shows the key prompt. */
export interface KeyNeeded {
  /** The server's reason, when it gave one. */
  reason: string;
  /** Whether a key was sent and refused (unknown, mistyped, revoked) rather than none sent. */
  refused: boolean;
}

let memoryKey: string | null = null;
let needed: KeyNeeded | null = null;
const listeners = new Set<() => void>();

function storage(): Storage | undefined {
  try {
    return globalThis.sessionStorage;
  } catch {
    // A browser that blocks site data throws on the mere access.
    return undefined;
  }
}

function notify(): void {
  for (const listener of listeners) listener();
}

/** The key the UI sends, or null. */
export function readApiKey(): string | null {
  try {
    return storage()?.getItem(STORAGE_NAME) ?? memoryKey;
  } catch {
    return memoryKey;
  }
}

function dropKey(): void {
  memoryKey = null;
  try {
    storage()?.removeItem(STORAGE_NAME);
  } catch {
    // Nothing was stored there.
  }
}

/** Keeps a key the server accepted; the prompt, if shown, gives way. */
export function saveApiKey(key: string): void {
  memoryKey = null;
  try {
    const store = storage();
    if (store) store.setItem(STORAGE_NAME, key);
    else memoryKey = key;
  } catch {
    memoryKey = key;
  }
  needed = null;
  notify();
}

/**
 * Drops the key and shows the prompt. Forgetting is offered only while the server took a key, so
 * the server wants one; were every key revoked meanwhile, the next read would say otherwise.
 */
export function forgetApiKey(): void {
  dropKey();
  needed = { reason: '', refused: false };
  notify();
}

/**
 * A request sent with `sentKey` (null: none) got a 401. Only news when that is still the key in
 * use: a request sent before the user entered a key must not bring the prompt back. A refused
 * key is dropped, so that a reload does not send it again.
 */
export function keyRefused(sentKey: string | null, reason: string): void {
  const current = readApiKey();
  if (sentKey !== current) return;
  if (current !== null) dropKey();
  needed = { reason, refused: sentKey !== null };
  notify();
}

/** Why a key is needed now, or null when none is (as far as the UI knows). */
export function keyNeeded(): KeyNeeded | null {
  return needed;
}

/** Calls `listener` whenever the key or the need for one changes; returns the unsubscribe. */
export function onKeyChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}
