/**
 * Scorers (the seed's `Scorer` and `call.apply_scorer`; docs/architecture.md, "Scorers"): code
 * that judges a call from its inputs and output. A scorer is an op (or a plain function), or a
 * `Scorer` object with a `score` method and an optional `summarize`.
 *
 * TypeScript has no keyword arguments, so a scorer is given what Python passes by name as one
 * object: the scored call's inputs (renamed by `columnMap`), `output`, and any additional values.
 * A function whose first parameter is destructured (`({ output, expected }) => ...`) receives that
 * object; a function with plain parameters (`(output, expected) => ...`) receives them by name,
 * in its own order, read from its source text.
 */
import { WeaveObject } from '../objects/weave-object.js';
import { createOpState, type OpState, opStateOf, resolveOpState } from '../tracing/op-state.js';

/** What a scorer is given: the call's inputs, its `output`, and any additional values. */
export type ScorerArgs = Record<string, unknown> & { output?: unknown };

export interface ScorerFields {
  name?: string;
  description?: string;
  /** Renames: the name a scorer reads → the input (or dataset column) it comes from. */
  columnMap?: Record<string, string>;
}

/** A scorer with state of its own, stored as an object (its ref is the feedback's runnable_ref). */
export abstract class Scorer extends WeaveObject {
  columnMap?: Record<string, string>;

  constructor(fields: ScorerFields = {}) {
    super(fields);
    if (fields.columnMap) this.columnMap = fields.columnMap;
  }

  abstract score(args: ScorerArgs): unknown;

  /** Sums up this scorer's results over an evaluation; by default means and true counts. */
  summarize?(scores: readonly unknown[]): unknown;
}

// biome-ignore lint/suspicious/noExplicitAny: a scorer function takes whatever its author declared.
export type ScorerFunction = (...args: any[]) => unknown;
export type ScorerLike = Scorer | ScorerFunction;

/** How a scorer is run: the op its calls are made of, and the body that is called with the args. */
export interface ScorerPlan {
  state: OpState;
  /** The scorer object, for `Scorer` instances: recorded as `self`, and the feedback's runnable. */
  self: Scorer | undefined;
  columnMap: Record<string, string> | undefined;
  /** The call's recorded inputs and the body's result, for the args. */
  run(args: ScorerArgs): { inputs: Record<string, unknown>; invoke: () => unknown };
}

/** One op per class method (`<Class>.score`, `<Class>.predict`), named as Weave names them. */
const methodOps = new WeakMap<object, OpState>();

export function methodOp(
  instance: object,
  method: (...args: never[]) => unknown,
  methodName: string,
): OpState {
  let state = methodOps.get(method);
  if (!state) {
    const owner = (instance as { constructor?: { name?: string } }).constructor?.name || 'Object';
    state = createOpState({ name: `${owner}.${methodName}`, source: method.toString() });
    methodOps.set(method, state);
  }
  return state;
}

/** How an op or a plain function is run on named arguments (a scorer's, or a model's row). */
export interface FunctionPlan {
  state: OpState;
  run(args: Record<string, unknown>): { inputs: Record<string, unknown>; invoke: () => unknown };
}

export function planFunction(fn: ScorerFunction): FunctionPlan {
  const state = opStateOf(fn) ?? resolveOpState(fn);
  // An op's own body, so running it makes one call (the one made here), not a nested second.
  const body = (state.body ?? fn) as ScorerFunction;
  const names = parameterNames(state.source);
  return {
    state,
    run: (args) => {
      // A copy: a stored Dataset's row object is recorded as its ref, and inputs are an object.
      if (names === 'object') return { inputs: { ...args }, invoke: () => body(args) };
      const inputs = Object.fromEntries(names.map((name) => [name, args[name]]));
      return { inputs, invoke: () => body(...names.map((name) => args[name])) };
    },
  };
}

export function planScorer(scorer: ScorerLike): ScorerPlan {
  if (scorer instanceof Scorer) {
    return {
      state: methodOp(scorer, scorer.score, 'score'),
      self: scorer,
      columnMap: scorer.columnMap,
      run: (args) => ({ inputs: { self: scorer, ...args }, invoke: () => scorer.score(args) }),
    };
  }
  if (typeof scorer !== 'function') throw new TypeError('a scorer is an op, a function or a Scorer object');
  return { ...planFunction(scorer), self: undefined, columnMap: undefined };
}

/**
 * The scorer's parameter names from its source, or `object` when its first parameter is
 * destructured (or it has none we can read, such as `(...args)`): then it is given the object.
 */
export function parameterNames(source: string): string[] | 'object' {
  const match = /^\s*(?:async\s*)?(?:function\b[^(]*)?\(([^)]*)\)|^\s*(?:async\s+)?([\w$]+)\s*=>/.exec(
    source,
  );
  const list = match?.[1] ?? match?.[2];
  if (list === undefined) return 'object';
  const trimmed = list.trim();
  if (trimmed === '' || trimmed.startsWith('{') || trimmed.startsWith('...')) return 'object';
  const names = trimmed.split(',').map((part) => part.split('=')[0]?.trim() ?? '');
  return names.every((name) => /^[\w$]+$/.test(name)) ? names : 'object';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A scorer's arguments: the call's inputs renamed by `columnMap`, `output`, then the extras. An op
 * called with one object (`answer({ question, expected })`, recorded as `arg0`) is scored as if
 * that object's fields were its inputs: TypeScript's way of passing arguments by name.
 */
export function scorerArgs(
  recorded: Record<string, unknown>,
  output: unknown,
  columnMap: Record<string, string> | undefined,
  additional: Record<string, unknown> | undefined,
): ScorerArgs {
  const keys = Object.keys(recorded);
  const inputs =
    keys.length === 1 && keys[0] === 'arg0' && isPlainObject(recorded.arg0) ? recorded.arg0 : recorded;
  const args: ScorerArgs = { ...inputs };
  for (const [name, column] of Object.entries(columnMap ?? {})) {
    if (Object.hasOwn(inputs, column)) args[name] = inputs[column];
  }
  args.output = output;
  return Object.assign(args, additional ?? {});
}
