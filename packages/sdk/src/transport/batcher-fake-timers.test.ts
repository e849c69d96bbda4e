/**
 * The batcher on its own, on vitest's fake clock, sending to a fake sender (no network): when
 * requests go out, how retries back off, when it gives up, what it drops and counts, and that a
 * re-sent request is the same request.
 */
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import {
  type BatcherOptions,
  type BatchSink,
  CallBatcher,
  DEFAULT_BATCHER_OPTIONS,
  retryDelayMs,
} from './batcher.js';
import { takeUndeliveredReport } from './process-exit.js';
import { TraceServerError } from './trace-server.js';

/** Items are ids, one call part each (two once an end joined them); a request is the list of its ids. */
type Request = readonly string[];

/** What the fake server answers to one send: `ok`, or an error to throw. */
type Answer = 'ok' | TraceServerError | (() => Promise<void>);

class FakeSender implements BatchSink<string, Request> {
  /** Every send, in order, with the fake clock's time. */
  readonly sends: Array<{ request: Request; at: number; signal: AbortSignal }> = [];
  /** Ids acknowledged, in order (a duplicate would show up twice). */
  readonly delivered: string[] = [];
  readonly lostRequests: Request[] = [];
  readonly refusedItems: string[] = [];
  /** Items an end part joined (see CallBatcher.join). */
  readonly joined = new Set<string>();
  /** Answers used one per send; when they run out, `then` answers. */
  constructor(
    private readonly answers: Answer[] = [],
    private readonly then: Answer = 'ok',
  ) {}

  sizeOf(): number {
    return 100;
  }
  partsOf(item: string): number {
    return this.joined.has(item) ? 2 : 1;
  }
  prepare(items: readonly string[]): Request[] {
    return [[...items]];
  }
  partsIn(request: Request): number {
    let parts = 0;
    for (const item of request) parts += this.partsOf(item);
    return parts;
  }
  async send(request: Request, signal: AbortSignal): Promise<void> {
    this.sends.push({ request, at: Date.now(), signal });
    const answer = this.answers.shift() ?? this.then;
    if (answer instanceof TraceServerError) throw answer;
    if (typeof answer === 'function') await answer();
    this.delivered.push(...request);
  }
  split(request: Request): Request[] | undefined {
    if (request.length < 2) return undefined;
    const half = Math.ceil(request.length / 2);
    return [request.slice(0, half), request.slice(half)];
  }
  discard(): void {}
  lost(request: Request): void {
    this.lostRequests.push(request);
  }
  refused(item: string): void {
    this.refusedItems.push(item);
  }
}

const noAnswer = () => new TraceServerError('POST /call/upsert_batch failed: ECONNREFUSED', undefined);
const status = (code: number) => new TraceServerError(`POST /call/upsert_batch returned ${code}`, code);

const OPTIONS: BatcherOptions = {
  ...DEFAULT_BATCHER_OPTIONS,
  flushIntervalMs: 200,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 1_000,
  maxRetryMs: 10_000,
  exitFlushTimeoutMs: 3_000,
};

/** A random source that returns `values` in turn (then the last one again). */
function sequence(values: number[]): () => number {
  let next = 0;
  return () => values[Math.min(next++, values.length - 1)] as number;
}

let warn: MockInstance<typeof console.warn>;
/** Each test starts its fake clock an hour after the last: rate-limited warnings do not carry over. */
let clockStart = Date.UTC(2030, 0, 1);

beforeEach(() => {
  clockStart += 3_600_000;
  vi.useFakeTimers({ now: clockStart });
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  takeUndeliveredReport();
});

afterEach(() => {
  vi.useRealTimers();
  warn.mockRestore();
  takeUndeliveredReport();
});

/** Whether a promise has settled, without waiting for it. */
function tracked(promise: Promise<void>): { settled: boolean } {
  const state = { settled: false };
  void promise.then(() => {
    state.settled = true;
  });
  return state;
}

describe('the flush interval', () => {
  it('sends the first queued call one interval after it was queued, with what joined it meanwhile', async () => {
    const sender = new FakeSender();
    const batcher = new CallBatcher(sender, OPTIONS);
    batcher.enqueue('a', 'start');
    await vi.advanceTimersByTimeAsync(150);
    // A later call does not push the first one's deadline back.
    batcher.enqueue('b', 'start');
    await vi.advanceTimersByTimeAsync(49);
    expect(sender.sends).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(sender.sends.map((send) => [send.request, send.at - clockStart])).toEqual([[['a', 'b'], 200]]);
    expect(batcher.stats).toMatchObject({ sentItems: 2, droppedItems: 0, retries: 0 });
  });

  it('sends a full batch on a later turn of the event loop, without waiting for the interval', async () => {
    const sender = new FakeSender();
    const batcher = new CallBatcher(sender, { ...OPTIONS, maxBatchItems: 4 });
    for (const id of ['a', 'b', 'c', 'd']) batcher.enqueue(id, 'start');
    // Never inside the caller's own call.
    expect(sender.sends).toHaveLength(0);
    // (The fake clock moves a millisecond for each turn that schedules another.)
    await vi.advanceTimersByTimeAsync(5);
    // Two items per request (each may carry two parts), two requests in flight.
    expect(sender.sends.map((send) => send.request)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });
});

describe('retries', () => {
  it('keeps every delay inside its jittered, capped bounds', () => {
    const random = sequence([0, 0.999_999, 0.5, 0.25, 0.75, 0.1, 0.9, 0.33, 0.66, 0.01, 0.99, 0.5]);
    for (let attempt = 0; attempt < 12; attempt++) {
      const step = Math.min(1_000, 100 * 2 ** attempt);
      const delay = retryDelayMs(attempt, OPTIONS, random);
      expect(delay).toBeGreaterThanOrEqual(step / 2);
      expect(delay).toBeLessThan(step);
    }
    // The two ends of the jitter: half the step, and just under the whole step.
    expect(retryDelayMs(2, OPTIONS, () => 0)).toBe(200);
    expect(retryDelayMs(2, OPTIONS, () => 0.999_999)).toBeCloseTo(400, 2);
    expect(retryDelayMs(40, OPTIONS, () => 0.5)).toBe(750);
  });

  it('waits longer after each failure, doubling up to the cap, each wait jittered as documented', async () => {
    const randoms = [0, 0.999_999, 0.5, 0, 0.999_999, 0.5, 0];
    const sender = new FakeSender(Array.from({ length: 7 }, noAnswer));
    const batcher = new CallBatcher(sender, OPTIONS, sequence(randoms));
    batcher.enqueue('a', 'start');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sender.sends).toHaveLength(8);
    expect(sender.delivered).toEqual(['a']);
    expect(batcher.stats.retries).toBe(7);
    const gaps = sender.sends.slice(1).map((send, index) => send.at - (sender.sends[index]?.at ?? 0));
    const steps = [100, 200, 400, 800, 1_000, 1_000, 1_000];
    gaps.forEach((gap, attempt) => {
      const step = steps[attempt] as number;
      // Timers fire on whole milliseconds.
      expect(gap).toBe(Math.trunc(step * (0.5 + (randoms[attempt] as number) / 2)));
      expect(gap).toBeGreaterThanOrEqual(step / 2);
      expect(gap).toBeLessThan(step);
    });
  });

  it('retries no answer, 429 and 5xx, and drops a request the server refused (4xx) without retrying it', async () => {
    for (const retried of [noAnswer(), status(429), status(500), status(503)]) {
      const sender = new FakeSender([retried]);
      const batcher = new CallBatcher(sender, OPTIONS);
      batcher.enqueue('a', 'start');
      await vi.advanceTimersByTimeAsync(2_000);
      expect(sender.sends).toHaveLength(2);
      expect(batcher.stats).toMatchObject({ sentItems: 1, droppedItems: 0, retries: 1 });
    }
    for (const refused of [400, 401, 403, 404, 422]) {
      const sender = new FakeSender([status(refused)]);
      const batcher = new CallBatcher(sender, OPTIONS);
      batcher.enqueue('a', 'start');
      batcher.enqueue('b', 'start');
      const flushed = batcher.flush();
      await vi.advanceTimersByTimeAsync(60_000);
      await flushed;
      expect(sender.sends).toHaveLength(1);
      expect(sender.lostRequests).toEqual([['a', 'b']]);
      expect(batcher.stats).toMatchObject({ sentItems: 0, droppedItems: 2, retries: 0 });
      expect(batcher.pending).toBe(0);
    }
  });
});

describe('giving up', () => {
  it('drops and counts a batch once the server has failed for maxRetryMs, warns, and never rejects', async () => {
    const sender = new FakeSender([], noAnswer());
    const batcher = new CallBatcher(sender, OPTIONS);
    expect(batcher.enqueue('a', 'start')).toBe(true);
    expect(batcher.enqueue('b', 'start')).toBe(true);
    const flushed = batcher.flush();
    const flush = tracked(flushed);
    await vi.advanceTimersByTimeAsync(0);
    const firstTry = sender.sends[0]?.at as number;
    await vi.advanceTimersByTimeAsync(firstTry + OPTIONS.maxRetryMs - 1 - Date.now());
    expect(batcher.stats.droppedItems).toBe(0);
    expect(batcher.pending).toBe(2);
    expect(flush.settled).toBe(false);
    expect(warn).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    // The last try came when the retry time ran out, not a backoff step later.
    expect(sender.sends.at(-1)?.at).toBe(firstTry + OPTIONS.maxRetryMs);
    expect(batcher.stats).toMatchObject({ sentItems: 0, droppedItems: 2 });
    expect(batcher.stats.retries).toBe(sender.sends.length - 1);
    expect(batcher.pending).toBe(0);
    await expect(flushed).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(
      /^weft: sending traces failed: .*ECONNREFUSED; dropped 2 call parts/,
    );
    // Counted for the report at exit.
    expect(takeUndeliveredReport()).toMatch(
      /^2 calls were not delivered to the trace server \(last error: .*ECONNREFUSED\)/,
    );
  });

  it('gives a batch queued after a long outage one try, not another maxRetryMs', async () => {
    const sender = new FakeSender([], noAnswer());
    const batcher = new CallBatcher(sender, OPTIONS);
    batcher.enqueue('a', 'start');
    await vi.advanceTimersByTimeAsync(OPTIONS.flushIntervalMs + OPTIONS.maxRetryMs);
    expect(batcher.stats.droppedItems).toBe(1);
    const triesSoFar = sender.sends.length;
    batcher.enqueue('b', 'start');
    const flushed = tracked(batcher.flush());
    await vi.advanceTimersByTimeAsync(0);
    expect(sender.sends).toHaveLength(triesSoFar + 1);
    expect(batcher.stats.droppedItems).toBe(2);
    expect(flushed.settled).toBe(true);
  });

  it('starts the outage clock again after a success', async () => {
    const failures = (count: number) => Array.from({ length: count }, noAnswer);
    // With no jitter the waits are 50, 100, 200, 400, then 500 ms: 20 failures last 8.75 s. Two
    // such outages, a success between them: neither reaches maxRetryMs (10 s) on its own.
    const sender = new FakeSender([...failures(20), 'ok', ...failures(20)], 'ok');
    const batcher = new CallBatcher(sender, OPTIONS, () => 0);
    batcher.enqueue('a', 'start');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(sender.delivered).toEqual(['a']);
    batcher.enqueue('b', 'start');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(sender.delivered).toEqual(['a', 'b']);
    expect(batcher.stats.droppedItems).toBe(0);
  });
});

describe('the bounded queue', () => {
  it('refuses new calls past 90% of maxQueueItems, keeps the rest for ends, and counts every refusal', async () => {
    const sender = new FakeSender();
    const batcher = new CallBatcher(sender, { ...OPTIONS, maxQueueItems: 10 });
    const admitted = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11'].map((id) =>
      batcher.enqueue(id, 'start'),
    );
    expect(admitted).toEqual([true, true, true, true, true, true, true, true, true, false, false, false]);
    expect(sender.refusedItems).toEqual(['9', '10', '11']);
    expect(batcher.pending).toBe(9);
    // The last tenth is for ends of calls already queued.
    sender.joined.add('0');
    expect(batcher.join(100)).toBe(true);
    expect(batcher.join(100)).toBe(false);
    expect(batcher.enqueue('end-of-0', 'end')).toBe(false);
    expect(batcher.stats.droppedItems).toBe(5);
    const flushed = batcher.flush();
    await vi.advanceTimersByTimeAsync(10);
    await flushed;
    expect(sender.delivered).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8']);
    expect(batcher.stats).toMatchObject({ sentItems: 10, droppedItems: 5 });
    // Room again once the queue has drained.
    expect(batcher.enqueue('12', 'start')).toBe(true);
  });
});

describe('re-sent requests', () => {
  it('sends the same request, with the same ids, each time it retries, and stores each id once', async () => {
    const sender = new FakeSender([noAnswer(), status(503), status(429)]);
    const batcher = new CallBatcher(sender, OPTIONS);
    for (const id of ['a', 'b', 'c']) batcher.enqueue(id, 'start');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sender.sends).toHaveLength(4);
    const first = sender.sends[0]?.request;
    for (const send of sender.sends) {
      expect(send.request).toBe(first);
      expect(send.request).toEqual(['a', 'b', 'c']);
    }
    expect(sender.delivered).toEqual(['a', 'b', 'c']);
    expect(batcher.stats).toMatchObject({ sentItems: 3, droppedItems: 0, retries: 3 });
  });

  it('splits a request the server finds too large into pieces that carry each id exactly once', async () => {
    const sender = new FakeSender([status(413), status(413), noAnswer()]);
    const batcher = new CallBatcher(sender, OPTIONS);
    for (const id of ['a', 'b', 'c', 'd', 'e']) batcher.enqueue(id, 'start');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sender.sends.map((send) => send.request)).toEqual([
      ['a', 'b', 'c', 'd', 'e'],
      ['a', 'b', 'c'],
      ['a', 'b'],
      ['a', 'b'],
      ['c'],
      ['d', 'e'],
    ]);
    expect(sender.delivered).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(batcher.stats).toMatchObject({ sentItems: 5, droppedItems: 0 });
  });
});

describe('at exit', () => {
  it('keeps sending until the exit deadline, then gives up on everything pending at once and counts it', async () => {
    // The server never answers the first request: it stays in flight until aborted.
    const hang = () => new Promise<void>(() => undefined);
    const sender = new FakeSender([hang], noAnswer());
    const batcher = new CallBatcher(sender, { ...OPTIONS, maxBatchItems: 4, maxConcurrentRequests: 1 });
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) batcher.enqueue(id, 'start');
    await vi.advanceTimersByTimeAsync(5);
    expect(sender.sends.map((send) => send.request)).toEqual([['a', 'b']]);
    batcher.flushForExit();
    await vi.advanceTimersByTimeAsync(OPTIONS.exitFlushTimeoutMs - 1);
    expect(batcher.pending).toBe(6);
    expect(sender.sends[0]?.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(sender.sends[0]?.signal.aborted).toBe(true);
    expect(batcher.pending).toBe(0);
    expect(batcher.stats).toMatchObject({ sentItems: 0, droppedItems: 6 });
    // No warning per batch: the one report at exit says it.
    expect(warn).not.toHaveBeenCalled();
    expect(takeUndeliveredReport()).toMatch(/^6 calls were not delivered/);
    // Nothing is sent after it gave up.
    const sends = sender.sends.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sender.sends).toHaveLength(sends);
  });

  it('ends the exit wait as soon as everything is sent, reporting nothing', async () => {
    const sender = new FakeSender([noAnswer()]);
    const batcher = new CallBatcher(sender, OPTIONS);
    batcher.enqueue('a', 'start');
    batcher.flushForExit();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sender.delivered).toEqual(['a']);
    expect(batcher.pending).toBe(0);
    // The deadline timer was cleared: no timer is left to keep the process alive.
    expect(vi.getTimerCount()).toBe(0);
    expect(takeUndeliveredReport()).toBeUndefined();
  });
});
