/**
 * The current call and attributes, carried through awaits, timers and event emitters by
 * AsyncLocalStorage. The store is immutable: entering an op or `withAttributes` runs code with a
 * new store; nothing ever edits the one a caller is using.
 *
 * Inside an op the store is the running Call itself (its `_contextAttributes` are the attributes
 * in effect), which saves an allocation per traced call; `withAttributes` stores a Frame.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { JsonValue } from '../serialize/serialize.js';
import { serialize } from '../serialize/serialize.js';
import { Call } from './call.js';

export type Attributes = Readonly<Record<string, JsonValue>>;

export interface Frame {
  readonly call: Call | undefined;
  /** Merged attributes of every enclosing `withAttributes`, already serialized and frozen. */
  readonly attributes: Attributes | undefined;
}

export type ContextStore = Call | Frame;

export const contextStorage = new AsyncLocalStorage<ContextStore>();

/**
 * The store that counts: a call made current by `createCall` stops counting once it has ended
 * (`enterWith` cannot be undone in every async continuation that saw it).
 */
function effective(store: ContextStore | undefined): ContextStore | undefined {
  let current = store;
  while (current instanceof Call && current._ended && current._stackParent !== undefined) {
    current = current._stackParent;
  }
  return current;
}

export function callOf(store: ContextStore | undefined): Call | undefined {
  const current = effective(store);
  return current instanceof Call ? current : current?.call;
}

export function attributesOf(store: ContextStore | undefined): Attributes | undefined {
  const current = effective(store);
  return current instanceof Call ? current._contextAttributes : current?.attributes;
}

/** The call whose op is running here, or undefined outside any traced call. */
export function getCurrentCall(): Call | undefined {
  return callOf(contextStorage.getStore());
}

/**
 * `fn.apply(thisArg, args)` with `store` as the context: what `contextStorage.run` does, without
 * the argument array `run` allocates for every call.
 */
export function applyInContext<T>(
  store: ContextStore,
  fn: (...args: never[]) => T,
  thisArg: unknown,
  args: unknown[],
): T {
  const outer = contextStorage.getStore();
  contextStorage.enterWith(store);
  try {
    return fn.apply(thisArg, args as never[]);
  } finally {
    contextStorage.enterWith(outer as ContextStore);
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Runs `fn` so that every call started inside it (however deep, across awaits) carries these
 * attributes. Nested uses merge, inner keys winning. Values are copied now: changing the object
 * afterwards does not change what calls record. Returns whatever `fn` returns.
 */
export function withAttributes<T>(attributes: Record<string, unknown>, fn: () => T): T {
  const outer = contextStorage.getStore();
  const copied = serialize(attributes).value;
  const own = typeof copied === 'object' && copied !== null && !Array.isArray(copied) ? copied : {};
  const merged = deepFreeze({ ...(attributesOf(outer) ?? {}), ...own });
  return contextStorage.run({ call: callOf(outer), attributes: merged }, fn);
}
