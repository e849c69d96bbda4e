/**
 * The rows of an evaluation: one per `predict_and_score` call. Its inputs name the dataset row
 * (`example`: a row ref `…/attr/rows/id/<row digest>`, or the row itself when the dataset was a
 * plain list); its output holds the model output (`output` from Python, `model_output` from npm),
 * the scores per scorer and the model latency in seconds.
 */
import type { CallSchema } from '@weft/protocol';
import { parseRef } from '@weft/protocol/refs';
import { isPredictAndScoreCall } from './evaluation-calls';

export interface EvalRow {
  /** The predict_and_score call: the row links to its trace. */
  callId: string;
  /** The row's `example` as logged: a ref to resolve, or the row itself. */
  example: unknown;
  /** The example's ref, when it is one (resolved through `/refs/read_batch`). */
  exampleRef: string | undefined;
  /** What matches this row across evaluations: the row digest, else the content. */
  exampleKey: string;
  modelOutput: unknown;
  /** Score per scorer name, as the scorer returned it. */
  scores: Record<string, unknown>;
  /** Seconds, as the SDKs measure it; the call's own latency when the output lacks it. */
  latencySeconds: number | undefined;
  status: string;
  /** The model raised (npm: `model_success: false`; the row's call failed), so there is no output. */
  modelFailed: boolean;
  exception: string | null;
  startedAt: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** JSON with sorted keys, so equal content gives equal text whatever the key order. */
export function stableJson(value: unknown): string {
  if (value === undefined) return 'undefined';
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (isRecord(inner)) {
      const sorted: Record<string, unknown> = {};
      for (const key of Object.keys(inner).sort()) sorted[key] = inner[key];
      return sorted;
    }
    return inner;
  });
}

/**
 * The key rows match by across evaluations. A dataset row ref ends in `/id/<row digest>`, and
 * row digests are content hashes (docs/protocol.md §7.2), so the same row in two versions of a
 * dataset, or in two datasets, matches too. A non-ref example matches by its content.
 */
export function exampleKeyOf(example: unknown): string {
  if (typeof example === 'string' && example.startsWith('weave:///')) {
    try {
      const ref = parseRef(example);
      const rowId = ref.extra.findLast((part) => part.edge === 'id');
      if (rowId) return `row:${rowId.value}`;
    } catch {
      // A malformed ref still identifies its row by its text.
    }
    return `ref:${example}`;
  }
  return `content:${stableJson(example)}`;
}

export function buildRow(call: CallSchema): EvalRow {
  const output = isRecord(call.output) ? call.output : {};
  const example = call.inputs.example;
  const latency = output.model_latency;
  const callLatencyMs = call.summary?.weave?.latency_ms;
  return {
    callId: call.id,
    example,
    exampleRef: typeof example === 'string' && example.startsWith('weave:///') ? example : undefined,
    exampleKey: exampleKeyOf(example),
    modelOutput: 'model_output' in output ? output.model_output : output.output,
    scores: isRecord(output.scores) ? output.scores : {},
    latencySeconds:
      typeof latency === 'number' && Number.isFinite(latency)
        ? latency
        : typeof callLatencyMs === 'number'
          ? callLatencyMs / 1000
          : undefined,
    status: call.summary?.weave?.status ?? (call.exception ? 'error' : call.ended_at ? 'success' : 'running'),
    modelFailed: output.model_success === false || call.exception !== null,
    exception: call.exception,
    startedAt: call.started_at,
  };
}

/**
 * The rows among an evaluate call's children, oldest first, each call once (pages read while
 * calls arrive can overlap).
 */
export function buildRows(children: readonly CallSchema[]): EvalRow[] {
  const seen = new Set<string>();
  const rows: EvalRow[] = [];
  for (const call of children) {
    if (seen.has(call.id) || !isPredictAndScoreCall(call)) continue;
    seen.add(call.id);
    rows.push(buildRow(call));
  }
  return rows.sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
}

/**
 * One column of the scores: a scorer, or one key of a scorer that returns an object
 * (`lengthScore.len`, `lengthScore.short`). Deeper values stay whole.
 */
export interface ScoreColumn {
  id: string;
  scorer: string;
  key: string | undefined;
}

/** The score columns the rows have, scorers in `preferredOrder` first (the summary's order). */
export function scoreColumns(
  rows: readonly EvalRow[],
  preferredOrder: readonly string[] = [],
): ScoreColumn[] {
  const keysByScorer = new Map<string, Set<string> | undefined>();
  for (const name of preferredOrder) keysByScorer.set(name, undefined);
  const seenScorers = new Set<string>();
  for (const row of rows) {
    for (const [scorer, value] of Object.entries(row.scores)) {
      seenScorers.add(scorer);
      if (isRecord(value)) {
        const keys = keysByScorer.get(scorer) ?? new Set<string>();
        for (const key of Object.keys(value)) keys.add(key);
        keysByScorer.set(scorer, keys);
      } else if (!keysByScorer.has(scorer)) {
        keysByScorer.set(scorer, undefined);
      }
    }
  }
  const columns: ScoreColumn[] = [];
  for (const [scorer, keys] of keysByScorer) {
    if (!seenScorers.has(scorer)) continue;
    if (keys && keys.size > 0) {
      for (const key of keys) columns.push({ id: JSON.stringify([scorer, key]), scorer, key });
    } else {
      columns.push({ id: JSON.stringify([scorer]), scorer, key: undefined });
    }
  }
  return columns;
}

/** The score a column shows for one row; undefined when the row has none. */
export function scoreValue(row: Pick<EvalRow, 'scores'>, column: ScoreColumn): unknown {
  const value = row.scores[column.scorer];
  if (column.key === undefined) return value;
  return isRecord(value) ? value[column.key] : undefined;
}

/** The example fields to show as columns, in the order first met across the resolved rows. */
export function exampleFields(examples: Iterable<unknown>): string[] {
  const fields: string[] = [];
  const seen = new Set<string>();
  for (const example of examples) {
    if (!isRecord(example)) continue;
    for (const key of Object.keys(example)) {
      if (!seen.has(key)) {
        seen.add(key);
        fields.push(key);
      }
    }
  }
  return fields;
}

/** The scores of the rows, for a running evaluation's summary so far. */
export function rowScores(rows: readonly EvalRow[]): Array<Record<string, unknown>> {
  return rows.filter((row) => row.status !== 'running').map((row) => row.scores);
}

/** Mean latency in seconds over the rows that have one. */
export function meanLatency(rows: readonly EvalRow[]): number | undefined {
  const latencies = rows
    .map((row) => row.latencySeconds)
    .filter((value): value is number => value !== undefined);
  if (latencies.length === 0) return undefined;
  return latencies.reduce((sum, value) => sum + value, 0) / latencies.length;
}
