import {
  TableCreateFromDigestsReq,
  TableCreateReq,
  TableQueryReq,
  TableQueryStatsReq,
  TableUpdateReq,
} from '@weft/protocol';
import type { FastifyInstance } from 'fastify';
import type { TablesService } from '../../service/tables-service.js';
import { sendChunks } from '../chunked-reply.js';
import { clientGoneSignal } from '../client-gone.js';
import { useLosslessJson } from './lossless-json.js';

export function registerTableRoutes(app: FastifyInstance, tables: TablesService): void {
  // Rows are hashed as Python writes them (1 is not 1.0): these bodies are read losslessly.
  void app.register(async (scope) => {
    useLosslessJson(scope);
    scope.post<{ Body: TableCreateReq }>('/table/create', { schema: { body: TableCreateReq } }, (request) =>
      tables.create(request.body),
    );
    scope.post<{ Body: TableUpdateReq }>('/table/update', { schema: { body: TableUpdateReq } }, (request) =>
      tables.update(request.body),
    );
  });
  // Only digests, so plain JSON: nothing in it is hashed as Python writes it.
  app.post<{ Body: TableCreateFromDigestsReq }>(
    '/table/create_from_digests',
    { schema: { body: TableCreateFromDigestsReq } },
    (request) => tables.createFromDigests(request.body),
  );
  // Read and sent a page of rows at a time, as fast as the client takes them (docs/protocol.md §1.7).
  app.post<{ Body: TableQueryReq }>(
    '/table/query',
    { schema: { body: TableQueryReq } },
    async (request, reply) =>
      sendChunks(reply, 'application/json', tables.query(request.body, { signal: clientGoneSignal(reply) })),
  );
  app.post<{ Body: TableQueryStatsReq }>(
    '/table/query_stats',
    { schema: { body: TableQueryStatsReq } },
    (request) => tables.queryStats(request.body),
  );
}
