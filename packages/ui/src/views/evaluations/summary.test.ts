import { describe, expect, it } from 'vitest';
import {
  compareSummaries,
  formatDelta,
  formatLatencyDelta,
  formatMetric,
  formatNumber,
  formatPercent,
  headlineMetric,
  parseSummary,
  summariseScores,
} from './summary';

/** The npm SDK 0.11's summary of the compat scenario. */
const NPM_SUMMARY = {
  model_success: { true_count: 3, true_fraction: 1 },
  exactMatch: { true_count: 1, true_fraction: 0.3333333333333333 },
  lengthScore: { len: { mean: 5 }, short: { true_count: 3, true_fraction: 1 } },
  model_latency: { mean: 0.37466666666666665 },
};

/** The Python SDK 0.54's. */
const PYTHON_SUMMARY = {
  exact_match: { correct: { true_count: 1, true_fraction: 0.3333333333333333 } },
  'length-scorer': { length: { mean: 5 }, short: { true_count: 3, true_fraction: 1 } },
  model_latency: { mean: 0.05241870880126953 },
};

describe('parseSummary', () => {
  it('reads each scorer of the npm SDK and keeps the model keys apart', () => {
    const summary = parseSummary(NPM_SUMMARY);
    expect(summary.scorers.map((s) => s.scorer)).toEqual(['exactMatch', 'lengthScore']);
    expect(summary.scorers[0]?.metrics).toEqual([
      { kind: 'fraction', path: [], fraction: 0.3333333333333333, trueCount: 1, count: 3 },
    ]);
    expect(summary.scorers[1]?.metrics.map((m) => [m.kind, m.path])).toEqual([
      ['mean', ['len']],
      ['fraction', ['short']],
    ]);
    expect(summary.latencyMean).toBeCloseTo(0.3747);
    expect(summary.modelSuccess).toMatchObject({ kind: 'fraction', fraction: 1 });
  });

  it('reads the Python SDK’s nested scorer results', () => {
    const summary = parseSummary(PYTHON_SUMMARY);
    expect(summary.scorers.map((s) => [s.scorer, s.metrics.map((m) => m.path.join('.'))])).toEqual([
      ['exact_match', ['correct']],
      ['length-scorer', ['length', 'short']],
    ]);
    expect(summary.modelSuccess).toBeUndefined();
  });

  it('keeps what a custom summarize returns that is not an aggregate', () => {
    const summary = parseSummary({ judge: { verdict: 'mostly right', score: 0.8 } });
    expect(summary.scorers[0]?.metrics).toEqual([
      { kind: 'value', path: ['verdict'], value: 'mostly right' },
      { kind: 'mean', path: ['score'], mean: 0.8 },
    ]);
  });

  it('reads no scorers from a running evaluation’s empty output', () => {
    expect(parseSummary(null).scorers).toEqual([]);
  });

  it('takes the first metric as a scorer’s headline', () => {
    const [, length] = parseSummary(NPM_SUMMARY).scorers;
    expect(length && formatMetric(headlineMetric(length)!)).toBe('5');
  });
});

describe('formatting', () => {
  it('shows fractions as percentages and means as numbers', () => {
    expect(formatPercent(1 / 3)).toBe('33.3%');
    expect(formatPercent(1)).toBe('100%');
    expect(formatPercent(0)).toBe('0%');
    expect(formatNumber(5)).toBe('5');
    expect(formatNumber(1234.56789)).toBe('1,234.568');
    expect(formatNumber(0.052418)).toBe('0.0524');
    expect(formatNumber(0.0000123)).toBe('1.23e-5');
  });

  it('writes deltas with a sign, in points for fractions', () => {
    expect(formatDelta(0.125, 'fraction')).toBe('+12.5 pts');
    expect(formatDelta(-1 / 3, 'fraction')).toBe('−33.3 pts');
    expect(formatDelta(0.25, 'mean')).toBe('+0.25');
    expect(formatDelta(0, 'mean')).toBe('±0');
  });

  it('writes latency changes in the units of the latencies beside them', () => {
    expect(formatLatencyDelta(-0.225)).toBe('−225 ms');
    expect(formatLatencyDelta(1.5)).toBe('+1.50 s');
    expect(formatLatencyDelta(0)).toBe('±0');
  });
});

describe('summariseScores', () => {
  it('aggregates rows as the SDKs do: booleans count, numbers average, objects per key', () => {
    const summary = summariseScores([
      { exactMatch: true, lengthScore: { len: 5, short: true } },
      { exactMatch: false, lengthScore: { len: 7, short: false } },
      { exactMatch: false },
    ]);
    expect(summary).toEqual({
      exactMatch: { true_count: 1, true_fraction: 1 / 3 },
      lengthScore: { len: { mean: 6 }, short: { true_count: 1, true_fraction: 0.5 } },
    });
  });

  it('leaves out scores it cannot aggregate', () => {
    expect(summariseScores([{ judge: 'good' }, { judge: 3 }])).toEqual({});
  });
});

describe('compareSummaries', () => {
  it('lines up metrics and computes b − a', () => {
    const a = parseSummary(NPM_SUMMARY);
    const b = parseSummary({
      exactMatch: { true_count: 2, true_fraction: 2 / 3 },
      lengthScore: { len: { mean: 4 } },
      newScorer: { mean: 1 },
    });
    const rows = compareSummaries(a, b);
    expect(rows.map((row) => [row.scorer, row.label, row.delta])).toEqual([
      ['exactMatch', '', 1 / 3],
      ['lengthScore', 'len', -1],
      ['lengthScore', 'short', undefined],
      ['newScorer', '', undefined],
    ]);
  });
});
