/**
 * The batcher's sink for calls: encodes taken calls into requests (call-requests.ts) and sends
 * them by their route. Ended calls go as complete items to `/v2/{entity}/{project}/calls/complete`
 * (docs/protocol.md §3.4), as today's Weave clients send them, which halves what the server reads
 * per call; refused items are counted from the answer's `errors` (§3.3). A server without that
 * route (a 404: weft before the v2 routes, or another older server) gets the same calls as start
 * and end items on `/call/upsert_batch`, and this sender remembers not to try the v2 route again.
 */
import type { CallBatchItemError, CallCreateBatchReq } from '@weft/protocol';
import { warnAtMostEvery, warnOnce } from '../logger.js';
import type { Call } from '../tracing/call.js';
import { queuedParts } from './batch-encoding.js';
import type { BatchSink } from './batcher.js';
import {
  asUpsertRequest,
  buildRequests,
  type CallRequest,
  refusedParts,
  splitRequest,
} from './call-requests.js';
import { type TraceServer, TraceServerError } from './trace-server.js';

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

  constructor(
    private readonly server: TraceServer,
    private readonly hooks: CallSenderHooks,
  ) {
    this.useCompleteRoute = typeof server.callsCompleteEncoded === 'function';
    this.onEncodingError = (error) => hooks.onError('encoding a call failed', error);
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
    return buildRequests(calls, {
      complete: this.useCompleteRoute,
      bytesHint: bytes,
      onError: this.onEncodingError,
    });
  }

  partsIn(request: CallRequest): number {
    return request.parts;
  }

  split(request: CallRequest): CallRequest[] | undefined {
    return splitRequest(request);
  }

  discard(call: Call): void {
    call._dropped = true;
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
