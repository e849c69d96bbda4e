import { Readable } from 'node:stream';
import {
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

/** Stream responses are written in chunks of about this many characters. */
const STREAM_CHUNK_CHARS = 64 * 1024;

export function registerCallRoutes(app: FastifyInstance, calls: CallsService): void {
  app.post<{ Body: CallStartReq }>('/call/start', { schema: { body: CallStartReq } }, (request) =>
    calls.start(request.body),
  );
  app.post<{ Body: CallEndReq }>('/call/end', { schema: { body: CallEndReq } }, (request) =>
    calls.end(request.body),
  );
  app.post<{ Body: CallCreateBatchReq }>(
    '/call/upsert_batch',
    { schema: { body: CallCreateBatchReq } },
    (request) => calls.upsertBatch(request.body),
  );
  app.post<{ Body: CallReadReq }>('/call/read', { schema: { body: CallReadReq } }, (request) =>
    calls.read(request.body),
  );
  app.post<{ Body: CallsQueryReq }>(
    '/calls/stream_query',
    { schema: { body: CallsQueryReq } },
    async (request, reply) => {
      const iterator = calls.query(request.body)[Symbol.asyncIterator]();
      // The first call is read before the response starts, so a request the store rejects still
      // gets a proper error status.
      const first = await iterator.next();
      // A client that goes away ends the query, and its read connection goes back to the pool.
      reply.raw.once('close', () => void iterator.return?.());
      return reply.type('application/jsonl').send(Readable.from(jsonLines(first, iterator)));
    },
  );
  // Deprecated in Weave but still served: the same query, answered as one JSON document.
  app.post<{ Body: CallsQueryReq }>(
    '/calls/query',
    { schema: { body: CallsQueryReq } },
    async (request, reply) => {
      const parts: string[] = [];
      for await (const call of calls.query(request.body)) parts.push(call);
      return reply.type('application/json').send(`{"calls":[${parts.join(',')}]}`);
    },
  );
  app.post<{ Body: CallsQueryStatsReq }>(
    '/calls/query_stats',
    { schema: { body: CallsQueryStatsReq } },
    (request) => calls.queryStats(request.body),
  );
  app.post<{ Body: CallsDeleteReq }>('/calls/delete', { schema: { body: CallsDeleteReq } }, (request) =>
    calls.delete(request.body),
  );
  app.post<{ Body: CallUpdateReq }>('/call/update', { schema: { body: CallUpdateReq } }, (request) =>
    calls.update(request.body),
  );
}

/** The calls as JSON lines, written in chunks of about STREAM_CHUNK_CHARS. */
async function* jsonLines(
  first: IteratorResult<string>,
  rest: AsyncIterator<string>,
): AsyncGenerator<string> {
  if (first.done) return;
  let chunk = `${first.value}\n`;
  try {
    for (let next = await rest.next(); !next.done; next = await rest.next()) {
      chunk += `${next.value}\n`;
      if (chunk.length >= STREAM_CHUNK_CHARS) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk.length > 0) yield chunk;
  } finally {
    await rest.return?.();
  }
}
