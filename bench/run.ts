/**
 * `npm run bench`: measures the SDK's per-call cost, ingestion throughput and query latency,
 * prints the results and writes BENCHMARKS.md. `--full` runs larger sizes (slower, steadier
 * numbers). `--only queries`, `--only sdk` or `--only ingestion` runs just that part and only prints (the report needs every
 * part). `--data-cache <dir>` keeps the query dataset there and reuses it in later runs.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startWeftServer } from '../test/support/weft-server.js';
import { measureIngestion } from './ingestion.js';
import { measureQueries, type QueryBenchResult } from './queries.js';
import { writeReport } from './report.js';
import { measureSdkOverhead } from './sdk-overhead.js';

const { values: flags } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    only: { type: 'string' },
    'data-cache': { type: 'string' },
  },
});
const PARTS = ['queries', 'sdk', 'ingestion'];
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
  await runSdkOverhead();
} else if (flags.only === 'ingestion') {
  await runIngestion();
} else {
  const overhead = await runSdkOverhead();
  const { runs, ingestion } = await runIngestion();

  const queries = await runQueries();

  const report = writeReport({
    overhead,
    ingestion,
    ingestionRuns: runs,
    queries,
    mode: full ? 'full' : 'standard',
  });
  writeFileSync(resolve(import.meta.dirname, '../BENCHMARKS.md'), report);
  console.log('\nWrote BENCHMARKS.md');
}
