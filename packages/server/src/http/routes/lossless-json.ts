import { parseJsonLosslessly } from '@weft/protocol';
import type { FastifyInstance } from 'fastify';

type JsonParser = (text: string) => unknown;

/** A Fastify body parser from a JSON parser; text that is not JSON is the client's 400. */
function bodyParser(parse: JsonParser) {
  return (_request: unknown, body: string | Buffer, done: (error: Error | null, value?: unknown) => void) => {
    try {
      done(null, parse(body as string));
    } catch (error) {
      done(Object.assign(error as Error, { statusCode: 400 }), undefined);
    }
  };
}

/**
 * Reads bodies with no or another Content-Type as JSON too: Weave's 0.53 Python binding posts
 * JSON without one (docs/protocol.md, "Requests"), and weft serves nothing but JSON outside its
 * multipart file routes, which register their own parser.
 */
export function acceptJsonOfAnyContentType(scope: FastifyInstance, parse: JsonParser = JSON.parse): void {
  scope.addContentTypeParser('*', { parseAs: 'string' }, bodyParser(parse));
}

/**
 * Makes a route scope read JSON bodies without JSON.parse's loss (floats stay floats, big
 * integers exact), for values whose digests must match Python's `json.dumps`.
 */
export function useLosslessJson(scope: FastifyInstance): void {
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, bodyParser(parseJsonLosslessly));
  scope.removeContentTypeParser('*');
  acceptJsonOfAnyContentType(scope, parseJsonLosslessly);
}
