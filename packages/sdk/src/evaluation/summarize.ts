/**
 * An evaluation's summary of one scorer's results, as the official SDKs compute it: numbers give
 * `{mean}`, booleans `{true_count, true_fraction}`, objects are summarised key by key (nested
 * objects too); other values (text, lists) are left out. Rows where the scorer failed do not count.
 */

export type ScoreSummary =
  | { mean: number }
  | { true_count: number; true_fraction: number }
  | { [key: string]: ScoreSummary };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The summary of a list of results, or undefined when nothing in them can be summarised. */
export function summarizeScores(scores: readonly unknown[]): ScoreSummary | undefined {
  const present = scores.filter((score) => score !== undefined && score !== null);
  if (present.length === 0) return undefined;
  if (present.every((score) => typeof score === 'boolean')) {
    const trueCount = present.filter(Boolean).length;
    return { true_count: trueCount, true_fraction: trueCount / present.length };
  }
  if (present.every((score) => typeof score === 'number' && Number.isFinite(score))) {
    return { mean: (present as number[]).reduce((total, score) => total + score, 0) / present.length };
  }
  if (present.every(isRecord)) {
    const keys = new Set<string>();
    for (const score of present) for (const key of Object.keys(score)) keys.add(key);
    const summary: Record<string, ScoreSummary> = {};
    for (const key of keys) {
      const inner = summarizeScores(present.map((score) => (score as Record<string, unknown>)[key]));
      if (inner !== undefined) summary[key] = inner;
    }
    return Object.keys(summary).length > 0 ? summary : undefined;
  }
  return undefined;
}
