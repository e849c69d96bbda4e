/**
 * The check at the end of `weft migrate`: what each project holds, counted on both stores the
 * same way (live calls by countCalls, the rest as stored: countProjectContents), and the API
 * keys when every project was copied. A copy is good when every count matches.
 */
import type { ProjectContents, TraceStore } from '../storage/trace-store.js';

export interface CountComparison {
  /** A project id, or empty for what belongs to no project (API keys). */
  project: string;
  what: string;
  from: number;
  to: number;
}

const CONTENTS: ReadonlyArray<[keyof ProjectContents, string]> = [
  ['object_versions', 'object versions'],
  ['tables', 'tables'],
  ['table_rows', 'table rows'],
  ['files', 'files'],
  ['feedback', 'feedback'],
  ['prices', 'prices'],
];

async function projectCounts(store: TraceStore, projectId: string): Promise<Map<string, number>> {
  const contents = await store.countProjectContents(projectId);
  const calls = await store.countCalls({ project_id: projectId, filter: {}, query: null, limit: null });
  return new Map([['calls', calls], ...CONTENTS.map(([key, what]) => [what, contents[key]] as const)]);
}

export async function compareCounts(
  from: TraceStore,
  to: TraceStore,
  projects: readonly string[],
  options: { apiKeys: boolean },
): Promise<CountComparison[]> {
  const rows: CountComparison[] = [];
  for (const project of projects) {
    const source = await projectCounts(from, project);
    const target = await projectCounts(to, project);
    for (const [what, count] of source) rows.push({ project, what, from: count, to: target.get(what) ?? 0 });
  }
  if (options.apiKeys) {
    rows.push({
      project: '',
      what: 'API keys',
      from: (await from.listApiKeys()).length,
      to: (await to.listApiKeys()).length,
    });
  }
  return rows;
}

export function countsDiffer(rows: readonly CountComparison[]): CountComparison[] {
  return rows.filter((row) => row.from !== row.to);
}

/** The comparison as a table for the terminal, differences marked. */
export function countsTable(rows: readonly CountComparison[]): string {
  const lines = [
    ['project', 'what', 'from', 'to', ''],
    ...rows.map((row) => [
      row.project || '(all)',
      row.what,
      String(row.from),
      String(row.to),
      row.from === row.to ? '' : 'DIFFERS',
    ]),
  ];
  const widths = [0, 1, 2, 3].map((column) => Math.max(...lines.map((line) => (line[column] ?? '').length)));
  return lines
    .map((line) =>
      line
        .map((cell, column) => {
          const width = widths[column] ?? 0;
          // Numbers align right, words left.
          return column === 2 || column === 3 ? cell.padStart(width) : cell.padEnd(width);
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
