/**
 * The v2 call routes of today's official SDKs (docs/protocol.md, "v2 call routes"): finished
 * calls in batches of complete items, and eager starts and ends for calls that must show while
 * they run. The project is named by the path; a body naming another one is refused.
 */
import {
  CallEndReq,
  CallStartReq,
  CallsCompleteReq,
  CompletedCallSchemaForInsert,
  V2ProjectParams,
} from '@weft/protocol';
import type { FastifyInstance } from 'fastify';
import type { CallsService } from '../../service/calls-service.js';
import { isObject, type LenientBatchOptions, lenientBatchItems, logDroppedItems } from './lenient-batch.js';

const projectOf = (params: V2ProjectParams) => `${params.entity}/${params.project}`;

const COMPLETE_ITEMS: LenientBatchOptions = {
  idOf: (item) => (isObject(item) && typeof item.id === 'string' ? item.id : undefined),
};

export function registerV2CallRoutes(app: FastifyInstance, calls: CallsService): void {
  app.post<{ Params: V2ProjectParams; Body: CallsCompleteReq }>(
    '/v2/:entity/:project/calls/complete',
    // As /call/upsert_batch: a bad item is dropped and reported, the rest of the batch is stored.
    {
      schema: { params: V2ProjectParams, body: CallsCompleteReq },
      attachValidation: true,
      config: { dropsDeepItems: true },
    },
    async (request) => {
      const items = lenientBatchItems<CompletedCallSchemaForInsert>(
        request,
        CompletedCallSchemaForInsert,
        COMPLETE_ITEMS,
      );
      const response = await calls.complete(projectOf(request.params), items);
      logDroppedItems(request, 'v2 calls/complete', response.errors, items.length);
      return response;
    },
  );
  app.post<{ Params: V2ProjectParams; Body: CallStartReq }>(
    '/v2/:entity/:project/call/start',
    { schema: { params: V2ProjectParams, body: CallStartReq } },
    (request) => calls.startInProject(projectOf(request.params), request.body),
  );
  app.post<{ Params: V2ProjectParams; Body: CallEndReq }>(
    '/v2/:entity/:project/call/end',
    { schema: { params: V2ProjectParams, body: CallEndReq } },
    (request) => calls.endInProject(projectOf(request.params), request.body),
  );
}
