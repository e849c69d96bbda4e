/**
 * The current call and attributes, carried through awaits, timers and event emitters by
 * AsyncLocalStorage. A frame is immutable: entering an op or `withAttributes` runs code inside a
 * new frame; nothing ever edits the one a caller is using.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Call } from './call.js';
import type { JsonValue } from './serialize.js';
import { serialize } from './serialize.js';

export type Attributes = Readonly<Record<string, JsonValue>>;

export interface Frame {
  readonly call: Call | undefined;
  /** Merged attributes of every enclosing `withAttributes`, already serialized and frozen. */
  readonly attributes: Attributes | undefined;
}

export const contextStorage = new AsyncLocalStorage<Frame>();

export function currentFrame(): Frame | undefined {
  return contextStorage.getStore();
}

/** The call whose op is running here, or undefined outside any traced call. */
export function getCurrentCall(): Call | undefined {
  return contextStorage.getStore()?.call;
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
  const merged = deepFreeze({ ...(outer?.attributes ?? {}), ...own });
  return contextStorage.run({ call: outer?.call, attributes: merged }, fn);
}
