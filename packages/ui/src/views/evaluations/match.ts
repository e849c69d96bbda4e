/**
 * Lining up the rows of two evaluations. Rows match by their example key (the dataset row
 * digest, else the example's content); an evaluation with several trials has several rows per
 * example, which match in order (first trial with first trial).
 */
import { type EvalRow, type ScoreColumn, scoreValue, stableJson } from './rows';

export interface MatchedRow {
  /** Unique per matched pair: the example key and the trial number. */
  key: string;
  exampleKey: string;
  a: EvalRow | undefined;
  b: EvalRow | undefined;
  /** The two sides disagree: different output, a different score, or a row only one side has. */
  differs: boolean;
  /** Which score columns disagree, by column id. */
  differingScores: ReadonlySet<string>;
  outputDiffers: boolean;
}

function groupByKey(rows: readonly EvalRow[]): Map<string, EvalRow[]> {
  const groups = new Map<string, EvalRow[]>();
  for (const row of rows) {
    const group = groups.get(row.exampleKey);
    if (group) group.push(row);
    else groups.set(row.exampleKey, [row]);
  }
  return groups;
}

/** The pairs, in A's row order, then the rows only B has, in B's order. */
export function matchRows(
  a: readonly EvalRow[],
  b: readonly EvalRow[],
  columns: readonly ScoreColumn[],
): MatchedRow[] {
  const bGroups = groupByKey(b);
  const trialsSeen = new Map<string, number>();
  const matched: MatchedRow[] = [];
  const usedB = new Set<EvalRow>();
  for (const row of a) {
    const trial = trialsSeen.get(row.exampleKey) ?? 0;
    trialsSeen.set(row.exampleKey, trial + 1);
    const other = bGroups.get(row.exampleKey)?.[trial];
    if (other) usedB.add(other);
    matched.push(pair(row.exampleKey, trial, row, other, columns));
  }
  const bTrials = new Map<string, number>();
  for (const row of b) {
    const trial = bTrials.get(row.exampleKey) ?? 0;
    bTrials.set(row.exampleKey, trial + 1);
    if (!usedB.has(row)) matched.push(pair(row.exampleKey, trial, undefined, row, columns));
  }
  return matched;
}

function pair(
  exampleKey: string,
  trial: number,
  a: EvalRow | undefined,
  b: EvalRow | undefined,
  columns: readonly ScoreColumn[],
): MatchedRow {
  const differingScores = new Set<string>();
  let outputDiffers = false;
  if (a && b) {
    outputDiffers = stableJson(a.modelOutput) !== stableJson(b.modelOutput);
    for (const column of columns) {
      if (stableJson(scoreValue(a, column)) !== stableJson(scoreValue(b, column)))
        differingScores.add(column.id);
    }
  }
  const statusDiffers = a !== undefined && b !== undefined && a.modelFailed !== b.modelFailed;
  return {
    key: `${exampleKey}#${trial}`,
    exampleKey,
    a,
    b,
    differs: !a || !b || outputDiffers || differingScores.size > 0 || statusDiffers,
    differingScores,
    outputDiffers,
  };
}

export interface MatchStats {
  both: number;
  onlyA: number;
  onlyB: number;
  differing: number;
}

export function matchStats(rows: readonly MatchedRow[]): MatchStats {
  const stats: MatchStats = { both: 0, onlyA: 0, onlyB: 0, differing: 0 };
  for (const row of rows) {
    if (row.a && row.b) stats.both += 1;
    else if (row.a) stats.onlyA += 1;
    else stats.onlyB += 1;
    if (row.differs) stats.differing += 1;
  }
  return stats;
}

/** How the two evaluations' datasets relate, for the banner above a comparison. */
export type DatasetRelation =
  | { kind: 'same' }
  | { kind: 'other-version'; name: string }
  | { kind: 'different'; a: string; b: string }
  | { kind: 'unknown' };

export function datasetRelation(
  aRef: string | undefined,
  bRef: string | undefined,
  aName?: string,
  bName?: string,
): DatasetRelation {
  if (!aRef || !bRef) return { kind: 'unknown' };
  if (aRef === bRef) return { kind: 'same' };
  if (aName !== undefined && aName === bName) return { kind: 'other-version', name: aName };
  return { kind: 'different', a: aName ?? aRef, b: bName ?? bRef };
}
