/**
 * `weft keys create|list|revoke` (docs/protocol.md §19.1): API keys, kept in the store (the data
 * folder's database, or `--store`) as slow hashes. Works with or without a running server; a running server sees a new
 * key at once and a revocation within seconds (api-keys-service.ts, STATUS_TTL_MS).
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatTimestampMicros } from '@weft/protocol';
import { ApiKeysService } from '../service/access/api-keys-service.js';
import type { StoredApiKey } from '../storage/trace-store.js';
import {
  databaseIn,
  STORE_OPTIONS,
  STORE_USAGE,
  type StoreValues,
  withCommandStore,
} from './store-option.js';

export const KEYS_USAGE = `Usage: weft keys create --user NAME [--project ENTITY/PROJECT ...] [--read-only] ${STORE_USAGE}
       weft keys list ${STORE_USAGE}
       weft keys revoke KEY_ID ${STORE_USAGE}

Creates, lists and revokes API keys. A new key is printed once, on its own line; only a hash of
it is stored. Without --project a key may use every project. Clients send it as the API key
(WANDB_API_KEY for Weave's SDKs, WEFT_API_KEY for weft's). Once a key exists, weft serve requires
one on every request; a server bound beyond 127.0.0.1 refuses to start without one.`;

export class KeysUsageError extends Error {}

export interface KeysCommandOutput {
  /** What goes to stdout: the key itself for create, so that scripts can capture it. */
  stdout: string;
  /** What goes to stderr: words for the person at the terminal. */
  stderr?: string;
}

export async function runKeysCommand(args: string[]): Promise<KeysCommandOutput> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...STORE_OPTIONS,
      user: { type: 'string' },
      project: { type: 'string', multiple: true },
      'read-only': { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const [action, id, ...extra] = positionals;
  if (action === 'create') {
    if (!values.user || id !== undefined) throw new KeysUsageError(KEYS_USAGE);
    return withKeys(values, { mustExist: false }, async (keys) => {
      const { key, stored } = await keys.create({
        user: values.user as string,
        projects: values.project ?? [],
        readOnly: values['read-only'],
      });
      return {
        stdout: key,
        stderr: `created key ${stored.id} for ${stored.user} (${scope(stored)}). This is the only time the key is shown: keep it now.`,
      };
    });
  }
  if (action === 'list' && id === undefined) {
    if (values.store === undefined && !existsSync(databaseIn(values.data))) return { stdout: 'no keys' };
    return withKeys(values, { mustExist: true }, async (keys) => ({ stdout: listing(await keys.list()) }));
  }
  if (action === 'revoke' && id !== undefined && extra.length === 0) {
    return withKeys(values, { mustExist: true }, async (keys) => {
      await keys.revoke(id);
      return { stdout: `revoked key ${id}` };
    });
  }
  throw new KeysUsageError(KEYS_USAGE);
}

function withKeys<T>(
  values: StoreValues,
  options: { mustExist: boolean },
  work: (keys: ApiKeysService) => Promise<T>,
): Promise<T> {
  const missing = (path: string) =>
    new KeysUsageError(`no weft database at ${path}: pass the --data folder (or --store) weft serve uses`);
  return withCommandStore(values, { ...options, missing }, (store) => work(new ApiKeysService(store)));
}

function scope(key: StoredApiKey): string {
  const projects = key.projects === null ? 'every project' : key.projects.join(', ');
  return `${projects}; ${key.read_only ? 'read-only' : 'read and write'}`;
}

function listing(keys: readonly StoredApiKey[]): string {
  if (keys.length === 0) return 'no keys';
  return keys
    .map((key) => {
      const status = key.revoked_at === null ? 'active' : `revoked ${formatTimestampMicros(key.revoked_at)}`;
      return `${key.id}  ${key.user}  ${scope(key)}  created ${formatTimestampMicros(key.created_at)}  ${status}`;
    })
    .join('\n');
}
