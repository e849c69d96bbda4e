import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { CallsService } from '../service/calls-service.js';
import { CostsService } from '../service/costs-service.js';
import { FeedbackService } from '../service/feedback-service.js';
import { FilesService } from '../service/files-service.js';
import { ObjectLabelsService, ObjectsService } from '../service/objects-service.js';
import { ProjectsService } from '../service/projects-service.js';
import { RefsService } from '../service/refs-service.js';
import { TablesService } from '../service/tables-service.js';
import type { TraceStore } from '../storage/trace-store.js';
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
import { registerWebUi } from './ui.js';

/** Weave's server caps request bodies at 32 MiB; its clients cap theirs at 31 (docs/protocol.md §1.1). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

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
  acceptJsonOfAnyContentType(app);
  const ui = registerWebUi(app, options.uiDir);
  app.setNotFoundHandler((request, reply) => {
    // Deep links into the UI match no route: a browser's navigation gets the app.
    if (ui.answerNavigation(request, reply)) return;
    void reply
      .status(404)
      .send({ reason: `no route ${request.method} ${request.url}`, error_type: 'NotFound' });
  });
  registerServiceRoutes(app);
  const calls = new CallsService(options.store);
  registerCallRoutes(app, calls);
  registerV2CallRoutes(app, calls);
  registerObjectRoutes(
    app,
    new ObjectsService(options.store),
    new ObjectLabelsService(options.store),
    new RefsService(options.store),
  );
  registerTableRoutes(app, new TablesService(options.store));
  registerFileRoutes(app, new FilesService(options.store), options.bodyLimit ?? MAX_BODY_BYTES);
  registerCostRoutes(app, new CostsService(options.store));
  registerFeedbackRoutes(app, new FeedbackService(options.store));
  const projects = new ProjectsService(
    options.store,
    options.defaultEntity ? { defaultEntity: options.defaultEntity } : {},
  );
  registerGraphqlRoutes(app, projects);
  registerWeftProjectRoutes(app, projects);
  return app;
}
