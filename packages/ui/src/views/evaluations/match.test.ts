import { describe, expect, it } from 'vitest';
import { datasetRelation, matchRows, matchStats } from './match';
import type { EvalRow, ScoreColumn } from './rows';

function row(
  callId: string,
  exampleKey: string,
  modelOutput: unknown,
  scores: Record<string, unknown>,
): EvalRow {
  return {
    callId,
    example: undefined,
    exampleRef: undefined,
    exampleKey,
    modelOutput,
    scores,
    latencySeconds: 0.1,
    status: 'success',
    modelFailed: false,
    exception: null,
    startedAt: '2026-01-01T00:00:00Z',
  };
}

const columns: ScoreColumn[] = [
  { id: '["exact"]', scorer: 'exact', key: undefined },
  { id: '["len","n"]', scorer: 'len', key: 'n' },
];

describe('matchRows', () => {
  it('pairs rows by example key and marks those that differ', () => {
    const a = [
      row('a1', 'row:1', 'Paris', { exact: true, len: { n: 5 } }),
      row('a2', 'row:2', 'dunno', { exact: false, len: { n: 5 } }),
      row('a3', 'row:3', 'x', { exact: false }),
    ];
    const b = [
      row('b2', 'row:2', '4', { exact: true, len: { n: 1 } }),
      row('b1', 'row:1', 'Paris', { exact: true, len: { n: 5 } }),
      row('b4', 'row:4', 'y', { exact: true }),
    ];
    const matched = matchRows(a, b, columns);
    expect(matched.map((m) => [m.a?.callId, m.b?.callId, m.differs])).toEqual([
      ['a1', 'b1', false],
      ['a2', 'b2', true],
      ['a3', undefined, true],
      [undefined, 'b4', true],
    ]);
    expect([...(matched[1]?.differingScores ?? [])]).toEqual(['["exact"]', '["len","n"]']);
    expect(matched[1]?.outputDiffers).toBe(true);
    expect(matchStats(matched)).toEqual({ both: 2, onlyA: 1, onlyB: 1, differing: 3 });
  });

  it('matches repeated trials of one example in order', () => {
    const a = [row('a1', 'row:1', 'x', {}), row('a2', 'row:1', 'y', {})];
    const b = [row('b1', 'row:1', 'x', {}), row('b2', 'row:1', 'z', {})];
    expect(matchRows(a, b, []).map((m) => [m.key, m.a?.callId, m.b?.callId, m.differs])).toEqual([
      ['row:1#0', 'a1', 'b1', false],
      ['row:1#1', 'a2', 'b2', true],
    ]);
  });

  it('marks a row that failed on one side only', () => {
    const failed = { ...row('b1', 'row:1', undefined, {}), status: 'descendant_error', modelFailed: true };
    const [matched] = matchRows([row('a1', 'row:1', undefined, {})], [failed], []);
    expect(matched?.differs).toBe(true);
  });
});

describe('datasetRelation', () => {
  it('tells the same dataset, another version of it, and another dataset apart', () => {
    expect(datasetRelation('weave:///e/p/object/d:1', 'weave:///e/p/object/d:1', 'd', 'd')).toEqual({
      kind: 'same',
    });
    expect(datasetRelation('weave:///e/p/object/d:1', 'weave:///e/p/object/d:2', 'd', 'd')).toEqual({
      kind: 'other-version',
      name: 'd',
    });
    expect(datasetRelation('weave:///e/p/object/d:1', 'weave:///e/p/object/q:1', 'd', 'q')).toEqual({
      kind: 'different',
      a: 'd',
      b: 'q',
    });
    expect(datasetRelation(undefined, 'x')).toEqual({ kind: 'unknown' });
  });
});
