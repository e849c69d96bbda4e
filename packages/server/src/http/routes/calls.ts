import { Readable } from 'node:stream';
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
    { schema: { body: CallCreateBatchReq }, attachValidation: true },
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
    async (request, reply) => {
      // A client that goes away stops the query, even while it produces its first rows, and its
      // read worker goes back to the pool.
      const signal = clientGoneSignal(reply);
      const iterator = calls.queryJsonLines(request.body, { signal })[Symbol.asyncIterator]();
      signal.addEventListener('abort', () => void iterator.return?.(), { once: true });
      // The first chunk is read before the response starts, so a request the store rejects (or a
      // query that times out before its first rows) still gets a proper error status.
      const first = await iterator.next();
      return reply.type('application/jsonl').send(Readable.from(chunks(first, iterator)));
    },
  );
  // Deprecated in Weave but still served: the same query, answered as one JSON document.
  app.post<{ Body: CallsQueryReq }>(
    '/calls/query',
    { schema: { body: CallsQueryReq } },
    async (request, reply) => {
      // JSON lines joined with commas: a newline can only separate lines, never sit inside one.
      let body = '';
      for await (const chunk of calls.queryJsonLines(request.body, { signal: clientGoneSignal(reply) }))
        body += chunk.replaceAll('\n', ',');
      return reply.type('application/json').send(`{"calls":[${body.slice(0, -1)}]}`);
    },
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

/** The first chunk, already read, then the rest. */
async function* chunks(first: IteratorResult<string>, rest: AsyncIterator<string>): AsyncGenerator<string> {
  if (first.done) return;
  try {
    yield first.value;
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  } finally {
    await rest.return?.();
  }
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
