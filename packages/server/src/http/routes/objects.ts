import { ObjCreateReq, ObjDeleteReq, ObjQueryReq, ObjReadReq, RefsReadBatchReq } from '@weft/protocol';
import type { FastifyInstance } from 'fastify';
import type { ObjectsService } from '../../service/objects-service.js';
import type { RefsService } from '../../service/refs-service.js';
import { useLosslessJson } from './lossless-json.js';

export function registerObjectRoutes(app: FastifyInstance, objects: ObjectsService, refs: RefsService): void {
  // Object values are hashed as Python writes them (1 is not 1.0): this body is read losslessly.
  void app.register(async (scope) => {
    useLosslessJson(scope);
    scope.post<{ Body: ObjCreateReq }>('/obj/create', { schema: { body: ObjCreateReq } }, (request) =>
      objects.create(request.body),
    );
  });
  app.post<{ Body: ObjReadReq }>('/obj/read', { schema: { body: ObjReadReq } }, async (request, reply) =>
    reply.type('application/json').send(await objects.read(request.body)),
  );
  app.post<{ Body: ObjQueryReq }>('/objs/query', { schema: { body: ObjQueryReq } }, async (request, reply) =>
    reply.type('application/json').send(await objects.query(request.body)),
  );
  app.post<{ Body: ObjDeleteReq }>('/obj/delete', { schema: { body: ObjDeleteReq } }, (request) =>
    objects.delete(request.body),
  );
  app.post<{ Body: RefsReadBatchReq }>(
    '/refs/read_batch',
    { schema: { body: RefsReadBatchReq } },
    async (request, reply) => reply.type('application/json').send(await refs.readBatch(request.body)),
  );
}
