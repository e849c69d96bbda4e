import { describe, expect, it } from 'vitest';
import { call } from './call-fixture';
import {
  evaluateOpNames,
  evaluationDefinition,
  evaluationHeadline,
  isEvaluationCall,
  isPredictAndScoreCall,
  isSummarizeCall,
} from './evaluation-calls';

const op = (name: string) => ({ op_name: `weave:///e/p/op/${name}:AbCdEf0123456789` });

describe('recognising evaluation calls', () => {
  it('knows the evaluate op of both SDKs by its name, whatever the version', () => {
    expect(isEvaluationCall(op('Evaluation.evaluate'))).toBe(true);
    expect(isEvaluationCall({ op_name: 'Evaluation.evaluate' })).toBe(true);
    expect(isEvaluationCall(op('MyEvaluation.evaluate'))).toBe(false);
    expect(isEvaluationCall(op('Evaluation.evaluate_more'))).toBe(false);
    expect(isEvaluationCall(op('predict'))).toBe(false);
  });

  it('knows predict_and_score in the Python and the npm spelling', () => {
    expect(isPredictAndScoreCall(op('Evaluation.predict_and_score'))).toBe(true);
    expect(isPredictAndScoreCall(op('Evaluation.predictAndScore'))).toBe(true);
    expect(isPredictAndScoreCall(op('Evaluation.summarize'))).toBe(false);
    expect(isSummarizeCall(op('Evaluation.summarize'))).toBe(true);
    expect(isSummarizeCall(op('Scorer.summarize'))).toBe(false);
  });

  it('lists evaluate calls by any version of the op ref', () => {
    expect(evaluateOpNames('team', 'proj')).toEqual([
      'weave:///team/proj/op/Evaluation.evaluate:*',
      'Evaluation.evaluate',
    ]);
  });
});

describe('evaluationHeadline', () => {
  it('names the evaluation and the model from their refs', () => {
    const headline = evaluationHeadline(
      call({
        display_name: 'compat-eval_parisModel',
        inputs: {
          self: 'weave:///e/p/object/compat-eval:ysPF',
          model: 'weave:///e/p/op/parisModel:xL9g',
          maxConcurrency: 2,
        },
        summary: { weave: { status: 'running', latency_ms: null } },
      }),
    );
    expect(headline).toMatchObject({
      name: 'compat-eval',
      displayName: 'compat-eval_parisModel',
      modelName: 'parisModel',
      evaluationRef: 'weave:///e/p/object/compat-eval:ysPF',
      status: 'running',
    });
  });

  it('falls back to the display name when the evaluation is not a ref', () => {
    const headline = evaluationHeadline(
      call({ display_name: 'eval-1', inputs: { model: { name: 'inline' } } }),
    );
    expect(headline.name).toBe('eval-1');
    expect(headline.modelName).toBe('inline');
    expect(headline.status).toBe('running');
  });
});

describe('evaluationDefinition', () => {
  it('reads the dataset and the scorers of an Evaluation object', () => {
    const definition = evaluationDefinition({
      _type: 'Evaluation',
      dataset: 'weave:///e/p/object/rows:abc',
      scorers: ['weave:///e/p/op/exact_match:d1', 'weave:///e/p/object/length-scorer:d2'],
      description: null,
    });
    expect(definition).toEqual({
      datasetRef: 'weave:///e/p/object/rows:abc',
      datasetName: 'rows',
      scorers: [
        { key: 'weave:///e/p/op/exact_match:d1', name: 'exact_match', ref: 'weave:///e/p/op/exact_match:d1' },
        {
          key: 'weave:///e/p/object/length-scorer:d2',
          name: 'length-scorer',
          ref: 'weave:///e/p/object/length-scorer:d2',
        },
      ],
      description: undefined,
    });
  });

  it('reads nothing from a value that is not an Evaluation', () => {
    expect(evaluationDefinition(null).scorers).toEqual([]);
  });
});
