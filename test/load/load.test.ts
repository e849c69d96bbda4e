/**
 * Load on the real `weft serve` (issue 13), small enough for CI: 8 SDK client processes log
 * 2,500 calls each while 4 readers query the same project. Nothing is refused or lost, every call
 * is stored, reads keep answering, and the server's memory stays bounded. The minute-long run,
 * with rates and latencies, is in `npm run bench` (BENCHMARKS.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startWeftServer, type WeftServerProcess } from '../support/weft-server.js';
import { runLoad } from './run-load.js';

/** Far above what the server needs (a few hundred MB): a leak or an unbounded buffer passes it. */
const MAX_SERVER_RSS = 1.5 * 2 ** 30;

let server: WeftServerProcess;

beforeAll(async () => {
  server = await startWeftServer();
});

afterAll(async () => {
  await server?.stop();
  if (server) removeDataDir(server.dataDir);
});

describe('under load', () => {
  it('stores every call of 8 concurrent clients while 4 readers query, within bounded memory', async () => {
    const result = await runLoad({
      url: server.url,
      serverPid: server.process.pid as number,
      project: 'load/ci',
      clients: 8,
      callsPerClient: 2_500,
      seconds: 120,
      readers: 4,
    });
    for (const client of result.clients) {
      expect(client, client.stderr).toMatchObject({ exitCode: 0, made: 2_500, dropped: 0 });
    }
    expect(result.stored).toBe(8 * 2_500);
    expect(result.readFailures).toEqual([]);
    // Each reader got answers throughout (counted, not timed).
    expect(result.reads).toBeGreaterThanOrEqual(4 * 3);
    expect(result.maxServerRssBytes).toBeGreaterThan(0);
    expect(result.maxServerRssBytes).toBeLessThan(MAX_SERVER_RSS);
  }, 300_000);
});
