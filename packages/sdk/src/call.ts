/**
 * A Call: one execution of an op, live (created by this process) or read back from the server.
 * Its schema fields keep the protocol's names (Weave's Call schema page); datetimes are Dates.
 */
import type { CallSchema, CallSummary } from '@weft/protocol';
import { parseTimestampMicros } from '@weft/protocol/datetime';
import { opDisplayName } from '@weft/protocol/refs';
import type { CallsIter } from './calls-iter.js';
import type { Attributes, ContextStore } from './context.js';
import type { SummaryMap } from './summary.js';
import type { WeaveClient } from './weave-client.js';

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

export class Call {
  id: string;
  project_id: string;
  op_name: string;
  trace_id: string;
  parent_id: string | null;
  thread_id: string | null;
  turn_id: string | null;
  attributes: Record<string, unknown>;
  /** The op's arguments by name (argN unless the op names its parameters). */
  inputs: Record<string, unknown>;
  output: unknown;
  exception: string | null;
  /**
   * Write custom metrics here while the call runs (`getCurrentCall().summary.accuracy = 0.95`);
   * they are stored at the top level of the call's summary. Read back, `summary.weave` holds what
   * the server derives: status, latency_ms, trace_name.
   */
  summary: CallSummary;
  wb_user_id: string | null;
  wb_run_id: string | null;

  /** @internal µs since the epoch. */
  _startedAtMicros: number;
  /** @internal */
  _endedAtMicros: number | null;
  /** @internal */
  _deletedAtMicros: number | null;
  /** @internal */
  _displayName: string | null;
  /** @internal The client that created or read this call. */
  _client: WeaveClient | undefined;
  /** @internal A live call's parent, while both run: finished children report their summaries up. */
  _parent: Call | undefined;
  /** @internal Summaries of finished children, summed into this call's summary when it ends. */
  _childSummaries: SummaryMap[] | undefined;
  /** @internal Set once the call has been finished; finishing twice is a no-op. */
  _ended = false;
  /** @internal The start part never reached the queue, so the end must not be sent either. */
  _dropped = false;
  /**
   * @internal For `createCall({ useStack: true })`: what was current before the call was made
   * current. Once the call has ended, context lookups step through it to this.
   */
  _stackParent: ContextStore | undefined;
  /** @internal The `withAttributes` attributes in effect where the call started (children inherit them). */
  _contextAttributes: Attributes | undefined;
  /** @internal Estimated bytes of what is queued for this call. */
  _queuedBytes = 0;
  /** @internal The start record has been put into a batch. */
  _startTaken = false;
  /** @internal The end record has been put into a batch. */
  _endTaken = false;
  /** @internal The end part was admitted to the queue (with its start, or on its own). */
  _endQueued = false;
  /** @internal The function's own name, when this process created the call. */
  _funcName: string | undefined;

  constructor(init: CallInit, client?: WeaveClient) {
    this.id = init.id;
    this.project_id = init.project_id;
    this.op_name = init.op_name;
    this.trace_id = init.trace_id;
    this.parent_id = init.parent_id;
    this.thread_id = init.thread_id ?? null;
    this.turn_id = init.turn_id ?? null;
    this._displayName = init.display_name;
    this.attributes = init.attributes;
    this.inputs = init.inputs;
    this.output = init.output ?? null;
    this.exception = init.exception ?? null;
    this.summary = init.summary ?? {};
    this.wb_user_id = init.wb_user_id ?? null;
    this.wb_run_id = init.wb_run_id ?? null;
    this._startedAtMicros = init.startedAtMicros;
    this._endedAtMicros = init.endedAtMicros ?? null;
    this._deletedAtMicros = init.deletedAtMicros ?? null;
    this._client = client;
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

  private requireClient(): WeaveClient {
    if (!this._client) throw new Error('this call is not attached to a client');
    return this._client;
  }
}
