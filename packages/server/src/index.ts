export { buildApp, MAX_BODY_BYTES } from './http/app.js';
export { type RunningServer, type ServeOptions, startServer } from './server.js';
export { CallsService } from './service/calls-service.js';
export { openStore } from './storage/open-store.js';
export { SqliteTraceStore } from './storage/sqlite/sqlite-trace-store.js';
export type * from './storage/trace-store.js';
