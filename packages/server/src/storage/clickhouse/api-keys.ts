/**
 * API keys (hashes only) on ClickHouse. Not built yet (issue 14): each method refuses with 501.
 */
import type { TraceStore } from '../trace-store.js';
import { type ClickHouseContext, notOnClickHouseYet } from './context.js';

export type ApiKeysMethods = Pick<TraceStore, 'createApiKey' | 'listApiKeys' | 'readApiKey' | 'revokeApiKey'>;

export class ClickHouseApiKeys implements ApiKeysMethods {
  constructor(readonly context: ClickHouseContext) {}

  createApiKey(..._args: unknown[]): never {
    return notOnClickHouseYet('createApiKey');
  }

  listApiKeys(..._args: unknown[]): never {
    return notOnClickHouseYet('listApiKeys');
  }

  readApiKey(..._args: unknown[]): never {
    return notOnClickHouseYet('readApiKey');
  }

  revokeApiKey(..._args: unknown[]): never {
    return notOnClickHouseYet('revokeApiKey');
  }
}
