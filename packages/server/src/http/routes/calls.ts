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
  app.post<{ Body: CallReadReq }>('/call/read', { schema: { body: CallReadReq } }, async (request, reply) =>
    reply.type('application/json').send(await calls.read(request.body)),
  );
  app.post<{ Body: CallsQueryReq }>(
    '/calls/stream_query',
    { schema: { body: CallsQueryReq } },
    async (request, reply) => {
      const iterator = calls.queryJsonLines(request.body)[Symbol.asyncIterator]();
      // A client that goes away ends the query, and its read worker goes back to the pool. Listen
      // before the first await: a client can give up while a slow query produces its first rows
      // (the generator runs a return() queued meanwhile once that next() settles).
      reply.raw.once('close', () => void iterator.return?.());
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
      for await (const chunk of calls.queryJsonLines(request.body)) body += chunk.replaceAll('\n', ',');
      return reply.type('application/json').send(`{"calls":[${body.slice(0, -1)}]}`);
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
