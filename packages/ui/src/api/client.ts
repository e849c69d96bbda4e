/**
 * The UI's one way to the server: the same trace-server routes the SDKs use (docs/protocol.md),
 * same origin, JSON in and out. A failure becomes an ApiError carrying the server's `reason`, so
 * every view can say what went wrong instead of showing a blank panel.
 *
 * Every request carries the stored API key (api-key.ts) as `Authorization: Bearer`, the only
 * place the key ever goes; a 401 is reported there, and the app answers it with the key prompt.
 */
import type { CallSchema, CallsQueryReq, CallsQueryStatsReq, CallsQueryStatsRes } from '@weft/protocol';
import { keyRefused, readApiKey } from './api-key';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'ApiError';
  }

  get notFound(): boolean {
    return this.status === 404;
  }

  /** The API key in use may not do this: another project, or a write with a read-only key. */
  get forbidden(): boolean {
    return this.status === 403;
  }
}

async function failureOf(response: Response): Promise<ApiError> {
  let reason = `${response.status} ${response.statusText}`;
  try {
    const body = (await response.json()) as { reason?: unknown };
    if (typeof body.reason === 'string') reason = body.reason;
  } catch {
    // Not JSON (a proxy's page, say): the status line is all there is to say.
  }
  return new ApiError(response.status, reason);
}

/** A fetch's options with its headers as a plain object, so that the key can be added to them. */
interface ApiRequestInit extends Omit<RequestInit, 'headers'> {
  headers: Record<string, string>;
}

/**
 * `trialKey`: a key to try instead of the stored one (the key prompt checking what was typed). Its
 * 401 is the prompt's to show, not news for the app.
 */
async function request(path: string, init: ApiRequestInit, trialKey?: string): Promise<Response> {
  const key = trialKey ?? readApiKey();
  const headers = key === null ? init.headers : { ...init.headers, authorization: `Bearer ${key}` };
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, `the server could not be reached (${(error as Error).message})`);
  }
  if (!response.ok) {
    const failure = await failureOf(response);
    if (response.status === 401 && trialKey === undefined) keyRefused(key, failure.reason);
    throw failure;
  }
  return response;
}

export async function postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  const response = await request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
  return (await response.json()) as T;
}

export interface GetOptions {
  signal?: AbortSignal | undefined;
  /** Send this key instead of the stored one, and leave a 401 to the caller (the key prompt). */
  trialKey?: string | undefined;
}

export async function getJson<T>(path: string, options: GetOptions = {}): Promise<T> {
  const { signal, trialKey } = options;
  const response = await request(
    path,
    {
      headers: { accept: 'application/json' },
      ...(signal ? { signal } : {}),
    },
    trialKey,
  );
  return (await response.json()) as T;
}

/** A POST whose answer is bytes, not JSON (`/file/content`, docs/protocol.md §11). */
export async function postForBytes(path: string, body: unknown, signal?: AbortSignal): Promise<ArrayBuffer> {
  const response = await request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/octet-stream' },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
  return await response.arrayBuffer();
}

function streamQuery(req: CallsQueryReq, signal?: AbortSignal): Promise<Response> {
  return request('/calls/stream_query', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/jsonl' },
    body: JSON.stringify(req),
    ...(signal ? { signal } : {}),
  });
}

/** The calls on whole JSON lines (the last line may lack its newline). */
function parseCallLines(text: string): CallSchema[] {
  const calls: CallSchema[] = [];
  for (const line of text.split('\n')) {
    if (line.length > 0) calls.push(JSON.parse(line) as CallSchema);
  }
  return calls;
}

/** `/calls/stream_query`: the calls of one page, read from its JSON lines. */
export async function queryCalls(req: CallsQueryReq, signal?: AbortSignal): Promise<CallSchema[]> {
  const response = await streamQuery(req, signal);
  return parseCallLines(await response.text());
}

/**
 * `/calls/stream_query` read as it arrives: `onCalls` is given the calls of each run of whole
 * lines received, so a long answer is parsed (and can be shown) while the rest is on its way.
 */
export async function streamCalls(
  req: CallsQueryReq,
  onCalls: (calls: CallSchema[]) => void,
  signal?: AbortSignal,
): Promise<void> {
  const response = await streamQuery(req, signal);
  if (!response.body) {
    onCalls(parseCallLines(await response.text()));
    return;
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let partial = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // Only the new text is searched for the last newline: a very long line costs one pass.
      const end = value.lastIndexOf('\n');
      if (end < 0) {
        partial += value;
        continue;
      }
      onCalls(parseCallLines(partial + value.slice(0, end)));
      partial = value.slice(end + 1);
    }
    if (partial.length > 0) onCalls(parseCallLines(partial));
  } catch (error) {
    // A line that does not parse, or a consumer that throws: the rest is not wanted, and the
    // server's query should stop rather than keep a worker busy for nobody.
    void reader.cancel().catch(() => undefined);
    throw error;
  }
}

/** `/calls/query_stats`: how many calls match. */
export async function countCalls(req: CallsQueryStatsReq, signal?: AbortSignal): Promise<number> {
  const { count } = await postJson<CallsQueryStatsRes>('/calls/query_stats', req, signal);
  return count;
}
