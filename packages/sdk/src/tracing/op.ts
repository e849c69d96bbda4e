/**
 * `op(fn)`: every call of `fn` becomes a traced call. Sync functions stay sync and async ones
 * async; generators are traced until exhausted; `this` is kept; errors are recorded and re-thrown
 * unchanged. Before `init()` an op is a plain pass-through. Tracing trouble never reaches user code.
 */

import { getClient } from '../client/init.js';
import type { Call } from './call.js';
import type { CallRecorder } from './call-recorder.js';
import { applyInContext, contextStorage } from './context.js';
import { createOpState, OP_STATE, type OpState, renameOp } from './op-state.js';
import { traceIteration } from './traced-generators.js';

// biome-ignore lint/suspicious/noExplicitAny: an op wraps functions of any signature.
type AnyFunction = (this: any, ...args: any[]) => any;

export interface OpOptions {
  /** The op's name (default: the function's name). */
  name?: string;
  /** The display name of each call: a string, or computed from the call (its inputs are set). */
  callDisplayName?: string | ((call: Call) => string);
  /** Input keys for the positional arguments (default arg0, arg1, …). */
  parameterNames?: string[];
}

type Invoked<F extends AnyFunction> =
  ReturnType<F> extends PromiseLike<infer R>
    ? Promise<[R, Call | undefined]>
    : [ReturnType<F>, Call | undefined];

export type Op<F extends AnyFunction> = F & {
  /** Runs the op and also returns its call (undefined when not tracing, i.e. before `init`). */
  invoke(this: ThisParameterType<F>, ...args: Parameters<F>): Invoked<F>;
  /** The op's name. */
  readonly opName: string;
  readonly [OP_STATE]: OpState;
};

/** Matches TypeScript's standard method-decorator context without requiring its lib types. */
interface MethodDecoratorContext {
  kind: 'method';
  name: string | symbol;
  static: boolean;
  addInitializer(initializer: (this: unknown) => void): void;
}

function isDecoratorContext(value: unknown): value is MethodDecoratorContext {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'method';
}

export function op<F extends AnyFunction>(fn: F, options?: OpOptions): Op<F>;
/** As a method decorator: `@op` or `@op({ name })`. */
export function op<F extends AnyFunction>(fn: F, context: MethodDecoratorContext): Op<F>;
export function op(options: OpOptions): <F extends AnyFunction>(fn: F, context?: unknown) => Op<F>;
export function op(first: unknown, second?: unknown, third?: unknown): unknown {
  if (typeof first !== 'function') {
    const options = (first ?? {}) as OpOptions;
    return (fn: AnyFunction, context?: unknown, descriptor?: unknown) =>
      decorate(fn, context, descriptor, options);
  }
  if (isDecoratorContext(second) || isLegacyDescriptor(third)) {
    return decorate(first as AnyFunction, second, third, {});
  }
  return wrap(first as AnyFunction, (second ?? {}) as OpOptions);
}

function isLegacyDescriptor(value: unknown): value is PropertyDescriptor {
  return (
    typeof value === 'object' && value !== null && typeof (value as PropertyDescriptor).value === 'function'
  );
}

/** Standard (TS 5) and legacy (`experimentalDecorators`) method decorators. */
function decorate(target: unknown, context: unknown, descriptor: unknown, options: OpOptions): unknown {
  if (isDecoratorContext(context)) {
    const methodName = String(context.name);
    const wrapped = wrap(target as AnyFunction, { ...options, name: options.name ?? methodName });
    if (!options.name) {
      const state = wrapped[OP_STATE];
      context.addInitializer(function (this: unknown) {
        const owner = context.static
          ? (this as { name?: string })
          : (this as { constructor?: { name?: string } }).constructor;
        if (owner?.name && state.name === methodName) renameOp(state, `${owner.name}.${methodName}`);
      });
    }
    return wrapped;
  }
  if (isLegacyDescriptor(descriptor)) {
    const owner =
      typeof target === 'function' ? target : (target as { constructor?: { name?: string } }).constructor;
    const name = options.name ?? `${owner?.name ? `${owner.name}.` : ''}${String(context)}`;
    descriptor.value = wrap(descriptor.value as AnyFunction, { ...options, name });
    return descriptor;
  }
  if (typeof target === 'function') return wrap(target as AnyFunction, options);
  throw new TypeError('op() decorates methods and wraps functions');
}

function wrap<F extends AnyFunction>(fn: F, options: OpOptions): Op<F> {
  if ((fn as unknown as Partial<Op<F>>)[OP_STATE]) return fn as Op<F>;
  const state = createOpState({
    name: options.name ?? (fn.name || 'anonymous'),
    source: fn.toString(),
    callDisplayName: options.callDisplayName,
    parameterNames: options.parameterNames,
  });
  const traced = function (this: unknown, ...args: unknown[]): unknown {
    return run(state, fn, this, args, false);
  } as Op<F>;
  state.fn = new WeakRef(traced);
  state.body = fn as (...args: never[]) => unknown;
  Object.defineProperties(traced, {
    name: { value: fn.name, configurable: true },
    length: { value: fn.length, configurable: true },
    [OP_STATE]: { value: state },
    opName: { get: () => state.name },
    invoke: {
      value(this: unknown, ...args: unknown[]) {
        return run(state, fn, this, args, true);
      },
    },
  });
  return traced;
}

function run(state: OpState, fn: AnyFunction, thisArg: unknown, args: unknown[], withCall: boolean): unknown {
  const client = getClient();
  if (client === undefined) {
    const result: unknown = fn.apply(thisArg, args);
    if (!withCall) return result;
    return isPromiseLike(result)
      ? Promise.resolve(result).then((value) => [value, undefined])
      : [result, undefined];
  }
  const outer = contextStorage.getStore();
  let call: Call;
  try {
    call = client._recorder.startOpCall(state, args, outer);
  } catch (error) {
    // Tracing trouble: the function still runs, untraced.
    client.noteInternalError('starting a call failed', error);
    const result: unknown = fn.apply(thisArg, args);
    return withCall ? [result, undefined] : result;
  }
  let result: unknown;
  try {
    result = applyInContext(call, fn, thisArg, args);
  } catch (error) {
    client._recorder.endCall(call, undefined, true, error);
    throw error;
  }
  return settle(client._recorder, call, result, withCall);
}

function settle(recorder: CallRecorder, call: Call, result: unknown, withCall: boolean): unknown {
  if (isPromiseLike(result)) {
    // A new promise, not the original: a rejection the caller ignores must still surface as an
    // unhandled rejection, as it would without tracing.
    return result.then(
      (value) => {
        const returned = traceIteration(recorder, call, value);
        if (returned === value) recorder.endCall(call, value, false);
        return withCall ? [returned, call] : returned;
      },
      (error: unknown) => {
        recorder.endCall(call, undefined, true, error);
        throw error;
      },
    );
  }
  const returned = traceIteration(recorder, call, result);
  if (returned === result) recorder.endCall(call, result, false);
  return withCall ? [returned, call] : returned;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value instanceof Promise ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as PromiseLike<unknown>).then === 'function')
  );
}
