/**
 * `npm run bench`: measures the SDK's per-call cost, ingestion throughput, throughput and read
 * latency under load, query latency and the web UI in Chromium, prints the results and writes
 * BENCHMARKS.md. `--full` runs larger sizes
 * (slower, steadier numbers). `--only queries` or `--only ingestion` runs just that part and only
 * prints (the report needs every part); `--only ui` runs the browser benchmark and rewrites only
 * the web UI's section of BENCHMARKS.md (`--ui-trace-only`: just its trace part); `--only load`
 * and `--only sdk` likewise rewrite only their sections, as does `--only clickhouse` (the ClickHouse
 * store beside SQLite).
 * `--data-cache <dir>` keeps the query dataset (which the UI part reuses) there for later runs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startWeftServer } from '../test/support/weft-server.js';
import { type ClickHouseBenchResult, measureClickHouse, replaceClickHouseSection } from './clickhouse.js';
import { measureIngestion } from './ingestion.js';
import { type LoadBenchResult, measureLoad, replaceLoadSection } from './load.js';
import { measureQueries, type QueryBenchResult } from './queries.js';
import { replaceSdkSection, replaceUiSection, writeReport } from './report.js';
import { measureSdkOverhead } from './sdk-overhead.js';
import { measureUi, type UiBenchResult } from './ui.js';

const { values: flags } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    only: { type: 'string' },
    'data-cache': { type: 'string' },
    'ui-trace-only': { type: 'boolean', default: false },
  },
});
const PARTS = ['queries', 'sdk', 'ingestion', 'ui', 'load', 'clickhouse'];
if (flags.only !== undefined && !PARTS.includes(flags.only)) {
  throw new Error(
    `--only accepts ${PARTS.map((part) => `"${part}"`).join(', ')}; got ${JSON.stringify(flags.only)}`,
  );
}
const full = flags.full;
const sizes = full
  ? { burst: 1000, bursts: 400, largeBurst: 100_000, ingestCalls: 200_000, ingestRuns: 3 }
  : { burst: 1000, bursts: 150, largeBurst: 50_000, ingestCalls: 50_000, ingestRuns: 3 };
const querySizes = { calls: full ? 1_000_000 : 100_000, warmups: 5, reps: 40, traceReps: 30 };

async function runQueries(): Promise<QueryBenchResult> {
  console.log(
    `Queries: ${querySizes.calls.toLocaleString('en-US')} calls; p50/p95 of ${querySizes.reps} requests after ${querySizes.warmups} warm-ups…`,
  );
  return measureQueries({
    ...querySizes,
    ...(flags['data-cache'] ? { cacheDir: resolve(flags['data-cache']) } : {}),
  });
}

async function runClickHouse(): Promise<ClickHouseBenchResult> {
  console.log(
    `ClickHouse beside SQLite: ${querySizes.calls.toLocaleString('en-US')} calls, ingestion of ${sizes.ingestCalls.toLocaleString('en-US')}…`,
  );
  return measureClickHouse({
    ...querySizes,
    ingestCalls: sizes.ingestCalls,
    ...(flags['data-cache'] ? { cacheDir: resolve(flags['data-cache']) } : {}),
  });
}

/** The UI's calls-table targets are for 1,000,000 calls; the trace part needs only the big trace. */
const uiSizes = { calls: full ? 1_000_000 : 100_000, reps: full ? 10 : 5 };

async function runUi(): Promise<UiBenchResult> {
  console.log(
    `Web UI: Chromium against ${uiSizes.calls.toLocaleString('en-US')} calls; ${uiSizes.reps} timed rounds after a warm-up…`,
  );
  return measureUi({
    ...uiSizes,
    traceOnly: flags['ui-trace-only'],
    ...(flags['data-cache'] ? { cacheDir: resolve(flags['data-cache']) } : {}),
  });
}

const REPORT_PATH = resolve(import.meta.dirname, '../BENCHMARKS.md');
const LOAD_SECONDS = 60;

async function runLoadBench(): Promise<LoadBenchResult> {
  console.log(`Load: 8 SDK clients for ${LOAD_SECONDS} s while 4 readers query…`);
  const load = await measureLoad({ seconds: LOAD_SECONDS });
  console.log(load);
  return load;
}

async function runSdkOverhead() {
  const server = await startWeftServer();
  console.log(
    `SDK overhead: ${sizes.bursts} bursts of ${sizes.burst} calls, and bursts of ${sizes.largeBurst}…`,
  );
  try {
    const overhead = await measureSdkOverhead(server.url, sizes);
    console.log(overhead);
    return overhead;
  } finally {
    await server.stop();
  }
}

async function runIngestion() {
  console.log(
    `Ingestion: ${sizes.ingestRuns} runs of ${sizes.ingestCalls} calls through the SDK, HTTP and SQLite…`,
  );
  const runs = [];
  for (let run = 0; run < sizes.ingestRuns; run++) {
    const result = await measureIngestion({ calls: sizes.ingestCalls });
    console.log(result);
    runs.push(result);
  }
  // The run with the median ratio, so both of its numbers come from the same run.
  const ingestion = [...runs].sort((a, b) => a.ratio - b.ratio)[Math.floor(runs.length / 2)]!;
  return { runs, ingestion };
}

if (flags.only === 'queries') {
  await runQueries();
} else if (flags.only === 'sdk') {
  const overhead = await runSdkOverhead();
  writeFileSync(REPORT_PATH, replaceSdkSection(readFileSync(REPORT_PATH, 'utf8'), overhead));
  console.log("\nWrote the SDK's section of BENCHMARKS.md");
} else if (flags.only === 'ingestion') {
  await runIngestion();
} else if (flags.only === 'load') {
  const load = await runLoadBench();
  writeFileSync(REPORT_PATH, replaceLoadSection(readFileSync(REPORT_PATH, 'utf8'), load));
  console.log('\nWrote the load section of BENCHMARKS.md');
} else if (flags.only === 'clickhouse') {
  const clickhouse = await runClickHouse();
  writeFileSync(REPORT_PATH, replaceClickHouseSection(readFileSync(REPORT_PATH, 'utf8'), clickhouse));
  console.log('\nWrote the ClickHouse section of BENCHMARKS.md');
} else if (flags.only === 'ui') {
  const ui = await runUi();
  writeFileSync(REPORT_PATH, replaceUiSection(readFileSync(REPORT_PATH, 'utf8'), ui));
  console.log('\nWrote the web UI section of BENCHMARKS.md');
} else {
  const overhead = await runSdkOverhead();
  const { runs, ingestion } = await runIngestion();

  const load = await runLoadBench();
  const queries = await runQueries();
  const clickhouse = await runClickHouse();
  const ui = await runUi();

  const report = writeReport({
    overhead,
    ingestion,
    ingestionRuns: runs,
    queries,
    ui,
    load,
    mode: full ? 'full' : 'standard',
  });
  writeFileSync(REPORT_PATH, replaceClickHouseSection(report, clickhouse));
  console.log('\nWrote BENCHMARKS.md');
}
