/**
 * The batcher with a spill (the disk spool's place in it), on vitest's fake clock with a fake
 * sender and an in-memory spill: what would be dropped is spilled instead, a backlog is spilled
 * before the queue fills, everything pending is spilled synchronously at exit, and a request is
 * never kept twice.
 */
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import {
  type BatcherOptions,
  type BatchSink,
  type BatchSpill,
  CallBatcher,
  DEFAULT_BATCHER_OPTIONS,
  type SpilledRequest,
} from './batcher.js';
import { takeUndeliveredReport } from './process-exit.js';
import { TraceServerError } from './trace-server.js';

type Request = readonly string[];

/** Keeps spilled requests in memory; `refuse` makes it fail, `hold` keeps writes pending. */
class FakeSpill implements BatchSpill<Request> {
  readonly kept: Request[] = [];
  readonly keptAtExit: Request[] = [];
  readonly discarded: Request[] = [];
  refuse = false;
  hold = false;
  private readonly held: Array<() => void> = [];

  write(request: Request): Promise<SpilledRequest | undefined> {
    if (this.refuse) return Promise.resolve(undefined);
    const file: SpilledRequest = {
      commit: () => {
        this.kept.push(request);
        return true;
      },
      discard: () => {
        this.discarded.push(request);
      },
    };
    if (!this.hold) return Promise.resolve(file);
    return new Promise((resolve) => this.held.push(() => resolve(file)));
  }

  writeNow(request: Request): boolean {
    if (this.refuse) return false;
    this.keptAtExit.push(request);
    return true;
  }

  finishWrites(): void {
    for (const finish of this.held.splice(0)) finish();
  }
}

class FakeSender implements BatchSink<string, Request> {
  readonly sends: Request[] = [];
  readonly lostRequests: Request[] = [];
  recoveries = 0;

  constructor(
    readonly spill: FakeSpill,
    private readonly answers: Array<'ok' | TraceServerError> = [],
    private readonly then: 'ok' | TraceServerError = noAnswer(),
  ) {}

  sizeOf(): number {
    return 100;
  }
  partsOf(): number {
    return 1;
  }
  prepare(items: readonly string[]): Request[] {
    return [[...items]];
  }
  partsIn(request: Request): number {
    return request.length;
  }
  async send(request: Request): Promise<void> {
    this.sends.push(request);
    const answer = this.answers.shift() ?? this.then;
    if (answer instanceof TraceServerError) throw answer;
  }
  split(): Request[] | undefined {
    return undefined;
  }
  discard(): void {}
  lost(request: Request): void {
    this.lostRequests.push(request);
  }
  recovered(): void {
    this.recoveries += 1;
  }
}

function noAnswer() {
  return new TraceServerError('POST /call/upsert_batch failed: ECONNREFUSED', undefined);
}

const OPTIONS: BatcherOptions = {
  ...DEFAULT_BATCHER_OPTIONS,
  flushIntervalMs: 200,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 1_000,
  maxRetryMs: 10_000,
  exitFlushTimeoutMs: 3_000,
};

const ids = (count: number, prefix = 'c') => Array.from({ length: count }, (_, index) => `${prefix}${index}`);
const flat = (requests: readonly Request[]) => requests.flat();

/** Retry waits at the top of their jitter range: the sends' times are known. */
const JITTER = () => 0.99;

let warn: MockInstance<typeof console.warn>;
let clockStart = Date.UTC(2031, 0, 1);

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

describe('a batcher with a spill', () => {
  it('spills a batch out of retries instead of dropping it, and a flush still ends', async () => {
    const spill = new FakeSpill();
    const sender = new FakeSender(spill);
    const batcher = new CallBatcher(sender, OPTIONS, JITTER);
    for (const id of ids(3)) batcher.enqueue(id, 'start');
    const flushed = batcher.flush();
    await vi.advanceTimersByTimeAsync(11_000);
    await flushed;
    expect(spill.kept).toEqual([ids(3)]);
    expect(sender.lostRequests).toEqual([]);
    expect(batcher.stats).toMatchObject({ droppedItems: 0, spooledItems: 3 });
    expect(batcher.pending).toBe(0);
    expect(takeUndeliveredReport()).toBeUndefined();
  });

  it('drops and counts as before when the spill cannot take a request', async () => {
    const spill = new FakeSpill();
    spill.refuse = true;
    const sender = new FakeSender(spill);
    const batcher = new CallBatcher(sender, OPTIONS, JITTER);
    for (const id of ids(2)) batcher.enqueue(id, 'start');
    await vi.advanceTimersByTimeAsync(11_000);
    expect(sender.lostRequests).toEqual([ids(2)]);
    expect(batcher.stats).toMatchObject({ droppedItems: 2, spooledItems: 0 });
  });

  it('moves the backlog to the spill before the queue fills while the server fails, and refuses nothing', async () => {
    const spill = new FakeSpill();
    const sender = new FakeSender(spill);
    const batcher = new CallBatcher(sender, { ...OPTIONS, maxQueueItems: 20, maxBatchItems: 4 }, JITTER);
    batcher.enqueue('first', 'start');
    // The first request is out and failing (retried for 10 s).
    await vi.advanceTimersByTimeAsync(250);
    expect(sender.sends).toEqual([['first']]);
    // Sixty calls, one per millisecond, three times what the queue holds.
    for (const id of ids(60)) {
      expect(batcher.enqueue(id, 'start')).toBe(true);
      await vi.advanceTimersByTimeAsync(1);
    }
    expect(batcher.stats.droppedItems).toBe(0);
    // What is not in flight stays under half the queue: the rest is in the spill, oldest first.
    expect(batcher.pending).toBeLessThanOrEqual(11);
    const spilled = flat(spill.kept);
    expect(spilled.length).toBeGreaterThanOrEqual(48);
    // Oldest first.
    const order = spilled.map((id) => Number(id.slice(1)));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // The requests in flight (the first, and a full batch beside it) are still being retried, not
    // spilled.
    const inFlight = new Set(flat(sender.sends));
    expect(inFlight.has('first')).toBe(true);
    expect(spilled.filter((id) => inFlight.has(id))).toEqual([]);
    expect(batcher.stats.spooledItems).toBe(spilled.length);
  });

  it('keeps a backlog in memory, as before, when the spill cannot take it', async () => {
    const spill = new FakeSpill();
    spill.refuse = true;
    const sender = new FakeSender(spill);
    const batcher = new CallBatcher(sender, { ...OPTIONS, maxQueueItems: 20, maxBatchItems: 4 }, JITTER);
    batcher.enqueue('first', 'start');
    await vi.advanceTimersByTimeAsync(250);
    const accepted = ids(30).filter((id) => batcher.enqueue(id, 'start'));
    await vi.advanceTimersByTimeAsync(1);
    // Starts are refused at 90% of the queue (18 parts), as without a spill.
    expect(accepted).toHaveLength(17);
    expect(batcher.stats).toMatchObject({ droppedItems: 13, spooledItems: 0 });
  });

  it('spills everything still pending at the exit deadline, synchronously, and reports nothing lost', async () => {
    const spill = new FakeSpill();
    const sender = new FakeSender(spill);
    const batcher = new CallBatcher(sender, { ...OPTIONS, maxBatchItems: 4 }, JITTER);
    for (const id of ids(3)) batcher.enqueue(id, 'start');
    await vi.advanceTimersByTimeAsync(250);
    // One request in flight (retried), then more queued behind it.
    for (const id of ids(5, 'late')) batcher.enqueue(id, 'start');
    batcher.flushForExit();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(flat(spill.keptAtExit).sort()).toEqual([...ids(3), ...ids(5, 'late')].sort());
    expect(batcher.stats).toMatchObject({ droppedItems: 0, spooledItems: 8 });
    expect(batcher.pending).toBe(0);
    expect(takeUndeliveredReport()).toBeUndefined();
  });

  it('keeps a request once when the process exits while its spill is being written', async () => {
    const spill = new FakeSpill();
    spill.hold = true;
    const sender = new FakeSender(spill);
    const batcher = new CallBatcher(sender, OPTIONS, JITTER);
    for (const id of ids(2)) batcher.enqueue(id, 'start');
    // Out of retries: its spill is being written.
    await vi.advanceTimersByTimeAsync(11_000);
    expect(spill.kept).toEqual([]);
    batcher.abandon();
    expect(spill.keptAtExit).toEqual([ids(2)]);
    // The write started before finishes: not wanted any more, so removed, not kept.
    spill.finishWrites();
    await vi.advanceTimersByTimeAsync(1);
    expect(spill.kept).toEqual([]);
    expect(spill.discarded).toEqual([ids(2)]);
    expect(batcher.stats).toMatchObject({ droppedItems: 0, spooledItems: 2 });
  });

  it('asks for the spill to be sent when the server answers again after failing, not before', async () => {
    const spill = new FakeSpill();
    const sender = new FakeSender(spill, ['ok', noAnswer(), noAnswer(), 'ok'], 'ok');
    const batcher = new CallBatcher(sender, OPTIONS, JITTER);
    batcher.enqueue('a', 'start');
    await vi.advanceTimersByTimeAsync(250);
    expect(sender.recoveries).toBe(0);
    batcher.enqueue('b', 'start');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sender.sends).toEqual([['a'], ['b'], ['b'], ['b']]);
    expect(sender.recoveries).toBe(1);
  });
});
