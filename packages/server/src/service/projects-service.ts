/**
 * Projects and the viewer, as the Python SDK's `weave.init` asks for them over GraphQL
 * (docs/protocol.md, "GraphQL"): who is calling, which entity a bare project name belongs to,
 * and the project itself, registered on first mention so that it can be listed later; and the
 * list of projects with what they hold, for the web UI (§13.1).
 */
import { formatTimestampMicros, InvalidRequest, type ProjectsRes } from '@weft/protocol';
import type { StoredProject, TraceStore } from '../storage/trace-store.js';
import type { Principal } from './access/api-keys-service.js';

/** The entity given to project names without one, unless `weft serve --default-entity` says otherwise. */
export const DEFAULT_ENTITY = 'local';
/** The user of a server without API keys (docs/protocol.md §19). */
export const LOCAL_USERNAME = 'local';
/** Each half of a wire project id (`entity/name`); the whole id is at most 512 characters. */
const MAX_NAME_LENGTH = 255;

export interface Viewer {
  username: string;
  defaultEntity: string;
}

export interface ProjectsServiceOptions {
  defaultEntity?: string;
}

export class ProjectsService {
  private readonly defaultEntity: string;

  constructor(
    private readonly store: TraceStore,
    options: ProjectsServiceOptions = {},
  ) {
    this.defaultEntity = options.defaultEntity ?? DEFAULT_ENTITY;
    checkName('the default entity', this.defaultEntity);
  }

  /** The caller as GraphQL's viewer: the key's user, or the local user without one. */
  viewer(principal: Principal | null): Viewer {
    return {
      username: principal?.user ?? LOCAL_USERNAME,
      defaultEntity: this.entityOf(null, principal),
    };
  }

  /**
   * The entity of a project name: the one given, else the server's default entity, except for a
   * key whose projects all share one entity, whose bare names mean that entity
   * (`weave.init("evals")` with a key for `acme/evals`).
   */
  entityOf(entity: string | null | undefined, principal: Principal | null): string {
    if (entity) return entity;
    const entities = new Set([...(principal?.projects ?? [])].map((id) => id.slice(0, id.indexOf('/'))));
    return entities.size === 1 ? ([...entities][0] as string) : this.defaultEntity;
  }

  /**
   * The project, registered now if it was not: a client that names a project is about to write to
   * it. Names are kept exactly as given, since the client uses the name echoed back from then on.
   */
  ensureProject(owner: string, name: string): Promise<StoredProject> {
    checkName('entity', owner);
    checkName('project name', name);
    return this.store.ensureProject({ entity: owner, name, created_at: Date.now() * 1000 });
  }

  /** Every project with live calls, live objects or a registration, newest activity first. */
  async summaries(): Promise<ProjectsRes> {
    const projects = await this.store.projectSummaries();
    return {
      projects: projects.map((project) => ({
        ...project,
        last_activity: project.last_activity === null ? null : formatTimestampMicros(project.last_activity),
      })),
    };
  }
}

/** A name must fit one half of `entity/project`: no slash, not empty, not too long. */
function checkName(what: string, name: string): void {
  if (name.length === 0) throw new InvalidRequest(`${what} must not be empty`);
  if (name.length > MAX_NAME_LENGTH) {
    throw new InvalidRequest(`${what} must be at most ${MAX_NAME_LENGTH} characters, got ${name.length}`);
  }
  if (name.includes('/')) throw new InvalidRequest(`${what} must not contain "/": ${JSON.stringify(name)}`);
}
