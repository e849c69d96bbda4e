/**
 * `GET /weft/projects` (docs/protocol.md §13.1): weft's own read for the web UI's projects page,
 * which Weave's protocol lacks. Under `/weft/` so that it can never meet a route Weave adds.
 */
import type { ProjectsRes } from '@weft/protocol';
import type { FastifyInstance } from 'fastify';
import type { ProjectsService } from '../../service/projects-service.js';

export function registerWeftProjectRoutes(app: FastifyInstance, projects: ProjectsService): void {
  app.get('/weft/projects', (): Promise<ProjectsRes> => projects.summaries());
}
