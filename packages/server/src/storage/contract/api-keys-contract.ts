/**
 * Contract: API keys are stored as given (a hash, never a key), listed oldest first with revoked
 * ones kept, and revoked once (docs/protocol.md §19).
 */
import { describe, expect, it } from 'vitest';
import type { StoredApiKey } from '../trace-store.js';
import type { StoreUnderTest } from './call-fixtures.js';

function apiKey(id: string, created_at: number, overrides: Partial<StoredApiKey> = {}): StoredApiKey {
  return {
    id,
    user: 'ada',
    projects: null,
    read_only: false,
    secret_hash: `scrypt$hash-of-${id}`,
    created_at,
    revoked_at: null,
    ...overrides,
  };
}

export function describeApiKeys(subject: StoreUnderTest): void {
  describe('API keys', () => {
    it('stores keys with their projects and mode, and lists them oldest first', async () => {
      const { store } = subject;
      const limited = apiKey('k2', 20, { user: 'bo', projects: ['acme/a', 'acme/Évals'], read_only: true });
      await store.createApiKey(limited);
      await store.createApiKey(apiKey('k1', 10));
      expect(await store.listApiKeys()).toEqual([apiKey('k1', 10), limited]);
      expect(await store.readApiKey('k2')).toEqual(limited);
      expect(await store.readApiKey('k3')).toBeUndefined();
    });

    it('refuses a second key with the same id and keeps the first', async () => {
      const { store } = subject;
      await store.createApiKey(apiKey('k1', 10));
      await expect(store.createApiKey(apiKey('k1', 11, { user: 'eve' }))).rejects.toMatchObject({
        errorType: 'Conflict',
      });
      expect(await store.readApiKey('k1')).toEqual(apiKey('k1', 10));
    });

    it('revokes a key once and keeps it listed', async () => {
      const { store } = subject;
      await store.createApiKey(apiKey('k1', 10));
      expect(await store.revokeApiKey('k1', 50)).toBe(true);
      expect(await store.revokeApiKey('k1', 60)).toBe(false);
      expect(await store.revokeApiKey('nope', 60)).toBe(false);
      expect(await store.listApiKeys()).toEqual([apiKey('k1', 10, { revoked_at: 50 })]);
    });
  });
}
