/**
 * Sends call parts to the server in the background, with the habits of OpenTelemetry's batch span
 * processor: a bounded queue, one request in flight, timers that never keep the process alive,
 * retries with backoff for failures that may pass, and drop-count-warn when it cannot keep up.
 * Nothing here throws into user code or ends the process.
 *
 * Queued items are calls; an item carries its start part, its end part, or both (a short call's
 * end joins its still-queued start). Items become records (encoded parts) once, when a batch is
 * taken; while one batch is in flight the next is encoded, so the server never waits on it.
 */
import { warnAtMostEvery, warnOnce } from './logger.js';
import { TraceServerError } from './trace-server.js';

export interface BatcherOptions {
  /** Call parts (start or end records) per request. */
  maxBatchItems: number;
  /** Estimated bytes per request; kept well under the server's 32 MiB request cap. */
  maxBatchBytes: number;
  /** How long the first queued part waits for company before a request goes out. */
  flushIntervalMs: number;
  /**
   * Queue bounds, in call parts and estimated bytes. New calls are refused at 90% of either, so
   * the ends of calls already accepted still fit; what does not fit is dropped and counted.
   */
  maxQueueItems: number;
  maxQueueBytes: number;
  /** Backoff between retries: starts here, doubles, capped at `retryMaxDelayMs`. */
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /** A batch still failing after this long is dropped and counted. */
  maxRetryMs: number;
  /** At process exit, how long pending parts may keep the process alive while they are sent. */
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
  /** Call parts handed to the server and acknowledged. */
  sentItems: number;
  /**
   * Call parts given up on: refused by a full queue (a call refused at the start counts once; its
   * end is then never queued), refused by the server, out of retries, or unencodable.
   */
  droppedItems: number;
  /** Requests that failed and were tried again. */
  retries: number;
}

/** Where batches go. */
export interface BatchSink<T, R> {
  /** Approximate encoded size of what an item carries now, for the byte bounds. */
  sizeOf(item: T): number;
  /** How many parts an item carries now (1 or 2). */
  partsOf(item: T): number;
  /** Encodes the records of taken items; called once per item taken. May return fewer (failures). */
  prepare(items: readonly T[]): R[];
  /** Sends records; throws TraceServerError on failure. Retried with the same records. */
  send(records: readonly R[], signal: AbortSignal): Promise<void>;
  /** An item dropped from the queue unsent (at exit): parts it would still get are not wanted. */
  discard(item: T): void;
}

/** New calls may fill the queue to this share of its bounds; the rest is kept for their ends. */
const START_SHARE = 0.9;
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

interface FlushWaiter {
  /** Resolve once this many admitted parts have been sent or dropped. */
  target: number;
  resolve: () => void;
}

export class CallBatcher<T, R> {
  readonly stats: BatcherStats = { sentItems: 0, droppedItems: 0, retries: 0 };
  private queue: Array<T | undefined> = [];
  private head = 0;
  private queuedBytes = 0;
  /** Parts in the queue. */
  private queuedParts = 0;
  /** Parts taken from the queue and encoded, not yet acknowledged or given up on. */
  private prepared = 0;
  /** Parts ever admitted, and of those, how many are done with (sent or dropped): for flush(). */
  private admitted = 0;
  private finished = 0;
  private draining = false;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private waiters: FlushWaiter[] = [];
  private exitDeadline: number | undefined;
  private inFlight: AbortController | undefined;

  constructor(
    private readonly sink: BatchSink<T, R>,
    private readonly options: BatcherOptions = DEFAULT_BATCHER_OPTIONS,
  ) {}

  /** Call parts queued, encoded, or in flight. */
  get pending(): number {
    return this.queuedParts + this.prepared;
  }

  /**
   * Queues an item carrying one part. A call's start is refused when the queue is 90% full; its
   * end (queued on its own once the start went out) may use the rest. Returns false when dropped.
   */
  enqueue(item: T, part: 'start' | 'end'): boolean {
    const bytes = this.sink.sizeOf(item);
    if (!this.admits(part, bytes)) return false;
    this.queue.push(item);
    this.queuedBytes += bytes;
    this.queuedParts += 1;
    this.admitted += 1;
    liveBatchers.add(this);
    installExitHook();
    this.schedule();
    return true;
  }

  /**
   * A call's end joins its start, which is still queued: one more part for an item already in
   * the queue (`sizeOf(item)` must already include `bytes`). Returns false when dropped.
   */
  join(bytes: number): boolean {
    if (!this.admits('end', bytes)) return false;
    this.queuedParts += 1;
    this.queuedBytes += bytes;
    this.admitted += 1;
    this.schedule();
    return true;
  }

  private admits(part: 'start' | 'end', bytes: number): boolean {
    const share = part === 'start' ? START_SHARE : 1;
    if (
      this.queuedParts + this.prepared + 1 <= this.options.maxQueueItems * share &&
      this.queuedBytes + bytes <= this.options.maxQueueBytes * share
    ) {
      return true;
    }
    this.stats.droppedItems += 1;
    warnOnce(
      'queue-full',
      'the trace queue is full (the server is slow or unreachable); calls are being dropped. ' +
        'client.stats.droppedItems counts them.',
    );
    return false;
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
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.startDrain(), this.options.flushIntervalMs);
      this.timer.unref();
    }
  }

  /**
   * Resolves once every part queued before this call has been sent or given up on; parts queued
   * later do not hold it up. Never rejects.
   */
  flush(): Promise<void> {
    if (this.finished >= this.admitted) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.waiters.push({ target: this.admitted, resolve }));
    this.startDrain();
    return done;
  }

  /** Called at process exit: send the rest, keeping the process alive no longer than the deadline. */
  flushForExit(): void {
    if (this.pending === 0) {
      liveBatchers.delete(this);
      return;
    }
    if (this.exitDeadline !== undefined) return;
    this.exitDeadline = Date.now() + this.options.exitFlushTimeoutMs;
    // This timer keeps the process alive until the deadline at most; then what is left goes.
    const deadline = setTimeout(() => {
      this.inFlight?.abort();
      this.dropQueued('the process is exiting');
    }, this.options.exitFlushTimeoutMs);
    void this.flush().then(() => {
      clearTimeout(deadline);
      this.exitDeadline = undefined;
    });
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

  /** Sends batches until the queue is empty, one request in flight, encoding the next meanwhile. */
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
      if (this.queue.length > this.head) this.startDrain();
      this.settleWaiters();
    }
  }

  /** Takes and encodes the next batch; its parts count as prepared until sent or dropped. */
  private prepareNext(): R[] | undefined {
    if (this.queue.length <= this.head) return undefined;
    const items = this.takeBatch();
    let parts = 0;
    for (const item of items) parts += this.sink.partsOf(item);
    const records = this.sink.prepare(items);
    this.queuedParts = Math.max(0, this.queuedParts - parts);
    this.prepared += records.length;
    if (records.length < parts) this.giveUp(parts - records.length);
    return records;
  }

  private takeBatch(): T[] {
    const batch: T[] = [];
    let bytes = 0;
    // Each item carries at most two parts, so half the part budget keeps requests within it.
    const maxItems = Math.max(1, Math.floor(this.options.maxBatchItems / 2));
    while (this.head < this.queue.length && batch.length < maxItems) {
      const item = this.queue[this.head] as T;
      const size = this.sink.sizeOf(item);
      if (batch.length > 0 && bytes + size > this.options.maxBatchBytes) break;
      batch.push(item);
      bytes += size;
      this.queuedBytes -= size;
      // Let go of the item: a sent call must not stay reachable from the queue.
      this.queue[this.head] = undefined;
      this.head += 1;
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return batch;
  }

  private async sendWithRetry(batch: readonly R[]): Promise<void> {
    const startedAt = Date.now();
    for (let attempt = 0; ; attempt++) {
      if (this.exitDeadline !== undefined && Date.now() >= this.exitDeadline) {
        this.drop(batch, 'the process is exiting');
        return;
      }
      const controller = new AbortController();
      this.inFlight = controller;
      try {
        await this.sink.send(batch, controller.signal);
        this.stats.sentItems += batch.length;
        this.prepared -= batch.length;
        this.finished += batch.length;
        this.settleWaiters();
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
      } finally {
        if (this.inFlight === controller) this.inFlight = undefined;
      }
    }
  }

  private drop(batch: readonly R[], why: string): void {
    this.prepared -= batch.length;
    this.giveUp(batch.length);
    warnAtMostEvery(
      'dropped-batch',
      DROP_WARNING_INTERVAL_MS,
      `${why}; dropped ${batch.length} call parts (${this.stats.droppedItems} so far; ` +
        'client.stats.droppedItems counts them)',
    );
  }

  /** Parts that were admitted and will never be sent. */
  private giveUp(parts: number): void {
    this.stats.droppedItems += parts;
    this.finished += parts;
    this.settleWaiters();
  }

  private dropQueued(why: string): void {
    const count = this.queuedParts;
    for (let index = this.head; index < this.queue.length; index++) {
      const item = this.queue[index];
      if (item !== undefined) this.sink.discard(item);
    }
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
    this.queuedParts = 0;
    if (count === 0) return;
    this.giveUp(count);
    warnAtMostEvery('dropped-batch', DROP_WARNING_INTERVAL_MS, `${why}; ${count} call parts were not sent`);
  }

  private settleWaiters(): void {
    if (this.waiters.length === 0) return;
    const still: FlushWaiter[] = [];
    for (const waiter of this.waiters) {
      if (this.finished >= waiter.target) waiter.resolve();
      else still.push(waiter);
    }
    this.waiters = still;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      // A retry wait must not keep the process alive; at exit the deadline timer does that.
      setTimeout(resolve, ms).unref();
    });
  }
}
