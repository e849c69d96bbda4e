/**
 * Evaluation through weft's SDK against the real `weft serve` process: 20 rows, three scorers
 * (an op, a Scorer class, and one that throws on one row), the exact summary, the calls in the
 * official SDKs' shape, scores stored as feedback, bounded concurrency, and the root reading as
 * running while the evaluation runs.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type Call,
  Dataset,
  Evaluation,
  EvaluationLogger,
  init,
  op,
  resetClient,
  Scorer,
  type ScorerArgs,
  type WeaveClient,
} from 'weft';
import { removeDataDir, startWeftServer, type WeftServerProcess } from '../../../test/support/weft-server.js';

let server: WeftServerProcess;
let client: WeaveClient;
const PROJECT = 'tests/evaluation';

beforeAll(async () => {
  server = await startWeftServer();
  client = init(PROJECT, { serverUrl: server.url });
});

afterAll(async () => {
  await client.flush();
  resetClient();
  await server.stop();
  removeDataDir(server.dataDir);
});

const ROWS = Array.from({ length: 20 }, (_, n) => ({
  question: `q${n}`,
  // Every fourth expected answer is one the model never gives.
  expected: n % 4 === 0 ? 'something else' : `a${n}`,
  n,
}));

const exactMatch = op(function exactMatch(output: string, expected: string) {
  return { correct: output === expected };
});

class LengthScorer extends Scorer {
  limit = 2;
  score({ output }: ScorerArgs) {
    return { length: String(output).length, short: String(output).length <= this.limit };
  }
}

const flaky = op(function flaky({ n }: ScorerArgs) {
  if (n === 7) throw new Error('flaky scorer fails on row 7');
  return (n as number) % 2 === 0;
});

const opName = (call: Call) =>
  call.op_name.replace(/^weave:\/\/\/[^/]+\/[^/]+\/op\//, '').replace(/:.*$/, '');

describe('Evaluation.evaluate', () => {
  it('scores every row and records the exact summary, in the calls the official SDKs make', async () => {
    let inFlight = 0;
    let mostInFlight = 0;
    const answerer = op(async function answerer({ question }: { question: string }) {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      return question.replace('q', 'a');
    });
    const evaluation = new Evaluation({
      name: 'capitals',
      dataset: new Dataset({ name: 'capitals-rows', rows: ROWS }),
      scorers: [exactMatch, new LengthScorer({ name: 'length' }), flaky],
    });
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const summary = await evaluation.evaluate(answerer, { concurrency: 3 });
    expect(log).toHaveBeenCalledWith(expect.stringContaining('Evaluation capitals: 20 rows'));
    log.mockRestore();

    expect(summary).toEqual({
      // 15 of 20 answers match: rows 0, 4, 8, 12 and 16 expect something else.
      exactMatch: { correct: { true_count: 15, true_fraction: 0.75 } },
      // a0…a9 are 2 characters, a10…a19 are 3.
      length: { length: { mean: 2.5 }, short: { true_count: 10, true_fraction: 0.5 } },
      // Row 7 is not scored; 10 of the other 19 rows are even.
      flaky: { true_count: 10, true_fraction: 10 / 19 },
      model_latency: { mean: expect.any(Number) },
    });
    expect(mostInFlight).toBe(3);

    const [root] = await client
      .getCalls({ filter: { op_names: [`weave:///${PROJECT}/op/Evaluation.evaluate:*`] } })
      .toArray();
    expect(root?.output).toEqual(summary);
    expect(root?.inputs.self).toMatch(new RegExp(`^weave:///${PROJECT}/object/capitals:`));
    const trace = await client.getCalls({ filter: { trace_ids: [root?.trace_id as string] } }).toArray();
    const children = trace.filter((call) => call.parent_id === root?.id);
    expect(children.map(opName).sort()).toEqual([
      ...Array.from({ length: 20 }, () => 'Evaluation.predict_and_score'),
      'Evaluation.summarize',
    ]);
    const rowSeven = children.find(
      (call) =>
        opName(call) === 'Evaluation.predict_and_score' &&
        String(call.inputs.example).length > 0 &&
        (call.output as { output?: string } | null)?.output === 'a7',
    );
    expect(rowSeven?.inputs.example).toMatch(/^weave:\/\/\/.+\/attr\/rows\/id\//);
    expect(rowSeven?.output).toEqual({
      output: 'a7',
      scores: { exactMatch: { correct: true }, length: { length: 2, short: true } },
      model_latency: expect.any(Number),
    });
    const underSeven = trace.filter((call) => call.parent_id === rowSeven?.id);
    expect(underSeven.map(opName).sort()).toEqual(['LengthScorer.score', 'answerer', 'exactMatch', 'flaky']);
    expect(underSeven.find((call) => opName(call) === 'flaky')?.exception).toContain('fails on row 7');

    // Each score is feedback on the model's call: 20 rows × 3 scorers, less row 7's failure.
    const feedback = await client.getFeedback({ limit: 1000 });
    expect(feedback.filter((row) => row.feedbackType.startsWith('wandb.runnable.'))).toHaveLength(59);
    const modelCalls = new Set(trace.filter((call) => opName(call) === 'answerer').map((call) => call.ref));
    expect(feedback.every((row) => modelCalls.has(row.weaveRef))).toBe(true);
  });

  it('reads as running while it runs, and a model that throws fails only its row', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = op(async function slow({ n }: { n: number }) {
      await gate;
      if (n === 1) throw new Error('the model cannot do row 1');
      return n * 2;
    });
    const evaluation = new Evaluation({ name: 'slow', dataset: [{ n: 1 }, { n: 2 }], scorers: [] });
    const running = evaluation.evaluate(slow, { print: false });
    let root: Call | undefined;
    for (let attempt = 0; attempt < 100 && !root; attempt++) {
      [root] = await client
        .getCalls({
          filter: { op_names: [`weave:///${PROJECT}/op/Evaluation.evaluate:*`] },
          query: { $expr: { $eq: [{ $getField: 'summary.weave.status' }, { $literal: 'running' }] } },
        })
        .toArray();
      if (!root) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(root?.ended_at).toBeNull();
    release();
    const summary = await running;
    expect(summary).toEqual({ model_latency: { mean: expect.any(Number) } });
    const ended = await client.getCall(root?.id as string);
    expect(ended.summary?.weave?.status).toBe('descendant_error');
  });
});

describe('EvaluationLogger', () => {
  it('records predictions and scores made elsewhere as an evaluation, running until summarized', async () => {
    const logger = new EvaluationLogger({ name: 'offline', model: 'batch-model', dataset: 'qa-set' });
    const questions = ['one', 'two', 'three'];
    for (const [index, question] of questions.entries()) {
      const prediction = logger.logPrediction({ inputs: { question }, output: question.toUpperCase() });
      prediction.logScore('correct', index !== 1);
      prediction.logScore('length', { chars: question.length });
      if (index < 2) prediction.finish();
    }
    await client.flush();
    const [running] = await client
      .getCalls({
        filter: { op_names: [`weave:///${PROJECT}/op/Evaluation.evaluate:*`] },
        query: { $expr: { $eq: [{ $getField: 'inputs.self' }, { $literal: 'offline' }] } },
      })
      .toArray();
    expect(running?.summary?.weave?.status).toBe('running');

    // The third prediction, left open, is finished by logSummary.
    const summary = await logger.logSummary({ note: 'nightly run' });
    expect(summary).toEqual({
      correct: { true_count: 2, true_fraction: 2 / 3 },
      length: { chars: { mean: 11 / 3 } },
      note: 'nightly run',
    });
    const root = await client.getCall(running?.id as string);
    expect(root.output).toEqual(summary);
    expect(root.summary?.weave?.status).toBe('success');
    const trace = await client.getCalls({ filter: { trace_ids: [root.trace_id] } }).toArray();
    const rows = trace.filter((call) => opName(call) === 'Evaluation.predict_and_score');
    expect(rows.map((row) => row.output)).toEqual([
      { output: 'ONE', scores: { correct: true, length: { chars: 3 } } },
      { output: 'TWO', scores: { correct: false, length: { chars: 3 } } },
      { output: 'THREE', scores: { correct: true, length: { chars: 5 } } },
    ]);
    const predictions = trace.filter((call) => opName(call) === 'batch-model.predict');
    expect(predictions.map((call) => call.inputs)).toEqual([
      { question: 'one' },
      { question: 'two' },
      { question: 'three' },
    ]);
    // Each score is also feedback on its prediction, as evaluate() stores them.
    const feedback = await client.getFeedback({
      query: { $expr: { $eq: [{ $getField: 'feedback_type' }, { $literal: 'wandb.runnable.correct' }] } },
    });
    expect(new Set(feedback.map((row) => row.weaveRef))).toEqual(
      new Set(predictions.map((call) => call.ref)),
    );
  });
});
