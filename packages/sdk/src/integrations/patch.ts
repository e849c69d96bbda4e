/**
 * Patching a provider client's methods in place, so that the client's own helpers that call them
 * (`chat.completions.stream()`, `messages.stream()`, `parse()`) are traced through them too.
 */
import { getClient } from '../client/init.js';
import type { TracedRequest } from './traced-request.js';
import { traceRequest } from './traced-request.js';

/** Marks a client already wrapped, so wrapping twice traces once. */
const WRAPPED: unique symbol = Symbol.for('weft.integration.wrapped');

type Method = (this: unknown, body: unknown, ...rest: unknown[]) => unknown;

/** Builds the traced request for one call of the method; `send` calls the client's own method. */
export type RequestBuilder = (body: unknown, send: (body: unknown) => unknown) => TracedRequest;

export function markWrapped(client: object): boolean {
  if ((client as { [WRAPPED]?: boolean })[WRAPPED]) return false;
  Object.defineProperty(client, WRAPPED, { value: true });
  return true;
}

/** Replaces `resource[method]` with its traced self; a missing resource or method is left alone. */
export function patchMethod(resource: unknown, method: string, build: RequestBuilder): void {
  if (typeof resource !== 'object' || resource === null) return;
  const original = (resource as Record<string, unknown>)[method];
  if (typeof original !== 'function') return;
  const traced: Method = function (this: unknown, body: unknown, ...rest: unknown[]) {
    const send = (sent: unknown) => (original as Method).call(this, sent, ...rest);
    let request: TracedRequest;
    try {
      request = build(body, send);
    } catch (error) {
      // Tracing trouble (a request that cannot be read): the request still goes, untraced.
      noteIntegrationError(error);
      return send(body);
    }
    return traceRequest(request);
  };
  Object.defineProperty(resource, method, { value: traced, configurable: true, writable: true });
}

/** Reports trouble inside an integration without letting it reach the caller. */
export function noteIntegrationError(error: unknown): void {
  getClient()?.noteInternalError('tracing an LLM request failed', error);
}
