/**
 * scripts/evaluation_logger.py: weave.EvaluationLogger logs three predictions with two scores
 * each and a summary. What weft stores must read as an evaluation, as Evaluation.evaluate's does
 * (the UI's evaluation pages read these shapes), with every request answered.
 */
import { expect, it } from 'vitest';
import { callName, callStatus } from '../../support/weft-reads.js';
import type { Mode } from '../support/run-script.js';
import { itCompleted, type PythonGroup } from '../support/suite.js';

interface LoggerResult {
  root: { id: string; trace_id: string; op_name: string; status: string; output: Record<string, unknown> };
}

/** Each prediction as the script logs it: inputs, output, and its two scores. */
const PREDICTIONS = [
  { inputs: { question: '2+2?' }, output: '4', scores: { correct: true, confidence: 0.9 } },
  { inputs: { question: '3+3?' }, output: '7', scores: { correct: false, confidence: 0.4 } },
  { inputs: { question: 'capital of France?' }, output: 'Paris', scores: { correct: true, confidence: 0.8 } },
];

export const evaluationLogger: PythonGroup = {
  name: 'evaluation-logger',
  script: 'evaluation_logger.py',
  checks(suite, mode: Mode) {
    it('runs to completion: every request answered 2xx', () => {
      const { root } = suite.completed<LoggerResult>('evaluation-logger', mode);
      expect([root.op_name, root.status]).toEqual(['Evaluation.evaluate', 'success']);
    });

    itCompleted<LoggerResult>(
      suite,
      'evaluation-logger',
      mode,
      'is stored as an evaluation: evaluate → predict_and_score per prediction → predict and one call per score, then summarize',
      async ({ root }) => {
        const calls = await suite
          .weft('evaluation-logger', mode)
          .getCalls({
            filter: { trace_ids: [root.trace_id] },
            sortBy: [{ field: 'started_at', direction: 'asc' }],
          })
          .toArray();
        expect(calls.every((call) => callStatus(call) === 'success')).toBe(true);
        const evaluate = calls.find((call) => call.id === root.id)!;
        expect([evaluate.parent_id, callName(evaluate)]).toEqual([null, 'Evaluation.evaluate']);
        // The summary: the scores auto-summarized, and the summary the script logged under output.
        expect(evaluate.output).toEqual(root.output);
        expect(evaluate.output).toMatchObject({
          correct: { true_count: 2, true_fraction: 2 / 3 },
          confidence: { mean: expect.closeTo(0.7, 10) },
          output: { reviewed_by: 'py' },
        });

        const children = calls.filter((call) => call.parent_id === evaluate.id);
        expect(children.map(callName)).toEqual([
          'Evaluation.predict_and_score',
          'Evaluation.predict_and_score',
          'Evaluation.predict_and_score',
          'Evaluation.summarize',
        ]);
        children.slice(0, 3).forEach((row, index) => {
          const expected = PREDICTIONS[index]!;
          expect(row.output).toMatchObject({ output: expected.output, scores: expected.scores });
          const below = calls.filter((call) => call.parent_id === row.id);
          expect(below.map(callName).sort()).toEqual(['Model.predict', 'confidence', 'correct']);
          expect(below.find((call) => callName(call) === 'Model.predict')!.output).toBe(expected.output);
          expect(below.find((call) => callName(call) === 'correct')!.output).toBe(expected.scores.correct);
          expect(below.find((call) => callName(call) === 'confidence')!.output).toBe(
            expected.scores.confidence,
          );
        });
      },
    );
  },
};
