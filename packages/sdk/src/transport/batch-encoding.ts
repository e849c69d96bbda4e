/**
 * Writes a queued call's parts as batch items, straight into a request body
 * (docs/protocol.md §3.3, §3.4): a complete item (start and end in one, for
 * `/v2/{entity}/{project}/calls/complete`), or a start or an end item for `/call/upsert_batch`.
 * Sending is the SDK's largest per-call cost after the call itself, so the structural JSON is
 * written by hand and shared pieces (project, op ref, attributes) are encoded once and copied.
 *
 * A complete item is laid out so that its start and end items can be cut from its bytes:
 * `{"project_id":…,"id":"…"` | `,"trace_id":…,"inputs":…` (start only) | `,"ended_at":…}` (end only).
 * (Object keys in any order are the same JSON to the server.) A request the server finds too
 * large, or one for a server without the v2 route, is rewritten from those bytes, without the
 * calls (which are let go once encoded). Constant text is merged into as few pieces as possible
 * (`","trace_id":"` closes the id and opens the trace id): each copy has a fixed cost.
 */

import { type Call, LEAF_SUCCESS, NOT_A_LEAF } from '../tracing/call.js';
import { type ByteWriter, TimestampField } from './byte-writer.js';

/**
 * Where the items of a body are: for each, where it starts, where its id ends (after its closing
 * quote), where its start fields end, and where it ends (for start and end items, the middle two
 * are the start). A typed array sized for the batch, so recording them makes no garbage.
 */
export class ItemBounds {
  offsets: Int32Array;
  count = 0;

  constructor(items: number) {
    this.offsets = new Int32Array(Math.max(items, 8) * 4);
  }

  add(start: number, afterId: number, afterStart: number, end: number): void {
    let at = this.count * 4;
    if (at + 4 > this.offsets.length) {
      const grown = new Int32Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    const offsets = this.offsets;
    offsets[at++] = start;
    offsets[at++] = afterId;
    offsets[at++] = afterStart;
    offsets[at] = end;
    this.count += 1;
  }

  start(item: number): number {
    return this.offsets[item * 4] as number;
  }

  afterId(item: number): number {
    return this.offsets[item * 4 + 1] as number;
  }

  afterStart(item: number): number {
    return this.offsets[item * 4 + 2] as number;
  }

  end(item: number): number {
    return this.offsets[item * 4 + 3] as number;
  }
}

const QUOTE = 0x22;
const START_OPEN = Buffer.from('{"mode":"start","req":{"start":');
const END_OPEN = Buffer.from('{"mode":"end","req":{"end":');
const CLOSE_TWO = Buffer.from('}}');
const CLOSE_THREE = Buffer.from('}}}');
const TRACE_ID = Buffer.from('","trace_id":"');
// The optional string fields come right after the trace id: each closes the string before it.
const PARENT_ID = Buffer.from('","parent_id":"');
const DISPLAY_NAME = Buffer.from('","display_name":"');
const THREAD_ID = Buffer.from('","thread_id":"');
const TURN_ID = Buffer.from('","turn_id":"');
const STARTED_AT = new TimestampField('","started_at":"');
const ENDED_AT = new TimestampField(',"ended_at":"');
const AFTER_ENDED_AT = Buffer.from('Z","output":');
const SUMMARY = Buffer.from(',"summary":');
/** A leaf call's summary, in most traces, and the end of its item. */
const LEAF_SUCCESS_SUMMARY_END = Buffer.from(',"summary":{"status_counts":{"success":1,"error":0}}}');
const LEAF_SUCCESS_SUMMARY = Buffer.from(',"summary":{"status_counts":{"success":1,"error":0}}');
const LEAF_ERROR_SUMMARY = Buffer.from(',"summary":{"status_counts":{"success":0,"error":1}}');
const EXCEPTION = Buffer.from(',"exception":"');
const EXCEPTION_END = Buffer.from('"}');

/** Encoded pieces that repeat across calls. */
const heads = new Map<string, Buffer>();
/** `Z","op_name":…,"attributes":…,"inputs":` by attributes object (frozen, shared) and op name. */
const opPieces = new WeakMap<object, Map<string, Buffer>>();
/** Ops made at run time (one per request, say) must not grow the caches without bound. */
const MAX_CACHED = 10_000;

/** `{"project_id":…,"id":"…` (the id's closing quote is the next piece's first byte). */
function writeHead(writer: ByteWriter, call: Call): void {
  let head = heads.get(call.project_id);
  if (head === undefined) {
    head = Buffer.from(`{"project_id":${JSON.stringify(call.project_id)},"id":"`);
    if (heads.size >= MAX_CACHED) heads.clear();
    heads.set(call.project_id, head);
  }
  writer.bytes(head);
  writer.stringContent(call.id);
}

/** `","trace_id":…` up to and including the inputs. */
function writeStartFields(writer: ByteWriter, call: Call): void {
  writer.bytes(TRACE_ID);
  writer.stringContent(call.trace_id);
  if (call.parent_id) writeOptional(writer, PARENT_ID, call.parent_id);
  if (call.display_name) writeOptional(writer, DISPLAY_NAME, call.display_name);
  if (call.thread_id) writeOptional(writer, THREAD_ID, call.thread_id);
  if (call.turn_id) writeOptional(writer, TURN_ID, call.turn_id);
  const startedAt = call._startedAtMicros;
  const startedSecond = Math.floor(startedAt / 1_000_000);
  STARTED_AT.write(writer, startedSecond, startedAt - startedSecond * 1_000_000);
  // Its first bytes, `Z"`, end the start time.
  writer.bytes(opPiece(call.op_name, call.attributes));
  writer.value(call.inputs);
}

/** `","key":"text` for a piece `","key":"` (the piece closes the string before it). */
function writeOptional(writer: ByteWriter, piece: Buffer, text: string): void {
  writer.bytes(piece);
  writer.stringContent(text);
}

function opPiece(opName: string, attributes: Record<string, unknown>): Buffer {
  let byOp = opPieces.get(attributes);
  let piece = byOp?.get(opName);
  if (piece === undefined) {
    piece = Buffer.from(
      `Z","op_name":${JSON.stringify(opName)},"attributes":${JSON.stringify(attributes)},"inputs":`,
    );
    // Attribute objects are frozen and shared by every call in their context; others may change.
    if (Object.isFrozen(attributes)) {
      if (byOp === undefined) {
        byOp = new Map();
        opPieces.set(attributes, byOp);
      }
      if (byOp.size >= MAX_CACHED) byOp.clear();
      byOp.set(opName, piece);
    }
  }
  return piece;
}

/** `,"ended_at":…` to the end of the call's fields, and the brace that closes them. */
function writeEndFields(writer: ByteWriter, call: Call): void {
  const endedAt = call._endedAtMicros as number;
  const endedSecond = Math.floor(endedAt / 1_000_000);
  ENDED_AT.write(writer, endedSecond, endedAt - endedSecond * 1_000_000);
  writer.bytes(AFTER_ENDED_AT);
  writer.value(call.output);
  const summary = call._summary;
  if (summary === undefined && call._leafStatus !== NOT_A_LEAF) {
    // A leaf's summary, not made as an object (see Call._leafStatus).
    if (call.exception === null && call._leafStatus === LEAF_SUCCESS) {
      writer.bytes(LEAF_SUCCESS_SUMMARY_END);
      return;
    }
    writer.bytes(call._leafStatus === LEAF_SUCCESS ? LEAF_SUCCESS_SUMMARY : LEAF_ERROR_SUMMARY);
  } else if (call.exception === null && summary !== undefined && isLeafSuccessSummary(summary)) {
    writer.bytes(LEAF_SUCCESS_SUMMARY_END);
    return;
  } else {
    writer.bytes(SUMMARY);
    writer.value(call.summary);
  }
  if (call.exception === null) {
    writer.byte(0x7d);
  } else {
    writer.bytes(EXCEPTION);
    writer.stringContent(call.exception);
    writer.bytes(EXCEPTION_END);
  }
}

/**
 * `{status_counts: {success: 1, error: 0}}` and nothing else, as plain objects: the summary of a
 * leaf call that succeeded and wrote nothing to its summary, recognised by shape.
 */
function isLeafSuccessSummary(summary: Record<string, unknown>): boolean {
  const counts = summary.status_counts as Record<string, unknown> | undefined;
  return (
    counts !== undefined &&
    counts !== null &&
    counts.success === 1 &&
    counts.error === 0 &&
    Object.getPrototypeOf(summary) === Object.prototype &&
    Object.getPrototypeOf(counts) === Object.prototype &&
    keyCount(summary) === 1 &&
    keyCount(counts) === 2
  );
}

function keyCount(object: object): number {
  let keys = 0;
  for (const _ in object) keys += 1;
  return keys;
}

/**
 * A `/v2/{entity}/{project}/calls/complete` item: the call's start and end merged (the call has
 * ended: `_endedAtMicros` is set). On a throw
 * (a value JSON cannot hold) part of the item may have been written: the caller rolls back.
 */
export function writeComplete(writer: ByteWriter, call: Call, bounds: ItemBounds): void {
  const start = writer.length;
  writeHead(writer, call);
  // The id's closing quote is the first byte of the start fields.
  const afterId = writer.length + 1;
  writeStartFields(writer, call);
  const afterStart = writer.length;
  writeEndFields(writer, call);
  bounds.add(start, afterId, afterStart, writer.length);
}

/** A `/call/upsert_batch` start item. */
export function writeStart(writer: ByteWriter, call: Call, bounds: ItemBounds): void {
  const start = writer.length;
  writer.bytes(START_OPEN);
  writeHead(writer, call);
  writeStartFields(writer, call);
  writer.bytes(CLOSE_THREE);
  bounds.add(start, start, start, writer.length);
}

/** A `/call/upsert_batch` end item. */
export function writeEnd(writer: ByteWriter, call: Call, bounds: ItemBounds): void {
  const start = writer.length;
  writer.bytes(END_OPEN);
  writeHead(writer, call);
  writer.byte(QUOTE);
  writeEndFields(writer, call);
  writer.bytes(CLOSE_TWO);
  bounds.add(start, start, start, writer.length);
}

/** The start item cut from complete item `item` of `body`, whose items are at `from`. */
export function writeStartOfComplete(
  writer: ByteWriter,
  body: Buffer,
  from: ItemBounds,
  item: number,
  bounds: ItemBounds,
): void {
  const start = writer.length;
  writer.bytes(START_OPEN);
  writer.bytes(body.subarray(from.start(item), from.afterStart(item)));
  writer.bytes(CLOSE_THREE);
  bounds.add(start, start, start, writer.length);
}

/** The end item cut from complete item `item` of `body`, whose items are at `from`. */
export function writeEndOfComplete(
  writer: ByteWriter,
  body: Buffer,
  from: ItemBounds,
  item: number,
  bounds: ItemBounds,
): void {
  const start = writer.length;
  writer.bytes(END_OPEN);
  writer.bytes(body.subarray(from.start(item), from.afterId(item)));
  // The end fields and the brace that closes them, then the envelope's.
  writer.bytes(body.subarray(from.afterStart(item), from.end(item)));
  writer.bytes(CLOSE_TWO);
  bounds.add(start, start, start, writer.length);
}

/** The parts a queued call carries now: its start if not taken yet, its end if queued and not taken. */
export function queuedParts(call: Call): number {
  return (call._startTaken ? 0 : 1) + (call._endQueued && !call._endTaken ? 1 : 0);
}
