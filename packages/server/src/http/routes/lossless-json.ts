import { parseJsonLosslessly } from '@weft/protocol';
import type { FastifyInstance } from 'fastify';

/**
 * Makes a route scope read JSON bodies without JSON.parse's loss (floats stay floats, big
 * integers exact), for values whose digests must match Python's `json.dumps`.
 */
export function useLosslessJson(scope: FastifyInstance): void {
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonLosslessly(body as string));
    } catch (error) {
      done(Object.assign(error as Error, { statusCode: 400 }), undefined);
    }
  });
}
