/**
 * Runs one scenario script of test/weave-python/scripts with the venv's Python, against weft,
 * with nothing but 127.0.0.1 reachable.
 *
 * Each run gets its own process (the SDK keeps process-wide state), an empty temporary working
 * directory and HOME (no ~/.netrc, wandb settings or weave caches of the machine; the SDK writes
 * dropped items to `.weave_client_dropped_items_log.jsonl` in its cwd), and an environment holding
 * only what the SDK and the script need. Every proxy variable points at a loopback port that
 * refuses connections, so whatever the client tries to reach besides weft (its PyPI version check,
 * Sentry) fails at once instead of hanging; NO_PROXY keeps 127.0.0.1 direct.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SUITE_DIR } from './venv.js';

export const SCRIPTS_DIR = join(SUITE_DIR, 'scripts');

/**
 * How the SDK sends calls: `complete` is the default (each finished call to
 * `/v2/{entity}/{project}/calls/complete`, eager ones to `/v2/.../call/start` and `/call/end`);
 * `legacy` sets WEAVE_USE_CALLS_COMPLETE=false (starts and ends to `/call/upsert_batch`).
 */
export type Mode = 'complete' | 'legacy';
export const MODES: readonly Mode[] = ['complete', 'legacy'];

/**
 * A loopback port that refuses every connection: each is reset as soon as it is accepted, so a
 * client that tries to go through it fails at once. (A port merely left closed could be taken by
 * another test's server in the meantime; this one stays held until `close`.)
 */
export interface DeadPort {
  port: number;
  close(): Promise<void>;
}

export function startDeadPort(): Promise<DeadPort> {
  const server = createServer((socket) => socket.resetAndDestroy());
  return new Promise((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolvePort({
        port: typeof address === 'object' && address ? address.port : 0,
        close: () => new Promise((resolveClose) => server.close(() => resolveClose())),
      });
    });
  });
}

export interface ScriptRun {
  script: string;
  mode: Mode;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The JSON of the script's `RESULT ` line, if it printed one. */
  result: unknown;
  /** What the SDK wrote to its dropped-items log (calls or feedback it gave up on), if anything. */
  droppedItemsLog: string | undefined;
}

export interface RunOptions {
  python: string;
  /** The script's file name in scripts/, such as `calls.py`. */
  script: string;
  mode: Mode;
  /** Given to the SDK as both WF_TRACE_SERVER_URL and WANDB_BASE_URL. */
  baseUrl: string;
  /** The refusing loopback port for the proxy variables. */
  deadPort: number;
  /** The server's API key, given to the SDK as WANDB_API_KEY. */
  apiKey: string;
  /** Passed to the script as WEFT_PY_* variables (WEFT_PY_PROJECT, ...). */
  vars: Record<string, string>;
  timeoutMs?: number;
}

function pick(env: NodeJS.ProcessEnv, names: readonly string[]): NodeJS.ProcessEnv {
  return Object.fromEntries(names.filter((name) => env[name]).map((name) => [name, env[name]]));
}

export async function runScript(options: RunOptions): Promise<ScriptRun> {
  const dir = mkdtempSync(join(tmpdir(), `weave-python-${options.script.replace(/\W/g, '_')}-`));
  const home = join(dir, 'home');
  const cwd = join(dir, 'cwd');
  mkdirSync(home);
  mkdirSync(cwd);
  const deadProxy = `http://127.0.0.1:${options.deadPort}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    LANG: 'C.UTF-8',
    HOME: home,
    TMPDIR: dir,
    WANDB_CONFIG_DIR: join(home, '.config', 'wandb'),
    WANDB_CACHE_DIR: join(home, '.cache', 'wandb'),
    WANDB_API_KEY: options.apiKey,
    WANDB_BASE_URL: options.baseUrl,
    WF_TRACE_SERVER_URL: options.baseUrl,
    WEAVE_USE_SERVER_CACHE: 'false',
    WEAVE_PRINT_CALL_LINK: 'false',
    ...(options.mode === 'legacy' ? { WEAVE_USE_CALLS_COMPLETE: 'false' } : {}),
    HTTP_PROXY: deadProxy,
    HTTPS_PROXY: deadProxy,
    ALL_PROXY: deadProxy,
    http_proxy: deadProxy,
    https_proxy: deadProxy,
    all_proxy: deadProxy,
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    PYTHONPATH: SCRIPTS_DIR,
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    WEFT_PY_MODE: options.mode,
    // Debugging only: WEAVE_TRACE_LOG=debug makes the SDK's generated HTTP client log every request
    // (and trips the stderr check); WEAVE_DEBUG_HTTP=1 prints what weave's own HTTP helper sends.
    ...pick(process.env, ['WEAVE_TRACE_LOG', 'WEAVE_DEBUG_HTTP']),
  };
  for (const [name, value] of Object.entries(options.vars)) env[`WEFT_PY_${name}`] = value;
  try {
    const child = spawn(options.python, [join(SCRIPTS_DIR, options.script)], {
      cwd,
      env,
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
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolveExit) =>
      child.once('close', (code, sig) => resolveExit([code, sig])),
    );
    clearTimeout(timer);
    const line = stdout.split('\n').find((text) => text.startsWith('RESULT '));
    const logPath = join(cwd, '.weave_client_dropped_items_log.jsonl');
    return {
      script: options.script,
      mode: options.mode,
      exitCode,
      signal,
      stdout,
      stderr,
      result: line === undefined ? undefined : JSON.parse(line.slice('RESULT '.length)),
      droppedItemsLog: existsSync(logPath) ? readFileSync(logPath, 'utf8') : undefined,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
