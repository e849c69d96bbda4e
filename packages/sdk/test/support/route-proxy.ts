/**
 * A small HTTP server on 127.0.0.1 in front of a real weft server: it records every request
 * (route, body, the status it got) and forwards it, unless `answer` answers it itself, as an
 * older server without a route or one with a smaller body limit would.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  path: string;
  body: Buffer;
  status: number;
}

export interface ProxyAnswer {
  status: number;
  body: unknown;
}

export interface RouteProxy {
  url: string;
  readonly requests: ProxiedRequest[];
  /** Request bodies sent to `path`, parsed. */
  bodies<T = { batch: Array<Record<string, unknown>> }>(path: string | RegExp): T[];
  close(): Promise<void>;
}

export async function startRouteProxy(
  target: string,
  answer?: (path: string, body: Buffer) => ProxyAnswer | undefined,
): Promise<RouteProxy> {
  const requests: ProxiedRequest[] = [];
  const targetUrl = new URL(target);
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const path = incoming.url ?? '/';
      const body = Buffer.concat(chunks);
      const record: ProxiedRequest = { path, body, status: 0 };
      requests.push(record);
      const own = answer?.(path, body);
      if (own) {
        record.status = own.status;
        outgoing.writeHead(own.status, { 'content-type': 'application/json' });
        outgoing.end(JSON.stringify(own.body));
        return;
      }
      const headers: IncomingHttpHeaders = { ...incoming.headers, host: targetUrl.host };
      const forwarded = httpRequest(
        { hostname: targetUrl.hostname, port: targetUrl.port, path, method: incoming.method, headers },
        (response) => {
          record.status = response.statusCode ?? 0;
          outgoing.writeHead(record.status, response.headers);
          response.pipe(outgoing);
        },
      );
      forwarded.on('error', (error) => {
        record.status = 502;
        outgoing.writeHead(502, { 'content-type': 'application/json' });
        outgoing.end(JSON.stringify({ reason: String(error) }));
      });
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    bodies<T>(path: string | RegExp): T[] {
      return requests
        .filter((request) => (typeof path === 'string' ? request.path === path : path.test(request.path)))
        .map((request) => JSON.parse(request.body.toString('utf8')) as T);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
