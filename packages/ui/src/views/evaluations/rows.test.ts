import { describe, expect, it } from 'vitest';
import { call } from './call-fixture';
import {
  buildRows,
  exampleFields,
  exampleKeyOf,
  meanLatency,
  scoreColumns,
  scoreValue,
  stableJson,
} from './rows';

const ROW_REF = 'weave:///e/p/object/eval-dataset:NRJc/attr/rows/id/vPUKZK2D';

/** A predict_and_score call as the npm SDK 0.11 logs it. */
const npmRow = call({
  id: 'p1',
  parent_id: 'c1',
  op_name: 'weave:///e/p/op/Evaluation.predictAndScore:uQu2',
  started_at: '2026-01-01T00:00:01.000000Z',
  ended_at: '2026-01-01T00:00:01.585000Z',
  inputs: {
    self: 'weave:///e/p/object/compat-eval:ysPF',
    model: 'weave:///e/p/op/parisModel:xL9g',
    example: ROW_REF,
  },
  output: {
    model_success: true,
    model_output: 'Paris',
    scores: { exactMatch: true, lengthScore: { len: 5, short: true } },
    model_latency: 0.582,
  },
  summary: { weave: { status: 'success', latency_ms: 585 } },
});

/** One as the Python SDK 0.54 logs it. */
const pythonRow = call({
  id: 'p2',
  parent_id: 'c1',
  op_name: 'weave:///e/p/op/Evaluation.predict_and_score:jd4m',
  started_at: '2026-01-01T00:00:00.500000Z',
  ended_at: '2026-01-01T00:00:00.600000Z',
  inputs: { example: 'weave:///e/p/object/py-eval-rows:Fjsd/attr/rows/id/7DGf' },
  output: { output: 'Paris', scores: { exact_match: { correct: false } }, model_latency: 0.0376 },
  summary: { weave: { status: 'success', latency_ms: 100 } },
});

const summarize = call({ id: 's1', parent_id: 'c1', op_name: 'weave:///e/p/op/Evaluation.summarize:Y0s0' });

describe('buildRows', () => {
  it('reads both SDKs’ rows, leaves out summarize, and sorts by start', () => {
    const rows = buildRows([npmRow, summarize, pythonRow, npmRow]);
    expect(rows.map((row) => row.callId)).toEqual(['p2', 'p1']);
    expect(rows[1]).toMatchObject({
      exampleRef: ROW_REF,
      exampleKey: 'row:vPUKZK2D',
      modelOutput: 'Paris',
      scores: { exactMatch: true, lengthScore: { len: 5, short: true } },
      latencySeconds: 0.582,
      status: 'success',
    });
    expect(rows[0]).toMatchObject({ modelOutput: 'Paris', exampleKey: 'row:7DGf', latencySeconds: 0.0376 });
  });

  it('reads the npm SDK’s row whose model failed: no output, no scores', () => {
    const [row] = buildRows([
      call({
        id: 'p5',
        op_name: 'weave:///e/p/op/Evaluation.predictAndScore:x',
        ended_at: '2026-01-01T00:00:02.000000Z',
        output: { model_success: false, scores: {}, model_latency: 4.777 },
        summary: { weave: { status: 'descendant_error', latency_ms: 4778 } },
      }),
    ]);
    expect(row).toMatchObject({ modelFailed: true, modelOutput: undefined, scores: {}, exception: null });
  });

  it('reads a row whose call failed, and one still running', () => {
    const failed = call({
      id: 'p3',
      op_name: 'weave:///e/p/op/Evaluation.predict_and_score:x',
      inputs: { example: { question: 'q' } },
      exception: 'ValueError: boom',
      ended_at: '2026-01-01T00:00:02.000000Z',
      summary: { weave: { status: 'error', latency_ms: 12 } },
    });
    const running = call({ id: 'p4', op_name: 'weave:///e/p/op/Evaluation.predictAndScore:x' });
    const [first, second] = buildRows([failed, running]);
    expect(first).toMatchObject({
      status: 'error',
      scores: {},
      modelOutput: undefined,
      latencySeconds: 0.012,
    });
    expect(first?.exampleKey).toBe('content:{"question":"q"}');
    expect(second).toMatchObject({ status: 'running', latencySeconds: undefined });
  });
});

describe('exampleKeyOf', () => {
  it('matches rows by row digest, whatever dataset version names them', () => {
    expect(exampleKeyOf('weave:///e/p/object/a:v1/attr/rows/id/ROW')).toBe(
      exampleKeyOf('weave:///e/p/object/a:v2/attr/rows/id/ROW'),
    );
  });

  it('matches inline examples by content, ignoring key order', () => {
    expect(exampleKeyOf({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe(
      exampleKeyOf({ a: [1, { c: 3, d: 2 }], b: 1 }),
    );
    expect(stableJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });
});

describe('score columns', () => {
  it('splits object scores into a column per key, scorers in the summary’s order', () => {
    const rows = buildRows([npmRow, pythonRow]);
    const columns = scoreColumns(rows, ['exactMatch', 'lengthScore', 'never-scored']);
    expect(columns.map((column) => [column.scorer, column.key])).toEqual([
      ['exactMatch', undefined],
      ['lengthScore', 'len'],
      ['lengthScore', 'short'],
      ['exact_match', 'correct'],
    ]);
    const npm = rows[1]!;
    expect(columns.map((column) => scoreValue(npm, column))).toEqual([true, 5, true, undefined]);
  });
});

describe('exampleFields and meanLatency', () => {
  it('lists the example fields in the order first met', () => {
    expect(
      exampleFields([{ question: 'a', expected: 'b' }, 'not a row', { context: 'c', question: 'd' }]),
    ).toEqual(['question', 'expected', 'context']);
  });

  it('averages the latencies the rows have', () => {
    expect(meanLatency(buildRows([npmRow, pythonRow]))).toBeCloseTo((0.582 + 0.0376) / 2);
    expect(meanLatency([])).toBeUndefined();
  });
});
