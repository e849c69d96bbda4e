/**
 * weft's own reads for the web UI, which Weave's protocol lacks (docs/protocol.md §13.1, §19.5),
 * under `/weft/` so that they can never meet a route Weave adds: the projects page's list (only
 * the projects the caller's key may use) and the session (who the caller is, whether keys are on).
 */
import type { ProjectsRes, SessionRes } from '@weft/protocol';
import type { FastifyInstance } from 'fastify';
import type { ProjectsService } from '../../service/projects-service.js';
import { mayUseProject } from '../access/access-control.js';

export function registerWeftProjectRoutes(app: FastifyInstance, projects: ProjectsService): void {
  app.get('/weft/projects', async (request): Promise<ProjectsRes> => {
    const all = await projects.summaries();
    return { projects: all.projects.filter((project) => mayUseProject(request, project.project_id)) };
  });
  app.get('/weft/session', async (request): Promise<SessionRes> => {
    const principal = request.principal;
    return {
      user: principal?.user ?? null,
      key_id: principal?.keyId ?? null,
      projects: principal?.projects ? [...principal.projects] : null,
      read_only: principal?.readOnly ?? false,
    };
  });
}
