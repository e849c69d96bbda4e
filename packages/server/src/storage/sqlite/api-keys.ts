/**
 * API keys in SQLite (docs/protocol.md §19): the `api_keys` table on the store's main connection.
 * Rows hold a key's id and the slow hash of its secret, never the key.
 */
import { Conflict } from '@weft/protocol';
import type Database from 'better-sqlite3';
import type { StoredApiKey } from '../trace-store.js';

interface ApiKeyRow {
  id: string;
  user: string;
  projects: string | null;
  read_only: number;
  secret_hash: string;
  created_at: number;
  revoked_at: number | null;
}

const COLUMNS = 'id, user, projects, read_only, secret_hash, created_at, revoked_at';

function fromRow(row: ApiKeyRow): StoredApiKey {
  return {
    id: row.id,
    user: row.user,
    projects: row.projects === null ? null : (JSON.parse(row.projects) as string[]),
    read_only: row.read_only === 1,
    secret_hash: row.secret_hash,
    created_at: row.created_at,
    revoked_at: row.revoked_at,
  };
}

export class ApiKeys {
  constructor(private readonly db: Database.Database) {}

  create(key: StoredApiKey): void {
    const inserted = this.db
      .prepare(`INSERT OR IGNORE INTO api_keys (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(
        key.id,
        key.user,
        key.projects === null ? null : JSON.stringify(key.projects),
        key.read_only ? 1 : 0,
        key.secret_hash,
        key.created_at,
        key.revoked_at,
      );
    if (inserted.changes === 0) throw new Conflict(`an API key with id ${key.id} exists already`);
  }

  list(): StoredApiKey[] {
    const rows = this.db.prepare(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id`).all();
    return (rows as ApiKeyRow[]).map(fromRow);
  }

  read(id: string): StoredApiKey | undefined {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM api_keys WHERE id = ?`).get(id);
    return row === undefined ? undefined : fromRow(row as ApiKeyRow);
  }

  revoke(id: string, revokedAt: number): boolean {
    const result = this.db
      .prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
      .run(revokedAt, id);
    return result.changes > 0;
  }
}
