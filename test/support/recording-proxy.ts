/**
 * A pass-through HTTP proxy in front of weft that records what an official client asked for and
 * what weft answered, so conformance tests can require that every request succeeded (or got a
 * status the client is documented to expect).
 *
 * Each client run gets its own path prefix, `/g/<group>`: the official SDKs join their base URLs
 * (`WF_TRACE_SERVER_URL`, `WANDB_BASE_URL`) and the route as strings, so the prefix tells runs
 * that share one proxy apart. The proxy strips it before forwarding.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export function listen(server: Server): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolveUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}

export function close(server: Server): Promise<void> {
  return new Promise((resolveClose) => {
    server.closeAllConnections();
    server.close(() => resolveClose());
  });
}

export function readBody(message: IncomingMessage): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    message.on('data', (chunk: Buffer) => chunks.push(chunk));
    message.on('end', () => resolveBody(Buffer.concat(chunks)));
    message.on('error', reject);
  });
}

/** Request and response bodies kept for an exchange are cut to this many characters. */
const KEPT_BODY_CHARS = 4000;

function cut(body: Buffer): string {
  const text = body.toString('utf8');
  return text.length > KEPT_BODY_CHARS ? `${text.slice(0, KEPT_BODY_CHARS)}… (${text.length} chars)` : text;
}

export interface Exchange {
  method: string;
  /** The path (with query string) weft saw, without the group prefix. */
  path: string;
  status: number;
  /** weft's answer, kept only for statuses of 300 and above (for assertion messages). */
  failure?: string;
  /**
   * For a 2xx answer to a batch write that still dropped items (weft answers those with an
   * `errors` list, docs/protocol.md §3.3): the answer, cut. A client never sees such a drop, so
   * conformance tests must look for it here.
   */
  dropped?: string;
  /**
   * The request body: whole with `keepRequestBodies`, else only for statuses of 300 and above
   * (cut to a few KB, for assertion messages).
   */
  requestBody?: string;
}

export interface RecordingProxy {
  /** The base URL to give one group's client. */
  urlFor(group: string): string;
  exchanges(group: string): Exchange[];
  /** Requests that came without a group prefix (each answered 404). */
  unrouted(): Exchange[];
  close(): Promise<void>;
}

export interface RecordingProxyOptions {
  /** Keep every request's body whole, for tests that check what a client sent. */
  keepRequestBodies?: boolean;
}

/** The routes whose 2xx answers may still report dropped items (small answers, read whole). */
const BATCH_WRITE = /(?:\/call\/upsert_batch|\/calls\/complete|\/feedback\/batch\/create)(?:\?|$)/;

function droppedItems(body: Buffer): string | undefined {
  try {
    const answer = JSON.parse(body.toString('utf8')) as { errors?: unknown };
    return Array.isArray(answer.errors) && answer.errors.length > 0 ? cut(body) : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the proxy on a free 127.0.0.1 port, forwarding every request unchanged to `target`. */
export async function startRecordingProxy(
  target: string,
  options: RecordingProxyOptions = {},
): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const byGroup = new Map<string, Exchange[]>();
  const unrouted: Exchange[] = [];
  const server = createServer((req, res) => {
    const match = /^\/g\/([^/]+)(\/.*)$/.exec(req.url ?? '');
    if (!match) {
      // A client that dropped its base URL's path: answered 404 and kept, so a test can see it.
      unrouted.push({
        method: req.method ?? '',
        path: req.url ?? '',
        status: 404,
        failure: 'no group prefix',
      });
      res.writeHead(404).end('no group prefix');
      return;
    }
    const [, group, path] = match as unknown as [string, string, string];
    const exchanges = byGroup.get(group) ?? [];
    byGroup.set(group, exchanges);
    const method = req.method ?? '';
    // The request body is buffered (the clients' bodies are small) so that it can be kept.
    void readBody(req).then((requestBody) => {
      const headers = { ...req.headers };
      delete headers['transfer-encoding'];
      headers['content-length'] = String(requestBody.length);
      const kept = options.keepRequestBodies ? requestBody.toString('utf8') : undefined;
      const forward = httpRequest(
        { host: upstream.hostname, port: upstream.port, method, path, headers },
        (answer) => {
          const status = answer.statusCode ?? 0;
          if (status < 300 && BATCH_WRITE.test(path)) {
            void readBody(answer).then((body) => {
              const dropped = droppedItems(body);
              const sent = kept ?? (dropped === undefined ? undefined : cut(requestBody));
              exchanges.push({
                method,
                path,
                status,
                ...(dropped === undefined ? {} : { dropped }),
                ...(sent === undefined ? {} : { requestBody: sent }),
              });
              res.writeHead(status, answer.headers).end(body);
            });
            return;
          }
          if (status < 300) {
            exchanges.push({ method, path, status, ...(kept === undefined ? {} : { requestBody: kept }) });
            res.writeHead(status, answer.headers);
            answer.pipe(res);
            return;
          }
          void readBody(answer).then((body) => {
            exchanges.push({
              method,
              path,
              status,
              failure: cut(body),
              requestBody: kept ?? cut(requestBody),
            });
            res.writeHead(status, answer.headers).end(body);
          });
        },
      );
      forward.on('error', (error) => {
        exchanges.push({
          method,
          path,
          status: 502,
          failure: String(error),
          requestBody: kept ?? cut(requestBody),
        });
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      forward.end(requestBody);
    });
  });
  const url = await listen(server);
  return {
    urlFor: (group) => `${url}/g/${group}`,
    exchanges: (group) => byGroup.get(group) ?? [],
    unrouted: () => unrouted,
    close: () => close(server),
  };
}
