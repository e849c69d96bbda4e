/**
 * `weft prune` and `weft retention` (docs/protocol.md §20): removing a project's old calls now,
 * and keeping a project's calls for a number of days, which a running server applies hourly.
 * Both work on the store directly (the data folder's database, or `--store`), with or without a
 * running server.
 */
import { parseArgs } from 'node:util';
import { formatTimestampMicros } from '@weft/protocol';
import type { TraceStore } from '../storage/trace-store.js';
import { STORE_OPTIONS, STORE_USAGE, type StoreValues, withCommandStore } from './store-option.js';

export const RETENTION_USAGE = `Usage: weft prune --project ENTITY/PROJECT --older-than 30d ${STORE_USAGE}
       weft retention set --project ENTITY/PROJECT --days 30 ${STORE_USAGE}
       weft retention clear --project ENTITY/PROJECT ${STORE_USAGE}
       weft retention list ${STORE_USAGE}

weft prune removes the project's calls that started before the given age (30d, 12h), deleted or
not, with their feedback, then gives the space back to the file system. The first prune of a
SQLite database made before weft kept space reclaimable rewrites it whole (VACUUM), holding
writes meanwhile; on ClickHouse it merges the parts that held removed rows (OPTIMIZE FINAL). weft retention keeps a project's calls that many days: a running weft serve removes
older ones every hour.`;

export class RetentionUsageError extends Error {}

const DAY_MS = 24 * 60 * 60 * 1000;
const PROJECT_ID = /^[^/]+\/[^/]+$/;

/** `30d` or `12h` in milliseconds; undefined for anything else. */
export function parseAge(text: string): number | undefined {
  const match = /^(\d+)([dh])$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * (match[2] === 'd' ? DAY_MS : DAY_MS / 24);
}

function megabytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MB`;
}

function withStore<T>(values: StoreValues, work: (store: TraceStore) => Promise<T>): Promise<T> {
  const missing = (path: string) =>
    new RetentionUsageError(
      `no weft database at ${path}: pass the --data folder (or --store) weft serve uses`,
    );
  return withCommandStore(values, { mustExist: true, missing }, work);
}

function projectOf(value: string | undefined): string {
  if (!value || !PROJECT_ID.test(value)) throw new RetentionUsageError(RETENTION_USAGE);
  return value;
}

export async function runPruneCommand(args: string[]): Promise<string> {
  const { values } = parseArgs({
    args,
    options: {
      ...STORE_OPTIONS,
      project: { type: 'string' },
      'older-than': { type: 'string' },
    },
    strict: true,
  });
  const project = projectOf(values.project);
  const age = parseAge(values['older-than'] ?? '');
  if (age === undefined) throw new RetentionUsageError(RETENTION_USAGE);
  const before = (Date.now() - age) * 1000;
  return withStore(values, async (store) => {
    const removed = await store.pruneCalls(project, before);
    const size = await store.reclaimSpace({ exclusive: true });
    return (
      `removed ${removed} calls of ${project} started before ${formatTimestampMicros(before)}; ` +
      `the database went from ${megabytes(size.before)} to ${megabytes(size.after)}`
    );
  });
}

export async function runRetentionCommand(args: string[]): Promise<string> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...STORE_OPTIONS,
      project: { type: 'string' },
      days: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  const [action, ...extra] = positionals;
  if (extra.length > 0) throw new RetentionUsageError(RETENTION_USAGE);
  if (action === 'list') {
    return withStore(values, async (store) => {
      const settings = await store.listRetention();
      if (settings.length === 0) return 'no project has a retention';
      return settings.map(({ project_id, days }) => `${project_id}  ${days} days`).join('\n');
    });
  }
  const project = projectOf(values.project);
  if (action === 'clear') {
    return withStore(values, async (store) => {
      await store.setRetention(project, null);
      return `${project} keeps its calls until they are deleted`;
    });
  }
  const days = Number(values.days);
  if (action !== 'set' || !Number.isInteger(days) || days < 1) throw new RetentionUsageError(RETENTION_USAGE);
  return withStore(values, async (store) => {
    await store.setRetention(project, days);
    return `${project} keeps calls for ${days} days; a running weft serve removes older ones within the hour`;
  });
}
