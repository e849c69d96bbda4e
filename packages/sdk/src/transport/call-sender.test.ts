/**
 * The call sender as the batcher's sink: it counts each call it gave up on once, whichever of the
 * call's parts were lost and in whatever order; and a retried request is the same bytes, so the
 * server stores each call once. Fake servers only (no network).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WeaveClient } from '../client/weave-client.js';
import { Call } from '../tracing/call.js';
import { type CallRequest, itemId } from './call-requests.js';
import { CallSender } from './call-sender.js';
import { takeUndeliveredReport } from './process-exit.js';
import { type TraceServer, TraceServerError } from './trace-server.js';
import { UndeliveredCalls } from './undelivered-calls.js';

const ATTRIBUTES = Object.freeze({
  weave: Object.freeze({ client_version: '0.1.0', source: 'weft-js-sdk' }),
});
let serial = 0;

/** A call as the client leaves it in the queue: started, and ended unless `running`. */
function queued(options: { running?: boolean } = {}): Call {
  serial += 1;
  const id = `0190a000-0000-7000-8000-${String(serial).padStart(12, '0')}`;
  const call = new Call({
    id,
    project_id: 'tests/sender',
    op_name: 'weave:///tests/sender/op/step:abc',
    trace_id: id,
    parent_id: null,
    display_name: null,
    attributes: ATTRIBUTES,
    inputs: { n: serial },
    startedAtMicros: 1_764_720_000_000_000 + serial,
  });
  if (!options.running) end(call);
  return call;
}

/** Ends a call as the recorder does: its end queued (with its start, or on its own). */
function end(call: Call, queuedEnd = true): void {
  call.output = serial;
  call.summary = { status_counts: { success: 1, error: 0 } };
  call._endedAtMicros = call._startedAtMicros + 500;
  call._endQueued = queuedEnd;
}

function sender(): CallSender {
  const server = { callsCompleteEncoded: async () => ({}), callUpsertBatchEncoded: async () => ({}) };
  return new CallSender(server as unknown as TraceServer, {
    beforeSend: async () => undefined,
    onError: (_what, error) => expect.fail(String(error)),
  });
}

const only = (requests: CallRequest[]): CallRequest => {
  expect(requests).toHaveLength(1);
  return requests[0] as CallRequest;
};

describe('counting undelivered calls', () => {
  it('counts a complete item lost as one call, and a call refused at its start as one', () => {
    const sending = sender();
    sending.lost(only(sending.prepare([queued(), queued(), queued()], 0)));
    expect(sending.undelivered).toBe(3);
    sending.refused(queued({ running: true }), 'start');
    expect(sending.undelivered).toBe(4);
  });

  it('counts a call once when its start is lost in flight and its end is dropped from the queue, in either order', () => {
    const sending = sender();
    // The start went out while the call ran; its end was queued on its own afterwards.
    const first = queued({ running: true });
    const firstStart = only(sending.prepare([first], 0));
    end(first);
    sending.lost(firstStart);
    sending.discard(first);
    expect(sending.undelivered).toBe(1);

    const second = queued({ running: true });
    const secondStart = only(sending.prepare([second], 0));
    end(second);
    sending.discard(second);
    sending.lost(secondStart);
    expect(sending.undelivered).toBe(2);

    // Both halves lost as requests: the start, then the end on its own.
    const third = queued({ running: true });
    const thirdStart = only(sending.prepare([third], 0));
    end(third);
    const thirdEnd = only(sending.prepare([third], 0));
    sending.lost(thirdEnd);
    sending.lost(thirdStart);
    expect(sending.undelivered).toBe(3);
  });

  it('counts a call whose end the full queue refused once, whether its start is later sent or lost', () => {
    const sending = sender();
    const sentStart = queued({ running: true });
    // The end could not join its start in the full queue.
    end(sentStart, false);
    only(sending.prepare([sentStart], 0));
    expect(sending.undelivered).toBe(1);
    const lostStart = queued({ running: true });
    end(lostStart, false);
    sending.lost(only(sending.prepare([lostStart], 0)));
    expect(sending.undelivered).toBe(2);
    // Its end refused on its own (the start had gone out), then its start lost.
    const refusedEnd = queued({ running: true });
    const start = only(sending.prepare([refusedEnd], 0));
    end(refusedEnd, false);
    sending.refused(refusedEnd, 'end');
    sending.lost(start);
    expect(sending.undelivered).toBe(3);
  });

  it('counts a call dropped from the queue before its start went out as one, and forgets it', () => {
    const sending = sender();
    const running = queued({ running: true });
    sending.discard(running);
    expect(sending.undelivered).toBe(1);
    expect(running._dropped).toBe(true);
  });

  it('reads the id of every kind of item back from the request bytes', () => {
    const sending = sender();
    const running = queued({ running: true });
    const ended = queued();
    const earlier = queued();
    earlier._startTaken = true;
    const requests = sending.prepare([running, ended, earlier], 0);
    const ids = requests.flatMap((request) =>
      Array.from({ length: request.count }, (_, index) => itemId(request, index)),
    );
    expect(ids.sort()).toEqual([running.id, ended.id, earlier.id].sort());
  });

  it('stops remembering half-lost calls past its bound, oldest first', () => {
    const counted = new UndeliveredCalls(2);
    counted.half('a');
    counted.half('b');
    counted.half('c');
    // 'a' was forgotten: its other half counts again; 'c' was not.
    counted.half('c');
    counted.half('a');
    expect(counted.count).toBe(4);
  });
});

describe('retried requests', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    takeUndeliveredReport();
  });

  it('sends the same bytes again after a failure, so every call is stored once', async () => {
    vi.useFakeTimers();
    // This fake server stores no op versions: the SDK's warning that it could not save one is expected.
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const bodies: Buffer[] = [];
    const stored = new Map<string, number>();
    let failures = 2;
    const server = {
      callsCompleteEncoded: async (_project: string, body: Uint8Array) => {
        bodies.push(Buffer.from(body));
        if (failures-- > 0)
          throw new TraceServerError('POST /v2/tests/retry/calls/complete returned 503', 503);
        for (const item of JSON.parse(Buffer.from(body).toString('utf8')).batch as Array<{ id: string }>) {
          stored.set(item.id, (stored.get(item.id) ?? 0) + 1);
        }
        return {};
      },
      callUpsertBatchEncoded: async () => expect.fail('every call ended before its batch went out'),
    };
    const client = new WeaveClient('tests', 'retry', server as unknown as TraceServer, {
      batch: { flushIntervalMs: 100, retryBaseDelayMs: 100 },
    });
    const ids = Array.from({ length: 5 }, (_, index) => {
      const call = client.createCall('step', { index }, { useStack: false });
      client.finishCall(call, index);
      return call.id;
    });
    const flushed = client.flush();
    await vi.advanceTimersByTimeAsync(5_000);
    await flushed;
    expect(bodies).toHaveLength(3);
    expect(bodies[1]?.equals(bodies[0] as Buffer)).toBe(true);
    expect(bodies[2]?.equals(bodies[0] as Buffer)).toBe(true);
    expect([...stored.keys()].sort()).toEqual([...ids].sort());
    expect([...stored.values()]).toEqual([1, 1, 1, 1, 1]);
    expect(client.stats).toMatchObject({ sentItems: 10, droppedItems: 0, retries: 2, undeliveredCalls: 0 });
  });
});
