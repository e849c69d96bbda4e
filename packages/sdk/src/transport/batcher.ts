/**
 * Sends call parts to the server in the background, with the habits of OpenTelemetry's batch span
 * processor: a bounded queue, timers that never keep the process alive, retries with backoff for
 * failures that may pass, and drop-count-warn when it cannot keep up. Nothing here throws into
 * user code or ends the process.
 *
 * Queued items are calls; an item carries its start part, its end part, or both (a short call's
 * end joins its still-queued start). A taken batch of items becomes one or more requests (encoded
 * once, by the sink; a batch may need several routes). Everything is counted in call parts.
 *
 * One request is in flight, and a second only for a full batch: weft's server parses a request on
 * one thread while it writes the one before on another, and with a single request in flight the
 * two would take turns. Batches that are not full wait for the request in flight and go out
 * together, so a slow trickle of calls never turns into many small requests. A full batch is
 * encoded as soon as it is full (one per turn of the event loop), even while requests are in
 * flight: a backlog is then held as encoded bytes, which the garbage collector never walks, rather
 * than as call objects it must walk and move again and again.
 */
import { warnAtMostEvery, warnOnce } from '../logger.js';
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
  /** Requests in flight at most; beyond the first, only for full batches. */
  maxConcurrentRequests: number;
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
  maxConcurrentRequests: 2,
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

/** Where batches go. `R` is one request, ready to send. */
export interface BatchSink<T, R> {
  /** Approximate encoded size of what an item carries now, for the byte bounds. */
  sizeOf(item: T): number;
  /** How many parts an item carries now (1 or 2). */
  partsOf(item: T): number;
  /**
   * Encodes taken items into requests; called once per item taken, with their estimated size (a
   * hint for buffers). The requests may carry fewer parts than the items (parts that could not be
   * encoded); those count as dropped.
   */
  prepare(items: readonly T[], bytes: number): R[];
  /** Call parts a request carries. */
  partsIn(request: R): number;
  /** Sends a request; throws TraceServerError on failure, and is retried with the same request. */
  send(request: R, signal: AbortSignal): Promise<void>;
  /** The request in smaller ones with the same parts, after a 413; undefined if it cannot be split. */
  split(request: R): R[] | undefined;
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

/** An encoded batch waiting for its turn, or being sent. */
interface PreparedBatch<R> {
  requests: R[];
  /** Estimated bytes, as counted against the queue's byte bound until the batch is done. */
  bytes: number;
  /** Taken while a full batch was queued: it may go out beside a request in flight. */
  full: boolean;
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
  /** Estimated bytes of those, still counted against the queue's byte bound. */
  private preparedBytes = 0;
  /** Parts ever admitted, and of those, how many are done with (sent or dropped): for flush(). */
  private admitted = 0;
  private finished = 0;
  private draining = false;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private waiters: FlushWaiter[] = [];
  private exitDeadline: number | undefined;
  private readonly inFlight = new Set<AbortController>();

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
      this.queuedBytes + this.preparedBytes + bytes <= this.options.maxQueueBytes * share
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
      for (const controller of this.inFlight) controller.abort();
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

  /** Sends batches until the queue is empty (see the top of this file for how many at once). */
  private async drain(): Promise<void> {
    const ready: Array<PreparedBatch<R>> = [];
    const sending = new Set<Promise<void>>();
    try {
      for (;;) {
        while (ready.length > 0 && this.maySend(ready[0] as PreparedBatch<R>, sending.size)) {
          const batch = ready.shift() as PreparedBatch<R>;
          const request: Promise<void> = this.sendBatch(batch).finally(() => sending.delete(request));
          sending.add(request);
        }
        const full = this.fullBatchQueued() ? this.prepareNext(true) : undefined;
        if (full) {
          ready.push(full);
          // One batch per turn: encoding a long backlog must not hold up the application.
          await new Promise<void>((resolve) => setImmediate(resolve).unref());
          continue;
        }
        // Nothing in flight (so nothing ready either): whatever is queued goes now.
        if (sending.size === 0) {
          const next = this.prepareNext(false);
          if (!next) break;
          ready.push(next);
          continue;
        }
        await Promise.race(sending);
      }
    } catch (error) {
      warnOnce('batcher-bug', `internal error while sending traces: ${String(error)}`);
    } finally {
      // Only after an internal error is anything left here: it is given up on, so flush() ends.
      for (const batch of ready) {
        for (const request of batch.requests) this.drop(request, 'an internal error stopped sending');
        this.preparedBytes -= batch.bytes;
      }
      await Promise.all(sending);
      this.draining = false;
      if (this.queue.length > this.head) this.startDrain();
      this.settleWaiters();
    }
  }

  /** One request in flight; a second (up to maxConcurrentRequests) for a full batch. */
  private maySend(batch: PreparedBatch<R>, inFlight: number): boolean {
    return inFlight === 0 || (batch.full && inFlight < this.options.maxConcurrentRequests);
  }

  private fullBatchQueued(): boolean {
    return this.queuedParts >= this.options.maxBatchItems || this.queuedBytes >= this.options.maxBatchBytes;
  }

  /** Takes and encodes the next batch; its parts count as prepared until sent or dropped. */
  private prepareNext(full: boolean): PreparedBatch<R> | undefined {
    if (this.queue.length <= this.head) return undefined;
    const { items, bytes } = this.takeBatch();
    let parts = 0;
    for (const item of items) parts += this.sink.partsOf(item);
    const requests = this.sink.prepare(items, bytes);
    let prepared = 0;
    for (const request of requests) prepared += this.sink.partsIn(request);
    this.queuedParts = Math.max(0, this.queuedParts - parts);
    this.prepared += prepared;
    this.preparedBytes += bytes;
    if (prepared < parts) this.giveUp(parts - prepared);
    return { requests, bytes, full };
  }

  /** The requests of one batch, one after the other. Never rejects. */
  private async sendBatch(batch: PreparedBatch<R>): Promise<void> {
    try {
      for (const request of batch.requests) await this.sendWithRetry(request);
    } catch (error) {
      warnOnce('batcher-bug', `internal error while sending traces: ${String(error)}`);
    } finally {
      this.preparedBytes -= batch.bytes;
    }
  }

  private takeBatch(): { items: T[]; bytes: number } {
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
    return { items: batch, bytes };
  }

  private async sendWithRetry(request: R): Promise<void> {
    const startedAt = Date.now();
    for (let attempt = 0; ; attempt++) {
      if (this.exitDeadline !== undefined && Date.now() >= this.exitDeadline) {
        this.drop(request, 'the process is exiting');
        return;
      }
      const controller = new AbortController();
      this.inFlight.add(controller);
      try {
        await this.sink.send(request, controller.signal);
        const parts = this.sink.partsIn(request);
        this.stats.sentItems += parts;
        this.prepared -= parts;
        this.finished += parts;
        this.settleWaiters();
        return;
      } catch (error) {
        const status = error instanceof TraceServerError ? error.status : undefined;
        if (status === 413) {
          // Too large for the server: send smaller requests with the same parts, one by one.
          const pieces = this.sink.split(request);
          if (pieces === undefined) {
            this.drop(request, 'the server refused a call part as too large');
            return;
          }
          this.prepared -= this.sink.partsIn(request);
          for (const piece of pieces) this.prepared += this.sink.partsIn(piece);
          for (const piece of pieces) await this.sendWithRetry(piece);
          return;
        }
        const retryable = !(error instanceof TraceServerError) || error.retryable;
        const outOfTime =
          Date.now() - startedAt > this.options.maxRetryMs ||
          (this.exitDeadline !== undefined && Date.now() >= this.exitDeadline);
        if (!retryable || outOfTime) {
          this.drop(request, `sending traces failed: ${(error as Error).message}`);
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
        this.inFlight.delete(controller);
      }
    }
  }

  private drop(request: R, why: string): void {
    const parts = this.sink.partsIn(request);
    this.prepared -= parts;
    this.giveUp(parts);
    warnAtMostEvery(
      'dropped-batch',
      DROP_WARNING_INTERVAL_MS,
      `${why}; dropped ${parts} call parts (${this.stats.droppedItems} so far; ` +
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
