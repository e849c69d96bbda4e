import { ObjCreateReq, ObjDeleteReq, ObjQueryReq, ObjReadReq, parseJsonLosslessly } from '@weft/protocol';
import type { FastifyInstance } from 'fastify';
import type { ObjectsService } from '../../service/objects-service.js';

export function registerObjectRoutes(app: FastifyInstance, objects: ObjectsService): void {
  // Object values are hashed as Python writes them, which tells 1 from 1.0: this route reads its
  // body without JSON.parse's loss (the parser is scoped to this plugin).
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, parseJsonLosslessly(body as string));
      } catch (error) {
        done(Object.assign(error as Error, { statusCode: 400 }), undefined);
      }
    });
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
}
