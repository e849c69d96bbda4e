/**
 * Sends call parts to the server in the background, with the habits of OpenTelemetry's batch span
 * processor: a bounded queue, one request in flight, timers that never keep the process alive,
 * retries with backoff for failures that may pass, and drop-count-warn-once when it cannot keep up.
 * Nothing here throws into user code or ends the process.
 */

import { warn, warnAtMostEvery, warnOnce } from './logger.js';
import { TraceServerError } from './trace-server.js';

export interface BatcherOptions {
  /** Call parts (start or end records) per request. */
  maxBatchItems: number;
  /** Estimated bytes per request; kept well under the server's 32 MiB request cap. */
  maxBatchBytes: number;
  /** How long the first queued item waits for company before a request goes out. */
  flushIntervalMs: number;
  /** Queue bounds (call parts, estimated bytes); a call that does not fit is dropped and counted. */
  maxQueueItems: number;
  maxQueueBytes: number;
  /** Backoff between retries: starts here, doubles, capped at `retryMaxDelayMs`. */
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /** A batch still failing after this long is dropped and counted. */
  maxRetryMs: number;
  /** At process exit, how long pending items may keep the process alive while they are sent. */
  exitFlushTimeoutMs: number;
}

export const DEFAULT_BATCHER_OPTIONS: BatcherOptions = {
  maxBatchItems: 2000,
  maxBatchBytes: 8 * 1024 * 1024,
  flushIntervalMs: 200,
  maxQueueItems: 200_000,
  maxQueueBytes: 256 * 1024 * 1024,
  retryBaseDelayMs: 200,
  retryMaxDelayMs: 5_000,
  maxRetryMs: 60_000,
  exitFlushTimeoutMs: 15_000,
};

export interface BatcherStats {
  /** Call parts (records) handed to the server and acknowledged. */
  sentItems: number;
  /** Call parts given up on: queue full, server rejected them, or retries ran out. */
  droppedItems: number;
  /** Requests that failed and were tried again. */
  retries: number;
}

/** Where batches go. Queued items become records once, when a batch is taken. */
export interface BatchSink<T, R> {
  /** Approximate encoded size of a queued item, for the byte bounds. */
  sizeOf(item: T): number;
  /** The records one batch of items sends; called exactly once per item taken. */
  prepare(items: readonly T[]): R[];
  /** Sends records; throws TraceServerError on failure. Retried with the same records. */
  send(records: readonly R[]): Promise<void>;
}

/** A server that stays away makes every batch fail; say so once a minute, not every time. */
const DROP_WARNING_INTERVAL_MS = 60_000;

const liveBatchers = new Set<{ flushForExit(): void }>();
let exitHookInstalled = false;

/** A normal exit (the event loop ran dry) first sends what is still queued, within a deadline. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('beforeExit', () => {
    for (const batcher of liveBatchers) batcher.flushForExit();
  });
}

export class CallBatcher<T, R> {
  readonly stats: BatcherStats = { sentItems: 0, droppedItems: 0, retries: 0 };
  private queue: T[] = [];
  private head = 0;
  private queuedBytes = 0;
  /** Parts (records) waiting in the queue; one queued item may carry a start and an end. */
  private queuedParts = 0;
  private reserved = 0;
  /** Parts taken from the queue and encoded, not yet acknowledged or given up on. */
  private prepared = 0;
  private draining = false;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private waiters: Array<() => void> = [];
  private exitDeadline: number | undefined;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sink: BatchSink<T, R>,
    private readonly options: BatcherOptions = DEFAULT_BATCHER_OPTIONS,
  ) {}

  /** Call parts queued, encoded, or in flight. */
  get pending(): number {
    return this.queuedParts + this.prepared;
  }

  /**
   * Queues an item carrying one part. With `reserve`, room for one more part (the call's end) is
   * set aside so that a call whose start was accepted never loses its end to a full queue; the end
   * then either `join`s the queued item or is enqueued with `reserved`. Returns false when dropped.
   */
  enqueue(item: T, options: { reserve?: boolean; reserved?: boolean } = {}): boolean {
    const bytes = this.sink.sizeOf(item);
    if (options.reserved) {
      this.reserved -= 1;
    } else {
      const needed = options.reserve ? 2 : 1;
      if (
        this.queuedParts + this.reserved + needed > this.options.maxQueueItems ||
        this.queuedBytes + bytes > this.options.maxQueueBytes
      ) {
        this.stats.droppedItems += 1;
        warnOnce(
          'queue-full',
          'the trace queue is full (the server is slow or unreachable); calls are being dropped. ' +
            'client.stats.droppedItems counts them.',
        );
        return false;
      }
      if (options.reserve) this.reserved += 1;
    }
    this.queue.push(item);
    this.queuedBytes += bytes;
    this.queuedParts += 1;
    liveBatchers.add(this);
    installExitHook();
    this.schedule();
    return true;
  }

  /**
   * One more part joins an item that is still queued (a call's end riding with its start), using
   * the room reserved for it. `sizeOf(item)` must already include `bytes`.
   */
  join(bytes: number): void {
    this.reserved = Math.max(0, this.reserved - 1);
    this.queuedParts += 1;
    this.queuedBytes += bytes;
    this.schedule();
  }

  /** Gives up a reservation made for a part that will never come. */
  release(): void {
    this.reserved = Math.max(0, this.reserved - 1);
  }

  private schedule(): void {
    if (this.draining) return;
    if (this.queuedParts >= this.options.maxBatchItems) {
      // A full batch goes out on the next turn of the event loop, never inside the user's call.
      if (!this.immediate) {
        this.immediate = setImmediate(() => {
          this.immediate = undefined;
          this.startDrain();
        });
        this.immediate.unref();
      }
    } else {
      this.timer ??= this.unrefTimer(() => this.startDrain(), this.options.flushIntervalMs);
    }
  }

  /** Resolves once everything queued so far has been sent or given up on. Never rejects. */
  flush(): Promise<void> {
    if (this.pending === 0 && !this.draining) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.waiters.push(resolve));
    this.startDrain();
    return done;
  }

  /** Called at process exit: send the rest, keeping the process alive no longer than the deadline. */
  flushForExit(): void {
    if (this.pending === 0) {
      liveBatchers.delete(this);
      return;
    }
    if (this.exitDeadline !== undefined) {
      if (Date.now() >= this.exitDeadline) this.dropQueued('the process is exiting');
      return;
    }
    this.exitDeadline = Date.now() + this.options.exitFlushTimeoutMs;
    // A retry wait in progress is what must now keep the process alive.
    this.retryTimer?.ref();
    this.startDrain();
  }

  private startDrain(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.draining) return;
    this.draining = true;
    void this.drain();
  }

  /**
   * Sends batches until the queue is empty, one request in flight. While a request is out, the
   * next batch is encoded, so the server never waits for the client between batches.
   */
  private async drain(): Promise<void> {
    try {
      let next = this.prepareNext();
      while (next) {
        const sending = next.length > 0 ? this.sendWithRetry(next) : Promise.resolve();
        const following = this.prepareNext();
        await sending;
        next = following ?? this.prepareNext();
      }
    } catch (error) {
      warnOnce('batcher-bug', `internal error while sending traces: ${String(error)}`);
    } finally {
      this.draining = false;
      if (this.queue.length > this.head) {
        this.startDrain();
      } else {
        const waiters = this.waiters;
        this.waiters = [];
        for (const resolve of waiters) resolve();
      }
    }
  }

  /** Takes and encodes the next batch; its parts count as prepared until sent. */
  private prepareNext(): R[] | undefined {
    if (this.queue.length <= this.head) return undefined;
    const records = this.sink.prepare(this.takeBatch());
    this.queuedParts = Math.max(0, this.queuedParts - records.length);
    this.prepared += records.length;
    return records;
  }

  private takeBatch(): T[] {
    const batch: T[] = [];
    let bytes = 0;
    // Each item carries at most two parts, so half the item budget keeps requests within it.
    const maxItems = Math.max(1, Math.floor(this.options.maxBatchItems / 2));
    while (this.head < this.queue.length && batch.length < maxItems) {
      const item = this.queue[this.head] as T;
      const size = this.sink.sizeOf(item);
      if (batch.length > 0 && bytes + size > this.options.maxBatchBytes) break;
      batch.push(item);
      bytes += size;
      this.queuedBytes -= size;
      this.head += 1;
    }
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return batch;
  }

  private async sendWithRetry(batch: readonly R[]): Promise<void> {
    const startedAt = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        await this.sink.send(batch);
        this.stats.sentItems += batch.length;
        this.prepared -= batch.length;
        return;
      } catch (error) {
        const status = error instanceof TraceServerError ? error.status : undefined;
        if (status === 413) {
          if (batch.length === 1) {
            this.drop(batch, 'the server refused a call part as too large');
            return;
          }
          // Too large for the server: send each half on its own.
          const middle = Math.ceil(batch.length / 2);
          await this.sendWithRetry(batch.slice(0, middle));
          await this.sendWithRetry(batch.slice(middle));
          return;
        }
        const retryable = !(error instanceof TraceServerError) || error.retryable;
        const outOfTime =
          Date.now() - startedAt > this.options.maxRetryMs ||
          (this.exitDeadline !== undefined && Date.now() >= this.exitDeadline);
        if (!retryable || outOfTime) {
          this.drop(batch, `sending traces failed: ${(error as Error).message}`);
          return;
        }
        this.stats.retries += 1;
        let delay = Math.min(this.options.retryMaxDelayMs, this.options.retryBaseDelayMs * 2 ** attempt);
        delay *= 0.5 + Math.random() / 2;
        if (this.exitDeadline !== undefined) {
          warnOnce(
            'exit-wait',
            `the trace server is not answering (${(error as Error).message}); waiting up to ` +
              `${Math.round(this.options.exitFlushTimeoutMs / 1000)} s at exit to send ${this.pending} call parts`,
          );
          delay = Math.min(delay, Math.max(0, this.exitDeadline - Date.now()));
        }
        await this.sleep(delay);
      }
    }
  }

  private drop(batch: readonly R[], why: string): void {
    this.stats.droppedItems += batch.length;
    this.prepared -= batch.length;
    warnAtMostEvery(
      'dropped-batch',
      DROP_WARNING_INTERVAL_MS,
      `${why}; dropped ${batch.length} call parts (${this.stats.droppedItems} so far; client.stats.droppedItems counts them)`,
    );
  }

  private dropQueued(why: string): void {
    const count = this.queuedParts;
    if (count === 0) return;
    this.stats.droppedItems += count;
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
    this.queuedParts = 0;
    warn(`${why}; ${count} call parts were not sent`);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        resolve();
      }, ms);
      // While the process is exiting, the retry wait is what keeps it alive for the deadline.
      if (this.exitDeadline === undefined) this.retryTimer.unref();
    });
  }

  private unrefTimer(fn: () => void, ms: number): NodeJS.Timeout {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return timer;
  }
}
