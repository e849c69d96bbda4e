/**
 * What the SDK knows about one op: its name, how to name its inputs, and its ref. An op version is
 * stored as an object whose value names its source file (docs/protocol.md §8.3); the SDK computes
 * that object's digest itself, as the server will, so the ref is known at the first call without a
 * round trip and the op is saved in the background. Same source → same digest in every run.
 */
import { bytesDigest, objectDigest } from '@weft/protocol/digest';
import { encodeRefPart, isWeaveRef } from '@weft/protocol/refs';
import { type Serialized, type SerializeOptions, serializeInputs } from '../serialize/serialize.js';
import type { Call } from './call.js';

export const OP_STATE: unique symbol = Symbol.for('weft.op');

export interface OpState {
  /** The op's name; for a decorated method it may gain its class name when the first instance is made. */
  name: string;
  /** The function's source text, saved as the op version's file. */
  readonly source: string;
  readonly callDisplayName: string | ((call: Call) => string) | undefined;
  readonly parameterNames: readonly string[] | undefined;
  serializeArgs(args: readonly unknown[], options: SerializeOptions): Serialized;
  /** A full op ref given by name to `createCall`, used as it is in every project. */
  readonly fixedRef: string | undefined;
  /** Cache of the last project's ref (almost always the only one). */
  refProject: string | undefined;
  ref: string | undefined;
  /** The op version's object value and digest, computed on first use. */
  version: OpVersion | undefined;
  /** The op function itself, so reading an op ref back in this process gives the live op. */
  fn: WeakRef<object> | undefined;
  /** The function the op wraps (for running it as a call made elsewhere, as scorers are). */
  body?: (...args: never[]) => unknown;
  /**
   * The recorder (by its number) that last asked for this op's `saveAskedRef` to be saved: later
   * calls of the same version ask again the cheap way (see CallRecorder.saveOp).
   */
  saveAskedBy: number;
  saveAskedRef: string | undefined;
}

/** What an op version stores: a placeholder object naming the source file (as Weave's SDKs write it). */
export interface OpVersion {
  /** The object id: the op's name made valid for `object_id` (see objectIdFromName). */
  objectId: string;
  fileName: string;
  fileDigest: string;
  val: OpObjectValue;
  digest: string;
}

export interface OpObjectValue {
  _type: 'CustomWeaveType';
  weave_type: { type: 'Op' };
  files: Record<string, string>;
  load_op: 'NO_LOAD_OP';
}

/**
 * The source file's name. Weave's SDKs (Python and JS alike) call it `obj.py`, and Weave's UI reads
 * the code from that name, so weft keeps it for JavaScript source too.
 */
export const OP_SOURCE_FILE = 'obj.py';

/** Characters an object id cannot hold, in runs (linear: regex-safety.test.ts). */
export const NOT_ID_CHARACTERS = /[^\p{L}\p{N}_.-]+/gu;
export const SEPARATOR_RUNS = /-{2,}/g;

/**
 * Without leading and trailing `-` and `_`. A loop, not `/^[-_]+|[-_]+$/g`: that pattern retries
 * the run at every position of a long run of `_` inside a name, quadratic in its length.
 */
function trimSeparators(text: string): string {
  const separator = (char: string | undefined) => char === '-' || char === '_';
  let start = 0;
  let end = text.length;
  while (start < end && separator(text[start])) start++;
  while (end > start && separator(text[end - 1])) end--;
  return text.slice(start, end);
}

/**
 * A name as an `object_id` (1–128 letters, digits and `_.-`, docs/protocol.md §8.2): other characters become
 * `-`, runs of separators collapse, leading and trailing ones go. The call keeps the real name.
 */
export function objectIdFromName(name: string): string {
  const cleaned = trimSeparators(name.replace(NOT_ID_CHARACTERS, '-').replace(SEPARATOR_RUNS, '-'));
  // 128 code points, as the server counts them; never half a surrogate pair.
  const limited = Array.from(cleaned).slice(0, 128).join('');
  return limited || 'anonymous';
}

export function opVersion(state: OpState): OpVersion {
  if (state.version && state.version.objectId === objectIdFromName(state.name)) return state.version;
  const fileDigest = bytesDigest(state.source);
  const val: OpObjectValue = {
    _type: 'CustomWeaveType',
    weave_type: { type: 'Op' },
    files: { [OP_SOURCE_FILE]: fileDigest },
    load_op: 'NO_LOAD_OP',
  };
  state.version = {
    objectId: objectIdFromName(state.name),
    fileName: OP_SOURCE_FILE,
    fileDigest,
    val,
    digest: objectDigest(val),
  };
  return state.version;
}

export function createOpState(options: {
  name: string;
  source: string;
  callDisplayName?: string | ((call: Call) => string) | undefined;
  parameterNames?: readonly string[] | undefined;
  fixedRef?: string | undefined;
}): OpState {
  const parameterNames = options.parameterNames;
  return {
    name: options.name,
    source: options.source,
    callDisplayName: options.callDisplayName,
    parameterNames,
    serializeArgs: (args, serializeOptions) => serializeInputs(args, parameterNames, serializeOptions),
    fixedRef: options.fixedRef,
    refProject: undefined,
    ref: undefined,
    version: undefined,
    fn: undefined,
    saveAskedBy: 0,
    saveAskedRef: undefined,
  };
}

/** `weave:///<entity>/<project>/op/<name>:<digest>` for this op in a project. */
export function opRef(state: OpState, projectId: string): string {
  if (state.fixedRef !== undefined) return state.fixedRef;
  if (state.refProject === projectId && state.ref !== undefined) return state.ref;
  const version = opVersion(state);
  state.ref = `weave:///${projectId}/op/${encodeRefPart(version.objectId)}:${version.digest}`;
  state.refProject = projectId;
  if (state.fn) rememberLiveOp(state.ref, state.fn);
  return state.ref;
}

/** Ops of this process by ref, so `get(opRef)` can hand back the function itself. */
const liveOps = new Map<string, WeakRef<object>>();

function rememberLiveOp(ref: string, fn: WeakRef<object>): void {
  // Ops made at run time (one per request, say) must not grow this without bound.
  if (liveOps.size >= 10_000) liveOps.clear();
  liveOps.set(ref, fn);
}

/** The op function of this process with this ref, if it is still alive. */
export function liveOpByRef(ref: string): object | undefined {
  return liveOps.get(ref)?.deref();
}

/** Forget cached refs (after a decorated method learns its class name). */
export function renameOp(state: OpState, name: string): void {
  state.name = name;
  state.ref = undefined;
  state.refProject = undefined;
  state.version = undefined;
}

/** The OpState of an op made by `op()`, or undefined for any other value. */
export function opStateOf(value: unknown): OpState | undefined {
  return (value as { [OP_STATE]?: OpState } | null | undefined)?.[OP_STATE];
}

const namedOps = new Map<string, OpState>();
/** Plain functions given to `createCall`: one OpState each, so the source is hashed once. */
const functionOps = new WeakMap<object, OpState>();

/**
 * The op behind `createCall`'s `op` argument: an op made by `op()`, or a name. A name that is
 * already an op ref is used as it is; any other string names an op with no source of its own.
 */
export function resolveOpState(op: unknown): OpState {
  const state = opStateOf(op);
  if (state) return state;
  if (typeof op === 'function') {
    let state = functionOps.get(op);
    if (!state) {
      state = createOpState({ name: op.name || 'anonymous', source: op.toString() });
      functionOps.set(op, state);
    }
    return state;
  }
  const name = typeof op === 'string' && op ? op : 'anonymous';
  let named = namedOps.get(name);
  if (!named) {
    named = createOpState({
      name,
      // Stable text, so the op keeps one version across runs; there is no function to show.
      source: `// The op "${name}" is named by client.createCall and has no source of its own.\n`,
      fixedRef: isWeaveRef(name) ? name : undefined,
    });
    // Names made up at run time must not grow this without bound.
    if (namedOps.size >= 10_000) namedOps.clear();
    namedOps.set(name, named);
  }
  return named;
}
