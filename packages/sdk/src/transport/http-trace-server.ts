import * as http from 'node:http';
import * as https from 'node:https';
import { StringDecoder } from 'node:string_decoder';
import type {
  CallCreateBatchReq,
  CallCreateBatchRes,
  CallSchema,
  CallsCompleteRes,
  CallsDeleteReq,
  CallsDeleteRes,
  CallsQueryReq,
  CallsQueryStatsReq,
  CallsQueryStatsRes,
  CallUpdateReq,
  CostCreateReq,
  CostCreateRes,
  CostPurgeReq,
  CostQueryReq,
  CostQueryRes,
  FeedbackBatchCreateReq,
  FeedbackBatchCreateRes,
  FeedbackPurgeReq,
  FeedbackQueryReq,
  FeedbackQueryRes,
  FileContentReq,
  FileCreateRes,
  ObjCreateReq,
  ObjCreateRes,
  ObjDeleteReq,
  ObjDeleteRes,
  ObjQueryReq,
  ObjQueryRes,
  ObjReadReq,
  ObjReadRes,
  RefsReadBatchReq,
  RefsReadBatchRes,
  TableCreateFromDigestsReq,
  TableCreateFromDigestsRes,
  TableCreateReq,
  TableCreateRes,
  TableQueryReq,
  TableQueryRes,
  TableUpdateReq,
  TableUpdateRes,
} from '@weft/protocol';
import { type FileCreateReq, type TraceServer, TraceServerError } from './trace-server.js';

export interface HttpTraceServerOptions {
  /** Sent as HTTP Basic `api:<key>`, as Weave clients do. */
  apiKey?: string;
  /** Per-request time limit; a request that takes longer fails as retryable. */
  timeoutMs?: number;
}

/**
 * Weave's trace-server protocol over HTTP. Uses node's http module with a keep-alive agent rather
 * than fetch: batches are large and frequent, and fetch's stream machinery copies every body.
 */
export class HttpTraceServer implements TraceServer {
  readonly baseUrl: string;
  private readonly url: URL;
  private readonly transport: typeof http | typeof https;
  private readonly agent: http.Agent;
  private readonly authorization: string | undefined;
  private readonly timeoutMs: number;

  constructor(baseUrl: string, options: HttpTraceServerOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.url = new URL(this.baseUrl);
    this.transport = this.url.protocol === 'https:' ? https : http;
    // Idle keep-alive sockets do not keep the process alive (node unrefs pooled sockets).
    this.agent = new this.transport.Agent({ keepAlive: true, maxSockets: 4 });
    this.authorization = options.apiKey
      ? `Basic ${Buffer.from(`api:${options.apiKey}`).toString('base64')}`
      : undefined;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  callUpsertBatch(req: CallCreateBatchReq): Promise<CallCreateBatchRes> {
    return this.postJson('/call/upsert_batch', req);
  }

  async callUpsertBatchEncoded(
    body: Uint8Array,
    options: { signal?: AbortSignal } = {},
  ): Promise<Pick<CallCreateBatchRes, 'errors'>> {
    return refusedItemsOf(await this.post('/call/upsert_batch', body, options.signal));
  }

  async callsCompleteEncoded(
    projectId: string,
    body: Uint8Array,
    options: { signal?: AbortSignal } = {},
  ): Promise<CallsCompleteRes> {
    // The path names the project as the official SDKs do: the project id split at its first `/`.
    const slash = projectId.indexOf('/');
    const entity = encodeURIComponent(slash < 0 ? projectId : projectId.slice(0, slash));
    const project = encodeURIComponent(slash < 0 ? '' : projectId.slice(slash + 1));
    return refusedItemsOf(await this.post(`/v2/${entity}/${project}/calls/complete`, body, options.signal));
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

  objCreate(req: ObjCreateReq): Promise<ObjCreateRes> {
    return this.postJson('/obj/create', req);
  }

  objRead(req: ObjReadReq): Promise<ObjReadRes> {
    return this.postJson('/obj/read', req);
  }

  objsQuery(req: ObjQueryReq): Promise<ObjQueryRes> {
    return this.postJson('/objs/query', req);
  }

  objDelete(req: ObjDeleteReq): Promise<ObjDeleteRes> {
    return this.postJson('/obj/delete', req);
  }

  tableCreate(req: TableCreateReq): Promise<TableCreateRes> {
    return this.postJson('/table/create', req);
  }

  tableUpdate(req: TableUpdateReq): Promise<TableUpdateRes> {
    return this.postJson('/table/update', req);
  }

  tableCreateFromDigests(req: TableCreateFromDigestsReq): Promise<TableCreateFromDigestsRes> {
    return this.postJson('/table/create_from_digests', req);
  }

  tableQuery(req: TableQueryReq): Promise<TableQueryRes> {
    return this.postJson('/table/query', req);
  }

  refsReadBatch(req: RefsReadBatchReq): Promise<RefsReadBatchRes> {
    return this.postJson('/refs/read_batch', req);
  }

  costCreate(req: CostCreateReq): Promise<CostCreateRes> {
    return this.postJson('/cost/create', req);
  }

  costQuery(req: CostQueryReq): Promise<CostQueryRes> {
    return this.postJson('/cost/query', req);
  }

  costPurge(req: CostPurgeReq): Promise<Record<string, never>> {
    return this.postJson('/cost/purge', req);
  }

  async feedbackBatchCreate(
    req: FeedbackBatchCreateReq,
    options: { signal?: AbortSignal } = {},
  ): Promise<FeedbackBatchCreateRes> {
    const response = await this.post('/feedback/batch/create', req, options.signal);
    const text = await readText(response);
    return (text ? JSON.parse(text) : { res: [] }) as FeedbackBatchCreateRes;
  }

  feedbackQuery(req: FeedbackQueryReq): Promise<FeedbackQueryRes> {
    return this.postJson('/feedback/query', req);
  }

  feedbackPurge(req: FeedbackPurgeReq): Promise<Record<string, never>> {
    return this.postJson('/feedback/purge', req);
  }

  async fileCreate(req: FileCreateReq): Promise<FileCreateRes> {
    // The platform's multipart encoder, rather than a hand-written one: Request turns FormData
    // into bytes and a content type with its boundary.
    const form = new FormData();
    form.append('project_id', req.project_id);
    form.append('file', new Blob([req.content]), req.name);
    const encoded = new Request('http://multipart.invalid/', { method: 'POST', body: form });
    const payload = Buffer.from(await encoded.arrayBuffer());
    const contentType = encoded.headers.get('content-type') ?? 'multipart/form-data';
    const response = await this.post('/file/create', payload, undefined, contentType);
    const text = await readText(response);
    return (text ? JSON.parse(text) : {}) as FileCreateRes;
  }

  async fileContent(req: FileContentReq): Promise<Uint8Array> {
    const response = await this.post('/file/content', req);
    const chunks: Buffer[] = [];
    for await (const chunk of response as AsyncIterable<Buffer>) chunks.push(chunk);
    return new Uint8Array(Buffer.concat(chunks));
  }

  async *callsQueryStream(req: CallsQueryReq): AsyncIterable<CallSchema> {
    const response = await this.post('/calls/stream_query', req);
    const decoder = new StringDecoder('utf8');
    let pending = '';
    try {
      for await (const chunk of response as AsyncIterable<Buffer>) {
        pending += decoder.write(chunk);
        let newline = pending.indexOf('\n');
        while (newline >= 0) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          if (line.trim()) yield JSON.parse(line) as CallSchema;
          newline = pending.indexOf('\n');
        }
      }
      pending += decoder.end();
      if (pending.trim()) yield JSON.parse(pending) as CallSchema;
    } finally {
      // Stopping early (e.g. getCall takes the first line) must not leave the response open.
      response.destroy();
    }
  }

  private async postJson<T>(path: string, body: unknown): Promise<T> {
    const response = await this.post(path, body);
    const text = await readText(response);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /**
   * POSTs JSON (a value, or text already encoded) or bytes of another content type; resolves with
   * a 2xx response, body unread.
   */
  private post(
    path: string,
    body: unknown,
    signal?: AbortSignal,
    contentType = 'application/json',
  ): Promise<http.IncomingMessage> {
    const payload =
      body instanceof Uint8Array ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const headers: http.OutgoingHttpHeaders = {
      'content-type': contentType,
      'content-length': payload.length,
    };
    if (this.authorization) headers.authorization = this.authorization;
    return new Promise((resolve, reject) => {
      const request = this.transport.request(
        {
          protocol: this.url.protocol,
          // URL keeps IPv6 literals in brackets; the http module wants them bare.
          hostname: this.url.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: this.url.port,
          path: `${this.url.pathname.replace(/\/$/, '')}${path}`,
          method: 'POST',
          headers,
          agent: this.agent,
          ...(signal ? { signal } : {}),
        },
        (response) => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            resolve(response);
            return;
          }
          readText(response).then(
            (text) => reject(errorFromResponse(path, status, text)),
            () => reject(errorFromResponse(path, status, '')),
          );
        },
      );
      request.setTimeout(this.timeoutMs, () => {
        request.destroy(new Error(`no answer within ${this.timeoutMs} ms`));
      });
      request.on('error', (error: NodeJS.ErrnoException) => {
        reject(new TraceServerError(`POST ${path} failed: ${error.code ?? error.message}`, undefined));
      });
      request.end(payload);
    });
  }
}

/** The `errors` of a batch answer, if any. */
async function refusedItemsOf(response: http.IncomingMessage): Promise<CallsCompleteRes> {
  const text = await readText(response);
  // Only refused items matter here; parsing a thousand `res` entries per batch would not.
  if (!text.includes('"errors"')) return {};
  try {
    const { errors } = JSON.parse(text) as CallsCompleteRes;
    return Array.isArray(errors) ? { errors } : {};
  } catch {
    // The batch was accepted; an unreadable answer (a proxy's page, say) changes nothing.
    return {};
  }
}

async function readText(response: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function errorFromResponse(path: string, status: number, text: string): TraceServerError {
  let reason = text;
  try {
    const parsed = JSON.parse(text) as { reason?: string; detail?: unknown; message?: string };
    reason = parsed.reason ?? parsed.message ?? (parsed.detail ? JSON.stringify(parsed.detail) : text);
  } catch {
    // Not JSON: the text itself is the reason.
  }
  return new TraceServerError(`POST ${path} returned ${status}: ${reason}`, status, reason);
}
