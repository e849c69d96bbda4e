/**
 * What an evaluation runs on each row: an op (or a function), or a `Model` object with a
 * `predict` method. Like scorers, a model is given the row's fields by name: one destructured
 * object, or plain parameters matched by their names (evaluation/scorer.ts).
 */
import { WeaveObject } from '../objects/weave-object.js';
import type { OpState } from '../tracing/op-state.js';
import { methodOp, planFunction } from './scorer.js';

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

export function planModel(model: ModelLike): ModelPlan {
  if (model instanceof Model) {
    return {
      state: methodOp(model, model.predict, 'predict'),
      self: model,
      recorded: model,
      run: (row) => ({ inputs: { self: model, ...row }, invoke: () => model.predict(row) }),
    };
  }
  if (typeof model !== 'function') throw new TypeError('a model is an op, a function or a Model object');
  return { ...planFunction(model), self: undefined, recorded: model };
}
