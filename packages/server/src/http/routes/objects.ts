import {
  ObjCreateReq,
  ObjDeleteReq,
  ObjNameParams,
  ObjQueryReq,
  ObjReadReq,
  ObjRemoveAliasesBody,
  ObjSetAliasesBody,
  ObjTagsBody,
  ObjVersionParams,
  ProjectQuery,
  RefsReadBatchReq,
} from '@weft/protocol';
import type { FastifyInstance } from 'fastify';
import type { ObjectLabelsService, ObjectsService } from '../../service/objects-service.js';
import type { RefsService } from '../../service/refs-service.js';
import { sendChunks } from '../chunked-reply.js';
import { useLosslessJson } from './lossless-json.js';

export function registerObjectRoutes(
  app: FastifyInstance,
  objects: ObjectsService,
  labels: ObjectLabelsService,
  refs: RefsService,
): void {
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
  // Read and sent a page at a time (docs/protocol.md §1.7).
  app.post<{ Body: ObjQueryReq }>('/objs/query', { schema: { body: ObjQueryReq } }, async (request, reply) =>
    sendChunks(reply, 'application/json', objects.query(request.body)),
  );
  app.post<{ Body: ObjDeleteReq }>('/obj/delete', { schema: { body: ObjDeleteReq } }, (request) =>
    objects.delete(request.body),
  );
  app.post<{ Body: RefsReadBatchReq }>(
    '/refs/read_batch',
    { schema: { body: RefsReadBatchReq } },
    async (request, reply) => reply.type('application/json').send(await refs.readBatch(request.body)),
  );

  // Tags and aliases (docs/protocol.md §9).
  app.put<{ Params: ObjVersionParams; Body: ObjTagsBody }>(
    '/objs/:object_id/versions/:digest/tags',
    { schema: { params: ObjVersionParams, body: ObjTagsBody } },
    (request) => labels.addTags(request.params.object_id, request.params.digest, request.body),
  );
  app.post<{ Params: ObjVersionParams; Body: ObjTagsBody }>(
    '/objs/:object_id/versions/:digest/tags/remove',
    { schema: { params: ObjVersionParams, body: ObjTagsBody } },
    (request) => labels.removeTags(request.params.object_id, request.params.digest, request.body),
  );
  app.put<{ Params: ObjNameParams; Body: ObjSetAliasesBody }>(
    '/objs/:object_id/aliases',
    { schema: { params: ObjNameParams, body: ObjSetAliasesBody } },
    (request) => labels.setAliases(request.params.object_id, request.body),
  );
  app.post<{ Params: ObjNameParams; Body: ObjRemoveAliasesBody }>(
    '/objs/:object_id/aliases/remove',
    { schema: { params: ObjNameParams, body: ObjRemoveAliasesBody } },
    (request) => labels.removeAliases(request.params.object_id, request.body),
  );
  app.get<{ Querystring: ProjectQuery }>('/tags', { schema: { querystring: ProjectQuery } }, (request) =>
    labels.listTags(request.query.project_id),
  );
  app.get<{ Querystring: ProjectQuery }>('/aliases', { schema: { querystring: ProjectQuery } }, (request) =>
    labels.listAliases(request.query.project_id),
  );
}
