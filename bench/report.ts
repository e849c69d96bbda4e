/** Writes BENCHMARKS.md: machine, method, date, results, and each target met or missed. */
import { cpus, totalmem } from 'node:os';
import Database from 'better-sqlite3';
import type { IngestionResult } from './ingestion.js';
import type { OverheadResult } from './sdk-overhead.js';

const SDK_TARGET_US = 2;
const OFFICIAL_SDK_US = 20;
const INGESTION_TARGET_RATIO = 0.7;

function verdict(met: boolean): string {
  return met ? 'met' : '**missed**';
}

export function writeReport(results: {
  overhead: OverheadResult;
  ingestion: IngestionResult;
  mode: string;
}): string {
  const { overhead, ingestion } = results;
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const sqliteVersion = (
    new Database(':memory:').prepare('SELECT sqlite_version() AS v').get() as { v: string }
  ).v;
  const fmt = (value: number, digits = 2) => value.toFixed(digits);
  const rate = (value: number) => Math.round(value).toLocaleString('en-US');
  return `# Benchmarks

Written by \`npm run bench\` (${results.mode} sizes${results.mode === 'full' ? '' : '; `npm run bench -- --full` for larger ones'}).
Numbers, not timed tests: each run overwrites this file.

- Date: ${new Date().toISOString()}
- Machine: ${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version}; SQLite ${sqliteVersion}
- Server: \`weft serve\` as a separate process on 127.0.0.1 (the built CLI), SQLite in WAL mode with \`synchronous=FULL\`.

## SDK cost per traced call

Method: a trivial function (\`x => x + 1\`) called ${overhead.callsPerRound.toLocaleString('en-US')} times plainly, then
the same number of times through \`op()\`, with the client connected to a real server; the plain
loop's time is subtracted and divided by the number of calls. Median of ${overhead.rounds} rounds after a warm-up.
"CPU with sending" is the process's CPU time (user + system) from the start of the traced loop to
the end of the flush that sent its calls, per call, minus the plain loop: it adds the background
work (JSON encoding, HTTP) that the inline number leaves out.

| what | µs per call | target | |
|---|---|---|---|
| sync function, inline | ${fmt(overhead.syncUs)} | < ${SDK_TARGET_US} | ${verdict(overhead.syncUs < SDK_TARGET_US)} |
| async function, inline | ${fmt(overhead.asyncUs)} | < ${SDK_TARGET_US} | ${verdict(overhead.asyncUs < SDK_TARGET_US)} |
| sync function, CPU with sending | ${fmt(overhead.syncCpuWithSendingUs)} | — | |

For comparison, the official \`weave\` npm SDK costs about ${OFFICIAL_SDK_US} µs per traced call on this machine (figure from the issue; not re-measured here).

## Ingestion

Method: ${ingestion.calls.toLocaleString('en-US')} calls made through the SDK (a two-argument op returning a small object), sent
with its default batching (one request in flight) to \`weft serve\`, timed from the first call to
the flush that confirms the last. Then, in the same run, the same rows (read back from the
server's database) inserted into a fresh database with the same schema and pragmas by
better-sqlite3, ${ingestion.rowsPerTransaction} rows per transaction (the SDK's batch size).

| what | calls/s |
|---|---|
| SDK → HTTP → SQLite | ${rate(ingestion.sdkToSqliteCallsPerSec)} |
| raw better-sqlite3 insert, same rows | ${rate(ingestion.rawInsertCallsPerSec)} |
| ratio | ${fmt(ingestion.ratio * 100, 0)}% (target ≥ ${INGESTION_TARGET_RATIO * 100}%: ${verdict(ingestion.ratio >= INGESTION_TARGET_RATIO)}) |
`;
}
