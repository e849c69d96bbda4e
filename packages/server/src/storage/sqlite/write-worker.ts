/**
 * The call writer (node:worker_threads entry): the one connection that writes calls (parts,
 * deletes, renames), on a thread of its own. The main thread parses and checks the next request
 * while this one runs the last one's transaction, so SQLite's work and the HTTP work overlap
 * instead of adding up (docs/architecture.md, "Writes"). Requests are answered in order, each
 * only after its transaction committed: an acknowledged batch is durable.
 */
import { type MessagePort, workerData } from 'node:worker_threads';
import { ProtocolError } from '@weft/protocol';
import Database from 'better-sqlite3';
import type { CallUpsert } from '../trace-store.js';
import { decodeUpserts, type FlatUpserts } from './call-upsert-codec.js';
import { CallWriter } from './call-writes.js';
import { limitDatabaseSize, storageFullAsProtocolError } from './database-size.js';
import { Orphans, type OrphansRemoved } from './orphans.js';
import { CallPruner } from './retention.js';
import { WRITE_BUSY_TIMEOUT_MS } from './write-lock.js';

export interface WriteWorkerData {
  path: string;
  port: MessagePort;
  /** `weft serve --max-db-size`: the largest the database may grow (database-size.ts). */
  maxDatabaseBytes: number | undefined;
}

export type WriteRequest =
  /** A batch of call upserts, flattened by call-upsert-codec.ts (cheaper to copy across threads). */
  | { id: number; type: 'upsert'; flat: FlatUpserts }
  | { id: number; type: 'delete'; projectId: string; ids: readonly string[]; deletedAt: number }
  | { id: number; type: 'rename'; projectId: string; callId: string; name: string }
  /** Removes one batch of a project's calls started before `before` (retention.ts). */
  | { id: number; type: 'prune'; projectId: string; before: number }
  /** Removes one batch of parts that waited too long for their start (orphans.ts). */
  | { id: number; type: 'remove-orphans'; olderThan: number }
  /** Closes the connection; the reply is the last message. */
  | { id: number; type: 'close' };

export type WriteReply =
  /** Sent once, when the connection is open. */
  | { type: 'ready' }
  | { id: number; type: 'done'; value: number | boolean | OrphansRemoved | null }
  /** `errorType` is set for protocol errors, which the main thread re-creates. */
  | { id: number; type: 'error'; errorType: string | null; message: string };

function openConnection(path: string): Database.Database {
  try {
    // The main thread created and migrated the file; gone meanwhile, it is an error, not a new database.
    const db = new Database(path, { fileMustExist: true });
    // Per connection: every acknowledged batch must survive power loss, not just a crash.
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${WRITE_BUSY_TIMEOUT_MS}`);
    return db;
  } catch (error) {
    // Thrown out of the worker, a SqliteError reaches the main thread without its message; an Error keeps it.
    throw new Error(error instanceof Error ? error.message : String(error));
  }
}

function main({ path, port, maxDatabaseBytes }: WriteWorkerData): void {
  const db = openConnection(path);
  limitDatabaseSize(db, maxDatabaseBytes);
  const writer = new CallWriter(db);
  // Immediate transactions take the write lock up front: one that read first and then found the
  // main thread's connection writing would fail at once with SQLITE_BUSY, past busy_timeout.
  const applyBatch = db.transaction((batch: readonly CallUpsert[]) => writer.upsert(batch));
  const deleteCalls = db.transaction((projectId: string, ids: readonly string[], deletedAt: number) =>
    writer.delete(projectId, ids, deletedAt),
  );
  const orphans = new Orphans(db);
  const removeOrphans = db.transaction((olderThan: number) => orphans.removeBatch(olderThan));
  const pruner = new CallPruner(db);
  const prune = db.transaction((projectId: string, before: number) => pruner.removeBatch(projectId, before));

  const run = (request: WriteRequest): number | boolean | OrphansRemoved | null => {
    switch (request.type) {
      case 'upsert':
        applyBatch.immediate(decodeUpserts(request.flat));
        return null;
      case 'delete':
        return deleteCalls.immediate(request.projectId, request.ids, request.deletedAt);
      case 'rename':
        return writer.rename(request.projectId, request.callId, request.name);
      case 'prune': {
        const removed = prune.immediate(request.projectId, request.before);
        // Parked walks of removed calls went too.
        if (removed > 0) writer.resync();
        return removed;
      }
      case 'remove-orphans': {
        const removed = removeOrphans.immediate(request.olderThan);
        // The writer counts parked walks in memory; some just went.
        if (removed.walks > 0) writer.resync();
        return removed;
      }
      case 'close':
        db.close();
        return null;
    }
  };

  port.on('message', (request: WriteRequest) => {
    let reply: WriteReply;
    try {
      reply = { id: request.id, type: 'done', value: run(request) };
    } catch (thrown) {
      // The transaction rolled back; what the writer keeps in memory may have moved with it.
      if (db.open) writer.resync();
      const error = storageFullAsProtocolError(thrown);
      reply = {
        id: request.id,
        type: 'error',
        errorType: error instanceof ProtocolError ? error.errorType : null,
        message: error instanceof Error ? error.message : String(error),
      };
    }
    port.postMessage(reply);
    if (request.type === 'close') port.close();
  });
  port.postMessage({ type: 'ready' } satisfies WriteReply);
}

main(workerData as WriteWorkerData);
