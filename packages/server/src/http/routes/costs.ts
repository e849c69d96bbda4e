/** The cost routes (docs/protocol.md §17.2). */
import { CostCreateReq, CostPurgeReq, CostQueryReq } from '@weft/protocol';
import type { FastifyInstance } from 'fastify';
import type { CostsService } from '../../service/costs-service.js';
import { sendChunks } from '../chunked-reply.js';

export function registerCostRoutes(app: FastifyInstance, costs: CostsService): void {
  app.post<{ Body: CostCreateReq }>('/cost/create', { schema: { body: CostCreateReq } }, (request) =>
    costs.create(request.body),
  );
  // Read and sent a page at a time (docs/protocol.md §1.7).
  app.post<{ Body: CostQueryReq }>(
    '/cost/query',
    { schema: { body: CostQueryReq } },
    async (request, reply) => sendChunks(reply, 'application/json', costs.query(request.body)),
  );
  app.post<{ Body: CostPurgeReq }>('/cost/purge', { schema: { body: CostPurgeReq } }, (request) =>
    costs.purge(request.body),
  );
  // The default prices are in the store before the first request is answered.
  app.addHook('onReady', async () => {
    await costs.loadDefaultPrices();
  });
}
