/**
 * The app's page URLs, written out here rather than imported from packages/ui/src/routes.ts: they
 * are a public contract (Weave's URL shapes, which links printed by the SDKs follow), so the tests
 * state them on their own and catch the app drifting from them.
 */
interface ProjectLike {
  entity: string;
  project: string;
}

const part = encodeURIComponent;
const root = ({ entity, project }: ProjectLike) => `/${part(entity)}/${part(project)}/weave`;

export const uiPaths = {
  projects: () => '/',
  traces: (project: ProjectLike) => `${root(project)}/traces`,
  call: (project: ProjectLike, callId: string) => `${root(project)}/calls/${part(callId)}`,
  /** The short link `Call.uiUrl` and Weave's SDKs print; the app redirects it to `call`. */
  callLink: (project: ProjectLike, callId: string) =>
    `/${part(project.entity)}/${part(project.project)}/r/call/${part(callId)}`,
  ops: (project: ProjectLike) => `${root(project)}/ops`,
  opVersion: (project: ProjectLike, name: string, digest: string) =>
    `${root(project)}/ops/${part(name)}/versions/${part(digest)}`,
  objects: (project: ProjectLike) => `${root(project)}/objects`,
  objectVersion: (project: ProjectLike, name: string, digest: string) =>
    `${root(project)}/objects/${part(name)}/versions/${part(digest)}`,
  datasets: (project: ProjectLike) => `${root(project)}/datasets`,
  evaluations: (project: ProjectLike) => `${root(project)}/evaluations`,
  evaluation: (project: ProjectLike, callId: string) => `${root(project)}/evaluations/${part(callId)}`,
  compareEvaluations: (project: ProjectLike, callIds: readonly string[]) =>
    `${root(project)}/compare-evaluations?calls=${callIds.map(part).join(',')}`,
  /** weft's own page (Weave's UI has none): the project's token prices. */
  prices: (project: ProjectLike) => `${root(project)}/prices`,
};
