/** Writes BENCHMARKS.md: machine, method, date, results, and each target met or missed. */
import { cpus, totalmem } from 'node:os';
import Database from 'better-sqlite3';
import type { IngestionResult } from './ingestion.js';
import { type LoadBenchResult, loadSection } from './load.js';
import { type QueryBenchResult, type QueryMeasurement, SCORE_SORT_LABEL, TARGET_CALLS } from './queries.js';
import type { OverheadResult } from './sdk-overhead.js';
import type { UiBenchResult } from './ui.js';
import { uiSection } from './ui-report.js';

export { replaceUiSection } from './ui-report.js';

const SDK_TARGET_US = 2;
/** Issue 9: the SDK's CPU per traced call, encoding and sending included. */
const SDK_CPU_TARGET_US = 4;
const OFFICIAL_SDK_US = 20;
const SDK_HEADING = '## SDK cost per traced call';
const INGESTION_TARGET_RATIO = 0.7;

function verdict(met: boolean): string {
  return met ? 'met' : '**missed**';
}

export function writeReport(results: {
  overhead: OverheadResult;
  ingestion: IngestionResult;
  ingestionRuns: readonly IngestionResult[];
  queries: QueryBenchResult;
  ui: UiBenchResult;
  load: LoadBenchResult;
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

${sdkSection(overhead)}## Ingestion

Method: ${ingestion.calls.toLocaleString('en-US')} calls made through the SDK (a two-argument op returning a small object), sent
with its default batching (finished calls as complete items on \`/v2/{entity}/{project}/calls/complete\`,
1,000 per request, a second request in flight only for a full batch) to \`weft serve\`, timed from
the first call to the flush that confirms the last. Then, in the same run, the same rows (read
back from the server's database) inserted into a fresh database with the same schema and pragmas
by better-sqlite3, ${ingestion.rowsPerTransaction} rows per transaction (the SDK's batch size).

| what | calls/s |
|---|---|
| SDK → HTTP → SQLite | ${rate(ingestion.sdkToSqliteCallsPerSec)} |
| raw better-sqlite3 insert, same rows | ${rate(ingestion.rawInsertCallsPerSec)} |
| ratio | ${fmt(ingestion.ratio * 100, 0)}% (target ≥ ${INGESTION_TARGET_RATIO * 100}%: ${verdict(ingestion.ratio >= INGESTION_TARGET_RATIO)}) |

All runs (the table shows the run with the median ratio):

| SDK → SQLite calls/s | raw calls/s | ratio |
|---|---|---|
${results.ingestionRuns.map((run) => `| ${rate(run.sdkToSqliteCallsPerSec)} | ${rate(run.rawInsertCallsPerSec)} | ${fmt(run.ratio * 100, 0)}% |`).join('\n')}

${ingestionSection(ingestion.ratio >= INGESTION_TARGET_RATIO)}${loadSection(results.load)}${querySection(results.queries)}
${uiSection(results.ui)}`;
}

/** The SDK's section: its per-call costs against the targets, and where the CPU goes. */
function sdkSection(overhead: OverheadResult): string {
  const fmt = (value: number, digits = 2) => value.toFixed(digits);
  return `## SDK cost per traced call

Method: a trivial function (\`x => x + 1\`, sync, and the same as an \`async\` function) called
in bursts of ${overhead.burst.toLocaleString('en-US')}, plainly and through \`op()\`, with the client connected to a real server; each burst is
timed, the plain burst's time is subtracted and divided by the number of calls. Median of ${overhead.bursts} bursts after a
warm-up; the queue is flushed between bursts (untimed). The large-burst row makes
${overhead.largeBurst.toLocaleString('en-US')} calls in one go, so every call stays queued (and in memory) until the burst ends: the
garbage collector's share grows. "CPU with sending" is the process's CPU time (user + system, all
threads) for a run paced so the server keeps up (a burst every 50 ms), including the final flush,
minus the same run with plain calls, per call: it adds the background work the inline numbers
leave out (JSON encoding, HTTP, garbage collection). Measured
${new Date().toISOString().slice(0, 10)}.

| what | µs per call | target | |
|---|---|---|---|
| sync function, inline | ${fmt(overhead.syncUs)} | < ${SDK_TARGET_US} | ${verdict(overhead.syncUs < SDK_TARGET_US)} |
| async function, inline | ${fmt(overhead.asyncUs)} | < ${SDK_TARGET_US} | ${verdict(overhead.asyncUs < SDK_TARGET_US)} |
| sync function, inline, burst of ${overhead.largeBurst.toLocaleString('en-US')} | ${fmt(overhead.syncLargeBurstUs)} | — | |
| sync function, CPU with sending | ${fmt(overhead.cpuWithSendingUs)} | ≤ ${SDK_CPU_TARGET_US} | ${verdict(overhead.cpuWithSendingUs <= SDK_CPU_TARGET_US)} |

For comparison, the official \`weave\` npm SDK costs about ${OFFICIAL_SDK_US} µs per traced call on this machine (figure from the issue; not re-measured here).
${sdkCpuSection(overhead.cpuWithSendingUs <= SDK_CPU_TARGET_US)}
`;
}

/** BENCHMARKS.md with the SDK's section replaced by this run's (`npm run bench -- --only sdk`). */
export function replaceSdkSection(report: string, overhead: OverheadResult): string {
  const start = report.indexOf(`\n${SDK_HEADING}\n`);
  if (start < 0) throw new Error(`BENCHMARKS.md has no "${SDK_HEADING}" section to replace`);
  const next = report.indexOf('\n## ', start + SDK_HEADING.length + 1);
  return `${report.slice(0, start + 1)}${sdkSection(overhead)}${next < 0 ? '' : report.slice(next + 1)}`;
}

/**
 * Why the SDK costs what it costs, from profiles taken while this benchmark ran (static text:
 * the numbers are a profiling session's, not this run's).
 */
function sdkCpuSection(met: boolean): string {
  return `
### Where the SDK's CPU goes${met ? '' : `, and why ${SDK_CPU_TARGET_US} µs is missed`}

Profiled on this machine on 2026-12-02 (\`node --cpu-prof\`, V8's sampling heap profiler, per-thread
CPU from \`/proc\`). A finished call is sent as one complete item (464 bytes of JSON for this
benchmark's call), written straight into the request's buffer: ids, timestamps, numbers and short
strings byte by byte, the project, op ref and attributes as bytes encoded once, a leaf call's
summary as a constant. Per call, in tight 1,000-call rounds (minimum of 300 rounds): the traced call
itself 0.67 µs (two UUIDv7 ids and two clock reads are half of it) and its encoding 0.66 µs; the
HTTP request is about 0.3 ms per 1,000 calls. The SDK allocates 748 bytes per call (the \`Call\`
object about 230, its two id strings 112, the inputs object and its serialization result 104, the
argument array 56); before the v2 work it was about 1,080 in the call path alone, plus the
encoder's strings.

The "CPU with sending" row moves by about 1 µs between runs on this 2-core machine (7.11 in the
full run of 2026-12-03 14:10 UTC, 7.97 in a run of the SDK's part alone that evening). The paced
run this row measures (a 1,000-call burst, then 50 ms asleep) runs every burst on cold
caches: the same two steps measure 1.6–1.7 µs and 1.3–1.4 µs per call there (timed around each
step), and V8's background threads (garbage collector, compiler) add about 1.3 µs per call. Fresh
allocation is what costs most on cold caches: 512 more bytes of garbage per call made the row
1.0–1.35 µs worse. The same run measures 4.4–5.3 µs with \`node --single-threaded\`.${
    met
      ? ''
      : ` Getting under
${SDK_CPU_TARGET_US} µs needs the call path to allocate about half as much: ids made only when read (a call's id
and trace id written into the request as bytes from the numbers they are made of), no argument
array and serialization result per call, and a smaller \`Call\`; these change the SDK's public
\`Call\` object and were not done in this round.`
  }
`;
}

/** Why ingestion runs at the rate it does, from profiles of this benchmark (static text). */
function ingestionSection(met: boolean): string {
  return `
### Where ingestion time goes${met ? '' : `, and why ${INGESTION_TARGET_RATIO * 100}% is missed`}

Profiled on this machine on 2026-12-02 (\`node --cpu-prof\` on \`weft serve\`, 100,000 calls of this
benchmark, both of the server's threads). The server parses a request on its main thread and
writes the one before on its call writer thread; with two requests in flight the two overlap.
Per call:

- Writer thread, busy 90% of the time: the upsert statement 19.6 µs, BEGIN/COMMIT with its fsync
  7.9 µs. This is the work the raw insert does (17–22 µs per row, commits included), and it is the
  bottleneck.
- Main thread, busy 66%: \`JSON.parse\` of the body (secure-json-parse) 5.4 µs; encoding inputs,
  output, summary and attributes back into JSON text for storage (\`toJsonText\`,
  \`service/call-parts.ts\`) 4.8 µs; Ajv validation 1.9 µs; the copy of the rows to the writer
  thread (\`CallWriteThread.send\`, a structured clone) 1.9 µs; timestamps 1.0 µs; \`encodeUpserts\`
  0.9 µs.
- The SDK's process: 12–13 µs (this benchmark's inputs hold an 80-character prompt, and the
  calls made ahead of the server wait in the queue already encoded, as bytes).

The three together are about 60 µs of CPU per call on this machine's 2 cores, so the cores, not
SQLite alone, set the rate: what the main thread does besides SQLite takes CPU the writer thread
would otherwise get. The server-side changes that would move this most: store the JSON fields as
the request's own text (validated and sliced rather than parsed and encoded again: most of
\`toJsonText\`'s 4.8 µs and part of the parse), and hand the writer thread the request's bytes
instead of a cloned array (1.9 µs). The raw number moves a lot between runs (it is bound by fsync
on this machine's disk); the end-to-end number less. Shorter runs (\`npm run bench\` without
\`--full\`: 50,000 calls) measured 55–77% on 2026-12-02: the raw insert into a smaller table is
faster (46,000–58,000 rows/s against 43,000–49,000), and the first second of an end-to-end run
(JIT warm-up, the server's first requests) weighs more in a shorter one.
`;
}

function querySection(queries: QueryBenchResult): string {
  const { facts, load } = queries;
  const count = (value: number) => value.toLocaleString('en-US');
  const ms = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(1));
  const atTargetSize = facts.calls >= TARGET_CALLS;
  const share = (calls: number) => `${((calls / facts.measuredCalls) * 100).toFixed(1)}%`;
  const verdictOf = (row: QueryMeasurement) => {
    if (row.targetMs === undefined) return '';
    if (row.p50Ms === undefined) return 'not measured';
    if (!atTargetSize) return `(target is for ${count(TARGET_CALLS)} calls)`;
    return row.p50Ms < row.targetMs ? 'MET' : '**MISSED**';
  };
  const rows = queries.measurements.map((row) => {
    const target = row.targetMs === undefined ? '—' : `p50 < ${row.targetMs} ms`;
    const numbers =
      row.p50Ms === undefined
        ? `| — | — | — | — | ${target} | failed: ${row.failure ?? 'unknown'} |`
        : `| ${ms(row.p50Ms)} | ${ms(row.p95Ms)} | ${row.reps ?? '—'} | ${count(row.rows ?? 0)} | ${target} | ${verdictOf(row)} |`;
    return `| ${row.label} ${numbers}${row.problem ? ` **wrong answer: ${row.problem}**` : ''}`;
  });
  const loaded = load.reused
    ? `copied from a cached copy (built by an earlier run in ${(load.totalMs / 1000).toFixed(1)} s)`
    : `loaded in ${(load.totalMs / 1000).toFixed(1)} s`;
  const index = queries.index.available
    ? `\`weft index add inputs.model\` (server stopped) took ${((queries.index.ms ?? 0) / 1000).toFixed(1)} s.`
    : `The with-index row was not measured: ${queries.index.note ?? 'the index command is not available'}.`;
  return `
## Queries

Dataset: ${count(facts.calls)} calls in ${facts.projects} projects, ${count(facts.traces)} traces; the measured project
holds ${count(facts.measuredCalls)} of them (${((facts.measuredCalls / facts.calls) * 100).toFixed(0)}%), including one trace of exactly 10,000 calls. Traces are a root with 1 to
19 descendants, up to four levels deep, a dozen ops (Weave op refs); inputs are
\`{model, prompt, temperature}\` with one of ${Object.keys(facts.measuredByModel).length} models (skewed: the most used in ${share(Math.max(...Object.values(facts.measuredByModel)))} of calls) and a 100–300 character prompt, outputs of similar size,
attributes, and a summary with token usage. ${count(facts.measuredErrors)} calls of the measured project failed (about 3%),
${count(facts.measuredRunning)} are still running. Generated from a fixed seed and written in-process through the
store's \`upsertCalls\` in batches of ${count(load.batchSize)}: ${loaded} (${(load.upsertMs / 1000).toFixed(1)} s of it in \`upsertCalls\`,
${count(Math.round(facts.calls / (load.upsertMs / 1000)))} calls/s), ${(load.dbBytes / 2 ** 20).toFixed(0)} MiB of database.

Method: \`weft serve\` started on that data folder; each query sent by a client holding one keep-alive
connection, timed from sending the request to the last byte of the response. After one untimed
pass over all the queries, each gets ${queries.warmups} warm-ups and p50 and p95 are of the next ${queries.reps} requests (the whole trace: ${Math.min(queries.warmups, 3)} and ${queries.traceReps}); a row whose first answer
says it would take over 20 s gets fewer (at least 10, after one warm-up). Every answer is checked
once against the dataset (row count, order, the filter, the count). First pages are 50 calls,
newest first; "list columns" asks for what a list view shows (no inputs or output). The filters
are \`filter.op_names\` with a common op (\`${queries.op}\`) and with an op only one call has, and Query expressions (\`$expr\`)
\`inputs.model = "${queries.model}"\` (the least used model: ${share(facts.measuredByModel[queries.model] ?? 0)} of the project's calls) and \`summary.weave.status = "error"\`.
"With costs" is the same first page with \`include_costs\`: every call priced from its usage at the
default prices (the bundled dataset) on the read worker; its target is twice the same page without
costs, measured in the same run. "Sorted by cost" orders the project's roots by
\`summary.weave.total_cost\`, which prices every root while the query scans (no index can hold a
price that changes when a price is added). Half the project's finished roots (${count(facts.measuredScored)}) carry a score from a
\`judge\` scorer (runnable feedback, \`{output: {score, correct}}\`): "sorted by a score" and "filter by a score" read it,
through the sort keys the store keeps as feedback is written (docs/protocol.md §18.6): the sort
walks the score's index and stops after a page, the filter probes one key per call it reads.
${index}

| query | p50 ms | p95 ms | requests | rows / count | target at ${count(TARGET_CALLS)} calls | |
|---|---|---|---|---|---|---|
${rows.join('\n')}

What the numbers rest on: first pages read an index in sort order and stop after 50 calls (the
hot-path indexes end with the \`id\` tie-breaker and hold live calls only); one-value filters are
bound as \`= ?\` so the planner sees them; counts run on the index alone. A filter on a JSON field
without an index reads the newest calls until it has a page of matches, so its cost grows as the
value gets rarer: a value no call has reads the whole project (about 1 µs per call, so roughly a
second at a million; an estimate from the rate above, not measured), and
that is what \`weft index add\` is for. The whole trace is mostly reading and rendering 14 MB of
calls, done on a read worker so the main thread only forwards text.
${missedQueries(queries.measurements, atTargetSize)}`;
}

/** Why a query target is missed (static text, keyed by the rows that can miss on a slow host). */
function missedQueries(rows: readonly QueryMeasurement[], atTargetSize: boolean): string {
  const missed = rows.filter(
    (row) =>
      atTargetSize && row.targetMs !== undefined && row.p50Ms !== undefined && row.p50Ms >= row.targetMs,
  );
  if (missed.length === 0) return '';
  return `
Missed here: ${missed.map((row) => row.label).join('; ')}. The filter on a JSON field without an
index misses by design (it scans until it has a page; the with-index row is the answer). The
other rows depend on the machine: the run of 2026-11-24 on an AMD EPYC host (this file's git
history), with the same read path, measured the first page at 1.6 ms and the whole trace at
166 ms (met); on the Intel Xeon host of 2026-12-03 the rows ran 0.9–2× as long as there (the first
page 1.7×, the whole trace 2×). The whole trace's floor is rendering 14 MB of JSON on one read
worker; paging a big trace (as the web UI will) keeps each answer small.${
    missed.some((row) => row.label === SCORE_SORT_LABEL)
      ? ` Sorting by a score reads the score's sort keys in index order and joins 50 calls; missing
its target here means the keys were not used (a gap recorded for the path) or the host is far
slower than those above.`
      : ''
  }
`;
}
