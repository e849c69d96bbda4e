/**
 * A Call: one execution of an op, live (created by this process) or read back from the server.
 * Its schema fields keep the protocol's names (Weave's Call schema page); datetimes are Dates.
 */
import type { CallSchema, CallSummary } from '@weft/protocol';
import { parseTimestampMicros } from '@weft/protocol/datetime';
import { opDisplayName } from '@weft/protocol/refs';
import type { CallsIter } from '../client/calls-iter.js';
import type { WeaveClient } from '../client/weave-client.js';
import { type ApplyScorerOptions, type ApplyScorerResult, applyScorer } from '../evaluation/apply-scorer.js';
import type { ScorerLike } from '../evaluation/scorer.js';
import { CallFeedback } from '../feedback/feedback.js';
import type { Attributes, StackEntry } from './context.js';
import { leafSummary, type SummaryMap } from './summary.js';

export interface CallDict {
  id: string;
  project_id: string;
  op_name: string;
  display_name: string | null;
  trace_id: string;
  parent_id: string | null;
  started_at: Date;
  attributes: Record<string, unknown>;
  inputs: Record<string, unknown>;
  ended_at: Date | null;
  exception: string | null;
  output: unknown;
  summary: Record<string, unknown> | null;
  wb_user_id: string | null;
  wb_run_id: string | null;
  deleted_at: Date | null;
}

export interface CallInit {
  id: string;
  project_id: string;
  op_name: string;
  trace_id: string;
  parent_id: string | null;
  display_name: string | null;
  attributes: Record<string, unknown>;
  inputs: Record<string, unknown>;
  startedAtMicros: number;
  endedAtMicros?: number | null;
  deletedAtMicros?: number | null;
  output?: unknown;
  exception?: string | null;
  summary?: Record<string, unknown> | null;
  wb_user_id?: string | null;
  wb_run_id?: string | null;
  thread_id?: string | null;
  turn_id?: string | null;
}

function toDate(micros: number | null | undefined): Date | null {
  return micros == null ? null : new Date(Math.floor(micros / 1000));
}

function micros(text: string | null | undefined): number | null {
  return text == null ? null : (parseTimestampMicros(text) ?? null);
}

/** Values of `Call._leafStatus`. */
export const NOT_A_LEAF = 0;
export const LEAF_SUCCESS = 1;
export const LEAF_ERROR = 2;

// Bits of `Call._flags`. A call's state is a handful of booleans: kept in one field, they make
// every call this process creates a few dozen bytes smaller, which matters at many calls a second.
const ENDED = 1;
const DROPPED = 2;
const START_TAKEN = 4;
const END_TAKEN = 8;
const END_QUEUED = 16;
const LEAF_STATUS_SHIFT = 5;
const LEAF_STATUS_MASK = 3 << LEAF_STATUS_SHIFT;

/** Fields only a call read back from the server has; live calls leave them out (null). */
interface StoredFields {
  thread_id: string | null;
  turn_id: string | null;
  wb_user_id: string | null;
  wb_run_id: string | null;
  deletedAtMicros: number | null;
}

export class Call {
  id: string;
  project_id: string;
  op_name: string;
  trace_id: string;
  parent_id: string | null;
  attributes: Record<string, unknown>;
  /** The op's arguments by name (argN unless the op names its parameters). */
  inputs: Record<string, unknown>;
  output: unknown;
  exception: string | null;

  /** @internal µs since the epoch. */
  _startedAtMicros: number;
  /** @internal */
  _endedAtMicros: number | null;
  /** @internal */
  _displayName: string | null;
  /** @internal Fields of a call read back from the server (see StoredFields). */
  _stored: StoredFields | undefined;
  /** @internal The client that created or read this call. */
  _client: WeaveClient | undefined;
  /** @internal A live call's parent, while both run: finished children report their summaries up. */
  _parent: Call | undefined;
  /** @internal Summaries of finished children, summed into this call's summary when it ends. */
  _childSummaries: SummaryMap[] | undefined;
  /** @internal The bits above (ENDED, …): read and written through the accessors below. */
  _flags = 0;
  /**
   * @internal While a call made current by `createCall({ useStack: true })` runs: the context
   * entry that holds it (see `pushCall`), which lets go of it when it ends.
   */
  _stackEntry: StackEntry | undefined;
  /** @internal The `withAttributes` attributes in effect where the call started (children inherit them). */
  _contextAttributes: Attributes | undefined;
  /** @internal Estimated bytes of what is queued for this call. */
  _queuedBytes = 0;
  /** @internal The function's own name, when this process created the call. */
  _funcName: string | undefined;
  /** @internal The summary object, once there is one (see `summary`). */
  _summary: CallSummary | undefined;

  constructor(init: CallInit, client?: WeaveClient) {
    this.id = init.id;
    this.project_id = init.project_id;
    this.op_name = init.op_name;
    this.trace_id = init.trace_id;
    this.parent_id = init.parent_id;
    this._displayName = init.display_name;
    this.attributes = init.attributes;
    this.inputs = init.inputs;
    this.output = init.output ?? null;
    this.exception = init.exception ?? null;
    this._summary = init.summary ?? undefined;
    this._startedAtMicros = init.startedAtMicros;
    this._endedAtMicros = init.endedAtMicros ?? null;
    this._stored =
      init.thread_id != null ||
      init.turn_id != null ||
      init.wb_user_id != null ||
      init.wb_run_id != null ||
      init.deletedAtMicros != null
        ? {
            thread_id: init.thread_id ?? null,
            turn_id: init.turn_id ?? null,
            wb_user_id: init.wb_user_id ?? null,
            wb_run_id: init.wb_run_id ?? null,
            deletedAtMicros: init.deletedAtMicros ?? null,
          }
        : undefined;
    this._client = client;
  }

  get thread_id(): string | null {
    return this._stored?.thread_id ?? null;
  }

  set thread_id(value: string | null) {
    this.stored().thread_id = value;
  }

  get turn_id(): string | null {
    return this._stored?.turn_id ?? null;
  }

  set turn_id(value: string | null) {
    this.stored().turn_id = value;
  }

  get wb_user_id(): string | null {
    return this._stored?.wb_user_id ?? null;
  }

  set wb_user_id(value: string | null) {
    this.stored().wb_user_id = value;
  }

  get wb_run_id(): string | null {
    return this._stored?.wb_run_id ?? null;
  }

  set wb_run_id(value: string | null) {
    this.stored().wb_run_id = value;
  }

  /** @internal */
  get _deletedAtMicros(): number | null {
    return this._stored?.deletedAtMicros ?? null;
  }

  private stored(): StoredFields {
    this._stored ??= {
      thread_id: null,
      turn_id: null,
      wb_user_id: null,
      wb_run_id: null,
      deletedAtMicros: null,
    };
    return this._stored;
  }

  /** @internal Set once the call has been finished; finishing twice is a no-op. */
  get _ended(): boolean {
    return (this._flags & ENDED) !== 0;
  }

  set _ended(value: boolean) {
    this._flags = value ? this._flags | ENDED : this._flags & ~ENDED;
  }

  /** @internal The start part never reached the queue, so the end must not be sent either. */
  get _dropped(): boolean {
    return (this._flags & DROPPED) !== 0;
  }

  set _dropped(value: boolean) {
    this._flags = value ? this._flags | DROPPED : this._flags & ~DROPPED;
  }

  /** @internal The start record has been put into a batch. */
  get _startTaken(): boolean {
    return (this._flags & START_TAKEN) !== 0;
  }

  set _startTaken(value: boolean) {
    this._flags = value ? this._flags | START_TAKEN : this._flags & ~START_TAKEN;
  }

  /** @internal The end record has been put into a batch. */
  get _endTaken(): boolean {
    return (this._flags & END_TAKEN) !== 0;
  }

  set _endTaken(value: boolean) {
    this._flags = value ? this._flags | END_TAKEN : this._flags & ~END_TAKEN;
  }

  /** @internal The end part was admitted to the queue (with its start, or on its own). */
  get _endQueued(): boolean {
    return (this._flags & END_QUEUED) !== 0;
  }

  set _endQueued(value: boolean) {
    this._flags = value ? this._flags | END_QUEUED : this._flags & ~END_QUEUED;
  }

  /**
   * @internal LEAF_SUCCESS or LEAF_ERROR for a finished call whose summary is only its own status
   * count (no children, nothing written): most calls. Its summary object is made when asked for;
   * until then the sender writes the counts from this.
   */
  get _leafStatus(): number {
    return (this._flags & LEAF_STATUS_MASK) >> LEAF_STATUS_SHIFT;
  }

  set _leafStatus(status: number) {
    this._flags = (this._flags & ~LEAF_STATUS_MASK) | (status << LEAF_STATUS_SHIFT);
  }

  /** A call as the server returned it. */
  static fromSchema(schema: CallSchema, client?: WeaveClient): Call {
    const call = new Call(
      {
        id: schema.id,
        project_id: schema.project_id,
        op_name: schema.op_name,
        trace_id: schema.trace_id,
        parent_id: schema.parent_id ?? null,
        thread_id: schema.thread_id ?? null,
        turn_id: schema.turn_id ?? null,
        display_name: schema.display_name ?? null,
        attributes: schema.attributes ?? {},
        inputs: schema.inputs ?? {},
        output: schema.output ?? null,
        exception: schema.exception ?? null,
        summary: (schema.summary as CallSummary | null) ?? {},
        wb_user_id: schema.wb_user_id ?? null,
        wb_run_id: schema.wb_run_id ?? null,
        startedAtMicros: micros(schema.started_at) ?? 0,
        endedAtMicros: micros(schema.ended_at),
        deletedAtMicros: micros(schema.deleted_at),
      },
      client,
    );
    call._ended = schema.ended_at != null;
    // Read back from the server: its start is there already.
    call._startTaken = true;
    return call;
  }

  /**
   * Write custom metrics here while the call runs (`getCurrentCall().summary.accuracy = 0.95`);
   * they are stored at the top level of the call's summary. Read back, `summary.weave` holds what
   * the server derives: status, latency_ms, trace_name.
   */
  get summary(): CallSummary {
    let summary = this._summary;
    if (summary === undefined) {
      summary =
        this._leafStatus === NOT_A_LEAF ? {} : leafSummary(undefined, this._leafStatus === LEAF_ERROR);
      this._summary = summary;
    }
    return summary;
  }

  set summary(summary: CallSummary) {
    this._summary = summary;
    this._leafStatus = NOT_A_LEAF;
  }

  get started_at(): Date {
    return new Date(Math.floor(this._startedAtMicros / 1000));
  }

  get ended_at(): Date | null {
    return toDate(this._endedAtMicros);
  }

  get deleted_at(): Date | null {
    return toDate(this._deletedAtMicros);
  }

  get display_name(): string | null {
    return this._displayName;
  }

  /** The traced function's own name; `op_name` is the op's ref. */
  get funcName(): string {
    return this._funcName ?? opDisplayName(this.op_name);
  }

  /** This call's ref: `weave:///<entity>/<project>/call/<id>`. */
  get ref(): string {
    return `weave:///${this.project_id}/call/${this.id}`;
  }

  /**
   * The call's feedback: iterate it (`for await`), or add a reaction, a note or a row of your own
   * type (sent in the background; the id is returned at once), or purge one by id.
   */
  get feedback(): CallFeedback {
    return new CallFeedback(this.requireClient(), this.ref);
  }

  /**
   * Runs a scorer on this call (an op, a function or a `Scorer`), as a call of its own, and stores
   * its result as feedback on this call. Returns the result and the scorer's call.
   */
  applyScorer(scorer: ScorerLike, options: ApplyScorerOptions = {}): Promise<ApplyScorerResult> {
    return applyScorer(this.requireClient(), this, scorer, options);
  }

  /** The call's page on the server it was logged to. */
  get uiUrl(): string {
    const base = this._client?.server.baseUrl ?? '';
    return `${base}/${this.project_id}/r/call/${this.id}`;
  }

  /** The calls whose parent is this call, fetched `pageSize` at a time. */
  children(options: { pageSize?: number } = {}): CallsIter {
    return this.requireClient().getCalls({
      filter: { parent_ids: [this.id] },
      ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
    });
  }

  /** Deletes this call and its descendants. */
  async delete(): Promise<true> {
    await this.requireClient().deleteCall(this);
    return true;
  }

  /** Renames the call on the server. An empty string is refused: use `removeDisplayName()`. */
  async setDisplayName(name: string | null): Promise<void> {
    if (name === '') throw new Error('display name cannot be empty; use removeDisplayName() to clear it');
    if (name === this._displayName) return;
    await this.requireClient()._renameCall(this, name ?? '');
    this._displayName = name;
  }

  async removeDisplayName(): Promise<void> {
    await this.setDisplayName(null);
  }

  toDict(): CallDict {
    return {
      id: this.id,
      project_id: this.project_id,
      op_name: this.op_name,
      display_name: this.display_name,
      trace_id: this.trace_id,
      parent_id: this.parent_id,
      started_at: this.started_at,
      attributes: this.attributes,
      inputs: this.inputs,
      ended_at: this.ended_at,
      exception: this.exception,
      output: this.output,
      summary: this.summary,
      wb_user_id: this.wb_user_id,
      wb_run_id: this.wb_run_id,
      deleted_at: this.deleted_at,
    };
  }

  /** What `console.log(call)` shows: the call's fields (several are accessors, not own properties). */
  [Symbol.for('nodejs.util.inspect.custom')](
    _depth: number,
    options: object,
    inspect: (value: unknown, options: object) => string,
  ): string {
    return `Call ${inspect(this.toDict(), options)}`;
  }

  private requireClient(): WeaveClient {
    if (!this._client) throw new Error('this call is not attached to a client');
    return this._client;
  }
}
