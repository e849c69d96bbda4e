/**
 * Queries run on a small pool of worker threads (`read-worker.ts`), each with one read-only
 * connection, so a slow query cannot stall ingestion or health checks on the main thread. A long
 * answer is read a page at a time (storage/paging.ts): each page takes a worker only while it is
 * read, so a consumer that stops pulling holds no worker and no read snapshot. better-sqlite3
 * cannot interrupt a statement, so a worker that takes too long over one page is terminated and
 * replaced.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, type Worker } from 'node:worker_threads';
import { InvalidRequest, QueryTimeout, ServiceUnavailable } from '@weft/protocol';
import { CallsPager, OffsetPager } from '../paging.js';
import { type ReadKind, timeLimitMessage } from '../time-limit.js';
import type {
  CallsQuery,
  CallsStatsQuery,
  StoredCall,
  StoredProjectSummary,
  TableQuery,
  TableRow,
} from '../trace-store.js';
import { QueryAbandoned, readOf } from './query-functions.js';
import type { ReadReply, ReadRequest, ReadWorkerData } from './read-worker.js';
import { crashMessage, errorFromWorker, startWorkerThread } from './worker-threads.js';

export interface ReadWorkersOptions {
  /** Worker threads at most; each page of a query holds one while it is read. */
  maxReaders: number;
  /** How long a worker may spend producing one page of rows (or a count) before it is stopped. */
  queryTimeoutMs: number;
}

/** How long a query waits for a free worker before the server says it is busy. */
const ACQUIRE_TIMEOUT_MS = 30_000;

type PageReply = Extract<ReadReply, { type: 'rows' | 'lines' | 'ids' }>;
type TablePage = Array<TableRow & { original_index: number }>;
type Answer = Exclude<ReadReply, { type: 'error' }>;

interface Pending {
  resolve: (reply: Answer) => void;
  reject: (error: Error) => void;
  /** Unset while the worker starts: start-up does not count against the time limit. */
  timer?: NodeJS.Timeout;
  /** What the request reads, for the time limit's message. */
  of?: ReadKind;
}

function workerError(reply: Extract<ReadReply, { type: 'error' }>): Error {
  return errorFromWorker(reply.errorType, reply.message);
}

/**
 * The worker stops a query itself once it is past the limit (query-functions.ts), but SQLite only
 * asks while it scans rows: a long sort after the scan, say, runs on. Past this much longer, the
 * thread is terminated instead (which takes effect once SQLite hands control back).
 */
function backstopMs(timeoutMs: number): number {
  return timeoutMs + Math.max(1000, timeoutMs);
}

/** One worker thread and its connection, answering one request at a time. */
class ReadWorker {
  /** Resolves once the connection is open. */
  readonly ready: Promise<void>;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private pending: Pending | undefined;
  /** Why the worker stopped taking requests (timed out, crashed, closed); set once. */
  private failure: Error | undefined;
  /** What the worker threw, if it crashed (not always an Error once it has crossed threads). */
  private crash: unknown;
  private started = false;
  /** Set to 1 to stop the request in progress (read-worker.ts, `abandoned`). */
  private readonly abandoned = new Int32Array(new SharedArrayBuffer(4));
  /** The request in progress was abandoned: its failure is a QueryAbandoned. */
  private abandonedPending = false;

  constructor(
    path: string,
    private readonly timeoutMs: number,
    onExit: () => void,
  ) {
    const channel = new MessageChannel();
    this.port = channel.port1;
    this.ready = new Promise<Answer>((resolve, reject) => {
      this.pending = { resolve, reject };
    }).then(() => undefined);
    this.worker = startWorkerThread('read-worker', {
      path,
      port: channel.port2,
      timeoutMs,
      abandoned: this.abandoned.buffer as SharedArrayBuffer,
    } satisfies ReadWorkerData);
    this.port.on('message', (reply: ReadReply) => this.onReply(reply));
    this.worker.on('error', (error: unknown) => {
      this.crash ??= error;
    });
    this.worker.on('exit', (code) => {
      this.fail(this.exitError(code));
      this.port.close();
      onExit();
    });
  }

  get usable(): boolean {
    return this.failure === undefined;
  }

  async page(request: Extract<ReadRequest, { type: 'page' }>): Promise<PageReply> {
    const reply = await this.request(request);
    if (reply.type !== 'rows' && reply.type !== 'lines' && reply.type !== 'ids') {
      throw new Error(`a read worker answered page with ${reply.type}`);
    }
    return reply;
  }

  async count(query: CallsStatsQuery): Promise<number> {
    const reply = await this.request({ type: 'count', query });
    if (reply.type !== 'count') throw new Error(`a read worker answered count with ${reply.type}`);
    return reply.count;
  }

  async table(query: TableQuery): Promise<Extract<ReadReply, { type: 'tableRows' }>> {
    const reply = await this.request({ type: 'table', query });
    if (reply.type !== 'tableRows') throw new Error(`a read worker answered table with ${reply.type}`);
    return reply;
  }

  async projects(): Promise<StoredProjectSummary[]> {
    const reply = await this.request({ type: 'projects' });
    if (reply.type !== 'projects') throw new Error(`a read worker answered projects with ${reply.type}`);
    return reply.projects;
  }

  async missingRow(projectId: string, rowDigestsJson: string): Promise<string | undefined> {
    const reply = await this.request({ type: 'missingRow', projectId, rowDigestsJson });
    if (reply.type !== 'missingRow') throw new Error(`a read worker answered missingRow with ${reply.type}`);
    return reply.digest ?? undefined;
  }

  /**
   * Stops the request in progress, if any, at SQLite's next interrupt check: its client has gone.
   * It then fails with QueryAbandoned (or succeeds, if it finished first).
   */
  abandon(): void {
    if (!this.pending || !this.started) return;
    this.abandonedPending = true;
    Atomics.store(this.abandoned, 0, 1);
  }

  /** Stops the worker; a request in progress fails with `reason`. Resolves when the thread has ended. */
  async stop(reason: Error): Promise<void> {
    this.fail(reason);
    await this.worker.terminate();
  }

  private request(request: ReadRequest): Promise<Answer> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new Error('a read worker takes one request at a time'));
    return new Promise((resolve, reject) => {
      // A new request, for a client that is still there (abandon() marks it again if not).
      Atomics.store(this.abandoned, 0, 0);
      // Posted before the worker counts as busy: a request that cannot be copied to the thread
      // fails alone and leaves the worker free (marked busy, it would answer nobody again).
      postRequest(this.port, request);
      this.pending = {
        resolve,
        reject,
        timer: setTimeout(() => this.onTimeout(), backstopMs(this.timeoutMs)),
        of: readOf(request),
      };
      this.setBusy(true);
    });
  }

  private onReply(reply: ReadReply): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    clearTimeout(pending.timer);
    this.setBusy(false);
    const abandoned = this.abandonedPending;
    this.abandonedPending = false;
    if (reply.type === 'ready') this.started = true;
    if (reply.type === 'error') pending.reject(abandoned ? new QueryAbandoned() : workerError(reply));
    else pending.resolve(reply);
  }

  private onTimeout(): void {
    // The reply may be queued behind a busy main thread; only the worker's own time counts.
    const queued = receiveMessageOnPort(this.port);
    if (queued) {
      this.onReply(queued.message as ReadReply);
      return;
    }
    void this.stop(new QueryTimeout(timeLimitMessage(this.timeoutMs, this.pending?.of)));
  }

  private fail(reason: Error): void {
    this.failure ??= reason;
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return;
    clearTimeout(pending.timer);
    pending.reject(this.failure);
  }

  private exitError(code: number): Error {
    const why = this.crash === undefined ? ` (exit code ${code})` : `: ${crashMessage(this.crash)}`;
    return this.started
      ? new Error(`the read worker running this query crashed${why}`)
      : new Error(`could not start a read worker${why}`);
  }

  /** A worker keeps the process alive only while it owes a reply. */
  private setBusy(busy: boolean): void {
    if (busy) {
      this.worker.ref();
      this.port.ref();
    } else {
      this.worker.unref();
      this.port.unref();
    }
  }
}

interface Waiter {
  resolve: (worker: ReadWorker | Promise<ReadWorker>) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class ReadWorkers {
  /** Every thread not yet ended, busy or idle; a stopped thread counts until it has really ended. */
  private readonly workers = new Set<ReadWorker>();
  private readonly idle: ReadWorker[] = [];
  private readonly waiters: Waiter[] = [];
  private closed = false;
  private started = 0;

  constructor(
    private readonly path: string,
    private readonly options: ReadWorkersOptions,
  ) {
    if (!Number.isInteger(options.maxReaders) || options.maxReaders < 1) {
      throw new RangeError(`maxReaders must be a positive integer, got ${options.maxReaders}`);
    }
    if (!(options.queryTimeoutMs > 0)) {
      throw new RangeError(`queryTimeoutMs must be positive, got ${options.queryTimeoutMs}`);
    }
  }

  /**
   * The calls, read a page at a time. `signal` says the client has gone: the page being read stops
   * where it is, even inside SQLite.
   */
  async *query(query: CallsQuery, signal?: AbortSignal): AsyncGenerator<StoredCall> {
    for await (const page of this.pages(query, 'rows', signal)) {
      if (page.type === 'rows') yield* page.rows;
    }
  }

  /** The calls rendered as CallSchema JSON lines, a page (of whole lines) at a time. */
  async *queryJsonLines(query: CallsQuery, signal?: AbortSignal): AsyncGenerator<string> {
    for await (const page of this.pages(query, 'lines', signal)) {
      if (page.type === 'lines' && page.text.length > 0) yield page.text;
    }
  }

  /**
   * Each page is a request of its own, on whichever worker is free, and the worker goes back to
   * the pool with the reply. The next page is asked for as soon as one arrives, so a worker reads
   * it while the consumer takes this one, but never further ahead: a consumer that stops pulling
   * holds one page in memory and nothing in the database.
   */
  private async *pages(
    query: CallsQuery,
    format: 'rows' | 'lines',
    signal: AbortSignal | undefined,
  ): AsyncGenerator<Exclude<PageReply, { type: 'ids' }>> {
    // Stops the page read ahead when the consumer stops early, as a departed client does.
    const stopped = new AbortController();
    const stop = signal ? AbortSignal.any([signal, stopped.signal]) : stopped.signal;
    const pager = new CallsPager(query);
    const read = () =>
      this.withWorker(stop, (worker) => worker.page({ type: 'page', read: pager.read(), format }));
    let next: Promise<PageReply> | undefined = read();
    try {
      while (next) {
        const page: PageReply = await next;
        next = pager.advance(page.type === 'ids' ? { count: 0, last: null, cut: false, ids: page.ids } : page)
          ? read()
          : undefined;
        // Its failure is reported when the consumer gets to it, not as an unhandled rejection now.
        next?.catch(ignore);
        // A group's ids are for the pager only.
        if (page.type !== 'ids') yield page;
      }
    } finally {
      stopped.abort();
    }
  }

  /** Runs one request on a worker taken for it, handed back with the reply. */
  private async withWorker<T>(
    signal: AbortSignal | undefined,
    work: (worker: ReadWorker) => Promise<T>,
  ): Promise<T> {
    const { worker, unwatch } = await this.acquireWatched(signal);
    try {
      return await work(worker);
    } finally {
      unwatch();
      this.release(worker);
    }
  }

  async count(query: CallsStatsQuery, signal?: AbortSignal): Promise<number> {
    return this.withWorker(signal, (worker) => worker.count(query));
  }

  /**
   * A worker for a client's request, watched: none once the client has gone (it may leave while
   * waiting for one), and the request stopped in the worker if the client goes while it runs.
   * `unwatch` before the worker is released.
   */
  private async acquireWatched(
    signal: AbortSignal | undefined,
  ): Promise<{ worker: ReadWorker; unwatch: () => void }> {
    const worker = await this.acquire(signal);
    if (signal?.aborted) {
      this.release(worker);
      throw new QueryAbandoned();
    }
    const abandon = () => worker.abandon();
    signal?.addEventListener('abort', abandon, { once: true });
    return { worker, unwatch: () => signal?.removeEventListener('abort', abandon) };
  }

  /**
   * A table's rows a page at a time, each page read on whichever worker is free. Tables never
   * change once stored, so continuing by offset is exact.
   */
  async *queryTable(query: TableQuery, signal?: AbortSignal): AsyncGenerator<TablePage> {
    const pager = new OffsetPager(query.limit, query.offset);
    for (;;) {
      const page = await this.withWorker(signal, (worker) => worker.table({ ...query, ...pager.read() }));
      if (page.rows.length > 0) yield page.rows;
      if (!pager.advance({ count: page.rows.length, cut: page.cut })) return;
    }
  }

  /** The first of a JSON array of row digests that names no stored row of the project (tables.ts). */
  async firstMissingTableRow(projectId: string, rowDigestsJson: string): Promise<string | undefined> {
    return this.withWorker(undefined, (worker) => worker.missingRow(projectId, rowDigestsJson));
  }

  async projectSummaries(): Promise<StoredProjectSummary[]> {
    const worker = await this.acquire();
    try {
      return await worker.projects();
    } finally {
      this.release(worker);
    }
  }

  /** Stops every worker. Queries still running fail; shutdown does not wait for a busy thread to end. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const reason = new Error('the trace store is closed');
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(reason);
    }
    const idle = new Set(this.idle.splice(0));
    const ended: Promise<void>[] = [];
    for (const worker of this.workers) {
      const stopped = worker.stop(reason);
      if (idle.has(worker)) ended.push(stopped);
    }
    await Promise.all(ended);
  }

  private acquire(signal?: AbortSignal): Promise<ReadWorker> {
    if (this.closed) return Promise.reject(new Error('the trace store is closed'));
    if (signal?.aborted) return Promise.reject(new QueryAbandoned());
    const idle = this.idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.workers.size < this.options.maxReaders) return this.spawn();
    return new Promise((resolve, reject) => {
      // A client that leaves while waiting gives up its place in the queue.
      const leave = () => {
        this.removeWaiter(waiter);
        reject(new QueryAbandoned());
      };
      const waiter: Waiter = {
        resolve: (worker) => {
          signal?.removeEventListener('abort', leave);
          resolve(worker);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', leave);
          reject(error);
        },
        timer: setTimeout(() => {
          this.removeWaiter(waiter);
          waiter.reject(new ServiceUnavailable('all read workers are busy; try again later'));
        }, ACQUIRE_TIMEOUT_MS),
      };
      signal?.addEventListener('abort', leave, { once: true });
      this.waiters.push(waiter);
    });
  }

  private removeWaiter(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    const index = this.waiters.indexOf(waiter);
    if (index >= 0) this.waiters.splice(index, 1);
  }

  private release(worker: ReadWorker): void {
    // A stopped worker frees its slot when its thread ends (onExit).
    if (!worker.usable) return;
    if (this.closed) {
      void worker.stop(new Error('the trace store is closed'));
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve(worker);
    } else {
      this.idle.push(worker);
    }
  }

  /** How many worker threads were started so far (replacements included); for diagnostics. */
  get threadsStarted(): number {
    return this.started;
  }

  /** Starts a worker in a free slot; resolves when its connection is open. */
  private spawn(): Promise<ReadWorker> {
    this.started += 1;
    const worker: ReadWorker = new ReadWorker(this.path, this.options.queryTimeoutMs, () =>
      this.onExit(worker),
    );
    this.workers.add(worker);
    return worker.ready.then(() => worker);
  }

  private onExit(worker: ReadWorker): void {
    this.workers.delete(worker);
    const index = this.idle.indexOf(worker);
    if (index >= 0) this.idle.splice(index, 1);
    if (this.closed) return;
    // Replacement is lazy: a new worker starts only for a query that is waiting for one.
    const waiter = this.waiters.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve(this.spawn());
    }
  }
}

function ignore(): void {}

/**
 * Copying a request nested past the stack's depth (a filter of hostile, deeply nested unknown
 * keys, say) throws a RangeError: the request's fault, so a 400 rather than a server error.
 */
function postRequest(port: MessagePort, request: ReadRequest): void {
  try {
    port.postMessage(request);
  } catch (error) {
    if (error instanceof RangeError)
      throw new InvalidRequest(`the request is nested too deeply to run: ${error.message}`);
    throw error;
  }
}
