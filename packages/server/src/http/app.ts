import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import { TooManyRequests } from '@weft/protocol';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { ApiKeysService } from '../service/access/api-keys-service.js';
import { CallsService } from '../service/calls-service.js';
import { CostsService } from '../service/costs-service.js';
import { FeedbackService } from '../service/feedback-service.js';
import { FilesService } from '../service/files-service.js';
import { ObjectLabelsService, ObjectsService } from '../service/objects-service.js';
import { LOCAL_USERNAME, ProjectsService } from '../service/projects-service.js';
import { RefsService } from '../service/refs-service.js';
import { TablesService } from '../service/tables-service.js';
import type { TraceStore } from '../storage/trace-store.js';
import { type AuthMode, registerAccessControl } from './access/access-control.js';
import { registerChunkedReplies } from './chunked-reply.js';
import { handleError } from './errors.js';
import { registerCallRoutes } from './routes/calls.js';
import { registerCostRoutes } from './routes/costs.js';
import { registerFeedbackRoutes } from './routes/feedback.js';
import { registerFileRoutes } from './routes/files.js';
import { registerGraphqlRoutes } from './routes/graphql.js';
import { acceptJsonOfAnyContentType } from './routes/lossless-json.js';
import { registerObjectRoutes } from './routes/objects.js';
import { registerServiceRoutes } from './routes/service.js';
import { registerTableRoutes } from './routes/tables.js';
import { registerV2CallRoutes } from './routes/v2-calls.js';
import { registerWeftProjectRoutes } from './routes/weft-projects.js';
import { formatSchemaErrors } from './schema-errors.js';
import { registerWebUi } from './ui.js';

/** Weave's server caps request bodies at 32 MiB; its clients cap theirs at 31 (docs/protocol.md §1.1). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;
/**
 * Requests one API key may make per minute (docs/protocol.md §19.4). The SDKs batch calls, so
 * this is far above what tracing needs; it stops a runaway client from starving the others.
 */
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 6_000;

export interface AppOptions {
  store: TraceStore;
  /** pino log level; 'silent' for tests. */
  logLevel?: string;
  bodyLimit?: number;
  /** The entity of project names given without one (GraphQL's viewer.defaultEntity). */
  defaultEntity?: string;
  /**
   * The built web UI (a folder with `index.html` and `assets/`); by default @weft/ui's own build.
   * `null` serves no UI: every unknown path is the JSON 404.
   */
  uiDir?: string | null;
  /** Whether requests need an API key (access-control.ts); `auto` by default. */
  auth?: AuthMode;
  /** Requests per minute per API key; 0 for no limit. Requests without a key are not limited. */
  rateLimitPerMinute?: number;
  /** Origins whose pages may call the API from a browser (CORS); none by default. */
  corsOrigins?: readonly string[];
  /** A streamed answer's client that takes no bytes for this long is cut off (chunked-reply.ts). */
  writeTimeoutMs?: number;
}

export function buildApp(options: AppOptions): FastifyInstance {
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? MAX_BODY_BYTES,
    // Path parameters carry object ids and aliases of up to 128 code points: 256 UTF-16 units when
    // astral, and more before percent-decoding. Fastify's default (100) would refuse valid names.
    routerOptions: { maxParamLength: 1024 },
    // Errors the router raises itself (a bad URL, a parameter too long) get weft's error body too.
    frameworkErrors: (error, request, reply) => {
      void handleError(error, request, reply);
    },
    logger: { level: options.logLevel ?? 'warn' },
    // Request logs would cost more than most requests; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // Traced inputs may legitimately hold keys named __proto__ or constructor; they are stored as
    // data and never merged into live objects, so they are kept rather than refused.
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    // Ajv words an id that is not one as a regular expression; say what an id is instead.
    schemaErrorFormatter: formatSchemaErrors,
    ajv: {
      customOptions: {
        // Validate exactly what was sent: no type coercion, no defaults, no stripped keys.
        coerceTypes: false,
        useDefaults: false,
        removeAdditional: false,
        discriminator: true,
        allErrors: false,
      },
    },
  });
  app.setErrorHandler(handleError);
  // Before any route: access control checks, when a route is added, that it says who may call it.
  registerAccessControl(app, {
    mode: options.auth ?? 'auto',
    keys: new ApiKeysService(options.store),
    localUser: LOCAL_USERNAME,
  });
  registerLimits(app, options);
  registerChunkedReplies(app, options.writeTimeoutMs);
  acceptJsonOfAnyContentType(app);
  const ui = registerWebUi(app, options.uiDir);
  app.setNotFoundHandler((request, reply) => {
    // Deep links into the UI match no route: a browser's navigation gets the app.
    if (ui.answerNavigation(request, reply)) return;
    void reply
      .status(404)
      .send({ reason: `no route ${request.method} ${request.url}`, error_type: 'NotFound' });
  });
  // The API's routes load after the limits above, as plugins load in order: the rate limit's
  // hooks are added to each route as it is registered.
  void app.register(async (api) => {
    registerServiceRoutes(api);
    const calls = new CallsService(options.store);
    registerCallRoutes(api, calls);
    registerV2CallRoutes(api, calls);
    registerObjectRoutes(
      api,
      new ObjectsService(options.store),
      new ObjectLabelsService(options.store),
      new RefsService(options.store),
    );
    registerTableRoutes(api, new TablesService(options.store));
    registerFileRoutes(api, new FilesService(options.store), options.bodyLimit ?? MAX_BODY_BYTES);
    registerCostRoutes(api, new CostsService(options.store));
    registerFeedbackRoutes(api, new FeedbackService(options.store));
    const projects = new ProjectsService(
      options.store,
      options.defaultEntity ? { defaultEntity: options.defaultEntity } : {},
    );
    registerGraphqlRoutes(api, projects);
    registerWeftProjectRoutes(api, projects);
  });
  return app;
}

/** The per-key rate limit and the CORS allow-list (docs/protocol.md §19.4). */
function registerLimits(app: FastifyInstance, options: AppOptions): void {
  const perMinute = options.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE;
  if (perMinute > 0) {
    void app.register(rateLimit, {
      global: true,
      max: perMinute,
      timeWindow: 60_000,
      // Runs after access control's onRequest hook, which has set the principal.
      keyGenerator: (request) => request.principal?.keyId ?? request.ip,
      allowList: (request) => !request.principal?.keyId,
      errorResponseBuilder: (_request, context) =>
        new TooManyRequests(
          `this API key made more than ${context.max} requests in a minute; retry in ${context.after}`,
          Math.ceil(context.ttl / 1000),
        ),
    });
  }
  // Without an allow-list no CORS header is sent, so browsers keep other origins out.
  if (options.corsOrigins?.length) {
    void app.register(cors, {
      origin: [...options.corsOrigins],
      allowedHeaders: ['authorization', 'content-type', 'accept'],
      maxAge: 600,
    });
  }
}
