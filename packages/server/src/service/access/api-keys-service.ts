/**
 * API keys (docs/protocol.md §19): creating, listing and revoking them for `weft keys`, and
 * turning a key sent with a request into the principal it speaks for.
 *
 * A key is checked against its scrypt hash once; the answer is kept (by the key's SHA-256, never
 * the key) so later requests cost a hash and a map lookup. The key's row (revoked? which
 * projects?) is re-read at most every STATUS_TTL_MS, so `weft keys revoke`, run by another
 * process, takes effect within that time.
 */
import { createHash } from 'node:crypto';
import { InvalidRequest, NotFound, TooManyRequests } from '@weft/protocol';
import { LRUCache } from 'lru-cache';
import type { StoredApiKey, TraceStore } from '../../storage/trace-store.js';
import { hashSecret, newKeyText, parseKeyText, secretMatches } from './key-secrets.js';

/** Who a request speaks for, and what it may touch. */
export interface Principal {
  user: string;
  /** The key's id; null for the local user of a server without keys. */
  keyId: string | null;
  /** Wire project ids the principal may use; null: every project. */
  projects: ReadonlySet<string> | null;
  readOnly: boolean;
}

/** How long a key's stored row (revocation, projects) is trusted before it is read again. */
export const STATUS_TTL_MS = 2_000;
/**
 * Wrong secrets one client (address) may send within FAILURE_WINDOW_MS before its checks pause:
 * each costs an scrypt. Counted by client rather than by key id, so that no one can lock a key
 * they do not hold; a key already checked is never paused.
 */
const MAX_FAILURES = 10;
const FAILURE_WINDOW_MS = 60_000;
const USER_NAME = /^[\p{L}\p{N}._@+-]{1,64}$/u;
const PROJECT_ID = /^[^/]{1,255}\/[^/]{1,255}$/;

export interface NewApiKey {
  user: string;
  /** Wire project ids (`entity/name`); empty or absent: every project. */
  projects?: readonly string[];
  readOnly?: boolean;
}

export interface ApiKeysServiceOptions {
  /** µs since the epoch; tests pass their own clock. */
  nowMicros?: () => number;
}

export class ApiKeysService {
  private readonly nowMicros: () => number;
  /** SHA-256 of a key's text → its id, for keys whose secret matched. */
  private readonly verified = new LRUCache<string, string>({ max: 10_000 });
  /** In-flight checks, so a burst of first requests with one key runs one scrypt. */
  private readonly checking = new Map<string, Promise<boolean>>();
  private readonly rows = new LRUCache<string, { row: StoredApiKey | null }>({
    max: 10_000,
    ttl: STATUS_TTL_MS,
  });
  private readonly failures = new LRUCache<string, number>({ max: 10_000, ttl: FAILURE_WINDOW_MS });
  private anyKey: { exists: boolean; at: number } | undefined;

  constructor(
    private readonly store: TraceStore,
    options: ApiKeysServiceOptions = {},
  ) {
    this.nowMicros = options.nowMicros ?? (() => Date.now() * 1000);
  }

  /** Stores a new key and returns its text: the only time it is ever seen. */
  async create(request: NewApiKey): Promise<{ key: string; stored: StoredApiKey }> {
    if (!USER_NAME.test(request.user)) {
      throw new InvalidRequest(
        `a user name is 1 to 64 letters, digits or . _ @ + -, got ${JSON.stringify(request.user)}`,
      );
    }
    for (const project of request.projects ?? []) {
      if (!PROJECT_ID.test(project)) {
        throw new InvalidRequest(`a project is entity/name, got ${JSON.stringify(project)}`);
      }
    }
    const { id, secret, text } = newKeyText();
    const stored: StoredApiKey = {
      id,
      user: request.user,
      projects: request.projects?.length ? [...new Set(request.projects)] : null,
      read_only: request.readOnly ?? false,
      secret_hash: await hashSecret(secret),
      created_at: this.nowMicros(),
      revoked_at: null,
    };
    await this.store.createApiKey(stored);
    this.anyKey = undefined;
    return { key: text, stored };
  }

  list(): Promise<StoredApiKey[]> {
    return this.store.listApiKeys();
  }

  async revoke(id: string): Promise<void> {
    if (await this.store.revokeApiKey(id, this.nowMicros())) {
      this.rows.delete(id);
      return;
    }
    const key = await this.store.readApiKey(id);
    throw key ? new InvalidRequest(`key ${id} was revoked already`) : new NotFound(`no key with id ${id}`);
  }

  /**
   * Whether any key was ever created (revoked ones count: revoking the last key must not open
   * the server). Re-read at most every STATUS_TTL_MS.
   */
  async keysExist(): Promise<boolean> {
    const now = Date.now();
    if (this.anyKey && (this.anyKey.exists || now - this.anyKey.at < STATUS_TTL_MS))
      return this.anyKey.exists;
    const exists = (await this.store.listApiKeys()).length > 0;
    this.anyKey = { exists, at: now };
    return exists;
  }

  /**
   * The principal a key speaks for; undefined when the key is not a live key of this server.
   * `client` (the caller's address) is where wrong secrets are counted.
   */
  async authenticate(text: string, client: string): Promise<Principal | undefined> {
    const parts = parseKeyText(text);
    if (!parts) return undefined;
    const row = await this.row(parts.id);
    if (!row || row.revoked_at !== null) return undefined;
    const digest = createHash('sha256').update(text).digest('base64url');
    if (this.verified.get(digest) !== parts.id) {
      if ((this.failures.get(client) ?? 0) >= MAX_FAILURES) {
        throw new TooManyRequests(
          `too many wrong API keys from ${client}; try again in a minute`,
          FAILURE_WINDOW_MS / 1000,
        );
      }
      if (!(await this.check(digest, parts.secret, row.secret_hash))) {
        // The window restarts with each failure: a steady guesser stays paused.
        this.failures.set(client, (this.failures.get(client) ?? 0) + 1);
        return undefined;
      }
      this.verified.set(digest, parts.id);
    }
    return {
      user: row.user,
      keyId: row.id,
      projects: row.projects === null ? null : new Set(row.projects),
      readOnly: row.read_only,
    };
  }

  private async row(id: string): Promise<StoredApiKey | undefined> {
    const cached = this.rows.get(id);
    if (cached) return cached.row ?? undefined;
    const row = await this.store.readApiKey(id);
    this.rows.set(id, { row: row ?? null });
    return row;
  }

  private check(digest: string, secret: string, hash: string): Promise<boolean> {
    let pending = this.checking.get(digest);
    if (!pending) {
      pending = secretMatches(secret, hash).finally(() => this.checking.delete(digest));
      this.checking.set(digest, pending);
    }
    return pending;
  }
}
