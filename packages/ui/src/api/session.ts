/**
 * `GET /weft/session` (docs/protocol.md §19.5): who the UI speaks for. On a server without keys it
 * answers the local user; on one that requires keys, a request without a valid one gets a 401,
 * which is how the app learns to ask for a key.
 */
import type { SessionRes } from '@weft/protocol';
import { getJson } from './client';

export const SESSION_QUERY_KEY = ['session'] as const;

export function readSession(signal?: AbortSignal): Promise<SessionRes> {
  return getJson<SessionRes>('/weft/session', { signal });
}

/** Asks the server who `key` belongs to, without storing it: a wrong key fails with the server's reason. */
export function checkApiKey(key: string, signal?: AbortSignal): Promise<SessionRes> {
  return getJson<SessionRes>('/weft/session', { signal, trialKey: key });
}
