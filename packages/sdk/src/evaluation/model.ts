/**
 * What an evaluation runs on each row: an op (or a function), or a `Model` object with a
 * `predict` method. Like scorers, a model is given the row's fields by name: one destructured
 * object, or plain parameters matched by their names (evaluation/scorer.ts).
 */
import { WeaveObject } from '../objects/weave-object.js';
import { createOpState, type OpState, opStateOf, resolveOpState } from '../tracing/op-state.js';
import { parameterNames } from './scorer.js';

/** A model with settings of its own (a prompt, a temperature), stored as an object. */
export abstract class Model extends WeaveObject {
  abstract predict(row: Record<string, unknown>): unknown;
}

// biome-ignore lint/suspicious/noExplicitAny: a model function takes whatever its author declared.
export type ModelLike = Model | ((...args: any[]) => unknown);

export interface ModelPlan {
  state: OpState;
  self: Model | undefined;
  /** The model as recorded in the evaluation's inputs (a Model object, or the op). */
  recorded: unknown;
  run(row: Record<string, unknown>): { inputs: Record<string, unknown>; invoke: () => unknown };
}

const classOps = new WeakMap<object, OpState>();

export function planModel(model: ModelLike): ModelPlan {
  if (model instanceof Model) {
    const method = model.predict;
    let state = classOps.get(method);
    if (!state) {
      state = createOpState({
        name: `${model.constructor.name || 'Model'}.predict`,
        source: method.toString(),
      });
      classOps.set(method, state);
    }
    return {
      state,
      self: model,
      recorded: model,
      run: (row) => ({ inputs: { self: model, ...row }, invoke: () => model.predict(row) }),
    };
  }
  if (typeof model !== 'function') throw new TypeError('a model is an op, a function or a Model object');
  const state = opStateOf(model) ?? resolveOpState(model);
  const body = (state.body ?? model) as (...args: unknown[]) => unknown;
  const names = parameterNames(state.source);
  return {
    state,
    self: undefined,
    recorded: model,
    run: (row) => {
      // A copy: a stored Dataset's row object is recorded as its ref, and inputs are an object.
      if (names === 'object') return { inputs: { ...row }, invoke: () => body(row) };
      const inputs = Object.fromEntries(names.map((name) => [name, row[name]]));
      return { inputs, invoke: () => body(...names.map((name) => row[name])) };
    },
  };
}
