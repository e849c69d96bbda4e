import { InvalidRequest, parseJsonLosslessly } from '@weft/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';

import { MAX_JSON_NESTING, nestingDepth } from '../json-nesting.js';

type JsonParser = (text: string) => unknown;

/** A Fastify body parser from a JSON parser; text that is not JSON is the client's 400. */
function bodyParser(parse: JsonParser) {
  return (
    request: FastifyRequest,
    body: string | Buffer,
    done: (error: Error | null, value?: unknown) => void,
  ) => {
    // Checked before parsing: no parser or later walk ever recurses through a deeper value. A
    // call batch is parsed anyway (JSON.parse does not recurse) and drops only its deep items.
    if (nestingDepth(body as string) > MAX_JSON_NESTING) {
      if (!request.routeOptions.config?.dropsDeepItems) {
        done(new InvalidRequest(`the body nests objects and arrays deeper than ${MAX_JSON_NESTING} levels`));
        return;
      }
      request.nestsTooDeep = true;
    }
    try {
      done(null, parse(body as string));
    } catch (error) {
      done(Object.assign(error as Error, { statusCode: 400 }), undefined);
    }
  };
}

/**
 * Reads JSON bodies through the nesting check (application/json replaces Fastify's own parser,
 * which is JSON.parse too with prototype poisoning ignored, as the app is configured), and bodies
 * with no or another Content-Type as JSON too: Weave's 0.53 Python binding posts JSON without one
 * (docs/protocol.md, "Requests"), and weft serves nothing but JSON outside its multipart file
 * routes, which register their own parser.
 */
export function acceptJsonOfAnyContentType(scope: FastifyInstance, parse: JsonParser = JSON.parse): void {
  if (scope.hasContentTypeParser('application/json')) scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, bodyParser(parse));
  scope.addContentTypeParser('*', { parseAs: 'string' }, bodyParser(parse));
}

/**
 * Makes a route scope read JSON bodies without JSON.parse's loss (floats stay floats, big
 * integers exact), for values whose digests must match Python's `json.dumps`.
 */
export function useLosslessJson(scope: FastifyInstance): void {
  scope.removeContentTypeParser('*');
  acceptJsonOfAnyContentType(scope, parseJsonLosslessly);
}
