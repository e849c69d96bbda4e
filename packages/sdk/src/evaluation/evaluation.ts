/**
 * `new Evaluation({ dataset, scorers })` and `evaluate(model)` (the seed's `Evaluation`): runs a
 * model on every row of a dataset, scores each prediction, and records it all as calls of the
 * shape the official SDKs log, so weft's UI (and Weave's) shows both alike:
 *
 *   Evaluation.evaluate            inputs {self: the evaluation, model}; output: the summary
 *   ├─ Evaluation.predict_and_score   one per row: inputs {self, model, example: the row's ref};
 *   │  │                              output {output, scores: {scorer: result}, model_latency}
 *   │  ├─ the model's call
 *   │  └─ one call per scorer (each result also stored as feedback on the model's call)
 *   └─ Evaluation.summarize         output: the summary
 *
 * Rows run `concurrency` at a time (default 8). A model that throws fails its row; a scorer that
 * throws fails only its own call, and that row has no score from it: neither fails the evaluation.
 */
import { getClient } from '../client/init.js';
import type { WeaveClient } from '../client/weave-client.js';
import { Dataset } from '../objects/dataset.js';
import { WeaveObject } from '../objects/weave-object.js';
import type { Call } from '../tracing/call.js';
import { OP_STATE } from '../tracing/op-state.js';
import { recordScore } from './apply-scorer.js';
import { EVALUATE_OP, PREDICT_AND_SCORE_OP, SUMMARIZE_OP } from './evaluation-ops.js';
import { type ModelLike, planModel } from './model.js';
import { planScorer, Scorer, type ScorerLike, scorerArgs } from './scorer.js';
import { summarizeScores } from './summarize.js';
import { runAsCall } from './traced-run.js';

export interface EvaluationOptions {
  /** A Dataset, or rows (objects) to make one of. */
  dataset: Dataset | readonly Record<string, unknown>[];
  scorers?: readonly ScorerLike[];
  name?: string;
  description?: string;
}

export interface EvaluateOptions {
  /** Rows run at once (default 8). */
  concurrency?: number;
  /** Print the summary as a small table when done (default true). */
  print?: boolean;
}

export type EvaluationSummary = Record<string, unknown>;

const DEFAULT_CONCURRENCY = 8;

interface RowResult {
  output: unknown;
  scores: Record<string, unknown>;
  latencySeconds: number;
  tokens: number | undefined;
}

export class Evaluation extends WeaveObject {
  dataset: Dataset;
  scorers: ScorerLike[];

  constructor(options: EvaluationOptions) {
    super(options);
    this.dataset =
      options.dataset instanceof Dataset
        ? options.dataset
        : new Dataset({ name: `${options.name ?? 'evaluation'}-rows`, rows: [...options.dataset] });
    this.scorers = [...(options.scorers ?? [])];
  }

  /** Runs `model` on every row and scores it; resolves with the summary (also the root's output). */
  async evaluate(model: ModelLike, options: EvaluateOptions = {}): Promise<EvaluationSummary> {
    const client = getClient();
    if (!client) throw new Error('weft is not initialised: call init(project) before evaluate()');
    const modelPlan = planModel(model);
    // Stored first, so the calls name stored versions and rows are recorded as row refs.
    if (modelPlan.self) await client.publish(modelPlan.self);
    await client.publish(this);
    const scorers = await Promise.all(
      this.scorers.map(async (scorer) => ({
        plan: planScorer(scorer),
        name: scorerName(scorer),
        ref: scorer instanceof Scorer ? (await client.publish(scorer)).uri : undefined,
        summarize: scorer instanceof Scorer ? scorer.summarize?.bind(scorer) : undefined,
      })),
    );
    const root = client.createCall(
      { [OP_STATE]: EVALUATE_OP },
      { self: this, model: modelPlan.recorded },
      {
        useStack: false,
        parent: null,
      },
    );
    const rows = this.dataset.rows;
    const results: Array<RowResult | undefined> = new Array(rows.length);
    let next = 0;
    const worker = async () => {
      while (next < rows.length) {
        const index = next++;
        results[index] = await this.predictAndScore(
          client,
          root,
          modelPlan,
          scorers,
          rows[index] as Record<string, unknown>,
        );
      }
    };
    const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
    await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, worker));

    const done = results.filter((result): result is RowResult => result !== undefined);
    const summary: EvaluationSummary = {};
    for (const scorer of scorers) {
      const values = done.map((result) => result.scores[scorer.name]);
      const summarized = scorer.summarize ? scorer.summarize(values) : summarizeScores(values);
      if (summarized !== undefined) summary[scorer.name] = summarized;
    }
    if (done.length > 0) {
      summary.model_latency = {
        mean: done.reduce((total, result) => total + result.latencySeconds, 0) / done.length,
      };
      const tokens = done
        .map((result) => result.tokens)
        .filter((count): count is number => count !== undefined);
      if (tokens.length > 0) {
        const total = tokens.reduce((sum, count) => sum + count, 0);
        summary.model_tokens = { total, mean: total / done.length };
      }
    }
    await runAsCall(client, SUMMARIZE_OP, { self: this }, () => summary, { parent: root });
    client.finishCall(root, summary);
    if (options.print ?? true)
      printSummary(this.name ?? 'evaluation', rows.length, rows.length - done.length, summary);
    return summary;
  }

  private async predictAndScore(
    client: WeaveClient,
    root: Call,
    modelPlan: ReturnType<typeof planModel>,
    scorers: ReadonlyArray<{
      plan: ReturnType<typeof planScorer>;
      name: string;
      ref: string | undefined;
    }>,
    row: Record<string, unknown>,
  ): Promise<RowResult | undefined> {
    let result: RowResult | undefined;
    const run = await runAsCall(
      client,
      PREDICT_AND_SCORE_OP,
      { self: this, model: modelPlan.recorded, example: row },
      async () => {
        const { inputs, invoke } = modelPlan.run(row);
        const started = performance.now();
        const prediction = await runAsCall(client, modelPlan.state, inputs, invoke);
        const latencySeconds = (performance.now() - started) / 1000;
        // The row fails with its model; the evaluation goes on.
        if (prediction.failed) throw prediction.error;
        const scores: Record<string, unknown> = {};
        for (const scorer of scorers) {
          const args = scorerArgs(row, prediction.result, scorer.plan.columnMap, undefined);
          const { inputs: scoreInputs, invoke: score } = scorer.plan.run(args);
          const scored = await runAsCall(client, scorer.plan.state, scoreInputs, score);
          // A scorer that throws has its error on its own call; this row has no score from it.
          if (scored.failed) continue;
          scores[scorer.name] = scored.result;
          recordScore(
            client,
            prediction.call,
            scored.call,
            scorer.ref ?? scored.call.op_name,
            scorer.name,
            scored.result,
          );
        }
        result = { output: prediction.result, scores, latencySeconds, tokens: totalTokens(prediction.call) };
        return { output: prediction.result, scores, model_latency: latencySeconds };
      },
      { parent: root },
    );
    return run.failed ? undefined : result;
  }
}

/** A scorer's name in the summary and its feedback type: its object's name, or its op's. */
function scorerName(scorer: ScorerLike): string {
  if (scorer instanceof Scorer) return scorer.name ?? scorer.constructor.name;
  return planScorer(scorer).state.name;
}

/** The tokens of a finished call's usage (its own and its children's), if it used any. */
function totalTokens(call: Call): number | undefined {
  const usage = (call.summary as { usage?: Record<string, Record<string, unknown>> } | undefined)?.usage;
  if (!usage) return undefined;
  let total = 0;
  for (const counts of Object.values(usage)) {
    const reported = counts.total_tokens;
    total +=
      typeof reported === 'number'
        ? reported
        : ['prompt_tokens', 'input_tokens', 'completion_tokens', 'output_tokens'].reduce(
            (sum, key) => sum + (typeof counts[key] === 'number' ? (counts[key] as number) : 0),
            0,
          );
  }
  return total;
}

function describe(value: unknown): string {
  if (typeof value !== 'object' || value === null) return String(value);
  const summary = value as Record<string, unknown>;
  if (typeof summary.true_fraction === 'number') {
    return `${summary.true_count} true (${(summary.true_fraction * 100).toFixed(1)}%)`;
  }
  if (typeof summary.mean === 'number') return `mean ${Number(summary.mean.toPrecision(4))}`;
  return JSON.stringify(value);
}

/** A small table: one line per scorer key, then the model's latency and tokens. */
function printSummary(name: string, rows: number, failed: number, summary: EvaluationSummary): void {
  const lines: Array<[string, string]> = [];
  const walk = (label: string, value: unknown) => {
    const inner = value as Record<string, unknown>;
    if (typeof value === 'object' && value !== null && !('mean' in inner) && !('true_fraction' in inner)) {
      for (const [key, child] of Object.entries(inner)) walk(`${label}.${key}`, child);
    } else lines.push([label, describe(value)]);
  };
  for (const [key, value] of Object.entries(summary)) walk(key, value);
  const width = Math.max(...lines.map(([label]) => label.length), 5);
  const header = `Evaluation ${name}: ${rows} rows${failed > 0 ? `, ${failed} failed` : ''}`;
  console.log([header, ...lines.map(([label, text]) => `  ${label.padEnd(width)}  ${text}`)].join('\n'));
}
