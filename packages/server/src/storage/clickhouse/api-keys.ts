/**
 * API keys on ClickHouse (docs/protocol.md §19): the `api_keys` ReplacingMergeTree (admin-schema.ts),
 * keyed by id, holding what StoredApiKey holds: a key's id, user, projects and mode, and the slow
 * hash of its secret, never the key. Revoking inserts the key again with `revoked_at` set and a
 * higher version, so nothing is ever updated in place; reads use FINAL.
 *
 * Creating (refuse an id that exists) and revoking (only a live key, once) read before they write;
 * both run in this store's queue (query-helpers.ts), so within the server process no second create
 * or revoke of the same id slips between the read and the insert.
 */
import { Conflict } from '@weft/protocol';
import type { StoredApiKey, TraceStore } from '../trace-store.js';
import type { ClickHouseContext } from './context.js';
import { insertRows, selectRows, WriteQueue } from './query-helpers.js';

export type ApiKeysMethods = Pick<TraceStore, 'createApiKey' | 'listApiKeys' | 'readApiKey' | 'revokeApiKey'>;

interface ApiKeyRow {
  id: string;
  user: string;
  all_projects: boolean;
  projects: string[];
  read_only: boolean;
  secret_hash: string;
  created_at: number;
  revoked_at: number | null;
}

const COLUMNS = 'id, user, all_projects, projects, read_only, secret_hash, created_at, revoked_at';

/** `version` of a key as created, and once revoked (admin-schema.ts). */
const CREATED = 0;
const REVOKED = 1;

function fromRow(row: ApiKeyRow): StoredApiKey {
  return {
    id: row.id,
    user: row.user,
    projects: row.all_projects ? null : row.projects,
    read_only: Boolean(row.read_only),
    secret_hash: row.secret_hash,
    created_at: row.created_at,
    revoked_at: row.revoked_at,
  };
}

function toRow(key: StoredApiKey, version: number): ApiKeyRow & { version: number } {
  return {
    id: key.id,
    user: key.user,
    all_projects: key.projects === null,
    projects: key.projects ?? [],
    read_only: key.read_only,
    secret_hash: key.secret_hash,
    created_at: key.created_at,
    revoked_at: key.revoked_at,
    version,
  };
}

export class ClickHouseApiKeys implements ApiKeysMethods {
  private readonly writes = new WriteQueue();

  constructor(readonly context: ClickHouseContext) {}

  createApiKey(key: StoredApiKey): Promise<void> {
    return this.writes.run(async () => {
      if (await this.readApiKey(key.id)) throw new Conflict(`an API key with id ${key.id} exists already`);
      await insertRows(this.context, 'api_keys', [toRow(key, key.revoked_at === null ? CREATED : REVOKED)]);
    });
  }

  async listApiKeys(): Promise<StoredApiKey[]> {
    const rows = await selectRows<ApiKeyRow>(
      this.context,
      `SELECT ${COLUMNS} FROM ${this.context.table('api_keys')} FINAL ORDER BY created_at, id`,
    );
    return rows.map(fromRow);
  }

  async readApiKey(id: string): Promise<StoredApiKey | undefined> {
    const [row] = await selectRows<ApiKeyRow>(
      this.context,
      `SELECT ${COLUMNS} FROM ${this.context.table('api_keys')} FINAL WHERE id = {id:String}`,
      { id },
    );
    return row === undefined ? undefined : fromRow(row);
  }

  revokeApiKey(id: string, revokedAt: number): Promise<boolean> {
    return this.writes.run(async () => {
      const key = await this.readApiKey(id);
      if (!key || key.revoked_at !== null) return false;
      await insertRows(this.context, 'api_keys', [toRow({ ...key, revoked_at: revokedAt }, REVOKED)]);
      return true;
    });
  }
}
