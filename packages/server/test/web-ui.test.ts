/**
 * The web UI as `weft serve` serves it (docs/protocol.md §16), on the real process with
 * `--ui-dir` pointing at a build written here: the shell for `/` and for browser navigations
 * (deep links), with its security headers; hashed assets cached for good; the JSON 404 for
 * everything else; and the page a browser gets when the UI is not built.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  postJson,
  removeDataDir,
  startWeftServer,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; " +
  "frame-ancestors 'none'; form-action 'self'";
/** What Chromium sends when it navigates. */
const BROWSER_ACCEPT =
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const INDEX_HTML =
  '<!doctype html><html><head><title>weft test shell</title>' +
  '<script type="module" src="/assets/app-3f9a2b1c.js"></script></head><body></body></html>';
const ASSET = 'console.log("weft test asset");\n';

const uiDir = mkdtempSync(join(tmpdir(), 'weft-ui-'));
const emptyDir = mkdtempSync(join(tmpdir(), 'weft-ui-not-built-'));
let server: WeftServerProcess;
let notBuilt: WeftServerProcess;
/** Started without --ui-dir: serves @weft/ui's own build, or says it is not built. */
let byDefault: WeftServerProcess;

beforeAll(async () => {
  writeFileSync(join(uiDir, 'index.html'), INDEX_HTML);
  mkdirSync(join(uiDir, 'assets'));
  writeFileSync(join(uiDir, 'assets', 'app-3f9a2b1c.js'), ASSET);
  writeFileSync(join(uiDir, 'robots.txt'), 'User-agent: *\nDisallow: /\n');
  [server, notBuilt, byDefault] = await Promise.all([
    startWeftServer({ args: ['--ui-dir', uiDir] }),
    startWeftServer({ args: ['--ui-dir', emptyDir] }),
    startWeftServer(),
  ]);
});

afterAll(async () => {
  await Promise.all([server?.stop(), notBuilt?.stop(), byDefault?.stop()]);
  for (const dir of [uiDir, emptyDir, server?.dataDir, notBuilt?.dataDir, byDefault?.dataDir]) {
    if (dir) removeDataDir(dir);
  }
});

function navigate(base: string, path: string, method = 'GET'): Promise<Response> {
  return fetch(`${base}${path}`, { method, headers: { accept: BROWSER_ACCEPT } });
}

function expectShellHeaders(res: Response): void {
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(res.headers.get('cache-control')).toBe('no-cache');
  expect(res.headers.get('content-security-policy')).toBe(CSP);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
}

async function expectJsonNotFound(res: Response, method: string, path: string): Promise<void> {
  expect(res.status).toBe(404);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(await res.json()).toEqual({ reason: `no route ${method} ${path}`, error_type: 'NotFound' });
}

describe('a built UI', () => {
  it('answers / with the app shell, whatever the client accepts', async () => {
    for (const res of [await fetch(`${server.url}/`), await navigate(server.url, '/')]) {
      expect(res.status).toBe(200);
      expectShellHeaders(res);
      expect(await res.text()).toBe(INDEX_HTML);
    }
  });

  it('answers a browser navigation to a deep link with the app shell', async () => {
    const res = await navigate(
      server.url,
      '/acme/proj/weave/calls/0195f3c2-7a1b-7c3d-9e4f-a1b2c3d4e5f6?tab=inputs',
    );
    expect(res.status).toBe(200);
    expectShellHeaders(res);
    expect(await res.text()).toBe(INDEX_HTML);

    const head = await navigate(server.url, '/acme/proj/weave/objects', 'HEAD');
    expect(head.status).toBe(200);
    expectShellHeaders(head);
    expect(await head.text()).toBe('');
  });

  it('serves a rebuilt UI without a restart: the new shell and the files it names', async () => {
    const rebuiltDir = mkdtempSync(join(tmpdir(), 'weft-ui-rebuilt-'));
    writeFileSync(join(rebuiltDir, 'index.html'), INDEX_HTML);
    mkdirSync(join(rebuiltDir, 'assets'));
    writeFileSync(join(rebuiltDir, 'assets', 'app-3f9a2b1c.js'), ASSET);
    const rebuilt = await startWeftServer({ args: ['--ui-dir', rebuiltDir] });
    try {
      expect(await (await navigate(rebuilt.url, '/')).text()).toBe(INDEX_HTML);
      const newShell = INDEX_HTML.replace('app-3f9a2b1c.js', 'app-77d0e4aa.js').replace(
        'weft test shell',
        'weft test shell, rebuilt',
      );
      writeFileSync(join(rebuiltDir, 'assets', 'app-77d0e4aa.js'), ASSET);
      writeFileSync(join(rebuiltDir, 'index.html'), newShell);
      expect(await (await navigate(rebuilt.url, '/acme/proj/weave/traces')).text()).toBe(newShell);
      expect((await fetch(`${rebuilt.url}/assets/app-77d0e4aa.js`)).status).toBe(200);
    } finally {
      await rebuilt.stop();
      removeDataDir(rebuilt.dataDir);
      removeDataDir(rebuiltDir);
    }
  });

  it('serves hashed assets as immutable for a year', async () => {
    const res = await fetch(`${server.url}/assets/app-3f9a2b1c.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^(application|text)\/javascript/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe(ASSET);
  });

  it('serves the other files of the build at the root, revalidated on each use', async () => {
    const res = await fetch(`${server.url}/robots.txt`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toMatch(/^User-agent/);
  });

  it('answers /favicon.ico with nothing when the build has no favicon, rather than a 404', async () => {
    const res = await fetch(`${server.url}/favicon.ico`);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
  });

  it('keeps the JSON 404 for a missing asset, even asked for as a page', async () => {
    await expectJsonNotFound(await navigate(server.url, '/assets/app-0000.js'), 'GET', '/assets/app-0000.js');
  });

  it('serves nothing from outside the assets folder under /assets/', async () => {
    for (const path of [
      '/assets/%2e%2e/index.html',
      '/assets/..%2findex.html',
      '/assets/%2E%2E%2Frobots.txt',
    ]) {
      const res = await fetch(`${server.url}${path}`);
      expect([403, 404], path).toContain(res.status);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/json/);
    }
  });

  it('keeps the JSON 404 for an unknown POST, even one that accepts HTML', async () => {
    await expectJsonNotFound(
      await fetch(`${server.url}/acme/proj`, { method: 'POST', headers: { accept: BROWSER_ACCEPT } }),
      'POST',
      '/acme/proj',
    );
    const res = await postJson(server.url, '/calls/no_such_route', { project_id: 'acme/proj' });
    expect(res).toEqual({
      status: 404,
      body: { reason: 'no route POST /calls/no_such_route', error_type: 'NotFound' },
    });
  });

  it('keeps the JSON 404 for a GET that does not accept text/html, as API clients send', async () => {
    // fetch sends `Accept: */*` of its own.
    await expectJsonNotFound(await fetch(`${server.url}/acme/proj/weave`), 'GET', '/acme/proj/weave');
    await expectJsonNotFound(
      await fetch(`${server.url}/objs`, { headers: { accept: 'application/json' } }),
      'GET',
      '/objs',
    );
  });

  it('leaves the API routes as they were, for browsers too', async () => {
    const res = await navigate(server.url, '/health');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});

describe('a UI that is not built', () => {
  it('tells a browser so, with a 503 page', async () => {
    for (const path of ['/', '/acme/proj/weave/calls']) {
      const res = await navigate(notBuilt.url, path);
      expect(res.status).toBe(503);
      expectShellHeaders(res);
      const page = await res.text();
      expect(page).toContain('The web UI is not built');
      expect(page).toContain('npm run build');
    }
  });

  it('keeps the API and its JSON 404', async () => {
    expect(await (await fetch(`${notBuilt.url}/health`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${notBuilt.url}/weft/projects`)).status).toBe(200);
    await expectJsonNotFound(await fetch(`${notBuilt.url}/acme/proj`), 'GET', '/acme/proj');
    expect((await fetch(`${notBuilt.url}/favicon.ico`)).status).toBe(204);
  });

  it('says so in its log at start-up', () => {
    expect(notBuilt.output()).toMatch(/the web UI is not built/);
  });
});

describe('without --ui-dir', () => {
  // `npm test` builds the UI first; a bare `vitest run` may find it unbuilt. Either way, the
  // server must have found @weft/ui's dist folder through the package.
  const dist = resolve(import.meta.dirname, '../../ui/dist');

  it("serves @weft/ui's own build", async () => {
    const res = await navigate(byDefault.url, '/acme/proj/weave/calls');
    if (!existsSync(join(dist, 'index.html'))) {
      expect(res.status).toBe(503);
      return;
    }
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(readFileSync(join(dist, 'index.html'), 'utf8'));
  });

  it("answers /favicon.ico with the UI's icon", async () => {
    const res = await fetch(`${byDefault.url}/favicon.ico`);
    if (!existsSync(join(dist, 'favicon.svg'))) {
      expect(res.status).toBe(204);
      return;
    }
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(await res.text()).toBe(readFileSync(join(dist, 'favicon.svg'), 'utf8'));
  });
});
