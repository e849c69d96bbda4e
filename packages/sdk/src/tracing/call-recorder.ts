/**
 * The life of the calls a client records: starting them (by hand or for an op), finishing them
 * with their output or exception, rolling summaries up into running parents, and handing each
 * part to the background sender. This is the tracing hot path: every op call passes here twice.
 */

import type { WeaveClient } from '../client/weave-client.js';
import { warnOnce } from '../logger.js';
import type { ObjectSaver } from '../objects/object-saver.js';
import {
  type JsonValue,
  plainPrimitiveBytes,
  type Serialized,
  type SerializeOptions,
  serialize,
} from '../serialize/serialize.js';
import type { CallBatcher } from '../transport/batcher.js';
import type { CallRequest } from '../transport/call-requests.js';
import { WEFT_SDK_VERSION } from '../version.js';
import { Call, type CallInit, LEAF_ERROR, LEAF_SUCCESS } from './call.js';
import { nowMs } from './clock.js';
import {
  type Attributes,
  attributesOf,
  type ContextStore,
  callOf,
  contextStorage,
  outsideCalls,
  popCall,
  pushCall,
} from './context.js';
import { newId } from './ids.js';
import { type OpState, opRef, resolveOpState } from './op-state.js';
import { finishedSummary, leafSummary, type SummaryMap, sumDictLeaves, usageFromOutput } from './summary.js';

export interface CreateCallOptions {
  /** The parent call; by default the call running in this context, if any. */
  parent?: Call | null;
  attributes?: Record<string, unknown>;
  displayName?: string | ((call: Call) => string);
  /** Make the new call the current one for code that runs after this (default true). */
  useStack?: boolean;
}

export interface FinishCallOptions {
  exception?: unknown;
  /** Accepted for Weave compatibility. */
  op?: unknown;
}

/**
 * What every call this process starts is made from, filled in anew each time: the Call
 * constructor copies what it needs and keeps nothing, and an object per call would be garbage.
 */
const STARTING: CallInit = {
  id: '',
  project_id: '',
  op_name: '',
  trace_id: '',
  parent_id: null,
  display_name: null,
  attributes: {},
  inputs: {},
  startedAtMicros: 0,
};

/** Rough size of a start or end record beyond its inputs/output, for the queue's byte bound. */
const RECORD_OVERHEAD_BYTES = 400;

const SDK_ATTRIBUTES = Object.freeze({ client_version: WEFT_SDK_VERSION, source: 'weft-js-sdk' });
const BASE_ATTRIBUTES: Attributes = Object.freeze({ weave: SDK_ATTRIBUTES });
/** Longest exception text kept; a stack trace beyond this is cut. */
const MAX_EXCEPTION_CHARS = 16 * 1024;

/** The exception text a failed call records: the stack when there is one (it starts with name and message). */
function formatException(error: unknown): string {
  let text: string;
  try {
    text = error instanceof Error ? String(error.stack ?? `${error.name}: ${error.message}`) : String(error);
  } catch {
    text = 'unprintable exception';
  }
  return text.length > MAX_EXCEPTION_CHARS ? `${text.slice(0, MAX_EXCEPTION_CHARS)}…[truncated]` : text;
}

/** Numbers recorders for `OpState.saveAskedBy` (a number, so an op keeps no old client alive). */
let recorders = 0;

export class CallRecorder {
  private readonly wireAttributes = new WeakMap<Attributes, Attributes>();
  private readonly recorderNumber = ++recorders;
  /** Inputs or outputs that were cut to fit the size cap. */
  truncatedValues = 0;

  constructor(
    private readonly client: WeaveClient,
    private readonly projectId: string,
    private readonly saver: ObjectSaver,
    private readonly batcher: CallBatcher<Call, CallRequest>,
    private readonly serializeOptions: SerializeOptions,
  ) {}

  /** Starts a call by hand (for code that cannot be wrapped with `op`). Finish it with `finishCall`. */
  createCall(op: unknown, inputs: Record<string, unknown>, options: CreateCallOptions = {}): Call {
    try {
      return this.createCallOrThrow(op, inputs, options);
    } catch (error) {
      // Tracing trouble must not reach user code: hand back a call that is simply not recorded.
      this.client.noteInternalError('creating a call failed', error);
      const call = new Call(
        {
          id: newId(nowMs()),
          project_id: this.projectId,
          op_name: typeof op === 'string' ? op : 'unknown',
          trace_id: newId(nowMs()),
          parent_id: null,
          display_name: null,
          attributes: {},
          inputs: {},
          startedAtMicros: Math.round(nowMs() * 1000),
        },
        this.client,
      );
      call._dropped = true;
      return call;
    }
  }

  private createCallOrThrow(op: unknown, inputs: Record<string, unknown>, options: CreateCallOptions): Call {
    const store = contextStorage.getStore();
    const state = resolveOpState(op);
    const parent = options.parent === undefined ? callOf(store) : (options.parent ?? undefined);
    let attributes = attributesOf(store);
    if (options.attributes) {
      const own = serialize(options.attributes).value as Record<string, JsonValue>;
      attributes = Object.freeze({ ...(attributes ?? {}), ...own });
    }
    const serialized = serialize(inputs, this.serializeOptions);
    const call = this.beginCall(
      state,
      serialized.value as Record<string, JsonValue>,
      serialized,
      parent,
      attributes,
      options.displayName,
    );
    // Code after this, in this flow, runs "inside" the call until it finishes (see pushCall).
    if (options.useStack ?? true) pushCall(call);
    return call;
  }

  /** Ends a call with its output, or with `exception` when it failed. Finishing twice does nothing. */
  finishCall(call: Call, output?: unknown, options: FinishCallOptions = {}): void {
    this.endCall(
      call,
      output,
      options.exception !== undefined && options.exception !== null,
      options.exception,
    );
  }

  failCall(call: Call, error: unknown): void {
    this.finishCall(call, undefined, { exception: error ?? new Error('call failed') });
  }

  /** Starts a call for an op invocation; the op wrapper runs the function. */
  startOpCall(state: OpState, args: readonly unknown[], store: ContextStore | undefined): Call {
    const serialized = state.serializeArgs(args, this.serializeOptions);
    return this.beginCall(
      state,
      serialized.value as Record<string, JsonValue>,
      serialized,
      callOf(store),
      attributesOf(store),
      state.callDisplayName,
    );
  }

  private beginCall(
    state: OpState,
    inputs: Record<string, JsonValue>,
    serialized: { bytes: number; truncated: boolean },
    parent: Call | undefined,
    attributes: Attributes | undefined,
    displayName: string | ((call: Call) => string) | undefined,
  ): Call {
    if (serialized.truncated) this.noteTruncated();
    const time = nowMs();
    const opName = opRef(state, this.projectId);
    this.saveOp(state, opName);
    const init = STARTING;
    init.id = newId(time);
    init.project_id = this.projectId;
    init.op_name = opName;
    init.trace_id = parent ? parent.trace_id : newId(time);
    init.parent_id = parent ? parent.id : null;
    init.display_name = typeof displayName === 'string' ? displayName : null;
    init.attributes = this.attributesForWire(attributes);
    init.inputs = inputs;
    init.startedAtMicros = Math.round(time * 1000);
    const call = new Call(init, this.client);
    call._funcName = state.name;
    call._contextAttributes = attributes;
    if (parent && !parent._ended) call._parent = parent;
    if (typeof displayName === 'function') {
      try {
        call._displayName = displayName(call);
      } catch (error) {
        this.client.noteInternalError('callDisplayName threw', error);
      }
    }
    call._queuedBytes = serialized.bytes + RECORD_OVERHEAD_BYTES;
    if (!this.batcher.enqueue(call, 'start')) call._dropped = true;
    return call;
  }

  /** Ends a call (from the op wrapper or finishCall); never throws. */
  endCall(call: Call, output: unknown, failed: boolean, error?: unknown): void {
    if (call._ended) return;
    call._ended = true;
    // A call createCall made current stops being current (and held by the context) here.
    if (call._stackEntry !== undefined) popCall(call);
    try {
      const endedAtMicros = Math.round(nowMs() * 1000);
      let outputValue: JsonValue = null;
      let outputBytes = 0;
      if (!failed) {
        // Most outputs are a number or a short string: taken as they are, with no result object.
        const plainBytes = plainPrimitiveBytes(output, this.serializeOptions.maxBytes);
        if (plainBytes >= 0) {
          outputValue = output as JsonValue;
          outputBytes = plainBytes;
        } else if (output !== undefined) {
          const serialized = serialize(output, this.serializeOptions);
          if (serialized.truncated) this.noteTruncated();
          outputValue = serialized.value;
          outputBytes = serialized.bytes;
        }
      }
      const written = call._summary;
      const leaf = call._childSummaries === undefined && (written === undefined || isEmpty(written));
      let summary: SummaryMap;
      if (leaf && usageFromOutput(outputValue) === undefined) {
        // Only the call's own status count: the object is made if someone asks for it.
        call._summary = undefined;
        call._leafStatus = failed ? LEAF_ERROR : LEAF_SUCCESS;
        summary = failed ? LEAF_ERROR_SUMMARY : LEAF_SUCCESS_SUMMARY;
      } else {
        summary = leaf
          ? leafSummary(outputValue, failed)
          : finishedSummary({
              userSummary:
                written === undefined || isEmpty(written) ? {} : (serialize(written).value as SummaryMap),
              childSummaries: call._childSummaries ?? [],
              output: outputValue,
              failed,
            });
        call.summary = summary;
      }
      call.output = outputValue;
      call.exception = failed ? formatException(error) : null;
      call._endedAtMicros = endedAtMicros;
      call._childSummaries = undefined;
      reportToParent(call, summary);
      if (call._dropped) return;
      const endBytes = outputBytes + (call.exception?.length ?? 0) + RECORD_OVERHEAD_BYTES;
      if (call._startTaken || call._client !== this.client) {
        // The start already went out (or is not this client's to send): the end travels alone.
        call._queuedBytes = endBytes;
        call._endQueued = this.batcher.enqueue(call, 'end');
      } else {
        // The start is still queued: the end rides with it in the same batch.
        call._queuedBytes += endBytes;
        call._endQueued = this.batcher.join(endBytes);
        if (!call._endQueued) call._queuedBytes -= endBytes;
      }
    } catch (caught) {
      this.client.noteInternalError('finishing a call failed', caught);
    }
  }

  /**
   * Has the op version saved (in the background; the saver skips versions saved or being saved).
   * The first ask per version and recorder starts the save, whose promise the saver keeps: it is
   * made outside any call, so it keeps no call alive (see outsideCalls). Later asks cost two
   * comparisons more than asking directly.
   */
  private saveOp(state: OpState, opName: string): void {
    if (state.saveAskedBy === this.recorderNumber && state.saveAskedRef === opName) {
      this.saver.ensureOpSaved(state, opName);
      return;
    }
    state.saveAskedBy = this.recorderNumber;
    state.saveAskedRef = opName;
    outsideCalls(() => this.saver.ensureOpSaved(state, opName));
  }

  /** A value serialized with this client's size cap (generator yields). */
  serializeValue(value: unknown): Serialized {
    return serialize(value, this.serializeOptions);
  }

  get maxValueBytes(): number {
    return this.serializeOptions.maxBytes;
  }

  private attributesForWire(attributes: Attributes | undefined): Attributes {
    if (!attributes) return BASE_ATTRIBUTES;
    let merged = this.wireAttributes.get(attributes);
    if (!merged) {
      const userWeave = attributes.weave;
      const weave =
        typeof userWeave === 'object' && userWeave !== null && !Array.isArray(userWeave)
          ? { ...userWeave, ...SDK_ATTRIBUTES }
          : SDK_ATTRIBUTES;
      merged = Object.freeze({ ...attributes, weave });
      this.wireAttributes.set(attributes, merged);
    }
    return merged;
  }

  noteTruncated(): void {
    this.truncatedValues += 1;
    warnOnce(
      'value-truncated',
      `an input or output was larger than ${this.serializeOptions.maxBytes} bytes and was truncated ` +
        '(client.stats.truncatedValues counts them)',
    );
  }
}

/** What a leaf call reports to its parent (summing reads summaries, never changes them). */
const LEAF_SUCCESS_SUMMARY = Object.freeze({
  status_counts: Object.freeze({ success: 1, error: 0 }),
}) as SummaryMap;
const LEAF_ERROR_SUMMARY = Object.freeze({
  status_counts: Object.freeze({ success: 0, error: 1 }),
}) as SummaryMap;

/** Children's summaries waiting to be summed into a running parent; folded when this many pile up. */
const MAX_PENDING_CHILD_SUMMARIES = 64;

/** A finished call's summary goes to its still-running parent, which sums them when it ends. */
function reportToParent(call: Call, summary: SummaryMap): void {
  const parent = call._parent;
  call._parent = undefined;
  if (!parent || parent._ended) return;
  parent._childSummaries ??= [];
  parent._childSummaries.push(summary);
  // A long-lived parent (a server loop, an agent) must not hold every child's summary.
  if (parent._childSummaries.length >= MAX_PENDING_CHILD_SUMMARIES) {
    parent._childSummaries = [sumDictLeaves(parent._childSummaries)];
  }
}

function isEmpty(object: object): boolean {
  for (const _ in object) return false;
  return true;
}
