/**
 * Knowing when the client that sent a request has gone, so that reads made for it stop (their read
 * worker goes back to the pool at once) and their failure is not logged as the server's.
 */
import type { FastifyReply } from 'fastify';

/** Aborted when the connection closes before the response was sent in full. */
export function clientGoneSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const response = reply.raw;
  response.once('close', () => {
    if (!response.writableFinished) controller.abort();
  });
  return controller.signal;
}

/** The response can no longer reach its client. */
export function clientIsGone(reply: FastifyReply): boolean {
  return reply.raw.destroyed && !reply.raw.writableFinished;
}
