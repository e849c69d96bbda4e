/**
 * The web UI (`packages/ui`, built by Vite into its `dist/`) on the API's own port, so that
 * `weft serve` is all a user starts: content-hashed files under `/assets/`, cached for good; the
 * files of Vite's public folder (the favicon) at the root; and the app shell, `index.html`, for
 * `/` and for every browser navigation no route answers, so deep links and reloads work. A
 * navigation is a GET or HEAD that accepts `text/html`: API clients never ask for HTML, so their
 * unknown routes keep the JSON 404 (docs/protocol.md §16).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface WebUi {
  /** Answers a browser's navigation to a path no route serves with the app shell; false otherwise. */
  answerNavigation(request: FastifyRequest, reply: FastifyReply): boolean;
}

/**
 * The app loads only what it is built with: scripts and styles from this origin (Vite emits no
 * inline script; React sets inline styles, hence 'unsafe-inline' for styles only), data only from
 * this server's API, and it may not be framed.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** Hashed file names change with their content, so a cached copy never needs asking about again. */
const ONE_YEAR_MS = 365 * 24 * 60 * 60 * 1000;

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="color-scheme" content="light dark" />
    <title>weft: the web UI is not built</title>
  </head>
  <body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5">
    <h1>The web UI is not built</h1>
    <p>This weft server is running and its API answers here, but the web UI's files are missing.</p>
    <p>Build them in weft's repository with <code>npm run build</code>, then restart <code>weft serve</code>.</p>
  </body>
</html>
`;

/** Where `@weft/ui` keeps its build, or undefined when the package is not installed. */
export function defaultUiDir(): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@weft/ui/package.json')), 'dist');
  } catch {
    return undefined;
  }
}

/**
 * `index.html`, read again whenever the file changes: a rebuild while the server runs replaces
 * the hashed files the old shell names, so the old shell would load nothing. Checking costs one
 * stat per navigation. Undefined while there is no file.
 */
function shellFile(path: string): () => Buffer | undefined {
  let cached: { mtimeMs: number; size: number; bytes: Buffer } | undefined;
  return () => {
    try {
      const { mtimeMs, size } = statSync(path);
      if (cached?.mtimeMs !== mtimeMs || cached.size !== size) {
        cached = { mtimeMs, size, bytes: readFileSync(path) };
      }
      // Caught mid-write by a rebuild: not a shell yet.
      return cached.bytes.length > 0 ? cached.bytes : undefined;
    } catch {
      return undefined;
    }
  };
}

/**
 * Serves the UI built into `dir` (`undefined`: @weft/ui's own build; `null`: no UI at all, as
 * before it existed).
 */
export function registerWebUi(app: FastifyInstance, dir: string | null | undefined): WebUi {
  if (dir === null) {
    registerFavicon(app, undefined);
    return { answerNavigation: () => false };
  }
  const root = dir ?? defaultUiDir();
  const readShell = root === undefined ? () => undefined : shellFile(join(root, 'index.html'));
  const built = readShell() !== undefined;
  if (root === undefined || !built) {
    app.log.warn(
      { dir: root ?? null },
      'the web UI is not built: browsers get a page saying so (run npm run build); the API is unaffected',
    );
  } else {
    registerUiFiles(app, root);
  }
  registerFavicon(app, built ? root : undefined);
  const sendShell = (reply: FastifyReply): FastifyReply => {
    // Without its files (the folder did not exist at start), a shell would load nothing.
    const shell = built ? readShell() : undefined;
    return reply
      .status(shell ? 200 : 503)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(shell ?? NOT_BUILT_PAGE);
  };
  app.get('/', (_request, reply) => sendShell(reply));
  return {
    answerNavigation(request, reply) {
      if (!isNavigation(request)) return false;
      void sendShell(reply);
      return true;
    },
  };
}

function isNavigation(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  if (!request.headers.accept?.includes('text/html')) return false;
  // A missing asset stays a 404: the shell in its place would only fail again as a script.
  return !request.url.startsWith('/assets/');
}

function registerUiFiles(app: FastifyInstance, root: string): void {
  const nosniff = (reply: FastifyReply) => {
    reply.header('x-content-type-options', 'nosniff');
  };
  const assets = join(root, 'assets');
  if (existsSync(assets)) {
    void app.register(fastifyStatic, {
      root: assets,
      prefix: '/assets/',
      decorateReply: false,
      index: false,
      immutable: true,
      maxAge: ONE_YEAR_MS,
      setHeaders: nosniff,
    });
  }
  // Vite copies its public folder to the build's root under fixed names: each file gets a route of
  // its own, found once at start-up, and is revalidated on every use.
  void app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    globIgnore: ['index.html', 'assets/**'],
    decorateReply: false,
    index: false,
    cacheControl: false,
    setHeaders: (reply) => {
      nosniff(reply);
      reply.header('cache-control', 'no-cache');
    },
  });
}

/**
 * Browsers ask for /favicon.ico on their own, on any page of this origin (a JSON answer viewed in
 * a tab, too). A built `favicon.ico` is served with the public files; the UI's SVG icon answers in
 * its place; without either, an empty answer rather than a 404 each time.
 */
function registerFavicon(app: FastifyInstance, root: string | undefined): void {
  if (root !== undefined && existsSync(join(root, 'favicon.ico'))) return;
  const svgPath = root === undefined ? undefined : join(root, 'favicon.svg');
  const svg = svgPath !== undefined && existsSync(svgPath) ? readFileSync(svgPath) : undefined;
  app.get('/favicon.ico', (_request, reply) => {
    void reply.header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff');
    return svg ? reply.type('image/svg+xml').send(svg) : reply.status(204).send();
  });
}
