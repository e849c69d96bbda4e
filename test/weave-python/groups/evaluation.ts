/**
 * scripts/evaluation.py: weave.Evaluation over a three-row Dataset with a function scorer and a
 * weave.Scorer class. Evaluation.evaluate is an eager call: in complete mode its start goes to
 * `/v2/{entity}/{project}/call/start` at once and its end to `/call/end` last, with the children
 * as complete items in between.
 */
import { parseRef } from '@weft/protocol';
import { expect, it } from 'vitest';
import { callName, callStatus, objectName } from '../../support/weft-reads.js';
import type { Mode } from '../support/run-script.js';
import { itCompleted, opRefPattern, type PythonGroup } from '../support/suite.js';

interface EvaluationResult {
  summary: Record<string, unknown>;
  evaluation_ref: string;
  root: {
    id: string;
    trace_id: string;
    display_name: string;
    status: string;
    output: Record<string, unknown>;
  };
  trace_size: number;
  trace_op_names: string[];
}

const ROWS = [
  { question: 'capital of France?', expected: 'Paris' },
  { question: '2+2?', expected: '4' },
  { question: 'largest planet?', expected: 'Jupiter' },
];
const SCORES = {
  exact_match: { correct: { true_count: 1, true_fraction: 1 / 3 } },
  'length-scorer': { length: { mean: 5 }, short: { true_count: 3, true_fraction: 1 } },
};
/** Runnable feedback: one per (row, scorer). */
const FEEDBACK_ITEMS = ROWS.length * 2;

export const evaluation: PythonGroup = {
  name: 'evaluation',
  script: 'evaluation.py',
  checks(suite, mode: Mode) {
    const project = suite.project('evaluation', mode);
    const traceOf = async (traceId: string) =>
      suite
        .weft('evaluation', mode)
        .getCalls({ filter: { trace_ids: [traceId] }, sortBy: [{ field: 'started_at', direction: 'asc' }] })
        .toArray();

    it('runs to completion: every request answered 2xx', () => {
      const { summary } = suite.completed<EvaluationResult>('evaluation', mode);
      expect(summary).toMatchObject(SCORES);
      const calls =
        mode === 'complete'
          ? [
              'POST /v2/{entity}/{project}/call/end',
              'POST /v2/{entity}/{project}/call/start',
              'POST /v2/{entity}/{project}/calls/complete',
            ]
          : ['POST /call/upsert_batch'];
      expect(suite.routesUsed('evaluation', mode)).toEqual(
        [
          'GET /server_info',
          'POST /graphql',
          'POST /obj/create',
          'POST /file/create',
          'POST /table/create',
          'POST /calls/stream_query',
          'POST /calls/query_stats',
          'POST /feedback/batch/create',
          ...calls,
        ].sort(),
      );
    });

    it('stores each score as runnable feedback on the model call it scored', async () => {
      const { result } = await suite.reader.post<{
        result: Array<{
          feedback_type: string;
          weave_ref: string;
          runnable_ref: string;
          payload: { output: unknown };
        }>;
      }>('/feedback/query', { project_id: project });
      // Every row the client sent in its batches was stored (none reported as refused).
      expect(result).toHaveLength(FEEDBACK_ITEMS);
      expect(new Set(result.map((row) => row.feedback_type))).toEqual(
        new Set(['wandb.runnable.exact_match', 'wandb.runnable.length-scorer']),
      );
      for (const row of result) {
        expect(row.weave_ref).toMatch(new RegExp(`^weave:///${project}/call/`));
        expect(row.runnable_ref).toMatch(new RegExp(`^weave:///${project}/(op|object)/`));
        expect(row.payload).toHaveProperty('output');
      }
      const batches = suite.requestBodies('evaluation', mode, 'POST', '/feedback/batch/create') as Array<{
        batch: unknown[];
      }>;
      expect(batches.reduce((total, body) => total + body.batch.length, 0)).toBe(FEEDBACK_ITEMS);
    });

    if (mode === 'complete') {
      itCompleted<EvaluationResult>(
        suite,
        'evaluation',
        mode,
        'Evaluation.evaluate is sent eagerly: one v2 start and one v2 end for the root',
        ({ root }) => {
          const starts = suite.requestBodies(
            'evaluation',
            mode,
            'POST',
            `/v2/${project}/call/start`,
          ) as Array<{
            start: { id: string; op_name: string; parent_id: string | null };
          }>;
          expect(
            starts.map((body) => [body.start.id, objectName(body.start.op_name), body.start.parent_id]),
          ).toEqual([[root.id, 'Evaluation.evaluate', null]]);
          const ends = suite.requestBodies('evaluation', mode, 'POST', `/v2/${project}/call/end`) as Array<{
            end: { id: string; output: unknown };
          }>;
          expect(ends.map((body) => body.end.id)).toEqual([root.id]);
          // Every other call arrived as a complete item; none of them is the root.
          const items = (
            suite.requestBodies('evaluation', mode, 'POST', `/v2/${project}/calls/complete`) as Array<{
              batch: Array<{ id: string; project_id: string }>;
            }>
          ).flatMap((body) => body.batch);
          expect(items).toHaveLength(14);
          expect(items.every((item) => item.project_id === project && item.id !== root.id)).toBe(true);
        },
      );
    }

    itCompleted<EvaluationResult>(
      suite,
      'evaluation',
      mode,
      'is stored as evaluate → predict_and_score per row → model and scorers, then summarize',
      async ({ root, summary, trace_size, trace_op_names }) => {
        const calls = await traceOf(root.trace_id);
        expect(calls).toHaveLength(trace_size);
        expect(calls.map(callName).sort()).toEqual(trace_op_names);
        const evaluate = calls.find((call) => call.id === root.id)!;
        expect(evaluate.op_name).toMatch(opRefPattern(project, 'Evaluation.evaluate'));
        expect([evaluate.parent_id, evaluate.display_name, callStatus(evaluate)]).toEqual([
          null,
          root.display_name,
          'success',
        ]);
        expect(root.display_name).toMatch(/^eval-/);
        expect(evaluate.output).toEqual(root.output);
        expect(evaluate.output).toMatchObject(SCORES);
        expect(summary).toEqual(root.output);
        expect(calls.every((call) => callStatus(call) === 'success')).toBe(true);

        const children = calls.filter((call) => call.parent_id === evaluate.id);
        expect(children.map(callName)).toEqual([
          'Evaluation.predict_and_score',
          'Evaluation.predict_and_score',
          'Evaluation.predict_and_score',
          'Evaluation.summarize',
        ]);
        // Rows run concurrently: each exact_match is checked against the row its call names.
        const rows = children.slice(0, 3);
        const examples = (await suite.reader.readRefs(
          rows.map((row) => row.inputs.example as string),
        )) as Array<(typeof ROWS)[number]>;
        expect([...examples].sort((a, b) => a.question.localeCompare(b.question))).toEqual(
          [...ROWS].sort((a, b) => a.question.localeCompare(b.question)),
        );
        rows.forEach((row, i) => {
          const below = calls.filter((call) => call.parent_id === row.id);
          expect(below.map(callName).sort()).toEqual(['LengthScorer.score', 'exact_match', 'paris_model']);
          const model = below.find((call) => callName(call) === 'paris_model')!;
          expect(model.output).toBe('Paris');
          const correct = examples[i]!.expected === 'Paris';
          expect(below.find((call) => callName(call) === 'exact_match')!.output).toEqual({ correct });
          expect(row.output).toMatchObject({
            output: 'Paris',
            scores: { exact_match: { correct }, 'length-scorer': { length: 5, short: true } },
          });
        });
        const summarize = children[3]!;
        expect(calls.filter((call) => call.parent_id === summarize.id).map(callName)).toEqual([
          'Scorer.summarize',
        ]);
      },
    );

    itCompleted<EvaluationResult>(
      suite,
      'evaluation',
      mode,
      'refers to the Evaluation, its Dataset rows and its scorers by refs weft resolves',
      async ({ root, evaluation_ref }) => {
        const calls = await traceOf(root.trace_id);
        const evaluate = calls.find((call) => call.id === root.id)!;
        expect(evaluate.inputs).toEqual({
          self: evaluation_ref,
          model: expect.stringMatching(opRefPattern(project, 'paris_model')),
        });
        const evaluationObj = await suite.reader.readObject(evaluation_ref);
        expect(evaluationObj.val).toMatchObject({
          _type: 'Evaluation',
          _class_name: 'Evaluation',
          name: 'py-eval',
        });
        const { dataset, scorers } = evaluationObj.val as { dataset: string; scorers: string[] };
        expect(scorers.map((scorer) => [parseRef(scorer).kind, objectName(scorer)])).toEqual([
          ['op', 'exact_match'],
          ['object', 'length-scorer'],
        ]);
        await suite.reader.readOp(scorers[0]!);
        const lengthScorer = await suite.reader.readObject(scorers[1]!);
        expect(lengthScorer.val).toMatchObject({
          _type: 'LengthScorer',
          _bases: ['Scorer', 'Object', 'BaseModel'],
          limit: 5,
        });
        const { source } = await suite.reader.readOp(lengthScorer.val.score as string);
        expect(source).toContain('def score(self, output: str) -> dict:');

        const datasetObj = await suite.reader.readObject(dataset);
        expect(datasetObj.val).toMatchObject({ _type: 'Dataset', name: 'py-eval-rows' });
        const rows = await suite.reader.tableRows(datasetObj.val.rows as string);
        expect(rows.map((row) => row.val)).toEqual(ROWS);

        // Each predict_and_score names its example as a row of that dataset, resolved by weft.
        const examples = calls
          .filter((call) => callName(call) === 'Evaluation.predict_and_score')
          .map((call) => call.inputs.example as string);
        expect(examples.every((ref) => ref.startsWith(`${dataset}/attr/rows/id/`))).toBe(true);
        expect(await suite.reader.readRefs(examples)).toEqual(ROWS);
      },
    );
  },
};
