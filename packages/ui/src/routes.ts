/**
 * Every page's URL. The shapes follow Weave's own UI (`/{entity}/{project}/weave/...`, and
 * `/{entity}/{project}/r/call/{id}` for a call), so links that Weave's SDKs print and weft's
 * `Call.uiUrl` open the matching page here.
 */
import { parseRef, type WeaveRef } from '@weft/protocol/refs';

export interface ProjectRef {
  entity: string;
  project: string;
}

const part = encodeURIComponent;
const root = ({ entity, project }: ProjectRef) => `/${part(entity)}/${part(project)}/weave`;

export const paths = {
  projects: () => '/',
  traces: (project: ProjectRef) => `${root(project)}/traces`,
  call: (project: ProjectRef, callId: string) => `${root(project)}/calls/${part(callId)}`,
  ops: (project: ProjectRef) => `${root(project)}/ops`,
  /** The calls table showing every call of one op, any version (the calls view's `op` and `scope` params). */
  callsOfOp: (project: ProjectRef, opName: string) => `${root(project)}/traces?op=${part(opName)}&scope=all`,
  opVersion: (project: ProjectRef, name: string, digest: string) =>
    `${root(project)}/ops/${part(name)}/versions/${part(digest)}`,
  objects: (project: ProjectRef) => `${root(project)}/objects`,
  objectVersion: (project: ProjectRef, name: string, digest: string) =>
    `${root(project)}/objects/${part(name)}/versions/${part(digest)}`,
  datasets: (project: ProjectRef) => `${root(project)}/datasets`,
  evaluations: (project: ProjectRef) => `${root(project)}/evaluations`,
  evaluation: (project: ProjectRef, callId: string) => `${root(project)}/evaluations/${part(callId)}`,
  compareEvaluations: (project: ProjectRef, callIds: readonly string[]) =>
    `${root(project)}/compare-evaluations?calls=${callIds.map(part).join(',')}`,
  /** The project's own token prices (weft's page; Weave's UI has none). */
  prices: (project: ProjectRef) => `${root(project)}/prices`,
};

/** The sections of a project, as its header lists them. */
export type NavSection = 'Traces' | 'Evaluations' | 'Ops' | 'Datasets' | 'Objects' | 'Prices';

/** The section a page's URL puts it in: a call's trace belongs to Traces, a comparison to Evaluations. */
export function sectionOfPath(pathname: string): NavSection | undefined {
  const match = /^\/[^/]+\/[^/]+\/weave\/([^/]+)/.exec(pathname);
  switch (match?.[1]) {
    case 'traces':
    case 'calls':
      return 'Traces';
    case 'evaluations':
    case 'compare-evaluations':
      return 'Evaluations';
    case 'ops':
      return 'Ops';
    case 'datasets':
      return 'Datasets';
    case 'objects':
      return 'Objects';
    case 'prices':
      return 'Prices';
    default:
      return undefined;
  }
}

/** `entity/project` as the protocol writes a project id. */
export function projectId({ entity, project }: ProjectRef): string {
  return `${entity}/${project}`;
}

/** The page a `weave:///` ref opens, or undefined for refs no page shows (tables, files). */
export function refPath(uri: string): string | undefined {
  let ref: WeaveRef;
  try {
    ref = parseRef(uri);
  } catch {
    return undefined;
  }
  const project = { entity: ref.entity, project: ref.project };
  switch (ref.kind) {
    case 'op':
      return paths.opVersion(project, ref.name, ref.digest);
    case 'object':
      return paths.objectVersion(project, ref.name, ref.digest);
    case 'call':
      return paths.call(project, ref.id);
    default:
      return undefined;
  }
}
