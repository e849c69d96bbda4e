/**
 * What the SDK knows about one op: its name, how to name its inputs, and its ref. The ref's digest
 * comes from the function's source until op versions are stored as objects; computed once per op.
 */
import { bytesDigest } from '@weft/protocol/digest';
import { encodeRefPart, isWeaveRef } from '@weft/protocol/refs';
import type { Call } from './call.js';
import { type Serialized, type SerializeOptions, serializeInputs } from './serialize.js';

export const OP_STATE: unique symbol = Symbol.for('weft.op');

export interface OpState {
  /** The op's name; for a decorated method it may gain its class name when the first instance is made. */
  name: string;
  /** The source the digest is taken from. */
  readonly source: string;
  readonly callDisplayName: string | ((call: Call) => string) | undefined;
  readonly parameterNames: readonly string[] | undefined;
  serializeArgs(args: readonly unknown[], options: SerializeOptions): Serialized;
  /** A full op ref given by name to `createCall`, used as it is in every project. */
  readonly fixedRef: string | undefined;
  /** Cache of the last project's ref (almost always the only one). */
  refProject: string | undefined;
  ref: string | undefined;
  digest: string | undefined;
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
    digest: undefined,
  };
}

/** `weave:///<entity>/<project>/op/<name>:<digest>` for this op in a project. */
export function opRef(state: OpState, projectId: string): string {
  if (state.fixedRef !== undefined) return state.fixedRef;
  if (state.refProject === projectId && state.ref !== undefined) return state.ref;
  state.digest ??= bytesDigest(state.source);
  state.ref = `weave:///${projectId}/op/${encodeRefPart(state.name)}:${state.digest}`;
  state.refProject = projectId;
  return state.ref;
}

/** Forget cached refs (after a decorated method learns its class name). */
export function renameOp(state: OpState, name: string): void {
  state.name = name;
  state.ref = undefined;
  state.refProject = undefined;
}

const namedOps = new Map<string, OpState>();

/**
 * The op behind `createCall`'s `op` argument: an op made by `op()`, or a name. A name that is
 * already an op ref is used as it is; any other string names an op with no source of its own.
 */
export function resolveOpState(op: unknown): OpState {
  const state = (op as { [OP_STATE]?: OpState } | null | undefined)?.[OP_STATE];
  if (state) return state;
  if (typeof op === 'function') {
    return createOpState({ name: op.name || 'anonymous', source: op.toString() });
  }
  const name = typeof op === 'string' && op ? op : 'anonymous';
  let named = namedOps.get(name);
  if (!named) {
    named = createOpState({
      name,
      source: `op:${name}`,
      fixedRef: isWeaveRef(name) ? name : undefined,
    });
    // Names made up at run time must not grow this without bound.
    if (namedOps.size >= 10_000) namedOps.clear();
    namedOps.set(name, named);
  }
  return named;
}
