/**
 * Sends call parts to the server in the background, with the habits of OpenTelemetry's batch span
 * processor: a bounded queue, one request in flight, timers that never keep the process alive,
 * retries with backoff for failures that may pass, and drop-count-warn-once when it cannot keep up.
 * Nothing here throws into user code or ends the process.
 */

import { warn, warnOnce } from './logger.js';
import { TraceServerError } from './trace-server.js';

export interface BatcherOptions {
  /** Items (start or end parts) per request. */
  maxBatchItems: number;
  /** Estimated bytes per request; kept well under the server's 32 MiB request cap. */
  maxBatchBytes: number;
  /** How long the first queued item waits for company before a request goes out. */
  flushIntervalMs: number;
  /** Queue bounds; a call that does not fit is dropped and counted. */
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

export interface QueueItem {
  /** Estimated encoded size. */
  readonly bytes: number;
}

export interface BatcherStats {
  /** Items handed to the server and acknowledged. */
  sentItems: number;
  /** Items given up on: queue full, server rejected them, or retries ran out. */
  droppedItems: number;
  /** Requests that failed and were tried again. */
  retries: number;
}

export type SendBatch<T extends QueueItem> = (items: readonly T[]) => Promise<void>;

const liveBatchers = new Set<CallBatcher<QueueItem>>();
let exitHookInstalled = false;

/** A normal exit (the event loop ran dry) first sends what is still queued, within a deadline. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('beforeExit', () => {
    for (const batcher of liveBatchers) batcher.flushForExit();
  });
}

export class CallBatcher<T extends QueueItem> {
  readonly stats: BatcherStats = { sentItems: 0, droppedItems: 0, retries: 0 };
  private queue: T[] = [];
  private head = 0;
  private queuedBytes = 0;
  private reserved = 0;
  private inFlight = 0;
  private draining = false;
  private timer: NodeJS.Timeout | undefined;
  private waiters: Array<() => void> = [];
  private exitDeadline: number | undefined;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly send: SendBatch<T>,
    private readonly options: BatcherOptions = DEFAULT_BATCHER_OPTIONS,
  ) {}

  /** Items queued or in flight. */
  get pending(): number {
    return this.queue.length - this.head + this.inFlight;
  }

  /**
   * Queues an item. With `reserve`, room for one more item (a call's end) is set aside so that a
   * call whose start was accepted never loses its end to a full queue. Returns false when dropped.
   */
  enqueue(item: T, options: { reserve?: boolean; reserved?: boolean } = {}): boolean {
    if (options.reserved) {
      this.reserved -= 1;
    } else {
      const needed = options.reserve ? 2 : 1;
      const items = this.queue.length - this.head + this.reserved;
      if (
        items + needed > this.options.maxQueueItems ||
        this.queuedBytes + item.bytes > this.options.maxQueueBytes
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
    this.queuedBytes += item.bytes;
    liveBatchers.add(this as unknown as CallBatcher<QueueItem>);
    installExitHook();
    if (!this.draining) {
      if (this.queue.length - this.head >= this.options.maxBatchItems) this.startDrain();
      else this.timer ??= this.unrefTimer(() => this.startDrain(), this.options.flushIntervalMs);
    }
    return true;
  }

  /** Gives up a reservation made for an item that will never come. */
  release(): void {
    this.reserved = Math.max(0, this.reserved - 1);
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
      liveBatchers.delete(this as unknown as CallBatcher<QueueItem>);
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

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > this.head) {
        const batch = this.takeBatch();
        this.inFlight = batch.length;
        try {
          await this.sendWithRetry(batch);
        } finally {
          this.inFlight = 0;
        }
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

  private takeBatch(): T[] {
    const batch: T[] = [];
    let bytes = 0;
    while (this.head < this.queue.length && batch.length < this.options.maxBatchItems) {
      const item = this.queue[this.head] as T;
      if (batch.length > 0 && bytes + item.bytes > this.options.maxBatchBytes) break;
      batch.push(item);
      bytes += item.bytes;
      this.queuedBytes -= item.bytes;
      this.head += 1;
    }
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return batch;
  }

  private async sendWithRetry(batch: readonly T[]): Promise<void> {
    const startedAt = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        await this.send(batch);
        this.stats.sentItems += batch.length;
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
        const delay = Math.min(this.options.retryMaxDelayMs, this.options.retryBaseDelayMs * 2 ** attempt);
        await this.sleep(delay * (0.5 + Math.random() / 2));
      }
    }
  }

  private drop(batch: readonly T[], why: string): void {
    this.stats.droppedItems += batch.length;
    warn(`${why}; dropped ${batch.length} call parts (client.stats.droppedItems counts them)`);
  }

  private dropQueued(why: string): void {
    const count = this.queue.length - this.head;
    if (count === 0) return;
    this.stats.droppedItems += count;
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
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
