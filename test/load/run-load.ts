/**
 * A load run against a real `weft serve` (issue 13): concurrent SDK client processes log traces
 * while readers query the same project, and the server's memory is sampled. The CI test
 * (load.test.ts) runs it small and checks that nothing is lost or refused; `npm run bench` runs
 * it for a minute and reports the rate and read latencies (bench/load.ts).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { postJson } from '../support/weft-server.js';

const CLIENT = resolve(import.meta.dirname, 'load-client.mjs');

export interface LoadOptions {
  url: string;
  serverPid: number;
  project: string;
  clients: number;
  callsPerClient: number;
  seconds: number;
  readers: number;
}

export interface ClientResult {
  exitCode: number | null;
  made: number;
  dropped: number;
  stderr: string;
}

export interface LoadResult {
  clients: ClientResult[];
  /** Calls the clients made, and how long logging took (first start to last client done). */
  made: number;
  loggingMs: number;
  stored: number;
  /** Read requests answered, their latencies (ms), and failures. */
  reads: number;
  readLatenciesMs: number[];
  readFailures: string[];
  /** Largest resident memory of the server seen while the clients ran. */
  maxServerRssBytes: number;
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : 0;
}

function runClient(options: LoadOptions): Promise<ClientResult> {
  return new Promise((resolveClient, reject) => {
    const child = spawn(process.execPath, [CLIENT], {
      env: {
        ...process.env,
        WEFT_LOAD_URL: options.url,
        WEFT_LOAD_PROJECT: options.project,
        WEFT_LOAD_CALLS: String(options.callsPerClient),
        WEFT_LOAD_SECONDS: String(options.seconds),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (exitCode) => {
      const line = stdout.trim().split('\n').at(-1) ?? '{}';
      let report: { made?: number; stats?: { droppedItems?: number; undeliveredCalls?: number } } = {};
      try {
        report = JSON.parse(line);
      } catch {
        // Reported below as a client that made nothing.
      }
      resolveClient({
        exitCode,
        made: report.made ?? 0,
        dropped: (report.stats?.droppedItems ?? 0) + (report.stats?.undeliveredCalls ?? 0),
        stderr,
      });
    });
  });
}

/** The reads a UI or a script makes while calls pour in: a newest page, a filter, a count. */
const READS = (project: string): Array<[path: string, body: unknown]> => [
  [
    '/calls/stream_query',
    { project_id: project, limit: 50, sort_by: [{ field: 'started_at', direction: 'desc' }] },
  ],
  [
    '/calls/stream_query',
    {
      project_id: project,
      limit: 50,
      filter: { trace_roots_only: true },
      query: { $expr: { $eq: [{ $getField: 'summary.weave.status' }, { $literal: 'descendant_error' }] } },
    },
  ],
  ['/calls/query_stats', { project_id: project, filter: { op_names: [] } }],
];

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let logging = true;
  let maxServerRssBytes = rssOf(options.serverPid);
  const sampler = setInterval(() => {
    maxServerRssBytes = Math.max(maxServerRssBytes, rssOf(options.serverPid));
  }, 100);
  const readLatenciesMs: number[] = [];
  const readFailures: string[] = [];
  const reader = async (index: number) => {
    const reads = READS(options.project);
    for (let n = index; logging; n++) {
      const [path, body] = reads[n % reads.length] as [string, unknown];
      const began = performance.now();
      const answer = await postJson(options.url, path, body);
      readLatenciesMs.push(performance.now() - began);
      if (answer.status !== 200) readFailures.push(`${path} ${answer.status} ${JSON.stringify(answer.body)}`);
    }
  };
  const began = performance.now();
  const readers = Array.from({ length: options.readers }, (_, index) => reader(index));
  const clients = await Promise.all(Array.from({ length: options.clients }, () => runClient(options)));
  const loggingMs = performance.now() - began;
  logging = false;
  await Promise.all(readers);
  clearInterval(sampler);
  const stats = await postJson(options.url, '/calls/query_stats', { project_id: options.project });
  return {
    clients,
    made: clients.reduce((sum, client) => sum + client.made, 0),
    loggingMs,
    stored: (stats.body as { count: number }).count,
    reads: readLatenciesMs.length,
    readLatenciesMs,
    readFailures,
    maxServerRssBytes,
  };
}
