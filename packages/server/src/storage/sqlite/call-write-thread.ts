/**
 * The main thread's side of the call writer (`write-worker.ts`): sends it call writes and hands
 * back its answers. Writes queue on the thread in the order they were sent. A writer that dies
 * fails the writes it held (their transactions rolled back, so nothing half-written stays) and
 * is started again for the next write.
 */
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import { ServiceUnavailable } from '@weft/protocol';
import type { CallUpsert } from '../trace-store.js';
import { encodeUpserts } from './call-upsert-codec.js';
import { ORPHAN_BATCH, type OrphansRemoved } from './orphans.js';
import { PRUNE_BATCH } from './retention.js';

/** What a write request answers (WriteReply's value). */
type WriteValue = number | boolean | OrphansRemoved | null;

import { crashMessage, errorFromWorker, startWorkerThread } from './worker-threads.js';
import type { WriteReply, WriteRequest, WriteWorkerData } from './write-worker.js';

type RequestBody = WriteRequest extends infer R ? (R extends WriteRequest ? Omit<R, 'id'> : never) : never;

interface Pending {
  resolve: (value: WriteValue) => void;
  reject: (error: Error) => void;
}

/** One running writer thread and the writes it holds. */
class WriterThread {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private crash: unknown;
  /** Set once the thread stopped taking writes. */
  stopped: Error | undefined;
  readonly exited: Promise<void>;

  constructor(path: string, maxDatabaseBytes: number | undefined, onExit: () => void) {
    const channel = new MessageChannel();
    this.port = channel.port1;
    this.worker = startWorkerThread('write-worker', {
      path,
      port: channel.port2,
      maxDatabaseBytes,
    } satisfies WriteWorkerData);
    this.port.on('message', (reply: WriteReply) => this.onReply(reply));
    this.worker.on('error', (error: unknown) => {
      this.crash ??= error;
    });
    this.exited = new Promise((resolve) => {
      this.worker.on('exit', (code) => {
        const reason =
          this.stopped ??
          new ServiceUnavailable(
            `the call writer stopped (${this.crash === undefined ? `exit code ${code}` : crashMessage(this.crash)}); the write was not stored, send it again`,
          );
        this.stopped = reason;
        for (const pending of this.pending.values()) pending.reject(reason);
        this.pending.clear();
        this.port.close();
        onExit();
        resolve();
      });
    });
  }

  send(body: RequestBody): Promise<WriteValue> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.port.postMessage({ ...body, id } as WriteRequest);
    });
  }

  /** Lets the writes already sent finish, closes the connection, and waits for the thread to end. */
  async close(): Promise<void> {
    if (!this.stopped) {
      const closed = this.send({ type: 'close' });
      this.stopped = new Error('the trace store is closed');
      await closed.catch(() => undefined);
      await this.worker.terminate();
    }
    await this.exited;
  }

  private onReply(reply: WriteReply): void {
    if (reply.type === 'ready') return;
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (reply.type === 'done') pending.resolve(reply.value);
    else pending.reject(errorFromWorker(reply.errorType, reply.message));
  }
}

export class CallWriteThread {
  private thread: WriterThread | undefined;
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly maxDatabaseBytes?: number,
  ) {
    this.thread = this.start();
  }

  async upsert(batch: readonly CallUpsert[]): Promise<void> {
    await this.send({ type: 'upsert', flat: encodeUpserts(batch) });
  }

  async delete(projectId: string, ids: readonly string[], deletedAt: number): Promise<number> {
    return (await this.send({ type: 'delete', projectId, ids, deletedAt })) as number;
  }

  async rename(projectId: string, callId: string, name: string): Promise<boolean> {
    return (await this.send({ type: 'rename', projectId, callId, name })) as boolean;
  }

  /** Removes the project's calls started before `before` (µs), a batch per transaction. */
  async prune(projectId: string, before: number): Promise<number> {
    let total = 0;
    for (;;) {
      const removed = (await this.send({ type: 'prune', projectId, before })) as number;
      total += removed;
      if (removed < PRUNE_BATCH) return total;
    }
  }

  /** Removes, a batch per transaction, what waited for a start since before `olderThan` (µs). */
  async removeOrphans(olderThan: number): Promise<OrphansRemoved> {
    const total = { calls: 0, walks: 0 };
    for (;;) {
      const removed = (await this.send({ type: 'remove-orphans', olderThan })) as OrphansRemoved;
      total.calls += removed.calls;
      total.walks += removed.walks;
      if (removed.calls < ORPHAN_BATCH && removed.walks < ORPHAN_BATCH) return total;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.thread?.close();
  }

  private send(body: RequestBody): Promise<WriteValue> {
    if (this.closed) return Promise.reject(new Error('the trace store is closed'));
    this.thread ??= this.start();
    return this.thread.send(body);
  }

  private start(): WriterThread {
    const thread: WriterThread = new WriterThread(this.path, this.maxDatabaseBytes, () => {
      if (this.thread === thread) this.thread = undefined;
    });
    return thread;
  }
}
