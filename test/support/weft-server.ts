/**
 * Starts the real `weft serve` process (the built CLI) on 127.0.0.1 with a temporary data folder,
 * for tests that need the server exactly as users run it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
