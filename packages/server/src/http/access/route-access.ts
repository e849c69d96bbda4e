/**
 * What each route may do and which projects it touches (docs/protocol.md §19.3): the one table
 * the access hooks read. A route missing from it fails the server at start (access-control.ts),
 * so a new route cannot be served without saying who may call it.
 *
 * Projects are read from the request as validated; routes whose schema lets bad items through
 * (the lenient batches) are read defensively, and items without a readable project are refused
 * by the route itself. `stampUser` makes the key's user the author of what is stored, whatever
 * the client said (Weave's server does the same from its auth layer).
 */
import { parseRef } from '@weft/protocol';
import type { FastifyRequest } from 'fastify';

export type AccessMode = 'read' | 'write';

export interface RouteAccess {
  mode: AccessMode;
  /**
   * The wire project ids the request names; `'handler'` when only the handler can tell (a
   * multipart body, GraphQL, a listing filtered to the key's projects): it calls `requireProject`.
   */
  projects: ((request: FastifyRequest) => Iterable<unknown>) | 'handler';
  stampUser?: (request: FastifyRequest, user: string) => void;
}

type Json = Record<string, unknown>;

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(value: unknown, name: string): unknown {
  return isJson(value) ? value[name] : undefined;
}

function items(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

const body = (request: FastifyRequest): unknown => request.body;

/** Sets `wb_user_id` on an object the client sent (a call part, an object, a feedback row). */
function stamp(target: unknown, user: string): void {
  if (isJson(target)) target.wb_user_id = user;
}

const projectIdOfBody = (request: FastifyRequest) => [field(body(request), 'project_id')];

/** The part of an upsert item (`{mode, req: {start|end}}`) that names its project. */
function upsertPart(item: unknown): unknown {
  const req = field(item, 'req');
  return field(req, 'start') ?? field(req, 'end');
}

function refProjects(request: FastifyRequest): unknown[] {
  return items(field(body(request), 'refs')).map((uri) => {
    try {
      const ref = parseRef(String(uri));
      return `${ref.entity}/${ref.project}`;
    } catch {
      // The route refuses a ref it cannot parse (with the same parser) before reading anything.
      return undefined;
    }
  });
}

function v2Project(request: FastifyRequest): unknown[] {
  const params = request.params as { entity?: unknown; project?: unknown };
  return [`${params.entity}/${params.project}`];
}

const read = (projects: RouteAccess['projects']): RouteAccess => ({ mode: 'read', projects });
const write = (projects: RouteAccess['projects'], stampUser?: RouteAccess['stampUser']): RouteAccess =>
  stampUser ? { mode: 'write', projects, stampUser } : { mode: 'write', projects };

/** By `METHOD url` as routes are registered (HEAD shares its GET's entry). */
export const ROUTE_ACCESS: Readonly<Record<string, RouteAccess>> = {
  'POST /call/start': write(
    (r) => [field(field(body(r), 'start'), 'project_id')],
    (r, user) => stamp(field(body(r), 'start'), user),
  ),
  'POST /call/end': write((r) => [field(field(body(r), 'end'), 'project_id')]),
  'POST /call/upsert_batch': write(
    (r) => items(field(body(r), 'batch')).map((item) => field(upsertPart(item), 'project_id')),
    (r, user) => {
      for (const item of items(field(body(r), 'batch'))) stamp(field(field(item, 'req'), 'start'), user);
    },
  ),
  'POST /call/read': read(projectIdOfBody),
  'POST /calls/stream_query': read(projectIdOfBody),
  'POST /calls/query': read(projectIdOfBody),
  'POST /calls/query_stats': read(projectIdOfBody),
  'POST /calls/delete': write(projectIdOfBody),
  'POST /call/update': write(projectIdOfBody, (r, user) => stamp(body(r), user)),
  'POST /v2/:entity/:project/calls/complete': write(v2Project, (r, user) => {
    for (const item of items(field(body(r), 'batch'))) stamp(item, user);
  }),
  'POST /v2/:entity/:project/call/start': write(v2Project, (r, user) => stamp(field(body(r), 'start'), user)),
  'POST /v2/:entity/:project/call/end': write(v2Project),
  'POST /obj/create': write(
    (r) => [field(field(body(r), 'obj'), 'project_id')],
    (r, user) => stamp(field(body(r), 'obj'), user),
  ),
  'POST /obj/read': read(projectIdOfBody),
  'POST /objs/query': read(projectIdOfBody),
  'POST /obj/delete': write(projectIdOfBody),
  'POST /refs/read_batch': read(refProjects),
  'PUT /objs/:object_id/versions/:digest/tags': write(projectIdOfBody),
  'POST /objs/:object_id/versions/:digest/tags/remove': write(projectIdOfBody),
  'PUT /objs/:object_id/aliases': write(projectIdOfBody),
  'POST /objs/:object_id/aliases/remove': write(projectIdOfBody),
  'GET /tags': read((r) => [field(r.query, 'project_id')]),
  'GET /aliases': read((r) => [field(r.query, 'project_id')]),
  'POST /table/create': write((r) => [field(field(body(r), 'table'), 'project_id')]),
  'POST /table/update': write(projectIdOfBody),
  'POST /table/create_from_digests': write(projectIdOfBody),
  'POST /table/query': read(projectIdOfBody),
  'POST /table/query_stats': read(projectIdOfBody),
  'POST /file/create': write('handler'),
  'POST /files/create': write('handler'),
  'POST /file/content': read(projectIdOfBody),
  'POST /files/content': read(projectIdOfBody),
  'POST /cost/create': write(projectIdOfBody, (r, user) => stamp(body(r), user)),
  'POST /cost/query': read(projectIdOfBody),
  'POST /cost/purge': write(projectIdOfBody),
  'POST /feedback/create': write(projectIdOfBody, (r, user) => stamp(body(r), user)),
  'POST /feedback/batch/create': write(
    (r) => items(field(body(r), 'batch')).map((row) => field(row, 'project_id')),
    (r, user) => {
      for (const row of items(field(body(r), 'batch'))) stamp(row, user);
    },
  ),
  'POST /feedback/query': read(projectIdOfBody),
  'POST /feedback/purge': write(projectIdOfBody),
  'POST /feedback/replace': write(projectIdOfBody, (r, user) => stamp(body(r), user)),
  // GraphQL checks each project its resolvers name; a read, since it registers projects only.
  'POST /graphql': read('handler'),
  'GET /weft/projects': read('handler'),
  'GET /weft/session': read('handler'),
};

/**
 * Routes anyone may call: the service routes the SDKs call before they authenticate, and the
 * web UI's own files (its shell, hashed assets and public files), which hold no data.
 */
export function isPublicRoute(method: string, url: string): boolean {
  // CORS preflights: browsers send them without credentials, by the Fetch standard.
  if (method === 'OPTIONS') return true;
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (url === '/' || url === '/health' || url === '/server_info' || url === '/favicon.ico') return true;
  if (url.startsWith('/assets/')) return true;
  // Vite's public files sit at the root under plain file names (favicon.svg).
  return /^\/[\w.-]+\.\w+$/.test(url);
}

export function routeAccess(method: string, url: string): RouteAccess | undefined {
  return ROUTE_ACCESS[`${method === 'HEAD' ? 'GET' : method} ${url}`];
}
