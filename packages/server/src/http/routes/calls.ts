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
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { BatchEntry } from '../../service/call-parts.js';
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
    // A batch that fails the schema is not refused at once: its items are checked one by one below.
    { schema: { body: CallCreateBatchReq }, attachValidation: true },
    async (request) => {
      const validationError = request.validationError;
      let items: readonly BatchEntry[];
      if (validationError === undefined) {
        items = request.body.batch;
      } else {
        const body: unknown = request.body;
        const batch = isObject(body) && Array.isArray(body.batch) ? (body.batch as unknown[]) : undefined;
        // A body that is not a batch at all is a client mistake with nothing worth keeping.
        if (batch === undefined) throw validationError;
        items = checkItems(request, batch);
      }
      const response = await calls.upsertBatch(items);
      if (response.errors) {
        request.log.warn(
          { dropped: response.errors.length, of: items.length, errors: response.errors.slice(0, 10) },
          'call/upsert_batch: dropped invalid items, stored the rest',
        );
      }
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Each item against the item schema, with the route's own validator (same Ajv options, compiled
 * once per route): a good item as it is, a bad one as the reason it was dropped, named like
 * `batch[3].req.start must have required property 'op_name'`.
 */
function checkItems(request: FastifyRequest, batch: readonly unknown[]): BatchEntry[] {
  const validate = request.compileValidationSchema(CallBatchItem);
  return batch.map((item, index): BatchEntry => {
    if (validate(item)) return item as CallBatchItem;
    const error = validate.errors?.[0];
    const where = `batch[${index}]${(error?.instancePath ?? '').replaceAll('/', '.')}`;
    // Ajv words an unknown mode as 'value of tag "mode" must be in oneOf'; say what it may be.
    const reason =
      error?.keyword === 'discriminator'
        ? `${where}.mode must be "start" or "end"`
        : `${where} ${error?.message ?? 'is not a valid batch item'}`;
    const id = itemCallId(item);
    return { rejected: reason, ...(id ? { id } : {}) };
  });
}

/** The call id a malformed item names, if it names one, so that its error can say which call. */
function itemCallId(item: unknown): string | undefined {
  if (!isObject(item) || !isObject(item.req)) return undefined;
  const part = item.req.start ?? item.req.end;
  return isObject(part) && typeof part.id === 'string' ? part.id : undefined;
}
