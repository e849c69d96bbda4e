/**
 * WeaveClient: creates, finishes, reads, renames and deletes calls for one project (the seed's
 * `WeaveClient`). Call parts go to the server through the background batcher; reads go straight
 * to the server after pending writes have been sent, so a client always reads its own writes.
 */
import type { CallSchema, CallsFilter, CallsQueryReq, Query, SortBy } from '@weft/protocol';
import {
  type AddCostOptions,
  type AddCostResult,
  addCost,
  type Price,
  purgeCosts,
  type QueryCostsOptions,
  queryCosts,
} from '../costs/costs.js';
import { warnOnce } from '../logger.js';
import { deleteVersion, versionRef } from '../objects/object-deletion.js';
import { type GetOptions, loadRef } from '../objects/object-loader.js';
import { ObjectSaver } from '../objects/object-saver.js';
import type { ObjectRef, Ref } from '../objects/refs.js';
import { toRef } from '../objects/refs.js';
import {
  DEFAULT_SERIALIZE_OPTIONS,
  type JsonValue,
  plainPrimitiveBytes,
  type Serialized,
  type SerializeOptions,
  serialize,
} from '../serialize/serialize.js';
import { Call, type CallInit, LEAF_ERROR, LEAF_SUCCESS } from '../tracing/call.js';
import { nowMs } from '../tracing/clock.js';
import {
  type Attributes,
  attributesOf,
  type ContextStore,
  callOf,
  contextStorage,
  type Frame,
} from '../tracing/context.js';
import { newId } from '../tracing/ids.js';
import { type OpState, opRef, resolveOpState } from '../tracing/op-state.js';
import {
  finishedSummary,
  leafSummary,
  type SummaryMap,
  sumDictLeaves,
  usageFromOutput,
} from '../tracing/summary.js';
import {
  type BatcherOptions,
  type BatcherStats,
  CallBatcher,
  DEFAULT_BATCHER_OPTIONS,
} from '../transport/batcher.js';
import type { CallRequest } from '../transport/call-requests.js';
import { CallSender } from '../transport/call-sender.js';
import type { TraceServer } from '../transport/trace-server.js';
import { WEFT_SDK_VERSION } from '../version.js';
import { CallsIter } from './calls-iter.js';
import { afterCall, keysetPagingDirection, withScoredBy } from './calls-request.js';
import { FinishProgress, type FlushStatus } from './progress.js';
import { type QueryExpression, type QueryOperation, toQueryExpression } from './query.js';

export interface WeaveClientOptions {
  /** Accepted for Weave compatibility; a weft project needs no creating. */
  ensureProjectExists?: boolean;
  /** Tuning for the background sender. */
  batch?: Partial<BatcherOptions>;
  /** Inputs or outputs larger than this (encoded, approximately) are truncated with a marker. */
  maxValueBytes?: number;
  /**
   * How long a batch of calls waits for the op versions being saved in the background before it
   * goes out anyway (default 10 s).
   */
  opSaveWaitMs?: number;
}

export interface ClientStats extends BatcherStats {
  /** Call parts waiting to be sent or in flight. */
  pendingItems: number;
  /** Inputs or outputs that were cut to fit the size cap. */
  truncatedValues: number;
  /** Problems inside the SDK that tracing swallowed so user code could go on. */
  internalErrors: number;
  /** Op versions that could not be saved; their calls were still sent. */
  failedSaves: number;
  /** Call parts the server refused one by one while keeping the rest of their batch. */
  rejectedItems: number;
}

export interface SaveOptions {
  /** Accepted for Weave compatibility; weft keeps one line of versions per name. */
  branch?: string;
}

export type { GetOptions };

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

export interface GetCallOptions {
  includeCosts?: boolean;
  includeFeedback?: boolean;
  columns?: string[];
}

export interface GetCallsOptions {
  filter?: CallsFilter;
  limit?: number;
  offset?: number;
  sortBy?: SortBy[];
  /** Weave's Query language: the wire form `{ $expr: ... }`, or an operation built with `q`. */
  query?: Query | QueryExpression | QueryOperation;
  includeCosts?: boolean;
  includeFeedback?: boolean;
  columns?: string[];
  /** Scorer names or refs; only calls scored by all of them (needs server-side feedback). */
  scoredBy?: string | string[];
  /** Calls fetched per request (default 1000). */
  pageSize?: number;
}

export interface FinishOptions {
  /** Show a progress bar on a terminal while pending calls are sent (default true). */
  useProgressBar?: boolean;
  /** Receives flush progress instead of the progress bar. */
  callback?: (status: FlushStatus) => void;
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

const EMPTY_FRAME: Frame = Object.freeze({ call: undefined, attributes: undefined });
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

export class WeaveClient {
  readonly entity: string;
  readonly project: string;
  /** `entity/project`, as the protocol names projects. */
  readonly projectId: string;
  readonly server: TraceServer;
  private readonly batcher: CallBatcher<Call, CallRequest>;
  private readonly sender: CallSender;
  private readonly saver: ObjectSaver;
  private readonly serializeOptions: SerializeOptions;
  private readonly wireAttributes = new WeakMap<Attributes, Attributes>();
  private truncatedValues = 0;
  private internalErrors = 0;

  constructor(entity: string, project: string, server: TraceServer, options: WeaveClientOptions = {}) {
    if (!entity || !project || entity.includes('/') || project.includes('/')) {
      throw new Error(`a project is named entity/project, got ${JSON.stringify(`${entity}/${project}`)}`);
    }
    this.entity = entity;
    this.project = project;
    this.projectId = `${entity}/${project}`;
    this.server = server;
    this.saver = new ObjectSaver(this, options.opSaveWaitMs);
    this.serializeOptions = {
      ...DEFAULT_SERIALIZE_OPTIONS,
      maxBytes: options.maxValueBytes ?? DEFAULT_SERIALIZE_OPTIONS.maxBytes,
      // Published values and ops in inputs and outputs are recorded as their refs.
      refOf: this.saver.refFor,
    };
    this.sender = new CallSender(server, {
      beforeSend: (signal) => this.saver.saved(signal),
      onError: (what, error) => this.noteInternalError(what, error),
    });
    this.batcher = new CallBatcher(this.sender, { ...DEFAULT_BATCHER_OPTIONS, ...options.batch });
  }

  /** Call parts waiting to be sent or in flight. */
  get numOutstandingJobs(): number {
    return this.batcher.pending;
  }

  get stats(): ClientStats {
    return {
      ...this.batcher.stats,
      pendingItems: this.batcher.pending,
      truncatedValues: this.truncatedValues,
      internalErrors: this.internalErrors,
      failedSaves: this.saver.failedSaves,
      rejectedItems: this.sender.rejectedParts,
    };
  }

  // ---- creating and finishing calls ------------------------------------------------------------

  /** Starts a call by hand (for code that cannot be wrapped with `op`). Finish it with `finishCall`. */
  createCall(op: unknown, inputs: Record<string, unknown>, options: CreateCallOptions = {}): Call {
    try {
      return this.createCallOrThrow(op, inputs, options);
    } catch (error) {
      // Tracing trouble must not reach user code: hand back a call that is simply not recorded.
      this.noteInternalError('creating a call failed', error);
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
        this,
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
    if (options.useStack ?? true) {
      // Code after this, in this async context, runs "inside" the call until it finishes; after
      // that, context lookups step past it to what was current before (see callOf).
      call._stackParent = store ?? EMPTY_FRAME;
      contextStorage.enterWith(call);
    }
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
    if (call._stackParent && contextStorage.getStore() === call) {
      contextStorage.enterWith(call._stackParent);
    }
  }

  failCall(call: Call, error: unknown): void {
    this.finishCall(call, undefined, { exception: error ?? new Error('call failed') });
  }

  /** @internal Starts a call for an op invocation; the op wrapper runs the function. */
  _startOpCall(state: OpState, args: readonly unknown[], store: ContextStore | undefined): Call {
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
    if (serialized.truncated) this._noteTruncated();
    const time = nowMs();
    const opName = opRef(state, this.projectId);
    this.saver.ensureOpSaved(state, opName);
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
    const call = new Call(init, this);
    call._funcName = state.name;
    call._contextAttributes = attributes;
    if (parent && !parent._ended) call._parent = parent;
    if (typeof displayName === 'function') {
      try {
        call._displayName = displayName(call);
      } catch (error) {
        this.noteInternalError('callDisplayName threw', error);
      }
    }
    call._queuedBytes = serialized.bytes + RECORD_OVERHEAD_BYTES;
    if (!this.batcher.enqueue(call, 'start')) call._dropped = true;
    return call;
  }

  /** @internal Ends a call (from the op wrapper or finishCall); never throws. */
  endCall(call: Call, output: unknown, failed: boolean, error?: unknown): void {
    if (call._ended) return;
    call._ended = true;
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
          if (serialized.truncated) this._noteTruncated();
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
      if (call._startTaken || call._client !== this) {
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
      this.noteInternalError('finishing a call failed', caught);
    }
  }

  /** @internal A value serialized with this client's size cap (generator yields). */
  _serializeValue(value: unknown): Serialized {
    return serialize(value, this.serializeOptions);
  }

  /** @internal */
  get _maxValueBytes(): number {
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

  // ---- sending ---------------------------------------------------------------------------------

  /**
   * Resolves when every call part queued so far, and every op version being saved, has been sent
   * (or given up on). Never rejects.
   */
  async flush(): Promise<void> {
    await Promise.all([this.batcher.flush(), this.saver.saved()]);
  }

  /** Flushes, showing progress on a terminal (or reporting it to `callback`). */
  async finish(options: FinishOptions = {}): Promise<void> {
    const progress = new FinishProgress(() => this.numOutstandingJobs, options);
    try {
      await this.flush();
    } finally {
      progress.stop();
    }
  }

  // ---- reading ---------------------------------------------------------------------------------

  async getCall(id: string, options: GetCallOptions = {}): Promise<Call> {
    await this.flush();
    for await (const schema of this.server.callsQueryStream({
      project_id: this.projectId,
      filter: { call_ids: [id] },
      limit: 1,
      include_costs: options.includeCosts ?? false,
      include_feedback: options.includeFeedback ?? false,
      ...(options.columns ? { columns: options.columns } : {}),
    })) {
      return Call.fromSchema(schema, this);
    }
    throw new Error(`Call not found: ${id}`);
  }

  /** Same as `getCall` (Weave's `client.call`). */
  call(id: string, options: { includeCosts?: boolean } = {}): Promise<Call> {
    return this.getCall(id, options);
  }

  getCalls(options: GetCallsOptions = {}): CallsIter {
    const request: Omit<CallsQueryReq, 'limit' | 'offset'> = {
      project_id: this.projectId,
      filter: options.filter ?? {},
      include_costs: options.includeCosts ?? false,
      include_feedback: options.includeFeedback ?? false,
    };
    const query = withScoredBy(
      options.query === undefined
        ? undefined
        : (toQueryExpression(options.query as QueryExpression) as Query),
      options.scoredBy,
    );
    if (query) request.query = query;
    if (options.sortBy) request.sort_by = options.sortBy;
    if (options.columns) request.columns = options.columns;
    const keysetDirection = keysetPagingDirection(options.sortBy);
    return new CallsIter(
      {
        fetchPage: async ({ offset, after }, limit) => {
          await this.flush();
          // Past the first page, a start-time sort continues after the last call seen rather than
          // skipping an ever larger offset: each page costs the same, and calls logged meanwhile
          // cannot shift pages.
          const page =
            keysetDirection && after
              ? { ...request, query: afterCall(request.query, after, keysetDirection), offset: 0, limit }
              : { ...request, offset, limit };
          const calls: Call[] = [];
          for await (const schema of this.server.callsQueryStream(page)) {
            calls.push(Call.fromSchema(schema as CallSchema, this));
          }
          return calls;
        },
        countAll: async () => {
          await this.flush();
          const stats = await this.server.callsQueryStats({
            project_id: this.projectId,
            filter: request.filter ?? null,
            query: request.query ?? null,
          });
          return stats.count;
        },
      },
      { pageSize: options.pageSize ?? 1000, limit: options.limit, offset: options.offset ?? 0 },
    );
  }

  /** Same as `getCalls` (Weave's `client.calls`). */
  calls(options: { filter?: CallsFilter; includeCosts?: boolean } = {}): CallsIter {
    return this.getCalls(options);
  }

  // ---- objects and ops ------------------------------------------------------------------------

  /**
   * Saves `value` as a version of the object `name` (default: its `name` field, else its class)
   * and returns its ref. Ops are saved as op versions; a Dataset's rows become a table; ops,
   * Datasets and published classes inside the value are saved first and stored as refs. The same
   * content always gives the same digest. Afterwards the value, passed to an op, is recorded as
   * its ref (publish again after changing it).
   */
  publish(value: unknown, name?: string): Promise<ObjectRef> {
    return this.saver.publish(value, name);
  }

  /** Publishes and reads the version back (Weave's `client.save`; prefer `publish`). */
  async save(value: unknown, name: string, _options: SaveOptions = {}): Promise<unknown> {
    return this.get(await this.publish(value, name));
  }

  /** Reads a published version: a Ref, or a `weave:///` URI. See GetOptions for `objectify`. */
  async get(target: Ref | string, options: GetOptions = {}): Promise<unknown> {
    return loadRef(this.server, toRef(target), options);
  }

  /** Deletes one object version (a ref, a URI, or a value read back or published). */
  async deleteObjectVersion(target: Ref | string | object): Promise<void> {
    await this.flush();
    await deleteVersion(this.server, versionRef(target, this.projectId), 'object');
  }

  /** Deletes one op version (a ref, a URI, or an op of this process: its current version). */
  async deleteOpVersion(target: Ref | string | object): Promise<void> {
    await this.flush();
    await deleteVersion(this.server, versionRef(target, this.projectId), 'op');
  }

  // ---- prices ----------------------------------------------------------------------------------

  /** Adds a price for a model to this project (per token; see AddCostOptions). */
  addCost(options: AddCostOptions): Promise<AddCostResult> {
    return addCost(this.server, this.projectId, options);
  }

  /** This project's own prices (never the default ones), oldest first. */
  queryCosts(options: QueryCostsOptions = {}): Promise<Price[]> {
    return queryCosts(this.server, this.projectId, options);
  }

  /** Deletes prices of this project by id; calls are priced again without them. */
  purgeCosts(ids: string | readonly string[]): Promise<void> {
    return purgeCosts(this.server, this.projectId, ids);
  }

  // ---- changing stored calls -------------------------------------------------------------------

  /** Deletes the call and all its descendants. */
  async deleteCall(call: Call): Promise<void> {
    await this.deleteCalls([call.id]);
  }

  /** Deletes the calls and all their descendants (up to 1000 ids per request). */
  async deleteCalls(ids: readonly string[]): Promise<void> {
    await this.flush();
    for (let index = 0; index < ids.length; index += 1000) {
      await this.server.callsDelete({ project_id: this.projectId, call_ids: ids.slice(index, index + 1000) });
    }
  }

  /** @internal Renames a call on the server; an empty name clears it. */
  async _renameCall(call: Call, name: string): Promise<void> {
    await this.flush();
    await this.server.callUpdate({ project_id: call.project_id, call_id: call.id, display_name: name });
  }

  /** @internal */
  _noteTruncated(): void {
    this.truncatedValues += 1;
    warnOnce(
      'value-truncated',
      `an input or output was larger than ${this.serializeOptions.maxBytes} bytes and was truncated ` +
        '(client.stats.truncatedValues counts them)',
    );
  }

  /** @internal */
  noteInternalError(what: string, error: unknown): void {
    this.internalErrors += 1;
    warnOnce(`internal:${what}`, `${what}: ${error instanceof Error ? error.message : String(error)}`);
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
