/**
 * WeaveClient: creates, finishes, reads, renames and deletes calls for one project (the seed's
 * `WeaveClient`). Call parts go to the server through the background batcher; reads go straight
 * to the server after pending writes have been sent, so a client always reads its own writes.
 */
import { resolve } from 'node:path';
import type { CallsFilter, FeedbackCreateReq } from '@weft/protocol';
import {
  type AddCostOptions,
  type AddCostResult,
  addCost,
  type Price,
  purgeCosts,
  type QueryCostsOptions,
  queryCosts,
} from '../costs/costs.js';
import { type Feedback, type GetFeedbackOptions, getFeedback } from '../feedback/feedback.js';
import { FeedbackSender } from '../feedback/feedback-sender.js';
import { warnOnce } from '../logger.js';
import { deleteVersion, versionRef } from '../objects/object-deletion.js';
import { type GetOptions, loadRef } from '../objects/object-loader.js';
import { ObjectSaver } from '../objects/object-saver.js';
import type { ObjectRef, Ref } from '../objects/refs.js';
import { toRef } from '../objects/refs.js';
import { DEFAULT_SERIALIZE_OPTIONS, type SerializeOptions } from '../serialize/serialize.js';
import type { Call } from '../tracing/call.js';
import { CallRecorder, type CreateCallOptions, type FinishCallOptions } from '../tracing/call-recorder.js';
import {
  type BatcherOptions,
  type BatcherStats,
  CALL_UNITS,
  CallBatcher,
  DEFAULT_BATCHER_OPTIONS,
} from '../transport/batcher.js';
import type { CallRequest } from '../transport/call-requests.js';
import { CallSender } from '../transport/call-sender.js';
import { CallSpool } from '../transport/call-spool.js';
import type { TraceServer } from '../transport/trace-server.js';
import { type GetCallOptions, type GetCallsOptions, queryCalls, readCall } from './call-reads.js';
import type { CallsIter } from './calls-iter.js';
import { FinishProgress, type FlushStatus } from './progress.js';

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
  /**
   * A folder where calls that cannot be delivered are kept instead of being dropped: when the
   * queue is half full while the server is away, when the server has been away for `maxRetryMs`,
   * and at the exit deadline. They are sent again, oldest first, when a client using the folder
   * starts and whenever the server answers again. `init` defaults it to `WEFT_SPOOL_DIR`; unset
   * or empty, there is no spool.
   */
  spoolDir?: string;
  /** Bound on the spool folder's total size; past it, calls are dropped and counted (default 1 GiB). */
  maxSpoolBytes?: number;
  /**
   * @internal Rows per table request (a Dataset's) are cut at about this many bytes (default
   * 8 MiB); tests lower it to send a table in many parts without megabytes of rows.
   */
  tableChunkBytes?: number;
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
  /**
   * Calls with a part given up on (refused by the full queue, out of retries, or pending at exit),
   * each counted once: what the warning at exit reports.
   */
  undeliveredCalls: number;
  /** Feedback rows waiting to be sent or in flight. */
  pendingFeedback: number;
  /** Feedback rows given up on (a full queue, a server away too long). */
  droppedFeedback: number;
  /** Feedback rows the server refused one by one (a bad reaction, a reserved type). */
  rejectedFeedback: number;
  /** Calls with a part this client wrote to the spool (`spoolDir`), each once. */
  spooledCalls: number;
  /** Call parts this client sent from the spool (written by any process) and the server stored. */
  spoolSentItems: number;
  /** Call parts in spool files the server refused (the files are deleted), as in `rejectedItems`. */
  spoolRejectedItems: number;
  /** Disk trouble with the spool folder (each also warned about, once). */
  spoolErrors: number;
}

/** What the exit report calls feedback rows not delivered. */
const FEEDBACK_UNITS = ['feedback row', 'feedback rows'] as const;

export interface SaveOptions {
  /** Accepted for Weave compatibility; weft keeps one line of versions per name. */
  branch?: string;
}

export type { CreateCallOptions, FinishCallOptions, GetCallOptions, GetCallsOptions, GetOptions };

export interface FinishOptions {
  /** Show a progress bar on a terminal while pending calls are sent (default true). */
  useProgressBar?: boolean;
  /** Receives flush progress instead of the progress bar. */
  callback?: (status: FlushStatus) => void;
}

export class WeaveClient {
  readonly entity: string;
  readonly project: string;
  /** `entity/project`, as the protocol names projects. */
  readonly projectId: string;
  readonly server: TraceServer;
  private readonly batcher: CallBatcher<Call, CallRequest>;
  private readonly sender: CallSender;
  /** The disk spool, with `spoolDir`. */
  private readonly spool: CallSpool | undefined;
  private readonly saver: ObjectSaver;
  private readonly feedback: FeedbackSender;
  /** @internal Starts and finishes this client's calls (the op wrapper calls it directly). */
  readonly _recorder: CallRecorder;
  private internalErrors = 0;

  constructor(entity: string, project: string, server: TraceServer, options: WeaveClientOptions = {}) {
    if (!entity || !project || entity.includes('/') || project.includes('/')) {
      throw new Error(`a project is named entity/project, got ${JSON.stringify(`${entity}/${project}`)}`);
    }
    this.entity = entity;
    this.project = project;
    this.projectId = `${entity}/${project}`;
    this.server = server;
    this.saver = new ObjectSaver(this, {
      ...(options.opSaveWaitMs === undefined ? {} : { maxSaveWaitMs: options.opSaveWaitMs }),
      ...(options.tableChunkBytes === undefined ? {} : { tableChunkBytes: options.tableChunkBytes }),
    });
    const serializeOptions: SerializeOptions = {
      ...DEFAULT_SERIALIZE_OPTIONS,
      maxBytes: options.maxValueBytes ?? DEFAULT_SERIALIZE_OPTIONS.maxBytes,
      // Published values and ops in inputs and outputs are recorded as their refs.
      refOf: this.saver.refFor,
    };
    const batchOptions: BatcherOptions = {
      ...DEFAULT_BATCHER_OPTIONS,
      ...options.batch,
      unitNames: CALL_UNITS,
    };
    this.spool = options.spoolDir
      ? new CallSpool(server, {
          dir: resolve(options.spoolDir),
          ...(options.maxSpoolBytes === undefined ? {} : { maxBytes: options.maxSpoolBytes }),
          sending: batchOptions,
        })
      : undefined;
    this.sender = new CallSender(
      server,
      {
        beforeSend: (signal) => this.saver.saved(signal),
        onError: (what, error) => this.noteInternalError(what, error),
      },
      this.spool,
    );
    this.batcher = new CallBatcher(this.sender, batchOptions);
    // FeedbackSender hands these on to its own batcher: its exit report then counts rows.
    this.feedback = new FeedbackSender(server, { ...options.batch, unitNames: FEEDBACK_UNITS });
    this._recorder = new CallRecorder(this, this.projectId, this.saver, this.batcher, serializeOptions);
    // What earlier runs (this process's or others') left in the spool goes out in the background.
    this.spool?.start();
  }

  /** Call parts waiting to be sent or in flight. */
  get numOutstandingJobs(): number {
    return this.batcher.pending;
  }

  get stats(): ClientStats {
    return {
      ...this.batcher.stats,
      pendingItems: this.batcher.pending,
      truncatedValues: this._recorder.truncatedValues,
      internalErrors: this.internalErrors,
      failedSaves: this.saver.failedSaves,
      rejectedItems: this.sender.rejectedParts,
      undeliveredCalls: this.sender.undelivered,
      pendingFeedback: this.feedback.pending,
      droppedFeedback: this.feedback.droppedRows,
      rejectedFeedback: this.feedback.rejectedRows,
      spooledCalls: this.spool?.spooledCalls ?? 0,
      spoolSentItems: this.spool?.sentParts ?? 0,
      spoolRejectedItems: this.spool?.rejectedParts ?? 0,
      spoolErrors: this.spool?.errors ?? 0,
    };
  }

  // ---- creating and finishing calls ------------------------------------------------------------

  /** Starts a call by hand (for code that cannot be wrapped with `op`). Finish it with `finishCall`. */
  createCall(op: unknown, inputs: Record<string, unknown>, options: CreateCallOptions = {}): Call {
    return this._recorder.createCall(op, inputs, options);
  }

  /** Ends a call with its output, or with `exception` when it failed. Finishing twice does nothing. */
  finishCall(call: Call, output?: unknown, options: FinishCallOptions = {}): void {
    this._recorder.finishCall(call, output, options);
  }

  failCall(call: Call, error: unknown): void {
    this._recorder.failCall(call, error);
  }

  // ---- sending ---------------------------------------------------------------------------------

  /**
   * Resolves when every call part queued so far, and every op version being saved, has been sent
   * (or given up on). Never rejects.
   */
  async flush(): Promise<void> {
    await Promise.all([this.batcher.flush(), this.saver.saved(), this.feedback.flush()]);
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

  /** A call by id; waits for this client's pending calls to be sent first. */
  getCall(id: string, options: GetCallOptions = {}): Promise<Call> {
    return readCall(this, id, options);
  }

  /** Same as `getCall` (Weave's `client.call`). */
  call(id: string, options: { includeCosts?: boolean } = {}): Promise<Call> {
    return this.getCall(id, options);
  }

  /** Calls matching the options, fetched page by page as they are iterated. */
  getCalls(options: GetCallsOptions = {}): CallsIter {
    return queryCalls(this, options);
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

  // ---- feedback --------------------------------------------------------------------------------

  /** Feedback of this project: all of it (`{}`), one row by id, by reaction, or by a query. */
  getFeedback(options: string | GetFeedbackOptions = {}): Promise<Feedback[]> {
    return getFeedback(this, options);
  }

  /** @internal Queues a feedback row to be sent in the background. */
  _queueFeedback(row: FeedbackCreateReq): void {
    if (!this.feedback.enqueue(row)) {
      warnOnce(
        'feedback-dropped',
        'the feedback queue is full: a feedback row was dropped (client.stats.droppedFeedback)',
      );
    }
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
  noteInternalError(what: string, error: unknown): void {
    this.internalErrors += 1;
    warnOnce(`internal:${what}`, `${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
