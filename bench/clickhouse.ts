/**
 * The ClickHouse store beside SQLite, in one run (issue 14): ingestion through the SDK into each,
 * the query set of the Queries section against the same dataset on each (copied to ClickHouse by
 * `weft migrate`), and the bytes each keeps on disk per call. ClickHouse here is the engine of the
 * chdb package inside the server's process, on this machine's cores: what one machine shows, not
 * what a cluster does.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { CLI_PATH, removeDataDir, startWeftServer } from '../test/support/weft-server.js';
import { ingestThroughSdk } from './ingestion.js';
import { logDataset, measureSpecs, type QueryMeasurement, type QuerySizes, querySpecs } from './queries.js';
import { type DatasetFacts, prepareDataset } from './query-dataset.js';
import { replaceSection } from './sections.js';
import { elapsedMs, nowNs } from './stats.js';

export interface ClickHouseBenchResult {
  date: string;
  facts: DatasetFacts;
  ingestion: { calls: number; sqliteCallsPerSec: number; clickhouseCallsPerSec: number };
  migrate: { ms: number; callsPerSec: number };
  disk: {
    sqliteBytes: number;
    clickhouseBytes: number;
    /** ClickHouse's own account of its active parts (system.parts). */
    compressedBytes: number;
    uncompressedBytes: number;
  };
  rows: Array<{ sqlite: QueryMeasurement; clickhouse: QueryMeasurement }>;
}

/** The bytes of every file under `dir`. */
function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** ClickHouse's sizes of the store's active parts, read in a process of its own (chdb holds its folder). */
function partSizes(folder: string): { compressed: number; uncompressed: number } {
  const script = `
    import { connect } from ${JSON.stringify(join(import.meta.dirname, '../packages/server/dist/storage/clickhouse/connect.js'))};
    const client = connect({ kind: 'chdb', path: process.argv[1], database: 'weft' });
    const result = await client.query({
      query: "SELECT sum(data_compressed_bytes) AS compressed, sum(data_uncompressed_bytes) AS uncompressed FROM system.parts WHERE active AND database = 'weft'",
      format: 'JSONEachRow',
    });
    console.log(JSON.stringify((await result.json())[0]));
    await client.close();`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, folder], {
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`reading ClickHouse's part sizes failed: ${run.stderr}`);
  const sizes = JSON.parse(run.stdout.trim()) as { compressed: number; uncompressed: number };
  return { compressed: Number(sizes.compressed), uncompressed: Number(sizes.uncompressed) };
}

async function ingestionRate(calls: number, serverArgs: readonly string[]): Promise<number> {
  const { ms, dataDir } = await ingestThroughSdk({ calls, serverArgs });
  removeDataDir(dataDir);
  return calls / (ms / 1000);
}

async function measureOn(dataDir: string, args: readonly string[], facts: DatasetFacts, sizes: QuerySizes) {
  const server = await startWeftServer({ dataDir, args });
  try {
    return await measureSpecs(server.url, querySpecs(facts, sizes));
  } finally {
    await server.stop();
  }
}

export async function measureClickHouse(
  options: QuerySizes & { calls: number; ingestCalls: number; cacheDir?: string },
): Promise<ClickHouseBenchResult> {
  const chdbFolder = () => join(mkdtempSync(join(tmpdir(), 'weft-bench-chdb-')), 'store');
  console.log(
    `  ingestion: ${options.ingestCalls.toLocaleString('en-US')} calls through the SDK into each store…`,
  );
  const sqliteRate = await ingestionRate(options.ingestCalls, []);
  const ingestFolder = chdbFolder();
  const clickhouseRate = await ingestionRate(options.ingestCalls, ['--store', `chdb:${ingestFolder}`]);
  removeDataDir(join(ingestFolder, '..'));

  const dataset = await prepareDataset({
    calls: options.calls,
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
  });
  const { facts } = dataset;
  logDataset(facts, dataset.load);
  const folder = chdbFolder();
  try {
    console.log('  SQLite:');
    const sqlite = await measureOn(dataset.dataDir, [], facts, options);

    console.log('  weft migrate to ClickHouse…');
    const start = nowNs();
    const migrate = spawnSync(
      process.execPath,
      [
        CLI_PATH,
        'migrate',
        '--from',
        `sqlite:${dataset.dataDir}`,
        '--to',
        `chdb:${folder}`,
        '--state',
        join(folder, '..', 'state.json'),
      ],
      { encoding: 'utf8', timeout: 60 * 60_000 },
    );
    const migrateMs = elapsedMs(start);
    if (migrate.status !== 0) throw new Error(`weft migrate failed: ${migrate.stderr}${migrate.stdout}`);

    console.log('  ClickHouse (chdb):');
    const clickhouse = await measureOn(dataset.dataDir, ['--store', `chdb:${folder}`], facts, options);
    const parts = partSizes(folder);
    return {
      date: new Date().toISOString().slice(0, 10),
      facts,
      ingestion: {
        calls: options.ingestCalls,
        sqliteCallsPerSec: sqliteRate,
        clickhouseCallsPerSec: clickhouseRate,
      },
      migrate: { ms: migrateMs, callsPerSec: facts.calls / (migrateMs / 1000) },
      disk: {
        sqliteBytes: statSync(join(dataset.dataDir, 'weft.db')).size,
        clickhouseBytes: bytesUnder(folder),
        compressedBytes: parts.compressed,
        uncompressedBytes: parts.uncompressed,
      },
      rows: sqlite.map((row, index) => ({
        sqlite: row,
        clickhouse: clickhouse[index] ?? { label: row.label, failure: 'not measured' },
      })),
    };
  } finally {
    removeDataDir(dataset.dataDir);
    removeDataDir(join(folder, '..'));
  }
}

const HEADING = '## ClickHouse beside SQLite';

const ms = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(1));
const rate = (value: number) => Math.round(value).toLocaleString('en-US');
const perCall = (bytes: number, calls: number) => `${Math.round(bytes / calls).toLocaleString('en-US')} B`;

function ratio(row: { sqlite: QueryMeasurement; clickhouse: QueryMeasurement }): string {
  const { sqlite, clickhouse } = row;
  if (sqlite.p50Ms === undefined || clickhouse.p50Ms === undefined) return '—';
  return `${(clickhouse.p50Ms / sqlite.p50Ms).toFixed(1)}×`;
}

function cell(row: QueryMeasurement): string {
  if (row.p50Ms === undefined) return `failed: ${row.failure ?? 'unknown'}`;
  return `${ms(row.p50Ms)} / ${ms(row.p95Ms)}${row.problem ? ` **wrong answer: ${row.problem}**` : ''}`;
}

export function clickHouseSection(result: ClickHouseBenchResult): string {
  const { facts, ingestion, migrate, disk } = result;
  const rows = result.rows.map(
    (row) => `| ${row.sqlite.label} | ${cell(row.sqlite)} | ${cell(row.clickhouse)} | ${ratio(row)} |`,
  );
  const calls = facts.calls;
  return `
${HEADING}

Written by \`npm run bench -- --only clickhouse\` (\`--full\` for 1,000,000 calls), ${result.date}, on
${cpus()[0]?.model ?? 'an unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB. ClickHouse is the engine
of the \`chdb\` package inside \`weft serve\` (\`--store chdb:…\`), on the same cores as SQLite; weft runs
chdb's requests one at a time (storage/clickhouse/connect.ts), so this is one machine's view.

Method: ingestion as in the Ingestion section (${rate(ingestion.calls)} calls through the SDK, from the first
call to the flush that confirms the last), once into each store. Queries: the dataset and query set
of the Queries section (${rate(calls)} calls, no \`weft index\` on SQLite), measured first on SQLite, then
copied to ClickHouse with \`weft migrate\` and measured again on it with the same method and checks.

| | SQLite | ClickHouse (chdb) |
|---|---|---|
| ingestion, SDK → HTTP → store | ${rate(ingestion.sqliteCallsPerSec)} calls/s | ${rate(ingestion.clickhouseCallsPerSec)} calls/s |
| \`weft migrate\` SQLite → ClickHouse | | ${rate(migrate.callsPerSec)} calls/s (${(migrate.ms / 1000).toFixed(0)} s) |
| on disk per call | ${perCall(disk.sqliteBytes, calls)} | ${perCall(disk.clickhouseBytes, calls)} |
| compression (ClickHouse's parts: uncompressed / compressed) | none | ${(disk.uncompressedBytes / Math.max(1, disk.compressedBytes)).toFixed(1)}× |

| query | SQLite p50 / p95 ms | ClickHouse p50 / p95 ms | ClickHouse / SQLite (p50) |
|---|---|---|---|
${rows.join('\n')}

Why ClickHouse is slower on one machine: every calls query reads the merged view, a \`GROUP BY\` of
the project's call parts (storage/clickhouse/calls-read.ts). A page in start order (the first-page
rows, the op filters) looks for its calls among a window of the newest start parts and merges only
those, then reads the page's calls whole by id (storage/clickhouse/calls-window.ts), so it costs
about the same in a project of any size; what it still pays is chdb's own cost per query (a page
is three to four of them: the window's edge, the ids, the calls, their traces' failure flags; a
\`SELECT 1\` alone takes about 3 ms through chdb here). A filter that keeps few calls (a model
used by 0.5% of them, a score) widens the window, eightfold at a time, until it holds a page. A status filter in such a page finds the failure flags from the window's traces
first. Sorting by cost or a score and counting still merge the sort and filter columns of every
call in the project, so they grow with it; a count by status also walks the project's whole call
tree up from its failures, in SQL. A trace's pages merge only that trace's calls after the page's
key. SQLite reads one row per
call from an index in sort order and stops after 50. chdb also runs one request at a time inside
the server's process, on the cores the server and this benchmark share. What ClickHouse buys:
${perCall(disk.clickhouseBytes, calls)} per call on disk against SQLite's ${perCall(disk.sqliteBytes, calls)} (${(disk.sqliteBytes / Math.max(1, disk.clickhouseBytes)).toFixed(1)}× less; its columns
compress ${(disk.uncompressedBytes / Math.max(1, disk.compressedBytes)).toFixed(1)}×), inserts with no read-modify-write, so several servers can write to one
cluster, and scans spread over a cluster's shards.
`;
}

/** BENCHMARKS.md with this section replaced, or added before the web UI's. */
export function replaceClickHouseSection(report: string, result: ClickHouseBenchResult): string {
  return replaceSection(report, HEADING, clickHouseSection(result), '## Web UI in a browser');
}
