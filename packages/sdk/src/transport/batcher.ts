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
 *
 * At process exit (process-exit.ts) pending parts get a bounded time to go out, then are given up
 * on at once; the exit report counts what was lost in units the sink chooses (calls, each once).
 *
 * A sink may offer a spill (the disk spool, call-spool.ts): requests that would be given up on (out
 * of retries, or pending at the exit deadline) are written there instead, and while the server
 * fails, a backlog past half the queue's bounds is moved there before the queue fills. Spilling
 * happens here, in the background, never in `enqueue`: the user's call does no disk I/O.
 */
import { warnAtMostEvery, warnOnce } from '../logger.js';
import {
  type ExitParticipant,
  idleAtExit,
  noteSendProblem,
  noteUndelivered,
  pendingAtExit,
  type UnitNames,
} from './process-exit.js';
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
  /**
   * Backoff between retries: starts here, doubles, capped at `retryMaxDelayMs`, with jitter (see
   * `retryDelayMs`).
   */
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /**
   * Once the server has failed (no answer, 429, 5xx) for this long without a success in between, a
   * failing batch is dropped and counted instead of retried. The clock is the outage's, not each
   * batch's: after a long outage the batches still queued get one try each, so a flush ends.
   */
  maxRetryMs: number;
  /**
   * At process exit, how long pending parts may keep the process alive while they are sent; then
   * they are given up on and one warning says how many calls were not delivered.
   */
  exitFlushTimeoutMs: number;
  /** Requests in flight at most; beyond the first, only for full batches. */
  maxConcurrentRequests: number;
  /** @internal What the exit report calls this batcher's units (default `call`, `calls`). */
  unitNames?: UnitNames;
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

/** What the call batcher's exit report counts. */
export const CALL_UNITS: UnitNames = ['call', 'calls'];

/**
 * The wait before retry `attempt` (0 for the first retry): exponential (`retryBaseDelayMs`
 * doubled per attempt), capped at `retryMaxDelayMs`, then "equal jitter": a uniform point in
 * [step/2, step), so that clients that failed together do not all come back together, while each
 * still backs off by at least half its step. `random` returns a number in [0, 1).
 */
export function retryDelayMs(
  attempt: number,
  options: Pick<BatcherOptions, 'retryBaseDelayMs' | 'retryMaxDelayMs'>,
  random: () => number,
): number {
  const step = Math.min(options.retryMaxDelayMs, options.retryBaseDelayMs * 2 ** attempt);
  return step * (0.5 + random() / 2);
}

/** `15 s`, or `500 ms` for a wait under a second. */
function formatWait(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

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
  /**
   * Call parts written to the disk spool instead of being dropped (queue past half full while the
   * server fails, out of retries, or pending at exit); not counted in `droppedItems`.
   */
  spooledItems: number;
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
  /**
   * Units (calls, for the call sender) with a part given up on, each counted once however many of
   * its parts were lost; the sink counts them from `lost`, `refused`, `discard` and `prepare`.
   * Without it, every dropped part is a unit.
   */
  readonly undelivered?: number;
  /** A request given up on (out of retries, refused as a whole, or at exit), before it is let go. */
  lost?(request: R): void;
  /** An item the full queue refused (`part`: what it would have carried). */
  refused?(item: T, part: 'start' | 'end'): void;
  /** Where requests go that cannot be delivered now, instead of being dropped. */
  readonly spill?: BatchSpill<R> | undefined;
  /** The server answered after failing: a good time to send what was spilled. */
  recovered?(): void;
}

/**
 * Keeps requests that cannot be delivered now (the disk spool). Never throws; trouble is counted
 * and warned about by the spill, and the request is then dropped and counted as before.
 */
export interface BatchSpill<R> {
  /** Writes the request where it is not yet visible; undefined if it cannot. */
  write(request: R): Promise<SpilledRequest | undefined>;
  /** Writes the request and keeps it, synchronously (at process exit); false if it cannot. */
  writeNow(request: R): boolean;
}

/**
 * A request written by `BatchSpill.write`. The batcher decides and commits in one synchronous
 * step, so a request given up on meanwhile (at exit) is never kept twice.
 */
export interface SpilledRequest {
  /** Makes it visible (to be sent later); false if that failed. */
  commit(): boolean;
  discard(): void;
}

/** New calls may fill the queue to this share of its bounds; the rest is kept for their ends. */
const START_SHARE = 0.9;
/** While the server fails, a backlog past this share of the queue's bounds is spilled (if it can be). */
const SPILL_SHARE = 0.5;
/** A server that stays away makes every batch fail; say so once a minute, not every time. */
const DROP_WARNING_INTERVAL_MS = 60_000;

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

export class CallBatcher<T, R> implements ExitParticipant {
  readonly stats: BatcherStats = { sentItems: 0, droppedItems: 0, retries: 0, spooledItems: 0 };
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
  /**
   * Requests prepared and neither acknowledged nor given up on. At the exit deadline they are all
   * given up on at once; a request no longer here is not sent again nor counted twice.
   */
  private readonly outstanding = new Set<R>();
  /** Since when every request has failed (no answer, 429, 5xx); undefined while the server answers. */
  private failingSince: number | undefined;
  /** Parts of the requests being sent now (a backlog to spill is what is not in flight). */
  private inFlightParts = 0;
  /** A spill failed: the backlog stays in memory until the server answers again. */
  private spillAheadOff = false;
  /** Wakes the send loop while it waits for requests in flight (a backlog to spill). */
  private wake: (() => void) | undefined;
  /** Undelivered units already added to the exit report. */
  private reportedUndelivered = 0;
  private readonly unitNames: UnitNames;

  /** `random` (in [0, 1)) jitters the retry delays; tests pass their own. */
  constructor(
    private readonly sink: BatchSink<T, R>,
    private readonly options: BatcherOptions = DEFAULT_BATCHER_OPTIONS,
    private readonly random: () => number = Math.random,
  ) {
    this.unitNames = options.unitNames ?? CALL_UNITS;
  }

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
    if (!this.admits(part, bytes)) {
      this.sink.refused?.(item, part);
      this.reportUndelivered();
      return false;
    }
    this.queue.push(item);
    this.queuedBytes += bytes;
    this.queuedParts += 1;
    this.admitted += 1;
    pendingAtExit(this);
    this.schedule();
    return true;
  }

  /**
   * A call's end joins its start, which is still queued: one more part for an item already in
   * the queue (`sizeOf(item)` must already include `bytes`). Returns false when dropped.
   */
  join(bytes: number): boolean {
    if (!this.admits('end', bytes)) {
      // The call sink counts this call when its start is taken (it then sees the end is missing).
      this.reportUndelivered();
      return false;
    }
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
    if (this.draining) {
      // The send loop waits for requests in flight; a backlog to spill must not wait with it.
      if (this.wake !== undefined && this.spillWanted()) this.wake();
      return;
    }
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
      idleAtExit(this);
      return;
    }
    if (this.exitDeadline !== undefined) return;
    this.exitDeadline = Date.now() + this.options.exitFlushTimeoutMs;
    // The only thing that keeps the process alive (retry waits and sockets do not): at the
    // deadline, everything still pending is given up on and counted, so the process can end.
    const deadline = setTimeout(() => this.abandon(), this.options.exitFlushTimeoutMs);
    void this.flush().then(() => {
      clearTimeout(deadline);
      this.exitDeadline = undefined;
    });
  }

  /**
   * Gives up on everything pending, at once and synchronously (the exit deadline passed, or the
   * process is exiting): requests in flight are aborted, and every part still queued, encoded or
   * being retried is written to the spill (synchronously) or, without one, counted as dropped.
   * Quietly: the exit report says how many calls were lost or spooled.
   */
  abandon(): void {
    for (const controller of this.inFlight) controller.abort();
    // With a spill, what is queued is encoded now and kept with the rest, synchronously.
    if (this.sink.spill) this.prepareQueued();
    for (const request of [...this.outstanding]) {
      if (this.sink.spill?.writeNow(request)) this.spilled(request);
      else this.drop(request, 'the process is exiting', true);
    }
    this.dropQueued();
  }

  /** Encodes every queued part into requests that are not sent (at exit, to spill them). */
  private prepareQueued(): void {
    for (let batch = this.prepareNext(false); batch; batch = this.prepareNext(false)) {
      this.preparedBytes -= batch.bytes;
    }
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
        if (this.spillWanted()) {
          const batch = ready.shift() ?? this.prepareNext(false);
          if (batch) {
            await this.spillAhead(batch, ready);
            continue;
          }
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
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          void Promise.race(sending).then(resolve);
        });
        this.wake = undefined;
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

  /**
   * Whether to move the backlog to the spill: the server is failing and what waits (not in flight)
   * has reached half of a queue bound, so the queue would soon refuse new calls.
   */
  private spillWanted(): boolean {
    if (!this.sink.spill || this.failingSince === undefined || this.spillAheadOff) return false;
    return (
      this.pending - this.inFlightParts >= this.options.maxQueueItems * SPILL_SHARE ||
      this.queuedBytes + this.preparedBytes >= this.options.maxQueueBytes * SPILL_SHARE
    );
  }

  /** Spills a batch before the queue fills; if the spill cannot take it, the batch waits its turn. */
  private async spillAhead(batch: PreparedBatch<R>, ready: Array<PreparedBatch<R>>): Promise<void> {
    for (const request of batch.requests) {
      if (!this.outstanding.has(request)) continue;
      if (!(await this.trySpill(request))) {
        // Requests already spilled are skipped when the batch is sent.
        ready.unshift(batch);
        this.spillAheadOff = true;
        return;
      }
    }
    this.preparedBytes -= batch.bytes;
  }

  /** Writes a request to the spill instead of holding or dropping it; true once it is there. */
  private async trySpill(request: R): Promise<boolean> {
    const spill = this.sink.spill;
    if (!spill || !this.outstanding.has(request)) return false;
    const file = await spill.write(request);
    if (file === undefined) return false;
    // Given up on while it was written (abandon() at exit kept or dropped it): not wanted twice.
    if (!this.outstanding.has(request)) {
      file.discard();
      return false;
    }
    if (!file.commit()) return false;
    this.spilled(request);
    return true;
  }

  /** A request is in the spill: done with here, neither sent nor dropped. */
  private spilled(request: R): void {
    if (!this.outstanding.delete(request)) return;
    const parts = this.sink.partsIn(request);
    this.prepared -= parts;
    this.finished += parts;
    this.stats.spooledItems += parts;
    this.settleWaiters();
    // The server answered since this request last failed: it may be sent from the spool now
    // (not at exit: the exit deadline gave up on it, and sending it would outlast the deadline).
    if (this.failingSince === undefined && this.exitDeadline === undefined) this.sink.recovered?.();
  }

  /** The server answered (success, or an answer that is not a failure to retry). */
  private answered(): void {
    this.spillAheadOff = false;
    if (this.failingSince === undefined) return;
    this.failingSince = undefined;
    this.sink.recovered?.();
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
    for (const request of requests) {
      prepared += this.sink.partsIn(request);
      this.outstanding.add(request);
    }
    this.queuedParts = Math.max(0, this.queuedParts - parts);
    this.prepared += prepared;
    this.preparedBytes += bytes;
    if (prepared < parts) this.giveUp(parts - prepared);
    // The sink may count calls while encoding them (see BatchSink.undelivered).
    this.reportUndelivered();
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
    for (let attempt = 0; ; attempt++) {
      // Given up on while it waited (the exit deadline): not sent again.
      if (!this.outstanding.has(request)) return;
      const controller = new AbortController();
      const parts = this.sink.partsIn(request);
      this.inFlight.add(controller);
      this.inFlightParts += parts;
      try {
        await this.sink.send(request, controller.signal);
        this.delivered(request);
        this.answered();
        return;
      } catch (error) {
        if (!this.outstanding.has(request)) return;
        const status = error instanceof TraceServerError ? error.status : undefined;
        if (status === 413) {
          this.answered();
          // Too large for the server: send smaller requests with the same parts, one by one.
          const pieces = this.sink.split(request);
          if (pieces === undefined) {
            this.drop(request, 'the server refused a call part as too large');
            return;
          }
          this.outstanding.delete(request);
          this.prepared -= this.sink.partsIn(request);
          for (const piece of pieces) {
            this.prepared += this.sink.partsIn(piece);
            this.outstanding.add(piece);
          }
          for (const piece of pieces) await this.sendWithRetry(piece);
          return;
        }
        const message = (error as Error).message;
        const retryable = !(error instanceof TraceServerError) || error.retryable;
        if (!retryable) {
          // The server answered: it is up, and this request will never do.
          this.answered();
          this.drop(request, `sending traces failed: ${message}`);
          return;
        }
        noteSendProblem(message);
        const now = Date.now();
        this.failingSince ??= now;
        const retryLeft = this.failingSince + this.options.maxRetryMs - now;
        const exitLeft = this.exitDeadline === undefined ? Number.POSITIVE_INFINITY : this.exitDeadline - now;
        if (retryLeft <= 0 || exitLeft <= 0) {
          // Kept in the spool if there is one, else dropped.
          if (!(await this.trySpill(request))) this.drop(request, `sending traces failed: ${message}`);
          return;
        }
        this.stats.retries += 1;
        if (this.exitDeadline !== undefined) {
          warnOnce(
            'exit-wait',
            `the trace server is not answering (${message}); waiting up to ` +
              `${formatWait(this.options.exitFlushTimeoutMs)} at exit before giving up on what is not sent`,
          );
        }
        // The last try comes when the retry time (or the exit deadline) runs out, not after it.
        await this.sleep(Math.min(retryDelayMs(attempt, this.options, this.random), retryLeft, exitLeft));
      } finally {
        this.inFlight.delete(controller);
        this.inFlightParts -= parts;
      }
    }
  }

  private delivered(request: R): void {
    if (!this.outstanding.delete(request)) return;
    const parts = this.sink.partsIn(request);
    this.stats.sentItems += parts;
    this.prepared -= parts;
    this.finished += parts;
    this.settleWaiters();
  }

  /** Gives up on a request (once: a request given up on already is left alone). */
  private drop(request: R, why: string, quiet = false): void {
    if (!this.outstanding.delete(request)) return;
    this.sink.lost?.(request);
    const parts = this.sink.partsIn(request);
    this.prepared -= parts;
    this.giveUp(parts);
    // At exit the one report says it all.
    if (quiet || this.exitDeadline !== undefined) return;
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
    this.reportUndelivered();
    this.settleWaiters();
  }

  /** Adds the units newly given up on to the exit report. */
  private reportUndelivered(): void {
    const now = this.sink.undelivered ?? this.stats.droppedItems;
    noteUndelivered(this.unitNames, now - this.reportedUndelivered);
    this.reportedUndelivered = now;
  }

  /** Drops every part still queued (at exit), quietly: the exit report counts them. */
  private dropQueued(): void {
    const count = this.queuedParts;
    for (let index = this.head; index < this.queue.length; index++) {
      const item = this.queue[index];
      if (item !== undefined) this.sink.discard(item);
    }
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
    this.queuedParts = 0;
    if (count > 0) this.giveUp(count);
  }

  private settleWaiters(): void {
    if (this.pending === 0) idleAtExit(this);
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
