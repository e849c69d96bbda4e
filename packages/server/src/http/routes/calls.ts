import {
  CallBatchItem,
  CallCreateBatchReq,
  CallEndReq,
  CallReadReq,
  CallStartReq,
  CallsDeleteReq,
  CallsQueryReq,
  CallsQueryStatsReq,
  CallUpdateReq,
} from '@weft/protocol';
import type { FastifyInstance } from 'fastify';
import type { CallsService } from '../../service/calls-service.js';
import { sendChunks } from '../chunked-reply.js';
import { clientGoneSignal } from '../client-gone.js';
import { isObject, type LenientBatchOptions, lenientBatchItems, logDroppedItems } from './lenient-batch.js';

export function registerCallRoutes(app: FastifyInstance, calls: CallsService): void {
  app.post<{ Body: CallStartReq }>('/call/start', { schema: { body: CallStartReq } }, (request) =>
    calls.start(request.body),
  );
  app.post<{ Body: CallEndReq }>('/call/end', { schema: { body: CallEndReq } }, (request) =>
    calls.end(request.body),
  );
  app.post<{ Body: CallCreateBatchReq }>(
    '/call/upsert_batch',
    // A batch that fails the schema is not refused at once: its items are checked one by one.
    { schema: { body: CallCreateBatchReq }, attachValidation: true, config: { dropsDeepItems: true } },
    async (request) => {
      const items = lenientBatchItems<CallBatchItem>(request, CallBatchItem, UPSERT_ITEMS);
      const response = await calls.upsertBatch(items);
      logDroppedItems(request, 'call/upsert_batch', response.errors, items.length);
      return response;
    },
  );
  app.post<{ Body: CallReadReq }>('/call/read', { schema: { body: CallReadReq } }, async (request, reply) =>
    reply.type('application/json').send(await calls.read(request.body)),
  );
  app.post<{ Body: CallsQueryReq }>(
    '/calls/stream_query',
    { schema: { body: CallsQueryReq } },
    // Sent as it is read, a page at a time, as fast as the client takes it (docs/protocol.md §1.7).
    // A client that goes away stops the query, even while it reads its first page.
    async (request, reply) =>
      sendChunks(
        reply,
        'application/jsonl',
        calls.queryJsonLines(request.body, { signal: clientGoneSignal(reply) }),
      ),
  );
  // Deprecated in Weave but still served: the same query, answered as one JSON document, which is
  // sent a page at a time like the stream (never built whole).
  app.post<{ Body: CallsQueryReq }>(
    '/calls/query',
    { schema: { body: CallsQueryReq } },
    async (request, reply) =>
      sendChunks(
        reply,
        'application/json',
        calls.queryDocument(request.body, { signal: clientGoneSignal(reply) }),
      ),
  );
  app.post<{ Body: CallsQueryStatsReq }>(
    '/calls/query_stats',
    { schema: { body: CallsQueryStatsReq } },
    (request, reply) => calls.queryStats(request.body, { signal: clientGoneSignal(reply) }),
  );
  app.post<{ Body: CallsDeleteReq }>('/calls/delete', { schema: { body: CallsDeleteReq } }, (request) =>
    calls.delete(request.body),
  );
  app.post<{ Body: CallUpdateReq }>('/call/update', { schema: { body: CallUpdateReq } }, (request) =>
    calls.update(request.body),
  );
}

/** Names a malformed upsert item's call, and says what `mode` may be instead of Ajv's words. */
const UPSERT_ITEMS: LenientBatchOptions = {
  idOf(item) {
    if (!isObject(item) || !isObject(item.req)) return undefined;
    const part = item.req.start ?? item.req.end;
    return isObject(part) && typeof part.id === 'string' ? part.id : undefined;
  },
  reasonFor: (error, where) =>
    // Ajv words an unknown mode as 'value of tag "mode" must be in oneOf'.
    error.keyword === 'discriminator' ? `${where}.mode must be "start" or "end"` : undefined,
};
