/**
 * Turns the calls of a taken batch into requests, each with its body already encoded. A call that
 * ended before its batch went out is one complete item for
 * `/v2/{entity}/{project}/calls/complete` (one request per project); a running call's start, and
 * the end of a call whose start went out earlier, are items of one `/call/upsert_batch` request.
 *
 * Items are written straight into the request's buffer and their byte ranges kept, so a request
 * the server finds too large is halved, and a complete request is rewritten as start and end
 * items for an older server, by copying bytes: the calls are let go once encoded.
 */

import type { Call } from '../tracing/call.js';
import {
  ItemBounds,
  writeComplete,
  writeEnd,
  writeEndOfComplete,
  writeStart,
  writeStartOfComplete,
} from './batch-encoding.js';
import { ByteWriter } from './byte-writer.js';

/** What an item carries (stored as a byte per item). */
export const COMPLETE = 0;
export const START = 1;
export const END = 2;
export type ItemKind = typeof COMPLETE | typeof START | typeof END;

export interface CallRequest {
  /** `complete`: `/v2/{entity}/{project}/calls/complete`; `upsert`: `/call/upsert_batch`. */
  readonly route: 'complete' | 'upsert';
  /** The project of every item (of the first one for `upsert`, which names it per item). */
  readonly projectId: string;
  /** How many items the body holds. */
  readonly count: number;
  /** What each item carries (COMPLETE, START or END). */
  readonly kinds: Uint8Array;
  /** Call parts carried: a complete item is two. */
  readonly parts: number;
  /** `{"batch":[…]}` */
  readonly body: Buffer;
  /** Where each item is in `body`; items are separated by a comma. */
  readonly bounds: ItemBounds;
}

const OPEN = Buffer.from('{"batch":[');
const CLOSE = Buffer.from(']}');
const COMMA = 0x2c;

const partsOf = (kind: number) => (kind === COMPLETE ? 2 : 1);

/** Collects the items of one request. */
class RequestWriter {
  private readonly writer: ByteWriter;
  private kinds: Uint8Array;
  private readonly bounds: ItemBounds;
  private count = 0;
  private parts = 0;
  private mark = 0;

  constructor(
    readonly route: 'complete' | 'upsert',
    readonly projectId: string,
    bytes: number,
    items: number,
  ) {
    this.writer = new ByteWriter(bytes);
    this.writer.bytes(OPEN);
    this.kinds = new Uint8Array(Math.max(items, 8));
    this.bounds = new ItemBounds(items);
  }

  complete(call: Call): void {
    this.begin();
    try {
      writeComplete(this.writer, call, this.bounds);
    } catch (error) {
      this.rollBack();
      throw error;
    }
    this.commit(COMPLETE);
  }

  start(call: Call): void {
    this.begin();
    try {
      writeStart(this.writer, call, this.bounds);
    } catch (error) {
      this.rollBack();
      throw error;
    }
    this.commit(START);
  }

  end(call: Call): void {
    this.begin();
    try {
      writeEnd(this.writer, call, this.bounds);
    } catch (error) {
      this.rollBack();
      throw error;
    }
    this.commit(END);
  }

  /** The start and the end items of the complete item `index` of `request` (bytes copied). */
  startAndEndOf(request: CallRequest, index: number): void {
    this.begin();
    writeStartOfComplete(this.writer, request.body, request.bounds, index, this.bounds);
    this.commit(START);
    this.begin();
    writeEndOfComplete(this.writer, request.body, request.bounds, index, this.bounds);
    this.commit(END);
  }

  get empty(): boolean {
    return this.count === 0;
  }

  finish(): CallRequest {
    this.writer.bytes(CLOSE);
    return {
      route: this.route,
      projectId: this.projectId,
      count: this.count,
      kinds: this.kinds.subarray(0, this.count),
      parts: this.parts,
      body: this.writer.buffer.subarray(0, this.writer.length),
      bounds: this.bounds,
    };
  }

  private begin(): void {
    this.mark = this.writer.length;
    if (this.count > 0) this.writer.byte(COMMA);
  }

  private rollBack(): void {
    this.writer.length = this.mark;
  }

  private commit(kind: ItemKind): void {
    if (this.count === this.kinds.length) {
      const grown = new Uint8Array(this.kinds.length * 2);
      grown.set(this.kinds);
      this.kinds = grown;
    }
    this.kinds[this.count++] = kind;
    this.parts += partsOf(kind);
  }
}

/**
 * The requests for a batch of taken calls, `/call/upsert_batch` first (starts of running parents
 * before their children, as a reader would expect; the server accepts either order). Marks what
 * it takes, so each part is sent exactly once. With `complete` false (an older server), every
 * part goes to `/call/upsert_batch`. A call that cannot be encoded (user code put a BigInt or a
 * cycle into its summary after it ended) is reported and skipped: its parts are missing from the
 * requests, which the batcher counts as dropped.
 */
export function buildRequests(
  calls: readonly Call[],
  options: {
    complete: boolean;
    bytesHint: number;
    onError: (error: unknown) => void;
    /** A call whose start, end or both were skipped as unencodable (after `onError`). */
    onSkipped?: (call: Call, start: boolean, end: boolean) => void;
  },
): CallRequest[] {
  let upsert: RequestWriter | undefined;
  // One complete request per project. A client writes to one project; a call of another one
  // (read back from it and finished by hand) gets a request of its own.
  const completes: RequestWriter[] = [];
  let last: RequestWriter | undefined;
  for (const call of calls) {
    const start = !call._startTaken;
    const end = call._endQueued && !call._endTaken && call._endedAtMicros !== null;
    call._startTaken = true;
    if (end) call._endTaken = true;
    let startWritten = false;
    try {
      if (start && end && options.complete) {
        if (last === undefined || last.projectId !== call.project_id) {
          last = completes.find((writer) => writer.projectId === call.project_id);
          if (last === undefined) {
            const first = completes.length === 0;
            last = new RequestWriter(
              'complete',
              call.project_id,
              first ? options.bytesHint : 0,
              first ? calls.length : 0,
            );
            completes.push(last);
          }
        }
        last.complete(call);
        continue;
      }
      if (start) {
        upsert ??= new RequestWriter('upsert', call.project_id, options.bytesHint, 2 * calls.length);
        upsert.start(call);
        startWritten = true;
      }
      if (end) {
        upsert ??= new RequestWriter('upsert', call.project_id, options.bytesHint, 2 * calls.length);
        upsert.end(call);
      }
    } catch (error) {
      options.onError(error);
      options.onSkipped?.(call, start && !startWritten, end);
    }
  }
  const requests: CallRequest[] = [];
  if (upsert && !upsert.empty) requests.push(upsert.finish());
  for (const writer of completes) if (!writer.empty) requests.push(writer.finish());
  return requests;
}

/** Items `[from, to)` of a request, as a request of their own. */
function slice(request: CallRequest, from: number, to: number): CallRequest {
  const first = request.bounds.start(from);
  const last = request.bounds.end(to - 1);
  const kinds = request.kinds.slice(from, to);
  let parts = 0;
  for (const kind of kinds) parts += partsOf(kind);
  const shift = OPEN.length - first;
  const bounds = new ItemBounds(to - from);
  for (let item = from; item < to; item++) {
    bounds.add(
      request.bounds.start(item) + shift,
      request.bounds.afterId(item) + shift,
      request.bounds.afterStart(item) + shift,
      request.bounds.end(item) + shift,
    );
  }
  return {
    route: request.route,
    projectId: request.projectId,
    count: to - from,
    kinds,
    parts,
    body: Buffer.concat([OPEN, request.body.subarray(first, last), CLOSE]),
    bounds,
  };
}

/**
 * A request the server refused as too large, as smaller requests carrying the same parts: two
 * halves, or a single complete item as its start and its end. Undefined for a single start or
 * end item, which cannot be made smaller.
 */
export function splitRequest(request: CallRequest): CallRequest[] | undefined {
  if (request.count > 1) {
    const middle = Math.ceil(request.count / 2);
    return [slice(request, 0, middle), slice(request, middle, request.count)];
  }
  if (request.kinds[0] !== COMPLETE) return undefined;
  const parts = asUpsertRequest(request);
  return [slice(parts, 0, 1), slice(parts, 1, 2)];
}

/** A complete request as `/call/upsert_batch` items (each call's start and end), for an older server. */
export function asUpsertRequest(request: CallRequest): CallRequest {
  const writer = new RequestWriter(
    'upsert',
    request.projectId,
    request.body.length + request.count * 80,
    2 * request.count,
  );
  for (let index = 0; index < request.count; index++) writer.startAndEndOf(request, index);
  return writer.finish();
}

const ID_KEY = Buffer.from(',"id":"');
const QUOTE = 0x22;

/**
 * The call id of item `index`: every item holds `{"project_id":…,"id":"…"`, and `,"id":"` cannot
 * occur earlier in it (inside the JSON string before it, every quote is escaped). Read only when
 * a request is lost, so sending never pays for it.
 */
export function itemId(request: CallRequest, index: number): string {
  const from = request.body.indexOf(ID_KEY, request.bounds.start(index)) + ID_KEY.length;
  return request.body.toString('utf8', from, request.body.indexOf(QUOTE, from));
}

/** Call parts carried by the items the server reported as refused (by their index). */
export function refusedParts(request: CallRequest, indexes: readonly number[]): number {
  let parts = 0;
  // An index the request does not have still stands for one refused item.
  for (const index of indexes) parts += request.kinds[index] === COMPLETE ? 2 : 1;
  return parts;
}
