/**
 * `EvaluationLogger` (the seed's imperative evaluation API): for predictions and scores computed
 * elsewhere (another framework, a batch job), logged as they come. It records the same calls as
 * `Evaluation.evaluate` (evaluation.ts), so the UI shows it as any other evaluation:
 *
 *   const logger = new EvaluationLogger({ name: 'nightly', model: 'gpt-4o-prompt-v3', dataset: 'qa' });
 *   const prediction = logger.logPrediction({ inputs: { question }, output: answer });
 *   prediction.logScore('correct', answer === expected);
 *   prediction.finish();
 *   await logger.logSummary();
 *
 * The evaluation's call starts when the logger is made (so it reads as running), each prediction
 * is a predict_and_score call holding a model call and one call per score, and `logSummary` ends
 * it with the summary of the scores (plus anything passed in).
 */
import { getClient } from '../client/init.js';
import type { WeaveClient } from '../client/weave-client.js';
import type { Call } from '../tracing/call.js';
import { createOpState, OP_STATE, type OpState } from '../tracing/op-state.js';
import { recordScore } from './apply-scorer.js';
import { EVALUATE_OP, PREDICT_AND_SCORE_OP, SUMMARIZE_OP } from './evaluation-ops.js';
import { summarizeScores } from './summarize.js';

export interface EvaluationLoggerOptions {
  /** The evaluation's name (default `evaluation`). */
  name?: string;
  /** What made the predictions: a name, or a published model's ref. */
  model: string;
  /** What the rows came from: a name or a Dataset's ref. */
  dataset?: string;
}

export interface LogPredictionOptions {
  inputs: Record<string, unknown>;
  output: unknown;
}

const SOURCE = "// logged with weft's EvaluationLogger\n";

/** One op per model or scorer name, with no code of its own. */
const namedOps = new Map<string, OpState>();
function namedOp(name: string): OpState {
  let state = namedOps.get(name);
  if (!state) {
    state = createOpState({ name, source: SOURCE });
    namedOps.set(name, state);
  }
  return state;
}

function start(
  client: WeaveClient,
  state: OpState,
  inputs: Record<string, unknown>,
  parent: Call | null,
): Call {
  return client.createCall({ [OP_STATE]: state }, inputs, { useStack: false, parent });
}

/** One logged prediction: add its scores, then `finish` it. */
export class ScoreLogger {
  private readonly scores: Record<string, unknown> = {};
  private finished = false;

  /** @internal */
  constructor(
    private readonly client: WeaveClient,
    private readonly row: Call,
    private readonly prediction: Call,
    private readonly output: unknown,
    private readonly onFinish: (scores: Record<string, unknown>) => void,
  ) {}

  /** Records a score (any JSON value) as a call of the scorer and as feedback on the prediction. */
  logScore(scorer: string, score: unknown): void {
    if (this.finished) throw new Error('this prediction is finished; log its scores before finish()');
    const state = namedOp(scorer);
    const call = start(this.client, state, { output: this.output }, this.row);
    this.client.finishCall(call, score);
    this.scores[scorer] = score;
    recordScore(this.client, this.prediction, call, call.op_name, scorer, score);
  }

  /** Ends the prediction's row; its scores count in the summary. Finishing twice does nothing. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    // No model_latency: the prediction was made elsewhere, and its time is not known here.
    this.client.finishCall(this.row, { output: this.output, scores: this.scores });
    this.onFinish(this.scores);
  }
}

export class EvaluationLogger {
  private readonly client: WeaveClient;
  private readonly root: Call;
  private readonly name: string;
  private readonly model: string;
  private readonly finishedScores: Array<Record<string, unknown>> = [];
  private readonly open = new Set<ScoreLogger>();
  private summarized = false;

  constructor(options: EvaluationLoggerOptions) {
    const client = getClient();
    if (!client) throw new Error('weft is not initialised: call init(project) before new EvaluationLogger()');
    this.client = client;
    this.name = options.name ?? 'evaluation';
    this.model = options.model;
    this.root = start(
      client,
      EVALUATE_OP,
      { self: this.name, model: options.model, ...(options.dataset ? { dataset: options.dataset } : {}) },
      null,
    );
  }

  /** Records one prediction: its row's inputs and the model's output. */
  logPrediction(options: LogPredictionOptions): ScoreLogger {
    if (this.summarized)
      throw new Error('this evaluation is summarized; log predictions before logSummary()');
    const row = start(
      this.client,
      PREDICT_AND_SCORE_OP,
      { self: this.name, model: this.model, example: options.inputs },
      this.root,
    );
    const prediction = start(this.client, namedOp(`${this.model}.predict`), options.inputs, row);
    this.client.finishCall(prediction, options.output);
    const logger: ScoreLogger = new ScoreLogger(this.client, row, prediction, options.output, (scores) => {
      this.open.delete(logger);
      this.finishedScores.push(scores);
    });
    this.open.add(logger);
    return logger;
  }

  /**
   * Ends the evaluation: finishes predictions still open, and records the summary of every
   * scorer (means, true counts; per key for objects) with `extra` merged over it. Returns it.
   */
  async logSummary(extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    if (this.summarized) throw new Error('this evaluation is already summarized');
    this.summarized = true;
    for (const open of [...this.open]) open.finish();
    const names = new Set(this.finishedScores.flatMap((scores) => Object.keys(scores)));
    const summary: Record<string, unknown> = {};
    for (const name of names) {
      const summarized = summarizeScores(this.finishedScores.map((scores) => scores[name]));
      if (summarized !== undefined) summary[name] = summarized;
    }
    Object.assign(summary, extra);
    const summarize = start(this.client, SUMMARIZE_OP, { self: this.name }, this.root);
    this.client.finishCall(summarize, summary);
    this.client.finishCall(this.root, summary);
    await this.client.flush();
    return summary;
  }
}
