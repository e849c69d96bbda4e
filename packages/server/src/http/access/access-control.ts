/**
 * Who may call what (docs/protocol.md §19): every request to a data route speaks for a principal,
 * the local user on a server without keys or the user of the API key it carries, and touches
 * only the projects that principal may use.
 *
 * - onRoute: a route with no entry in ROUTE_ACCESS (and not public) stops the server at start.
 * - onRequest: the key is checked before the body is read (401 without a valid one).
 * - preHandler: the validated request's projects are checked (403, the same answer whether the
 *   project exists or not, decided before the store is asked anything), then the key's user is
 *   stamped on what it stores.
 */
import { Forbidden, Unauthorized } from '@weft/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKeysService, Principal } from '../../service/access/api-keys-service.js';
import { keyOfAuthorization } from './credentials.js';
import { type AccessMode, isPublicRoute, routeAccess } from './route-access.js';

/**
 * `auto`: keys are required once any key exists (a local server starts open); `required`: always
 * (a server reachable from other machines); `off`: never (`--insecure-no-auth`).
 */
export type AuthMode = 'auto' | 'required' | 'off';

export interface AccessOptions {
  mode: AuthMode;
  keys: ApiKeysService;
  /** The principal of a server without keys: every project, read and write. */
  localUser: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by access control on every non-public route before its body is read. */
    principal: Principal | null;
  }
}

export function registerAccessControl(app: FastifyInstance, options: AccessOptions): void {
  const local: Principal = { user: options.localUser, keyId: null, projects: null, readOnly: false };
  app.decorateRequest('principal', null);

  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (isPublicRoute(method, route.url) || routeAccess(method, route.url)) continue;
      throw new Error(`${method} ${route.url} has no entry in ROUTE_ACCESS (http/access/route-access.ts)`);
    }
  });

  app.addHook('onRequest', async (request) => {
    const url = request.routeOptions.url;
    // No route (the 404 handler) or a public one: nothing to guard.
    if (url === undefined || !routeAccess(request.method, url)) return;
    request.principal = await principalOf(request);
  });

  app.addHook('preHandler', async (request) => {
    const url = request.routeOptions.url;
    const access = url === undefined ? undefined : routeAccess(request.method, url);
    const principal = request.principal;
    if (!access || !principal) return;
    if (access.projects !== 'handler') {
      for (const project of access.projects(request)) {
        // A value that is no project id was refused by the schema, or is an item the route drops.
        if (typeof project === 'string') requireProject(request, project, access.mode);
      }
      if (access.mode === 'write') requireWrite(principal);
    }
    if (principal.keyId !== null) access.stampUser?.(request, principal.user);
  });

  async function principalOf(request: FastifyRequest): Promise<Principal> {
    if (options.mode === 'off') return local;
    // Without keys, whatever a client sends is not looked at: the SDKs always send some key
    // (WANDB_API_KEY), and an odd Authorization header must not make a local server refuse it.
    if (options.mode === 'auto' && !(await options.keys.keysExist())) return local;
    const key = keyOfAuthorization(request.headers.authorization);
    if (key === undefined) {
      throw new Unauthorized(
        'this server requires an API key: send it as HTTP Basic "api:<key>" or "Bearer <key>" (create one with weft keys create)',
      );
    }
    const principal = await options.keys.authenticate(key, request.ip);
    if (!principal) throw new Unauthorized('the API key is not valid: it is unknown, mistyped or revoked');
    return principal;
  }
}

function requireWrite(principal: Principal): void {
  if (principal.readOnly) throw new Forbidden(`the API key of ${principal.user} is read-only`);
}

/**
 * Refuses the request unless its principal may use the project (and write to it, for a write).
 * The reason names only what the client sent, so it tells nothing about the project.
 */
export function requireProject(request: FastifyRequest, project: string, mode: AccessMode): void {
  const principal = request.principal;
  if (!principal) throw new Error('requireProject on a route without access control');
  if (principal.projects !== null && !principal.projects.has(project)) {
    throw new Forbidden(`this API key may not use project ${JSON.stringify(project)}`);
  }
  if (mode === 'write') requireWrite(principal);
}

/** Whether the principal may see the project (for listings, which leave the others out). */
export function mayUseProject(request: FastifyRequest, project: string): boolean {
  const projects = request.principal?.projects;
  return projects === null || projects === undefined ? request.principal !== null : projects.has(project);
}
