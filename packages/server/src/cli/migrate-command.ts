/**
 * `weft migrate --from URL --to URL [--project P]`: copies a project, or everything, from one
 * store to another (SQLite to ClickHouse as a store outgrows one file, or back), resumably, with a
 * progress bar, and checks the counts of both at the end. The copying is migrate-copy.ts, where
 * it got to migrate-state.ts, the check migrate-verify.ts; this module reads the arguments and
 * opens the stores.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseClickHouseUrl, redact } from '../storage/clickhouse/store-url.js';
import { openStore } from '../storage/open-store.js';
import type { StoredProject, TraceStore } from '../storage/trace-store.js';
import { StoreCopy } from './migrate-copy.js';
import { progressObserver } from './migrate-progress.js';
import { defaultStatePath, MigrationState, migrationKey } from './migrate-state.js';
import { compareCounts, countsDiffer, countsTable } from './migrate-verify.js';
import { STORE_OPTIONS } from './store-option.js';

export const MIGRATE_USAGE = `Usage: weft migrate --from STORE --to STORE [--project ENTITY/PROJECT] [--state FILE]
                    [--clickhouse-cluster NAME] [--from-clickhouse-cluster NAME]

Copies every project (or the one --project names) from one store to another: its registration,
live calls, object versions (deleted ones too, so version numbers are never given twice), tags
and aliases, tables, files, feedback, its own prices and its retention; without --project, the
API keys too. Deleted calls, and calls whose start never arrived, are not copied. A STORE is
sqlite:PATH (a weft.db file, or a data folder holding one), clickhouse://user:password@host:8123/db
or chdb:FOLDER[?database=NAME]; --clickhouse-cluster is the --to store's cluster. Stop the servers
that write to --from first (a chdb folder is open in one process at a time anyway).
A migration that stops part-way goes on from where it was when run again with the same arguments:
it keeps its place in --state (default: weft-migrate-<hash>.json in the current folder), removed
once the copy is checked. At the end the counts of both stores are compared per project and
printed; any difference fails the command.`;

export class MigrateUsageError extends Error {}

export interface MigrateOutput {
  stdout: string;
  /** Set when the copy finished but the counts differ: the command fails with this. */
  failure?: string;
}

/** A migration never gives up on a slow read: the server's limit is for interactive queries. */
const NO_TIME_LIMIT_MS = 7 * 24 * 3600 * 1000;

export async function runMigrateCommand(args: string[]): Promise<MigrateOutput> {
  if (args.includes('--help') || args.includes('-h')) return { stdout: MIGRATE_USAGE };
  const { values, positionals } = parseArgs({
    args,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      project: { type: 'string' },
      state: { type: 'string' },
      'clickhouse-cluster': STORE_OPTIONS['clickhouse-cluster'],
      'from-clickhouse-cluster': { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0 || !values.from || !values.to) throw new MigrateUsageError(MIGRATE_USAGE);
  const project = values.project ?? null;
  if (project !== null && !/^[^/]+\/[^/]+$/.test(project)) {
    throw new MigrateUsageError(`--project is ENTITY/PROJECT, got ${JSON.stringify(project)}`);
  }
  const from = storeLocation(values.from, { mustExist: true });
  const to = storeLocation(values.to, { mustExist: false });
  if (from.identity === to.identity) {
    throw new MigrateUsageError(`--from and --to name the same store (${redact(from.url)})`);
  }
  if (from.chdbFolder && to.chdbFolder && from.chdbFolder !== to.chdbFolder) {
    throw new MigrateUsageError(
      'chdb opens one folder per process: keep both databases in one folder (chdb:FOLDER?database=NAME), or copy through a ClickHouse server',
    );
  }
  const key = migrationKey(from.identity, to.identity, project);
  const state = MigrationState.load(values.state ? resolve(values.state) : defaultStatePath(key), {
    key,
    from: redact(from.url),
    to: redact(to.url),
    project,
  });

  const source = await openStore(from.url, {
    queryTimeoutMs: NO_TIME_LIMIT_MS,
    ...cluster(values['from-clickhouse-cluster']),
  });
  let target: TraceStore | undefined;
  try {
    target = await openStore(to.url, {
      queryTimeoutMs: NO_TIME_LIMIT_MS,
      ...cluster(values['clickhouse-cluster']),
    });
    const registrations = await source.listProjects();
    const projects = await projectsToCopy(source, registrations, project);
    const log = (line: string) => process.stderr.write(`${line}\n`);
    log(
      `${state.resumed ? 'continuing' : 'copying'} ${projects.length} project(s) from ${redact(from.url)} to ${redact(to.url)} (state: ${state.path})`,
    );
    const copy = new StoreCopy(source, target, { state, observer: progressObserver(process.stderr) });
    if (project === null) log(`API keys: ${await copy.copyApiKeys()} copied`);
    for (const projectId of projects) {
      const registration = registrations.find(({ entity, name }) => `${entity}/${name}` === projectId);
      await copy.copyProject(projectId, registration);
    }
    const counts = await compareCounts(source, target, projects, { apiKeys: project === null });
    const table = countsTable(counts);
    const differing = countsDiffer(counts);
    if (differing.length > 0) {
      return {
        stdout: table,
        failure: `the counts differ in ${differing.length} place(s) (marked above); the copy is not verified. Its state stays in ${state.path}: remove it to copy everything again (what is copied already is not stored twice)`,
      };
    }
    state.remove();
    return {
      stdout: `${table}\ncopied ${projects.length} project(s) from ${redact(from.url)} to ${redact(to.url)}; counts verified`,
    };
  } finally {
    await source.close();
    await target?.close();
  }
}

function cluster(name: string | undefined): { clickhouseCluster?: string } {
  return name ? { clickhouseCluster: name } : {};
}

interface StoreLocation {
  /** The URL to open (a SQLite data folder resolved to its database file). */
  url: string;
  /** The same store whatever way the URL is written (paths resolved, no password). */
  identity: string;
  /** A chdb store's folder, resolved. */
  chdbFolder?: string;
}

/**
 * What a store URL names. A SQLite path that is a folder, or ends in a slash, is a data folder:
 * its `weft.db`. A source must exist: opening a missing SQLite file would make an empty one.
 */
function storeLocation(url: string, options: { mustExist: boolean }): StoreLocation {
  if (url.startsWith('sqlite:')) {
    let path = resolve(url.slice('sqlite:'.length));
    const isFolder = url.endsWith('/') || (existsSync(path) && statSync(path).isDirectory());
    if (isFolder) path = join(path, 'weft.db');
    if (options.mustExist && !existsSync(path)) throw new MigrateUsageError(`no weft database at ${path}`);
    return { url: `sqlite:${path}`, identity: `sqlite:${path}` };
  }
  let location: ReturnType<typeof parseClickHouseUrl>;
  try {
    location = parseClickHouseUrl(url);
  } catch (error) {
    throw new MigrateUsageError(
      `${(error as Error).message}: a store is sqlite:PATH, clickhouse://user:password@host:8123/database or chdb:FOLDER`,
    );
  }
  if (location.kind === 'server') {
    return { url, identity: `clickhouse:${location.url}/${location.database}` };
  }
  const folder = resolve(location.path);
  if (options.mustExist && !existsSync(folder)) throw new MigrateUsageError(`no chdb folder at ${folder}`);
  return {
    url: `chdb:${folder}?database=${location.database}`,
    identity: `chdb:${folder}?database=${location.database}`,
    chdbFolder: folder,
  };
}

/**
 * The projects to copy: every registered one and every one holding calls or objects without a
 * registration (a client that only wrote), or the one asked for.
 */
async function projectsToCopy(
  source: TraceStore,
  registrations: readonly StoredProject[],
  project: string | null,
): Promise<string[]> {
  const ids = new Set(registrations.map(({ entity, name }) => `${entity}/${name}`));
  for (const summary of await source.projectSummaries()) ids.add(summary.project_id);
  if (project === null) return [...ids];
  if (!ids.has(project)) {
    const contents = await source.countProjectContents(project);
    if (Object.values(contents).every((count) => count === 0)) {
      throw new MigrateUsageError(`the --from store holds nothing of project ${project}`);
    }
  }
  return [project];
}
