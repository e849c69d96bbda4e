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
  ? { overheadCalls: 100_000, rounds: 9, ingestCalls: 200_000 }
  : { overheadCalls: 50_000, rounds: 7, ingestCalls: 50_000 };

const server = await startWeftServer();
console.log(`SDK overhead: ${sizes.rounds} rounds of ${sizes.overheadCalls} calls…`);
const overhead = await measureSdkOverhead(server.url, { calls: sizes.overheadCalls, rounds: sizes.rounds });
await server.stop();
console.log(overhead);

console.log(`Ingestion: ${sizes.ingestCalls} calls through the SDK, HTTP and SQLite…`);
const ingestion = await measureIngestion({ calls: sizes.ingestCalls });
console.log(ingestion);

const report = writeReport({ overhead, ingestion, mode: full ? 'full' : 'standard' });
writeFileSync(resolve(import.meta.dirname, '../BENCHMARKS.md'), report);
console.log('\nWrote BENCHMARKS.md');
