import type {
  CallCreateBatchReq,
  CallCreateBatchRes,
  CallSchema,
  CallsDeleteReq,
  CallsDeleteRes,
  CallsQueryReq,
  CallsQueryStatsReq,
  CallsQueryStatsRes,
  CallUpdateReq,
} from '@weft/protocol';
import { type TraceServer, TraceServerError } from './trace-server.js';

export interface HttpTraceServerOptions {
  /** Sent as HTTP Basic `api:<key>`, as Weave clients do. */
  apiKey?: string;
  /** Per-request time limit; a request that takes longer fails as retryable. */
  timeoutMs?: number;
}

/** Weave's trace-server protocol over HTTP, with Node's built-in fetch. */
export class HttpTraceServer implements TraceServer {
  readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(baseUrl: string, options: HttpTraceServerOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.headers = { 'content-type': 'application/json' };
    if (options.apiKey) {
      this.headers.authorization = `Basic ${Buffer.from(`api:${options.apiKey}`).toString('base64')}`;
    }
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  callUpsertBatch(req: CallCreateBatchReq): Promise<CallCreateBatchRes> {
    return this.postJson('/call/upsert_batch', req);
  }

  callsQueryStats(req: CallsQueryStatsReq): Promise<CallsQueryStatsRes> {
    return this.postJson('/calls/query_stats', req);
  }

  callsDelete(req: CallsDeleteReq): Promise<CallsDeleteRes> {
    return this.postJson('/calls/delete', req);
  }

  callUpdate(req: CallUpdateReq): Promise<Record<string, never>> {
    return this.postJson('/call/update', req);
  }

  async *callsQueryStream(req: CallsQueryReq): AsyncIterable<CallSchema> {
    const response = await this.post('/calls/stream_query', req);
    if (!response.body) return;
    const decoder = new TextDecoder();
    let pending = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      pending += decoder.decode(chunk, { stream: true });
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line.trim()) yield JSON.parse(line) as CallSchema;
        newline = pending.indexOf('\n');
      }
    }
    pending += decoder.decode();
    if (pending.trim()) yield JSON.parse(pending) as CallSchema;
  }

  private async postJson<T>(path: string, body: unknown): Promise<T> {
    const response = await this.post(path, body);
    const text = await response.text();
    return (text ? JSON.parse(text) : {}) as T;
  }

  private async post(path: string, body: unknown): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: this.headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new TraceServerError(`POST ${path} failed: ${cause}`, undefined);
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      let reason = text;
      try {
        const parsed = JSON.parse(text) as { reason?: string; detail?: unknown; message?: string };
        reason = parsed.reason ?? parsed.message ?? (parsed.detail ? JSON.stringify(parsed.detail) : text);
      } catch {
        // Not JSON: keep the text as the reason.
      }
      throw new TraceServerError(
        `POST ${path} returned ${response.status}: ${reason}`,
        response.status,
        reason,
      );
    }
    return response;
  }
}
