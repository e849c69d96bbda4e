/**
 * A database that cannot grow (docs/protocol.md §1.4, 507): the disk is full, or the size
 * `weft serve --max-db-size` allows is reached. SQLite refuses the write with SQLITE_FULL and
 * rolls its transaction back; the store turns that into InsufficientStorage, so the client gets
 * a 507 with a reason, and reads, which need no space, go on.
 */
import { InsufficientStorage } from '@weft/protocol';
import type Database from 'better-sqlite3';

/** A write's failure as the protocol's 507 when the database could not grow; other errors as they are. */
export function storageFullAsProtocolError(error: unknown): unknown {
  if ((error as { code?: unknown } | null)?.code !== 'SQLITE_FULL') return error;
  return new InsufficientStorage(
    'the database is full (the disk is out of space, or --max-db-size is reached): nothing of this request was stored; reads still work',
  );
}

/**
 * Caps how large a writing connection may grow the database file (SQLite's max_page_count, set
 * per connection); undefined leaves it to the disk.
 */
export function limitDatabaseSize(db: Database.Database, maxBytes: number | undefined): void {
  if (maxBytes === undefined) return;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.pragma(`max_page_count = ${Math.max(1, Math.floor(maxBytes / pageSize))}`);
}
