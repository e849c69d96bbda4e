/**
 * The batcher's sink for calls: encodes taken calls into requests (call-requests.ts) and sends
 * them by their route. Ended calls go as complete items to `/v2/{entity}/{project}/calls/complete`
 * (docs/protocol.md §3.4), as today's Weave clients send them, which halves what the server reads
 * per call; refused items are counted from the answer's `errors` (§3.3). A server without that
 * route (a 404: weft before the v2 routes, or another older server) gets the same calls as start
 * and end items on `/call/upsert_batch`, and this sender remembers not to try the v2 route again.
 * With a spool (call-spool.ts), requests it cannot deliver are kept on disk in the form they
 * would be sent now.
 */
import type { CallBatchItemError, CallCreateBatchReq } from '@weft/protocol';
import { warnAtMostEvery, warnOnce } from '../logger.js';
import type { Call } from '../tracing/call.js';
import { queuedParts } from './batch-encoding.js';
import type { BatchSink, BatchSpill } from './batcher.js';
import {
  asUpsertRequest,
  buildRequests,
  type CallRequest,
  COMPLETE,
  itemId,
  refusedParts,
  splitRequest,
} from './call-requests.js';
import type { CallSpool } from './call-spool.js';
import { type TraceServer, TraceServerError } from './trace-server.js';
import { UndeliveredCalls } from './undelivered-calls.js';

export interface CallSenderHooks {
  /** Waits for what must reach the server before calls do (the op versions they name). */
  beforeSend(signal: AbortSignal): Promise<void>;
  /** Tracing trouble inside the SDK (an unencodable call): counted, never thrown. */
  onError(what: string, error: unknown): void;
}

export class CallSender implements BatchSink<Call, CallRequest> {
  /** Call parts the server refused one by one while keeping the rest of their request. */
  rejectedParts = 0;
  /** Whether ended calls go to the v2 route; false for good after its first 404. */
  private useCompleteRoute: boolean;
  /** Complete requests rewritten for `/call/upsert_batch`, kept for their retries. */
  private readonly rewritten = new WeakMap<CallRequest, CallRequest>();
  private readonly onEncodingError: (error: unknown) => void;
  /** Calls with a part the batcher gave up on (queue full, out of retries, at exit), each once. */
  private readonly lostCalls = new UndeliveredCalls();
  private readonly onSkipped = (call: Call, start: boolean, end: boolean) => this.lostParts(call, start, end);
  readonly spill: BatchSpill<CallRequest> | undefined;

  constructor(
    private readonly server: TraceServer,
    private readonly hooks: CallSenderHooks,
    private readonly spool?: CallSpool,
  ) {
    this.useCompleteRoute = typeof server.callsCompleteEncoded === 'function';
    this.onEncodingError = (error) => hooks.onError('encoding a call failed', error);
    this.spill = spool && {
      write: (request) => spool.write(this.asSent(request)),
      writeNow: (request) => spool.writeNow(this.asSent(request)),
    };
  }

  recovered(): void {
    this.spool?.start();
  }

  /** The request as it would go out now: for a server without the v2 route, as starts and ends. */
  private asSent(request: CallRequest): CallRequest {
    if (request.route !== 'complete' || this.useCompleteRoute) return request;
    return this.rewritten.get(request) ?? asUpsertRequest(request);
  }

  /** Whether ended calls are sent as complete items (false once the server answered 404). */
  get completeRoute(): boolean {
    return this.useCompleteRoute;
  }

  sizeOf(call: Call): number {
    return call._queuedBytes;
  }

  partsOf(call: Call): number {
    return queuedParts(call);
  }

  prepare(calls: readonly Call[], bytes: number): CallRequest[] {
    for (const call of calls) {
      // An ended call whose start is taken only now, without its end: the full queue refused the
      // end when it tried to join its start (the batcher's `join` does not know the call).
      if (!call._startTaken && call._endedAtMicros !== null && !call._endQueued) this.lostCalls.half(call.id);
    }
    return buildRequests(calls, {
      complete: this.useCompleteRoute,
      bytesHint: bytes,
      onError: this.onEncodingError,
      onSkipped: this.onSkipped,
    });
  }

  get undelivered(): number {
    return this.lostCalls.count;
  }

  lost(request: CallRequest): void {
    for (let index = 0; index < request.count; index++) {
      if (request.kinds[index] === COMPLETE) this.lostCalls.whole();
      else this.lostCalls.half(itemId(request, index));
    }
  }

  refused(call: Call, part: 'start' | 'end'): void {
    // A refused start: the call is never sent (its end is not queued either).
    if (part === 'start') this.lostCalls.whole();
    else this.lostCalls.half(call.id);
  }

  partsIn(request: CallRequest): number {
    return request.parts;
  }

  split(request: CallRequest): CallRequest[] | undefined {
    return splitRequest(request);
  }

  discard(call: Call): void {
    // Its start not sent: the call is lost whole (an end it has is in this item, or was refused;
    // one to come is now not wanted). Its start sent earlier: this item was its end alone.
    if (!call._startTaken) this.lostCalls.whole();
    else this.lostCalls.half(call.id);
    call._dropped = true;
  }

  private lostParts(call: Call, start: boolean, end: boolean): void {
    if (start && end) this.lostCalls.whole();
    else if (start || end) this.lostCalls.half(call.id);
  }

  async send(request: CallRequest, signal: AbortSignal): Promise<void> {
    // Calls go out after the ops they name have been saved (or given up on; never for long).
    await this.hooks.beforeSend(signal);
    if (request.route === 'complete' && this.useCompleteRoute && this.server.callsCompleteEncoded) {
      try {
        const response = await this.server.callsCompleteEncoded(request.projectId, request.body, { signal });
        this.countRefused(request, response?.errors);
        return;
      } catch (error) {
        if (!(error instanceof TraceServerError && error.status === 404)) throw error;
        this.useCompleteRoute = false;
        warnOnce(
          'no-complete-route',
          'the trace server has no /v2/{entity}/{project}/calls/complete route (an older server); ' +
            'sending calls to /call/upsert_batch instead',
        );
      }
    }
    let upsert = request;
    if (request.route === 'complete') {
      upsert = this.rewritten.get(request) ?? asUpsertRequest(request);
      // Kept while the request lives: a retry sends the same bytes.
      this.rewritten.set(request, upsert);
    }
    this.countRefused(upsert, await this.sendUpsert(upsert, signal));
  }

  private async sendUpsert(
    request: CallRequest,
    signal: AbortSignal,
  ): Promise<CallBatchItemError[] | undefined> {
    const response = this.server.callUpsertBatchEncoded
      ? await this.server.callUpsertBatchEncoded(request.body, { signal })
      : await this.server.callUpsertBatch(JSON.parse(request.body.toString('utf8')) as CallCreateBatchReq);
    return response?.errors;
  }

  /** The server kept the rest of the request; the parts of the items it names are lost, so counted. */
  private countRefused(request: CallRequest, refused: readonly CallBatchItemError[] | undefined): void {
    if (!refused || refused.length === 0) return;
    const parts = refusedParts(
      request,
      refused.map((error) => error.index),
    );
    this.rejectedParts += parts;
    warnAtMostEvery(
      'items-rejected',
      60_000,
      `the server refused ${parts} call part(s) and kept the rest ` +
        `(client.stats.rejectedItems counts them): ${refused[0]?.reason ?? ''}`,
    );
  }
}
