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
      const lines = await startStream(calls.query(request.body));
      return reply.type('application/jsonl').send(Readable.from(lines));
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

/**
 * Pulls the first call before the response starts, so that a request the store rejects still gets
 * a proper error status; then streams JSON lines in chunks.
 */
async function startStream(calls: AsyncIterable<string>): Promise<AsyncGenerator<string>> {
  const iterator = calls[Symbol.asyncIterator]();
  const first = await iterator.next();
  return (async function* chunks() {
    if (first.done) return;
    let chunk = `${first.value}\n`;
    try {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        chunk += `${next.value}\n`;
        if (chunk.length >= STREAM_CHUNK_CHARS) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk.length > 0) yield chunk;
    } finally {
      await iterator.return?.();
    }
  })();
}
