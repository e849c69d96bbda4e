import { describe, expect, it } from 'vitest';
import { type BatchSink, CallBatcher, DEFAULT_BATCHER_OPTIONS } from './batcher.js';

/** Items are numbers, each one call part; a request is the list of its items. */
class HeldSink implements BatchSink<number, number[]> {
  /** Requests sent and not yet answered, with the function that answers them. */
  readonly open: Array<{ items: number[]; answer: () => void }> = [];
  readonly sent: number[][] = [];

  sizeOf(): number {
    return 100;
  }
  partsOf(): number {
    return 1;
  }
  prepare(items: readonly number[]): number[][] {
    return [[...items]];
  }
  partsIn(request: number[]): number {
    return request.length;
  }
  send(request: number[]): Promise<void> {
    this.sent.push(request);
    return new Promise((resolve) => this.open.push({ items: request, answer: resolve }));
  }
  split(): undefined {
    return undefined;
  }
  discard(): void {}

  /** Answers the oldest open request. */
  answerOldest(): void {
    this.open.shift()?.answer();
  }
}

/** Lets the batcher's timers, immediates and promise chains run. */
const settle = async () => {
  for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
};

function batcher(sink: HeldSink): CallBatcher<number, number[]> {
  // Batches of 4 parts (two items: each item may carry two parts); no flush timer to speak of.
  return new CallBatcher(sink, { ...DEFAULT_BATCHER_OPTIONS, maxBatchItems: 4, flushIntervalMs: 60_000 });
}

describe('requests in flight', () => {
  it('sends a second request beside the one in flight only for a full batch, and never a third', async () => {
    const sink = new HeldSink();
    const sending = batcher(sink);
    for (let item = 0; item < 12; item++) sending.enqueue(item, 'start');
    await settle();
    // Six full batches waited: two went out; the others wait, already encoded.
    expect(sink.sent).toEqual([
      [0, 1],
      [2, 3],
    ]);
    sink.answerOldest();
    await settle();
    expect(sink.sent).toHaveLength(3);
    expect(sink.open).toHaveLength(2);
    while (sink.open.length > 0) {
      sink.answerOldest();
      await settle();
    }
    expect(sink.sent.flat()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(sending.stats).toMatchObject({ sentItems: 12, droppedItems: 0 });
  });

  it('keeps calls that do not fill a batch for after the request in flight, and sends them together', async () => {
    const sink = new HeldSink();
    const sending = batcher(sink);
    sending.enqueue(0, 'start');
    const flushed = sending.flush();
    await settle();
    expect(sink.sent).toEqual([[0]]);
    sending.enqueue(1, 'start');
    sending.enqueue(2, 'start');
    void sending.flush();
    await settle();
    // Not a full batch: no second request while the first is out.
    expect(sink.sent).toEqual([[0]]);
    sink.answerOldest();
    await flushed;
    await settle();
    expect(sink.sent).toEqual([[0], [1, 2]]);
    sink.answerOldest();
    await settle();
    expect(sending.pending).toBe(0);
  });
});
