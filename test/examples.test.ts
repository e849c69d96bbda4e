/**
 * The examples run as a user would run them (tsx, importing the built `weft` package) against the
 * real server; and `import * as weft from 'weft'` works from the repository root and examples/.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startWeftServer, type WeftServerProcess } from './support/weft-server.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
let server: WeftServerProcess;

beforeAll(async () => {
  server = await startWeftServer();
});

afterAll(async () => {
  await server.stop();
  removeDataDir(server.dataDir);
});

async function runExample(file: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', file], {
    cwd: root,
    env: { ...process.env, WF_TRACE_SERVER_URL: server.url },
  });
  return stdout;
}

describe('examples', () => {
  it('summary-metrics writes accuracy and num_retries and reads them back by id and by op', async () => {
    const stdout = await runExample('examples/summary-metrics.ts');
    expect(stdout).toContain('result 42');
    expect(stdout).toMatch(/^status success$/m);
    expect(stdout).toMatch(/^latency_ms \d+$/m);
    expect(stdout).toMatch(/^accuracy 0\.95$/m);
    expect(stdout).toMatch(/^[0-9a-f-]{36} success \d+ 0\.95 2$/m);
  });

  it('datasets publishes a Dataset and a config, and the calls point at their rows', async () => {
    const stdout = await runExample('examples/datasets.ts');
    expect(stdout.trim().split('\n')).toEqual([
      'dataset arithmetic 43',
      'config calculator',
      '1+1 = 2 ok',
      '2+3 = 5 ok',
      'rows read back 2 true',
    ]);
  });

  it('search-calls finds calls with the Query language and sorts them by a JSON field', async () => {
    const stdout = await runExample('examples/search-calls.ts');
    expect(stdout.trim().split('\n')).toEqual([
      'success Can I get a refund after 30 days?',
      'success How do refunds work?',
      'error Where is my REFUND?!',
      'claude successes: 2',
    ]);
  });

  it('quickstart traces a function and finds its call again', async () => {
    const stdout = await runExample('examples/quickstart.ts');
    expect(stdout).toContain('Hello, weft!');
    expect(stdout).toMatch(
      /weave:\/\/\/my-team\/quickstart\/op\/greet:\w+ \{ arg0: 'weft' \} Hello, weft! \{/,
    );
    expect(stdout).toContain("status: 'success'");
  });
});

describe('the built package', () => {
  it.each(['.', 'examples'])('imports as `weft` from %s', async (dir) => {
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import * as weft from 'weft'; console.log(Object.keys(weft).sort().join(','))",
      ],
      { cwd: resolve(root, dir) },
    );
    for (const name of [
      'init',
      'op',
      'getCurrentCall',
      'withAttributes',
      'WeaveClient',
      'Call',
      'CallsIter',
    ]) {
      expect(stdout.trim().split(',')).toContain(name);
    }
  });
});
