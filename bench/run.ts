/**
 * `npm run bench`: measures the SDK's per-call cost and ingestion throughput, prints the results
 * and writes BENCHMARKS.md. `--full` runs larger sizes (slower, steadier numbers).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startWeftServer } from '../test/support/weft-server.js';
import { measureIngestion } from './ingestion.js';
import { writeReport } from './report.js';
import { measureSdkOverhead } from './sdk-overhead.js';

const full = process.argv.includes('--full');
const sizes = full
  ? { burst: 1000, bursts: 400, largeBurst: 100_000, ingestCalls: 200_000, ingestRuns: 3 }
  : { burst: 1000, bursts: 150, largeBurst: 50_000, ingestCalls: 50_000, ingestRuns: 3 };

const server = await startWeftServer();
console.log(
  `SDK overhead: ${sizes.bursts} bursts of ${sizes.burst} calls, and bursts of ${sizes.largeBurst}…`,
);
const overhead = await measureSdkOverhead(server.url, sizes);
await server.stop();
console.log(overhead);

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

const report = writeReport({ overhead, ingestion, ingestionRuns: runs, mode: full ? 'full' : 'standard' });
writeFileSync(resolve(import.meta.dirname, '../BENCHMARKS.md'), report);
console.log('\nWrote BENCHMARKS.md');
