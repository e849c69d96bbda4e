/**
 * Load (issue 13): 8 SDK client processes log traces for a minute (bounded by count too) against
 * one `weft serve` while 4 readers query the same project; the sustained rate, the read latencies
 * under that load and the server's peak memory. The same run as test/load/load.test.ts, longer.
 */

import { type LoadResult, runLoad } from '../test/load/run-load.js';
import { startWeftServer } from '../test/support/weft-server.js';
import { replaceSection } from './sections.js';
import { percentile } from './stats.js';

export interface LoadBenchResult {
  seconds: number;
  clients: number;
  readers: number;
  made: number;
  stored: number;
  dropped: number;
  failedClients: number;
  callsPerSecond: number;
  reads: number;
  readFailures: number;
  readP50Ms: number;
  readP95Ms: number;
  readP99Ms: number;
  maxServerRssMb: number;
}

export async function measureLoad(options: { seconds: number }): Promise<LoadBenchResult> {
  const server = await startWeftServer();
  let result: LoadResult;
  const clients = 8;
  const readers = 4;
  try {
    result = await runLoad({
      url: server.url,
      serverPid: server.process.pid as number,
      project: 'bench/load',
      clients,
      callsPerClient: 5_000_000,
      seconds: options.seconds,
      readers,
    });
  } finally {
    await server.stop();
  }
  return {
    seconds: options.seconds,
    clients,
    readers,
    made: result.made,
    stored: result.stored,
    dropped: result.clients.reduce((sum, client) => sum + client.dropped, 0),
    failedClients: result.clients.filter((client) => client.exitCode !== 0).length,
    callsPerSecond: result.stored / (result.loggingMs / 1000),
    reads: result.reads,
    readFailures: result.readFailures.length,
    readP50Ms: percentile(result.readLatenciesMs, 0.5),
    readP95Ms: percentile(result.readLatenciesMs, 0.95),
    readP99Ms: percentile(result.readLatenciesMs, 0.99),
    maxServerRssMb: result.maxServerRssBytes / 2 ** 20,
  };
}

export function loadSection(load: LoadBenchResult): string {
  const rate = (value: number) => Math.round(value).toLocaleString('en-US');
  const lost = load.made - load.stored;
  return `
## Under load

Method: ${load.clients} client processes, each tracing with weft's SDK (a parent op with four
children, one child in ten failing) for ${load.seconds} s as fast as the server takes them (a client
waits while more than 20,000 of its parts are unsent, so nothing is dropped), against one
\`weft serve\`, while ${load.readers} readers in another process query the same project back to back (the
newest 50 calls; the 50 newest roots with a failed descendant; a count). The rate counts calls
stored, from the first client's start to the last client's flush. Resident memory of the server
process sampled every 100 ms. Clients, readers and server share this machine's cores, so the
clients' own tracing takes CPU the server would otherwise have, and reads wait behind a saturated
writer: the latencies are those of a server at full ingestion, not of a quiet one (Queries,
below). The same run, smaller, is a CI test (\`test/load/load.test.ts\`). Measured
${new Date().toISOString().slice(0, 10)}.

| | |
| --- | --- |
| Calls made / stored | ${rate(load.made)} / ${rate(load.stored)}${lost === 0 ? ' (none lost)' : ` (**${rate(lost)} lost**)`} |
| Calls dropped by the SDKs; clients that failed | ${rate(load.dropped)}; ${load.failedClients} |
| Sustained ingestion | **${rate(load.callsPerSecond)} calls/s** |
| Reads answered (failed) | ${rate(load.reads)} (${load.readFailures}) |
| Read latency under load, p50 / p95 / p99 | ${load.readP50Ms.toFixed(1)} / ${load.readP95Ms.toFixed(1)} / ${load.readP99Ms.toFixed(1)} ms |
| Server's peak resident memory | ${Math.round(load.maxServerRssMb)} MB |
`;
}

/** BENCHMARKS.md with its load section replaced by this run's (inserted before Queries if absent). */
export function replaceLoadSection(report: string, load: LoadBenchResult): string {
  return replaceSection(report, '## Under load', loadSection(load), '## Queries');
}
