import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { type MessagePort, Worker } from 'node:worker_threads';
import {
  Conflict,
  InsufficientStorage,
  InvalidFieldError,
  InvalidRequest,
  NotFound,
  NotImplemented,
  type ProtocolError,
  type ProtocolErrorType,
  QueryTimeout,
  RequestTooLarge,
  ServiceUnavailable,
} from '@weft/protocol';

/**
 * Starts a worker entry of this folder (`read-worker`, `write-worker`) with a message port of its
 * own: the built JavaScript normally, the TypeScript source under the test runner.
 */
export function startWorkerThread<T extends { port: MessagePort }>(entry: string, data: T): Worker {
  const options = { workerData: data, transferList: [data.port] };
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL(`./${entry}.js`, import.meta.url), options);
  }
  // Node 20 ignores `--import` in a worker's execArgv, and tsx's own hook registers itself on the
  // main thread only, so the worker registers tsx before it loads the entry. The built protocol
  // package is loaded first, past tsx's hooks: that halves the start-up every test's store pays.
  const protocol = JSON.stringify(
    pathToFileURL(createRequire(import.meta.url).resolve('@weft/protocol')).href,
  );
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const source = JSON.stringify(new URL(`./${entry}.ts`, import.meta.url).href);
  const bootstrap = `import(${protocol}).then(() => import(${tsx})).then(({ register }) => { register(); return import(${source}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/** The access errors come from the HTTP layer only; a worker never throws them. */
type WorkerErrorType = Exclude<ProtocolErrorType, 'Unauthorized' | 'Forbidden' | 'TooManyRequests'>;

/** Errors thrown in a worker arrive as type and message; these re-create them as the same class. */
const PROTOCOL_ERRORS: Record<WorkerErrorType, new (message: string) => ProtocolError> = {
  InvalidRequest,
  NotFound,
  Conflict,
  RequestTooLarge,
  InvalidFieldError,
  QueryTimeout,
  ServiceUnavailable,
  NotImplemented,
  InsufficientStorage,
};

/** An error a worker reported, as the class it was thrown as when that was a protocol error. */
export function errorFromWorker(errorType: string | null, message: string): Error {
  const ErrorClass = errorType ? PROTOCOL_ERRORS[errorType as WorkerErrorType] : undefined;
  return ErrorClass ? new ErrorClass(message) : new Error(message);
}

/** A thrown value's message, for a reply across threads (not always an Error once it has crossed). */
export function crashMessage(thrown: unknown): string {
  const { message, code } = (thrown ?? {}) as { message?: unknown; code?: unknown };
  if (typeof message === 'string' && message) return message;
  return typeof code === 'string' ? code : String(thrown);
}
