/**
 * An evaluation's summary: the evaluate call's output, one entry per scorer, each an aggregate
 * the SDKs compute per score key: `{true_count, true_fraction}` for booleans, `{mean}` for
 * numbers, nested per key for scorers that return objects (`{len: {mean}, short: {...}}`).
 * `model_latency` (seconds), from the npm SDK `model_success`, and from weft's SDK `model_tokens`
 * describe the model, not a scorer. Scorers with their own `summarize` may return anything; that is kept as a raw value.
 */

import { formatDuration } from '../../format';

/** Keys of the summary that describe the model run rather than a scorer. */
export const MODEL_KEYS: ReadonlySet<string> = new Set(['model_latency', 'model_success', 'model_tokens']);

export type Metric =
  | {
      kind: 'fraction';
      path: string[];
      fraction: number;
      trueCount: number | undefined;
      count: number | undefined;
    }
  | { kind: 'mean'; path: string[]; mean: number }
  | { kind: 'value'; path: string[]; value: unknown };

export interface ScorerSummary {
  scorer: string;
  metrics: Metric[];
}

export interface EvaluationSummary {
  scorers: ScorerSummary[];
  /** Mean model latency in seconds. */
  latencyMean: number | undefined;
  /** Share of rows where the model returned without an error (npm SDK only). */
  modelSuccess: Metric | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** The metrics inside one scorer's aggregate, depth first, in the order the SDK wrote them. */
export function metricsOf(aggregate: unknown, path: string[] = []): Metric[] {
  if (isRecord(aggregate)) {
    if (finite(aggregate.true_fraction)) {
      const trueCount = finite(aggregate.true_count) ? aggregate.true_count : undefined;
      const count =
        trueCount !== undefined && aggregate.true_fraction > 0
          ? Math.round(trueCount / aggregate.true_fraction)
          : undefined;
      return [{ kind: 'fraction', path, fraction: aggregate.true_fraction, trueCount, count }];
    }
    if (finite(aggregate.mean)) return [{ kind: 'mean', path, mean: aggregate.mean }];
    const entries = Object.entries(aggregate);
    if (entries.length === 0) return [];
    return entries.flatMap(([key, value]) => metricsOf(value, [...path, key]));
  }
  if (finite(aggregate)) return [{ kind: 'mean', path, mean: aggregate }];
  if (aggregate === null || aggregate === undefined) return [];
  return [{ kind: 'value', path, value: aggregate }];
}

/** Reads the evaluate call's output. Anything that is not an object reads as no scorers. */
export function parseSummary(output: unknown): EvaluationSummary {
  const summary: EvaluationSummary = { scorers: [], latencyMean: undefined, modelSuccess: undefined };
  if (!isRecord(output)) return summary;
  for (const [key, value] of Object.entries(output)) {
    if (key === 'model_latency') {
      const [metric] = metricsOf(value);
      if (metric?.kind === 'mean') summary.latencyMean = metric.mean;
    } else if (key === 'model_success') {
      summary.modelSuccess = metricsOf(value)[0];
    } else {
      summary.scorers.push({ scorer: key, metrics: metricsOf(value) });
    }
  }
  return summary;
}

/** The one number the list shows for a scorer: its first metric. */
export function headlineMetric(scorer: ScorerSummary): Metric | undefined {
  return scorer.metrics[0];
}

/** `correct`, `len`, or the scorer itself when its result is one value. */
export function metricLabel(metric: Metric): string {
  return metric.path.length === 0 ? '' : metric.path.join('.');
}

/** `33.3%`, `5`, `0.412`: fractions as percentages, means with up to three decimals. */
export function formatMetric(metric: Metric): string {
  switch (metric.kind) {
    case 'fraction':
      return formatPercent(metric.fraction);
    case 'mean':
      return formatNumber(metric.mean);
    case 'value':
      return typeof metric.value === 'string' ? metric.value : JSON.stringify(metric.value);
  }
}

export function formatPercent(fraction: number): string {
  const percent = fraction * 100;
  const rounded = Math.round(percent * 10) / 10;
  return `${Number.isInteger(rounded) ? rounded.toFixed(0) : rounded.toFixed(1)}%`;
}

const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });
const smallNumberFormat = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 });

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && magnitude < 0.001) return value.toExponential(2);
  return magnitude < 1 ? smallNumberFormat.format(value) : numberFormat.format(value);
}

/**
 * The same aggregates the SDKs compute, from the rows logged so far: what a running evaluation
 * shows before its output exists. Booleans count, numbers average, objects recurse per key.
 */
export function summariseScores(scores: ReadonlyArray<Record<string, unknown>>): Record<string, unknown> {
  const scorerNames: string[] = [];
  const seen = new Set<string>();
  for (const row of scores) {
    for (const name of Object.keys(row)) {
      if (!seen.has(name)) {
        seen.add(name);
        scorerNames.push(name);
      }
    }
  }
  const summary: Record<string, unknown> = {};
  for (const name of scorerNames) {
    const aggregate = aggregateValues(scores.map((row) => row[name]));
    if (aggregate !== undefined) summary[name] = aggregate;
  }
  return summary;
}

function aggregateValues(values: unknown[]): unknown {
  const present = values.filter((value) => value !== null && value !== undefined);
  if (present.length === 0) return undefined;
  if (present.every((value) => typeof value === 'boolean')) {
    const trueCount = present.filter(Boolean).length;
    return { true_count: trueCount, true_fraction: trueCount / present.length };
  }
  if (present.every(finite)) {
    return { mean: present.reduce((sum, value) => sum + value, 0) / present.length };
  }
  if (present.every(isRecord)) {
    const keys: string[] = [];
    for (const value of present)
      for (const key of Object.keys(value)) if (!keys.includes(key)) keys.push(key);
    const nested: Record<string, unknown> = {};
    for (const key of keys) {
      const aggregate = aggregateValues(present.map((value) => value[key]));
      if (aggregate !== undefined) nested[key] = aggregate;
    }
    return Object.keys(nested).length > 0 ? nested : undefined;
  }
  return undefined;
}

/** A metric's place in a summary, for lining up two evaluations: `scorer` + path. */
export function metricKey(scorer: string, metric: Metric): string {
  return JSON.stringify([scorer, ...metric.path]);
}

/** The number a metric compares by, if it has one. */
export function metricNumber(metric: Metric | undefined): number | undefined {
  if (!metric) return undefined;
  if (metric.kind === 'fraction') return metric.fraction;
  if (metric.kind === 'mean') return metric.mean;
  return undefined;
}

export interface MetricComparison {
  key: string;
  scorer: string;
  label: string;
  a: Metric | undefined;
  b: Metric | undefined;
  /** b − a, for metrics both sides have as numbers. */
  delta: number | undefined;
  kind: 'fraction' | 'mean' | 'value';
}

/** Lines up two summaries metric by metric, in A's order, then B's extra metrics. */
export function compareSummaries(a: EvaluationSummary, b: EvaluationSummary): MetricComparison[] {
  const rows = new Map<string, MetricComparison>();
  const add = (side: 'a' | 'b', summary: EvaluationSummary) => {
    for (const { scorer, metrics } of summary.scorers) {
      for (const metric of metrics) {
        const key = metricKey(scorer, metric);
        const row = rows.get(key) ?? {
          key,
          scorer,
          label: metricLabel(metric),
          a: undefined,
          b: undefined,
          delta: undefined,
          kind: metric.kind,
        };
        row[side] = metric;
        rows.set(key, row);
      }
    }
  };
  add('a', a);
  add('b', b);
  for (const row of rows.values()) {
    const before = metricNumber(row.a);
    const after = metricNumber(row.b);
    if (before !== undefined && after !== undefined && row.a?.kind === row.b?.kind)
      row.delta = after - before;
  }
  return [...rows.values()];
}

/** A change of latency, in the units the latencies beside it use: `−225 ms`, `+1.50 s`. */
export function formatLatencyDelta(seconds: number): string {
  if (seconds === 0) return '±0';
  return `${seconds > 0 ? '+' : '−'}${formatDuration(Math.abs(seconds) * 1000)}`;
}

/** `+12.5 pts` for fractions, `+0.25` for means, `±0` when equal. */
export function formatDelta(delta: number, kind: MetricComparison['kind']): string {
  if (delta === 0) return '±0';
  const sign = delta > 0 ? '+' : '−';
  const magnitude = Math.abs(delta);
  if (kind === 'fraction') {
    const points = Math.round(magnitude * 1000) / 10;
    return `${sign}${Number.isInteger(points) ? points.toFixed(0) : points.toFixed(1)} pts`;
  }
  return `${sign}${formatNumber(magnitude)}`;
}
