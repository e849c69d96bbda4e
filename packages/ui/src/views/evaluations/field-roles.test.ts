import { describe, expect, it } from 'vitest';
import { call } from './call-fixture';
import { fieldRoles, findModelCall } from './field-roles';

const ROW = 'weave:///e/p/object/py-eval-rows:Fjsd/attr/rows/id/vPUK';
const MODEL = 'weave:///e/p/op/paris_model:UUTe';

describe('fieldRoles', () => {
  it('splits the Python SDK’s rows: the fields the model was called with are inputs', () => {
    const model = call({ op_name: MODEL, inputs: { question: `${ROW}/key/question` } });
    expect(fieldRoles(['question', 'expected'], model, ROW)).toEqual({
      inputs: ['question'],
      expected: ['expected'],
    });
  });

  it('splits rows given inline, by the model’s argument names', () => {
    const model = call({ op_name: MODEL, inputs: { question: 'capital of France?', temperature: 0 } });
    expect(fieldRoles(['question', 'expected'], model, undefined)).toEqual({
      inputs: ['question'],
      expected: ['expected'],
    });
  });

  it('does not split the npm SDK’s rows: its model gets the whole row', () => {
    const model = call({ op_name: MODEL, inputs: { arg0: { datasetRow: ROW } } });
    expect(fieldRoles(['question', 'expected'], model, ROW)).toBeUndefined();
  });

  it('ignores refs into other rows and deeper paths', () => {
    const model = call({
      op_name: MODEL,
      inputs: { q: 'weave:///e/p/object/other:1/attr/rows/id/X/key/question', c: `${ROW}/key/context/key/a` },
    });
    expect(fieldRoles(['question', 'context'], model, ROW)).toBeUndefined();
  });

  it('has nothing to say without a model call or fields', () => {
    expect(fieldRoles(['question'], undefined, ROW)).toBeUndefined();
    expect(fieldRoles([], call({ inputs: { question: 'x' } }), ROW)).toBeUndefined();
  });
});

describe('findModelCall', () => {
  it('finds the model op’s call, or a method call of a model object, among a row’s children', () => {
    const scorer = call({ id: 's', op_name: 'weave:///e/p/op/exact_match:1' });
    const op = call({ id: 'm', op_name: MODEL });
    expect(findModelCall([scorer, op], MODEL)?.id).toBe('m');
    const objectModel = 'weave:///e/p/object/MyModel:abc';
    const predict = call({
      id: 'p',
      op_name: 'weave:///e/p/op/MyModel.predict:d',
      inputs: { self: objectModel },
    });
    expect(findModelCall([scorer, predict], objectModel)?.id).toBe('p');
    expect(findModelCall([scorer], undefined)).toBeUndefined();
  });
});
