/**
 * Encodes queued calls as `/call/upsert_batch` items, straight to JSON text. Sending is the SDK's
 * largest per-call cost after the call itself, so the structural JSON is written by hand, shared
 * values (attributes, op names, project) are encoded once and reused, and only inputs, output
 * and summary go through JSON.stringify per call.
 */
import { formatTimestampMicros } from '@weft/protocol/datetime';
import type { Call } from './call.js';

const encodedAttributes = new WeakMap<object, string>();
const quoted = new Map<string, string>();

/** JSON.stringify for strings that repeat across calls (project ids, op refs). */
function quote(text: string): string {
  let encoded = quoted.get(text);
  if (encoded === undefined) {
    encoded = JSON.stringify(text);
    if (quoted.size > 10_000) quoted.clear();
    quoted.set(text, encoded);
  }
  return encoded;
}

function encodeAttributes(attributes: Record<string, unknown>): string {
  let encoded = encodedAttributes.get(attributes);
  if (encoded === undefined) {
    encoded = JSON.stringify(attributes);
    // Attribute objects are frozen and shared by every call in their context.
    if (Object.isFrozen(attributes)) encodedAttributes.set(attributes, encoded);
  }
  return encoded;
}

export function encodeStart(call: Call): string {
  let text =
    `{"mode":"start","req":{"start":{"project_id":${quote(call.project_id)},"id":${JSON.stringify(call.id)}` +
    `,"op_name":${quote(call.op_name)},"trace_id":${JSON.stringify(call.trace_id)}` +
    `,"started_at":"${formatTimestampMicros(call._startedAtMicros)}"`;
  if (call.parent_id) text += `,"parent_id":${JSON.stringify(call.parent_id)}`;
  if (call.display_name) text += `,"display_name":${JSON.stringify(call.display_name)}`;
  return `${text},"attributes":${encodeAttributes(call.attributes)},"inputs":${JSON.stringify(call.inputs)}}}}`;
}

export function encodeEnd(call: Call, endedAtMicros: number): string {
  let text =
    `{"mode":"end","req":{"end":{"project_id":${quote(call.project_id)},"id":${JSON.stringify(call.id)}` +
    `,"ended_at":"${formatTimestampMicros(endedAtMicros)}","output":${JSON.stringify(call.output) ?? 'null'}` +
    `,"summary":${JSON.stringify(call.summary)}`;
  if (call.exception !== null) text += `,"exception":${JSON.stringify(call.exception)}`;
  return `${text}}}}`;
}

/** The parts a queued call carries now: its start if not taken yet, its end if queued and not taken. */
export function queuedParts(call: Call): number {
  return (call._startTaken ? 0 : 1) + (call._endQueued && !call._endTaken ? 1 : 0);
}

/**
 * The encoded items for a batch of queued calls. Marks what it takes, so each part is sent
 * exactly once. A call that cannot be encoded (user code put a BigInt or a cycle into its
 * summary after it ended) is reported and skipped; the batcher counts its parts as dropped.
 */
export function encodeBatchItems(calls: readonly Call[], onError: (error: unknown) => void): string[] {
  const items: string[] = [];
  for (const call of calls) {
    const start = !call._startTaken;
    const end = call._endQueued && !call._endTaken && call._endedAtMicros !== null;
    call._startTaken = true;
    if (end) call._endTaken = true;
    try {
      if (start) items.push(encodeStart(call));
      if (end) items.push(encodeEnd(call, call._endedAtMicros as number));
    } catch (error) {
      onError(error);
    }
  }
  return items;
}
