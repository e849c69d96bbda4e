/**
 * Starts the real `weft serve` process (the built CLI) on 127.0.0.1 with a temporary data folder,
 * for tests that need the server exactly as users run it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CLI_PATH = resolve(import.meta.dirname, '../../packages/server/dist/cli/main.js');

export interface WeftServerProcess {
  url: string;
  port: number;
  dataDir: string;
  process: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** Sends a signal and waits for the process to exit; resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  port?: number;
  dataDir?: string;
  /** More `weft serve` arguments, such as `['--query-timeout', '0.5']`. */
  args?: readonly string[];
  /** Node's own arguments, before the CLI's (`['--import', hook]`). */
  nodeArgs?: readonly string[];
  /** Environment variables added to the test's own (`{ WEFT_WRITE_TIMEOUT: '0.5' }`). */
  env?: Readonly<Record<string, string>>;
}

/**
 * `WEFT_TEST_STORE=chdb` runs every server a test starts on the ClickHouse store, with the engine
 * of the chdb package in a folder inside the test's data folder (`npm run test:clickhouse`); a test
 * that picks its own `--store` keeps it.
 */
function testStore(): 'sqlite' | 'chdb' {
  const store = process.env.WEFT_TEST_STORE;
  if (store === undefined || store === '' || store === 'sqlite') return 'sqlite';
  if (store !== 'chdb') throw new Error(`WEFT_TEST_STORE must be sqlite or chdb, not ${store}`);
  return store;
}

/**
 * Whether servers run on the ClickHouse store in this run. Tests of what only the SQLite store
 * has (its file, its read workers, `weft index`, `--max-db-size`) or of what a chdb folder cannot
 * do (the CLI beside a running server: one process at a time) are skipped then, saying so.
 */
export const SERVERS_ON_CHDB = testStore() === 'chdb';

function storeArgs(dataDir: string, args: readonly string[]): string[] {
  if (!SERVERS_ON_CHDB || args.includes('--store')) return [];
  return ['--store', `chdb:${join(dataDir, 'chdb')}`];
}

/** The arguments that point a CLI command (weft keys, ...) at the store a server on `dataDir` uses. */
export function cliStoreArgs(dataDir: string): string[] {
  return ['--data', dataDir, ...storeArgs(dataDir, [])];
}

export async function startWeftServer(options: StartOptions = {}): Promise<WeftServerProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'weft-test-'));
  const child = spawn(
    // The SDK's tests on other Node majors keep the server on the Node its native modules were
    // built for (scripts/test-sdk-node-versions.sh).
    process.env.WEFT_SERVER_NODE ?? process.execPath,
    [
      ...(options.nodeArgs ?? []),
      CLI_PATH,
      'serve',
      '--log-level',
      process.env.WEFT_TEST_LOG ?? 'warn',
      '--host',
      '127.0.0.1',
      '--port',
      String(options.port ?? 0),
      '--data',
      dataDir,
      ...(options.args ?? []),
      ...storeArgs(dataDir, options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`weft serve did not start:\n${output}`));
    }, 15_000);
    const check = () => {
      const match = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`weft serve exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    process: child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}

export function removeDataDir(dataDir: string): void {
  rmSync(dataDir, { recursive: true, force: true });
}

/**
 * POSTs JSON to the server and returns status and parsed body (JSON lines become an array).
 * `contentType: null` sends the body without a Content-Type header.
 * Uses node:http so that a response the server sends before reading the whole body (413) is still
 * read, even when the rest of the upload then fails.
 */
export function postJson(
  url: string,
  path: string,
  body: unknown,
  options: { contentType?: string | null; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown }> {
  const payload = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
  return new Promise((resolvePost, reject) => {
    let answered = false;
    const request = httpRequest(
      `${url}${path}`,
      {
        method: 'POST',
        headers: {
          // null sends no Content-Type at all, as Weave's 0.53 Python binding did.
          ...(contentType === null ? {} : { 'content-type': contentType }),
          ...options.headers,
          'content-length': payload.length,
        },
      },
      (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = response.statusCode ?? 0;
          if ((response.headers['content-type'] ?? '').includes('jsonl')) {
            const lines = text.split('\n').filter(Boolean);
            resolvePost({ status, body: lines.map((line) => JSON.parse(line)) });
          } else {
            resolvePost({ status, body: text ? JSON.parse(text) : undefined });
          }
        });
      },
    );
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    request.end(payload);
  });
}

/**
 * Every file a server keeps under its data folder, at any depth (the ClickHouse store's are in
 * folders), with its bytes, for tests that look for what must never be stored. ClickHouse merges
 * parts in the background, so a file listed may be gone when read: it is left out. ClickHouse
 * compresses its column files (LZ4, which keeps short unrepeated text as it is), so a find there
 * is strong evidence and its absence weaker than on SQLite.
 */
export function storedFiles(dataDir: string): Array<{ file: string; bytes: Buffer }> {
  const files: Array<{ file: string; bytes: Buffer }> = [];
  for (const entry of readdirSync(dataDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    try {
      files.push({ file, bytes: readFileSync(file) });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return files;
}
