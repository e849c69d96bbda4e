/**
 * An in-process TraceServer that accepts every call part, counts them and keeps nothing, for SDK
 * tests about the SDK's own behaviour (context, memory). It needs no server process and no
 * native module, so these tests run unchanged on every Node version the SDK supports.
 */
import {
  bytesDigest,
  type FileCreateRes,
  type ObjCreateReq,
  type ObjCreateRes,
  objectDigest,
} from '@weft/protocol';
import type { FileCreateReq, TraceServer } from '../../src/transport/trace-server.js';

/** The parts a request body holds: `{"batch": [...]}`, counted without keeping the body. */
function countBatch(body: Uint8Array): { items: number; ended: number } {
  const parsed = JSON.parse(Buffer.from(body).toString('utf8')) as { batch?: Array<Record<string, unknown>> };
  const batch = parsed.batch ?? [];
  let ended = 0;
  for (const item of batch) {
    // upsert_batch items are {mode, req}; complete items are the whole call, ended_at included.
    if (item.mode === 'end' || typeof item.ended_at === 'string') ended += 1;
  }
  return { items: batch.length, ended };
}

function unsupported(route: string): never {
  throw new Error(`${route} is not part of the counting trace server`);
}

export class CountingTraceServer implements TraceServer {
  /** Call parts received (starts, ends and complete calls). */
  items = 0;
  /** Parts that carried an end (an `end` item or a complete call). */
  ended = 0;

  async callUpsertBatch(): Promise<never> {
    return unsupported('/call/upsert_batch (decoded)');
  }

  async callUpsertBatchEncoded(body: Uint8Array): Promise<Record<string, never>> {
    const counted = countBatch(body);
    this.items += counted.items;
    this.ended += counted.ended;
    return {};
  }

  async callsCompleteEncoded(_projectId: string, body: Uint8Array): Promise<Record<string, never>> {
    return this.callUpsertBatchEncoded(body);
  }

  /** The digests a real server answers, so the SDK finds its own and has nothing to warn about. */
  async objCreate(req: ObjCreateReq): Promise<ObjCreateRes> {
    return { digest: objectDigest(req.obj.val), object_id: req.obj.object_id };
  }

  async fileCreate(req: FileCreateReq): Promise<FileCreateRes> {
    return { digest: bytesDigest(req.content) };
  }

  // Nothing below is used by the tests that use this server.
  // biome-ignore lint/correctness/useYield: never iterated.
  async *callsQueryStream(): AsyncIterable<never> {
    unsupported('/calls/stream_query');
  }
  callsQueryStats = async (): Promise<never> => unsupported('/calls/query_stats');
  callsDelete = async (): Promise<never> => unsupported('/calls/delete');
  callUpdate = async (): Promise<never> => unsupported('/call/update');
  objRead = async (): Promise<never> => unsupported('/obj/read');
  objsQuery = async (): Promise<never> => unsupported('/objs/query');
  objDelete = async (): Promise<never> => unsupported('/obj/delete');
  tableCreate = async (): Promise<never> => unsupported('/table/create');
  tableUpdate = async (): Promise<never> => unsupported('/table/update');
  tableQuery = async (): Promise<never> => unsupported('/table/query');
  refsReadBatch = async (): Promise<never> => unsupported('/refs/read_batch');
  fileContent = async (): Promise<never> => unsupported('/file/content');
  costCreate = async (): Promise<never> => unsupported('/cost/create');
  costQuery = async (): Promise<never> => unsupported('/cost/query');
  costPurge = async (): Promise<never> => unsupported('/cost/purge');
  feedbackBatchCreate = async (): Promise<never> => unsupported('/feedback/batch/create');
  feedbackQuery = async (): Promise<never> => unsupported('/feedback/query');
  feedbackPurge = async (): Promise<never> => unsupported('/feedback/purge');
}
