/** `GET /weft/projects`: weft's own route for the projects page (docs/protocol.md). */
import { getJson } from './client';

export interface ProjectSummary {
  project_id: string;
  entity: string;
  name: string;
  calls: number;
  objects: number;
  last_activity: string | null;
}

export async function listProjects(signal?: AbortSignal): Promise<ProjectSummary[]> {
  const { projects } = await getJson<{ projects: ProjectSummary[] }>('/weft/projects', { signal });
  return projects;
}
