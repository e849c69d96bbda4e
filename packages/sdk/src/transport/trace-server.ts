/**
 * What a WeaveClient needs from a trace server: Weave's trace-server protocol, one request object
 * in, one response object out (the seed's `WeaveClient(entity, project, server)`). `HttpTraceServer`
 * speaks it over HTTP; an in-process server can implement the same interface.
 */
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

/** `/file/create` is multipart; this is what the form carries. */
export interface FileCreateReq {
  project_id: string;
  /** The file's logical name; Weave clients name every upload `blob`. */
  name: string;
  content: Uint8Array;
}

export interface TraceServer {
  callUpsertBatch(req: CallCreateBatchReq): Promise<CallCreateBatchRes>;
  /**
   * The same request, already encoded as JSON (UTF-8 bytes). Optional: the background sender
   * encodes batches itself and uses this when a transport can send the bytes as they are.
   */
  callUpsertBatchEncoded?(
    body: Uint8Array,
    options?: { signal?: AbortSignal },
  ): Promise<Pick<CallCreateBatchRes, 'errors'>>;
  /**
   * `POST /v2/{entity}/{project}/calls/complete` with `{"batch": [complete call, ...]}` already
   * encoded, every item of `projectId`. Optional: without it, ended calls are sent as start and
   * end items to `/call/upsert_batch`. A 404 (no such route) makes the SDK do that from then on.
   */
  callsCompleteEncoded?(
    projectId: string,
    body: Uint8Array,
    options?: { signal?: AbortSignal },
  ): Promise<CallsCompleteRes>;
  callsQueryStream(req: CallsQueryReq): AsyncIterable<CallSchema>;
  callsQueryStats(req: CallsQueryStatsReq): Promise<CallsQueryStatsRes>;
  callsDelete(req: CallsDeleteReq): Promise<CallsDeleteRes>;
  callUpdate(req: CallUpdateReq): Promise<Record<string, never>>;

  // Objects, tables and files (docs/protocol.md §8–§11).
  objCreate(req: ObjCreateReq): Promise<ObjCreateRes>;
  objRead(req: ObjReadReq): Promise<ObjReadRes>;
  objsQuery(req: ObjQueryReq): Promise<ObjQueryRes>;
  objDelete(req: ObjDeleteReq): Promise<ObjDeleteRes>;
  tableCreate(req: TableCreateReq): Promise<TableCreateRes>;
  tableUpdate(req: TableUpdateReq): Promise<TableUpdateRes>;
  /**
   * `POST /table/create_from_digests`: a table of rows stored before, by their digests. Optional:
   * without it (or when the server answers 404), large tables are sent as `tableUpdate` appends.
   */
  tableCreateFromDigests?(req: TableCreateFromDigestsReq): Promise<TableCreateFromDigestsRes>;
  tableQuery(req: TableQueryReq): Promise<TableQueryRes>;
  refsReadBatch(req: RefsReadBatchReq): Promise<RefsReadBatchRes>;
  fileCreate(req: FileCreateReq): Promise<FileCreateRes>;
  fileContent(req: FileContentReq): Promise<Uint8Array>;

  // Prices (docs/protocol.md §17).
  costCreate(req: CostCreateReq): Promise<CostCreateRes>;
  costQuery(req: CostQueryReq): Promise<CostQueryRes>;
  costPurge(req: CostPurgeReq): Promise<Record<string, never>>;

  // Feedback (docs/protocol.md §18).
  feedbackBatchCreate(
    req: FeedbackBatchCreateReq,
    options?: { signal?: AbortSignal },
  ): Promise<FeedbackBatchCreateRes>;
  feedbackQuery(req: FeedbackQueryReq): Promise<FeedbackQueryRes>;
  feedbackPurge(req: FeedbackPurgeReq): Promise<Record<string, never>>;
  /** The base URL users open in a browser, if the server has one (for `Call.uiUrl`). */
  readonly baseUrl?: string;
}

/**
 * A request the server answered with an error status, or that never got an answer (status
 * undefined: connection refused, reset, timed out).
 */
export class TraceServerError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'TraceServerError';
  }

  /** Worth trying again later: no answer, rate limited, or a server-side failure. */
  get retryable(): boolean {
    return this.status === undefined || this.status === 429 || this.status >= 500;
  }
}
