/**
 * Helpers for running the official Weave SDK against weft: the pass-through recording proxy
 * (shared with the Python suite, in ../support/recording-proxy.ts), a small fake OpenAI endpoint,
 * and a runner for one scenario group in its own node process.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { close, listen, readBody } from '../support/recording-proxy.js';

export { type Exchange, type RecordingProxy, startRecordingProxy } from '../support/recording-proxy.js';

export const SCENARIOS_PATH = resolve(import.meta.dirname, 'scenarios.cjs');

/** Token counts the fake endpoint reports per model, so that roll-ups can be checked exactly. */
export const FAKE_USAGE: Record<
  string,
  { prompt_tokens: number; completion_tokens: number; total_tokens: number }
> = {
  'gpt-4o-mini': { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
  'gpt-4o': { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
};

export interface FakeOpenAIRequest {
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

export interface FakeOpenAI {
  /** The base URL for `new OpenAI({ baseURL })`. */
  baseUrl: string;
  requests: FakeOpenAIRequest[];
  close(): Promise<void>;
}

/**
 * `POST /v1/chat/completions` as OpenAI answers it: a completion object, or with `stream: true`
 * server-sent chunks ending in `[DONE]`, plus a usage chunk when `stream_options.include_usage`
 * asks for it. The reply is always "Hello world" split in two chunks when streamed.
 */
export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const requests: FakeOpenAIRequest[] = [];
  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
      requests.push({ path: req.url ?? '', authorization: req.headers.authorization, body });
      const model = typeof body.model === 'string' ? body.model : 'unknown';
      const usage = FAKE_USAGE[model];
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions' || !usage) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ error: { message: `fake OpenAI: no ${req.method} ${req.url} for ${model}` } }),
        );
        return;
      }
      const base = { id: 'chatcmpl-fake', created: 1_700_000_000, model };
      if (body.stream === true) {
        const chunk = (choices: unknown[], extra: object = {}) => ({
          ...base,
          object: 'chat.completion.chunk',
          choices,
          ...extra,
        });
        const chunks = [
          chunk([{ index: 0, delta: { role: 'assistant', content: 'Hello' }, finish_reason: null }]),
          chunk([{ index: 0, delta: { content: ' world' }, finish_reason: null }]),
          chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]),
        ];
        const options = body.stream_options as { include_usage?: boolean } | undefined;
        if (options?.include_usage) chunks.push(chunk([], { usage }));
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const each of chunks) res.write(`data: ${JSON.stringify(each)}\n\n`);
        res.end('data: [DONE]\n\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          ...base,
          object: 'chat.completion',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: `Hello from ${model}`, refusal: null },
              logprobs: null,
              finish_reason: 'stop',
            },
          ],
          usage,
        }),
      );
    });
  });
  const url = await listen(server);
  return { baseUrl: `${url}/v1`, requests, close: () => close(server) };
}

export interface GroupRun {
  group: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The `RESULT` line's JSON, if the script printed one. */
  result: unknown;
  /** weaveErrors.log, which the SDK writes into its working directory when a batch fails. */
  weaveErrorsLog: string | undefined;
  ms: number;
}

/**
 * Runs one scenario group of scenarios.cjs in a child node process: the SDK keeps process-wide
 * state and may call process.exit, and it writes weaveErrors.log into its working directory, so
 * each group gets its own process, an empty temporary cwd and HOME (no ~/.netrc or wandb settings
 * of the machine), and an environment holding only what the SDK and the script need.
 */
export async function runGroup(
  group: string,
  env: {
    traceServerUrl: string;
    project: string;
    fakeOpenAIUrl?: string;
    /** More environment for the scenario (a variant it reads, such as WEFT_COMPAT_EVAL_MODEL). */
    variables?: Record<string, string>;
  },
  timeoutMs = 45_000,
): Promise<GroupRun> {
  const dir = mkdtempSync(join(tmpdir(), `weave-compat-${group}-`));
  const started = Date.now();
  try {
    const child = spawn(process.execPath, [SCENARIOS_PATH, group], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        WF_TRACE_SERVER_URL: env.traceServerUrl,
        WANDB_API_KEY: 'dummy',
        WEAVE_PRINT_CALL_LINK: 'false',
        WEFT_COMPAT_PROJECT: env.project,
        ...(env.fakeOpenAIUrl ? { FAKE_OPENAI_URL: env.fakeOpenAIUrl } : {}),
        ...env.variables,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolveExit) =>
      child.once('close', (code, sig) => resolveExit([code, sig])),
    );
    clearTimeout(timer);
    const line = stdout.split('\n').find((text) => text.startsWith('RESULT '));
    const logPath = join(dir, 'weaveErrors.log');
    return {
      group,
      exitCode,
      signal,
      stdout,
      stderr,
      result: line === undefined ? undefined : JSON.parse(line.slice('RESULT '.length)),
      weaveErrorsLog: existsSync(logPath) ? readFileSync(logPath, 'utf8') : undefined,
      ms: Date.now() - started,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
