/**
 * The one place that turns errors into HTTP responses: `{"reason", "error_type"}` with the status
 * the protocol gives each kind (docs/protocol.md §1.4). Client mistakes are always 4xx.
 */

import { type ErrorBody, ProtocolError, type ProtocolErrorType, TooManyRequests } from '@weft/protocol';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { clientIsGone } from './client-gone.js';

const STATUS_BY_TYPE: Record<ProtocolErrorType, number> = {
  InvalidRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  RequestTooLarge: 413,
  InvalidFieldError: 422,
  TooManyRequests: 429,
  NotImplemented: 501,
  ServiceUnavailable: 503,
  InsufficientStorage: 507,
  QueryTimeout: 504,
};

export function toErrorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof ProtocolError) {
    return {
      status: STATUS_BY_TYPE[error.errorType],
      body: { ...error.details, reason: error.message, error_type: error.errorType },
    };
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation) {
    return {
      status: 400,
      body: { reason: fastifyError.message ?? 'invalid request', error_type: 'InvalidRequest' },
    };
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return {
      status,
      body: {
        reason: fastifyError.message ?? 'invalid request',
        error_type: status === 413 ? 'RequestTooLarge' : 'InvalidRequest',
      },
    };
  }
  return { status: 500, body: { reason: 'internal server error', error_type: 'InternalError' } };
}

/** How much of a refused body the server reads and discards so that its client sees the 413. */
const MAX_DRAIN_BYTES = 256 * 1024 * 1024;

export async function handleError(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const { status, body } = toErrorResponse(error);
  const gone = clientIsGone(reply);
  // A read stopped because its client went away is no failure; anything else that fails is
  // logged as one, even when nobody is left to hear the answer.
  if (gone && error instanceof Error && error.name === 'QueryAbandoned') {
    request.log.debug({ err: error }, 'query stopped: its client went away');
    return;
  }
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  if (gone) return;
  // A body refused before it was read is still arriving. Answering at once and closing would
  // reset the connection under a client that is still sending, and it would see a broken pipe
  // instead of the 413 (the SDKs split batches on 413). Read and discard the rest first.
  if (status === 413 && !request.raw.complete) await drain(request.raw);
  if (error instanceof TooManyRequests) void reply.header('retry-after', String(error.retryAfterSeconds));
  // Bearer, not Basic: a Basic challenge would make browsers (the web UI's fetches) pop up their
  // own login box; the UI asks for the key itself (docs/protocol.md §19.5).
  if (status === 401) void reply.header('www-authenticate', 'Bearer realm="weft"');
  void reply.status(status).send(body);
}

function drain(stream: FastifyRequest['raw']): Promise<void> {
  return new Promise((resolve) => {
    let drained = 0;
    const done = () => {
      stream.removeListener('data', onData);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > MAX_DRAIN_BYTES) done();
    };
    stream.on('data', onData);
    stream.once('end', done);
    stream.once('error', done);
    stream.once('close', done);
    stream.resume();
  });
}
