/**
 * The one place that turns errors into HTTP responses: `{"reason", "error_type"}` with the status
 * the protocol gives each kind (research doc §0, "Errors"). Client mistakes are always 4xx.
 */

import { type ErrorBody, ProtocolError, type ProtocolErrorType } from '@weft/protocol';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

const STATUS_BY_TYPE: Record<ProtocolErrorType, number> = {
  InvalidRequest: 400,
  NotFound: 404,
  Conflict: 409,
  RequestTooLarge: 413,
  InvalidFieldError: 422,
  NotImplemented: 501,
  QueryTimeout: 504,
};

export function toErrorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof ProtocolError) {
    return {
      status: STATUS_BY_TYPE[error.errorType],
      body: { reason: error.message, error_type: error.errorType },
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

export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toErrorResponse(error);
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  void reply.status(status).send(body);
}
