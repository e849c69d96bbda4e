/**
 * The current call and attributes, carried through awaits, timers and event emitters by
 * AsyncLocalStorage. Code runs in a new context with `run` (an op's body, `withAttributes`): the
 * store a caller is using is never replaced under it. The one exception is `createCall`'s
 * `useStack`, which must make a call current without a callback to run it in: `pushCall` and
 * `popCall` below, through `switchStack`, the only place that changes the context of running code.
 *
 * A store is one of:
 * - a Call: inside an op's body (its `_contextAttributes` are the attributes in effect), which
 *   saves an allocation per traced call;
 * - a Frame: inside `withAttributes`;
 * - a StackEntry: after `createCall` pushed a call (see `pushCall`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { JsonValue } from '../serialize/serialize.js';
import { serialize } from '../serialize/serialize.js';
import { Call } from './call.js';

export type Attributes = Readonly<Record<string, JsonValue>>;

export interface Frame {
  /** The call in effect, or the stack entry it comes from (so that it stops counting when it ends). */
  readonly call: Call | StackEntry | undefined;
  /** Merged attributes of every enclosing `withAttributes`, already serialized and frozen. */
  readonly attributes: Attributes | undefined;
}

/**
 * A call `createCall` made current, over what was current before it. Unlike the other stores it
 * changes, in two ways no lookup can tell apart from the original, so that a context never keeps
 * a finished call alive however calls are finished (out of order, or elsewhere):
 * - `call` is cleared when the call ends: lookups then see `below`, as if the call had been
 *   popped in every context that still holds this entry;
 * - `below` is re-pointed past entries whose call has ended (`compact`).
 */
export class StackEntry {
  constructor(
    public call: Call | undefined,
    public below: ContextStore,
  ) {}
}

export type ContextStore = Call | Frame | StackEntry;

export const contextStorage = new AsyncLocalStorage<ContextStore>();

/** What was current before a push onto a context that had no store. */
const EMPTY_FRAME: Frame = Object.freeze({ call: undefined, attributes: undefined });

/** The store that counts: entries whose call has ended are stepped past. */
function live(store: ContextStore): ContextStore;
function live(store: ContextStore | undefined): ContextStore | undefined;
function live(store: ContextStore | undefined): ContextStore | undefined {
  let current = store;
  while (current instanceof StackEntry && current.call === undefined) current = current.below;
  return current;
}

/**
 * Unlinks the ended entries under `store`, so a chain of pushes holds only running calls. It
 * walks every running call on the stack, as the seed's `push_call` copies its whole stack list.
 */
function compact(store: ContextStore | undefined): void {
  for (let entry = store; entry instanceof StackEntry; entry = entry.below) {
    entry.below = live(entry.below);
  }
}

export function callOf(store: ContextStore | undefined): Call | undefined {
  const current = live(store);
  if (current instanceof StackEntry) return current.call;
  if (current instanceof Call || current === undefined) return current;
  return current.call instanceof StackEntry ? callOf(current.call) : current.call;
}

export function attributesOf(store: ContextStore | undefined): Attributes | undefined {
  const current = live(store);
  if (current instanceof StackEntry) return current.call?._contextAttributes;
  return current instanceof Call ? current._contextAttributes : current?.attributes;
}

/** The call whose op is running here, or undefined outside any traced call. */
export function getCurrentCall(): Call | undefined {
  return callOf(contextStorage.getStore());
}

/**
 * `fn.apply(thisArg, args)` with `store` as the context (an op's body inside its call). Through
 * `Reflect.apply`, so that no closure is made per call.
 */
export function applyInContext<T>(
  store: ContextStore,
  fn: (...args: never[]) => T,
  thisArg: unknown,
  args: unknown[],
): T {
  return contextStorage.run(store, Reflect.apply, fn, thisArg, args) as T;
}

/**
 * Runs `fn` outside any call, for background work the SDK starts from user code and keeps after
 * the call it started in (an op's save). On Node 20 and 22, AsyncLocalStorage keeps the store on
 * every promise and timer made in a context, for as long as that object lives: a promise the SDK
 * keeps for good, made inside an op, would keep the op's call (inputs, output) for good too.
 * Node 24 keeps a context only for callbacks still to run, but the same code serves all three.
 */
export function outsideCalls<T>(fn: () => T): T {
  return contextStorage.run(EMPTY_FRAME, fn);
}

/**
 * Makes `call` the current call for the code that runs after this in the same flow, without a
 * callback to run it in: `createCall(..., { useStack: true })`, the seed's
 * `create_call(use_stack=True)`. `popCall` undoes it when the call ends.
 */
export function pushCall(call: Call): void {
  const below = live(contextStorage.getStore()) ?? EMPTY_FRAME;
  compact(below);
  const entry = new StackEntry(call, below);
  call._stackEntry = entry;
  switchStack(entry);
}

/**
 * `call` has ended: it stops counting wherever it was pushed (its entry lets go of it), and if it
 * was on top of this context's stack, what was current before it is current again.
 */
export function popCall(call: Call): void {
  const entry = call._stackEntry;
  if (entry === undefined) return;
  entry.call = undefined;
  call._stackEntry = undefined;
  const store = contextStorage.getStore();
  // Only a context that was pushed onto is ever switched back.
  if (!(store instanceof StackEntry)) return;
  const current = live(store) ?? EMPTY_FRAME;
  compact(current);
  if (current !== store) switchStack(current);
}

/**
 * The one place the SDK changes the context of code that is already running
 * (`AsyncLocalStorage.enterWith`), for `pushCall` and `popCall` only; everything else runs code
 * in a new context with `run`.
 *
 * What sees a pushed call, the same on Node 20, 22 and 24 (packages/sdk/test/tracing-context.test.ts,
 * run on each by scripts/test-sdk-node-versions.sh):
 * - the rest of the synchronous code, and everything it starts: awaits in the same async
 *   function, promise callbacks, timers, immediates, `process.nextTick`, listeners of events it
 *   emits;
 * - the caller of an async function that pushed before its first `await`, since the function
 *   runs in its caller's context until then (as a Python coroutine shares its caller's task):
 *   concurrent tasks that must not see each other's calls reach an `await` before `createCall`,
 *   or are ops, or pass `useStack: false` and a `parent`;
 * - not code started before the push (tasks already waiting, callbacks registered earlier): it
 *   keeps the context it captured.
 * Once the call has ended it counts nowhere, not even in contexts that captured it while it ran.
 *
 * What differs: a later, separate callback of an async resource that was running when the push
 * happened (a second `runInAsyncScope` of one AsyncResource, a function bound with
 * `AsyncResource.bind`) sees the pushed call, while it runs, on Node 20 and 22, where ALS keeps
 * the value on the running async resource; not on Node 24, where ALS is built on
 * AsyncContextFrame and an entered value lasts until that callback returns (nodejs/node#58204).
 * Finishing the call before the callback returns, as `op` does, leaves nothing to differ.
 */
function switchStack(store: ContextStore): void {
  contextStorage.enterWith(store);
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
  // A pushed call is held through its entry, so that it stops counting here when it ends.
  const current = live(outer);
  const call =
    current === undefined || current instanceof Call || current instanceof StackEntry
      ? current
      : current.call;
  return contextStorage.run({ call, attributes: merged }, fn);
}
