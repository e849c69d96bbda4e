/**
 * API keys and project isolation on the real `weft serve` process (docs/protocol.md §19): keys
 * made with `weft keys`, sent as the SDKs send them; 401 without a valid key; 403 for another
 * project, the same whether it exists or not, on every kind of route (calls, v2, objects, refs,
 * tables, files, feedback, costs, GraphQL, the UI's reads); read-only keys; the key's user as
 * `wb_user_id`; revocation; the bind rule; the per-key rate limit; CORS closed by default.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLI_PATH,
  cliStoreArgs,
  removeDataDir,
  SERVERS_ON_CHDB,
  startWeftServer,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';

const ALPHA = 'team/alpha';
const BETA = 'team/beta';

function weftKeys(dataDir: string, ...args: string[]): string {
  return execFileSync(process.execPath, [CLI_PATH, 'keys', ...args, ...cliStoreArgs(dataDir)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

type Auth = { key: string; scheme?: 'basic' | 'bearer' } | null;

function authorization(auth: Auth): Record<string, string> {
  if (!auth) return {};
  if (auth.scheme === 'bearer') return { authorization: `Bearer ${auth.key}` };
  return { authorization: `Basic ${Buffer.from(`api:${auth.key}`).toString('base64')}` };
}

async function call(
  url: string,
  method: string,
  path: string,
  auth: Auth,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...authorization(auth),
      ...(body === undefined || body instanceof FormData ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: body instanceof FormData ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // JSON lines or bytes: the text itself.
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

const callId = (n: number) => `0192f000-0000-7000-8000-${String(n).padStart(12, '0')}`;

function start(project: string, id: string, wb_user_id: string | null = null) {
  return {
    start: {
      project_id: project,
      id,
      trace_id: id,
      op_name: 'weave:///team/x/op/f:abc',
      started_at: '2026-12-01T00:00:00Z',
      attributes: {},
      inputs: { secret_plan: project },
      wb_user_id,
    },
  };
}

/** One request of every kind that names `project`, with whether it writes. */
function requestsFor(
  project: string,
): Array<{ what: string; write: boolean; send: (url: string, auth: Auth) => Promise<Answer> }> {
  const [entity, name] = project.split('/') as [string, string];
  const post = (path: string, body: unknown) => (url: string, auth: Auth) =>
    call(url, 'POST', path, auth, body);
  const form = () => {
    const data = new FormData();
    data.append('project_id', project);
    data.append('file', new Blob(['hello']), 'hello.txt');
    return data;
  };
  return [
    { what: 'call/start', write: true, send: post('/call/start', start(project, callId(900))) },
    {
      what: 'call/upsert_batch',
      write: true,
      send: post('/call/upsert_batch', { batch: [{ mode: 'start', req: start(project, callId(901)) }] }),
    },
    { what: 'call/read', write: false, send: post('/call/read', { project_id: project, id: callId(1) }) },
    { what: 'calls/stream_query', write: false, send: post('/calls/stream_query', { project_id: project }) },
    { what: 'calls/query', write: false, send: post('/calls/query', { project_id: project }) },
    { what: 'calls/query_stats', write: false, send: post('/calls/query_stats', { project_id: project }) },
    {
      what: 'calls/delete',
      write: true,
      send: post('/calls/delete', { project_id: project, call_ids: [callId(1)] }),
    },
    {
      what: 'call/update',
      write: true,
      send: post('/call/update', { project_id: project, call_id: callId(1), display_name: 'renamed' }),
    },
    {
      what: 'v2 calls/complete',
      write: true,
      send: post(`/v2/${entity}/${name}/calls/complete`, { batch: [] }),
    },
    {
      what: 'obj/create',
      write: true,
      send: post('/obj/create', { obj: { project_id: project, object_id: 'o', val: 1 } }),
    },
    {
      what: 'obj/read',
      write: false,
      send: post('/obj/read', { project_id: project, object_id: 'o', digest: 'latest' }),
    },
    { what: 'objs/query', write: false, send: post('/objs/query', { project_id: project }) },
    {
      what: 'refs/read_batch',
      write: false,
      send: post('/refs/read_batch', { refs: [`weave:///${project}/object/o:latest`] }),
    },
    {
      what: 'tags',
      write: false,
      send: (url, auth) => call(url, 'GET', `/tags?project_id=${encodeURIComponent(project)}`, auth),
    },
    {
      what: 'table/query',
      write: false,
      send: post('/table/query', { project_id: project, digest: 'a'.repeat(64) }),
    },
    {
      what: 'file/create',
      write: true,
      send: (url, auth) => call(url, 'POST', '/file/create', auth, form()),
    },
    {
      what: 'file/content',
      write: false,
      send: post('/file/content', { project_id: project, digest: 'abc' }),
    },
    { what: 'feedback/query', write: false, send: post('/feedback/query', { project_id: project }) },
    {
      what: 'feedback/create',
      write: true,
      send: post('/feedback/create', {
        project_id: project,
        weave_ref: `weave:///${project}/call/${callId(1)}`,
        feedback_type: 'wandb.reaction.1',
        payload: { emoji: '👍' },
      }),
    },
    { what: 'cost/query', write: false, send: post('/cost/query', { project_id: project }) },
    {
      what: 'graphql project',
      write: false,
      send: post('/graphql', {
        query: 'query P($e: String!, $n: String!) { project(entityName: $e, name: $n) { id } }',
        variables: { e: entity, n: name },
      }),
    },
  ];
}

describe('a server with API keys', () => {
  let server: WeftServerProcess;
  let dataDir: string;
  let ada: string; // team/alpha only
  let root: string; // every project
  let reader: string; // every project, read-only

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'weft-access-'));
    ada = weftKeys(dataDir, 'create', '--user', 'ada', '--project', ALPHA);
    root = weftKeys(dataDir, 'create', '--user', 'root');
    reader = weftKeys(dataDir, 'create', '--user', 'rita', '--read-only');
    server = await startWeftServer({ dataDir });
    for (const [project, n] of [
      [ALPHA, 1],
      [BETA, 2],
    ] as const) {
      const started = await call(server.url, 'POST', '/call/start', { key: root }, start(project, callId(n)));
      expect(started.status).toBe(200);
    }
  }, 30_000);

  afterAll(async () => {
    await server?.stop();
    removeDataDir(dataDir);
  });

  it('refuses every data route without a key, or with a wrong one, before reading anything', async () => {
    const wrongSecret = `${ada.slice(0, -4)}AAAA`;
    for (const [index, request] of requestsFor(ALPHA).entries()) {
      // A few wrong secrets only: more from one address pause its checks (the 'limits' tests).
      const keys =
        index < 3 ? [null, { key: 'not-a-key' }, { key: wrongSecret }] : [null, { key: 'not-a-key' }];
      for (const auth of keys) {
        const answer = await request.send(server.url, auth);
        expect(answer.status, `${request.what} with ${auth?.key ?? 'no key'}`).toBe(401);
        expect(answer.body).toMatchObject({ error_type: 'Unauthorized', reason: expect.any(String) });
        expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="weft"');
      }
    }
    const projects = await call(server.url, 'GET', '/weft/projects', null);
    expect(projects.status).toBe(401);
    // The UI and the service routes stay public: they hold no data.
    expect((await call(server.url, 'GET', '/health', null)).status).toBe(200);
    expect((await call(server.url, 'GET', '/server_info', null)).status).toBe(200);
  });

  it('takes the key as HTTP Basic (as the SDKs send it) and as Bearer', async () => {
    for (const scheme of ['basic', 'bearer'] as const) {
      const answer = await call(
        server.url,
        'POST',
        '/calls/query_stats',
        { key: ada, scheme },
        { project_id: ALPHA },
      );
      expect(answer).toMatchObject({ status: 200, body: { count: 1 } });
    }
  });

  it("answers 403 for another project's every route, the same whether it exists or not", async () => {
    for (const project of [BETA, 'team/ghost']) {
      for (const request of requestsFor(project)) {
        const answer = await request.send(server.url, { key: ada });
        expect(answer.status, `${request.what} on ${project}`).toBe(403);
        expect(answer.body).toEqual({
          error_type: 'Forbidden',
          reason: `this API key may not use project ${JSON.stringify(project)}`,
        });
      }
    }
    // Nothing of beta's was touched, and the ghost was not registered by the GraphQL lookup.
    const stats = await call(server.url, 'POST', '/calls/query_stats', { key: root }, { project_id: BETA });
    expect(stats.body).toEqual({ count: 1, has_more: false });
    const listed = await call(server.url, 'GET', '/weft/projects', { key: root });
    const ids = (listed.body as { projects: Array<{ project_id: string }> }).projects.map(
      (p) => p.project_id,
    );
    expect(ids).not.toContain('team/ghost');
  });

  it('serves its own project on every route', async () => {
    for (const request of requestsFor(ALPHA)) {
      const answer = await request.send(server.url, { key: ada });
      expect([401, 403], `${request.what}: ${JSON.stringify(answer.body)}`).not.toContain(answer.status);
      expect(answer.status, request.what).toBeLessThan(500);
    }
  });

  it('refuses a whole batch that names another project, storing none of it', async () => {
    const answer = await call(
      server.url,
      'POST',
      '/call/upsert_batch',
      { key: ada },
      {
        batch: [
          { mode: 'start', req: start(ALPHA, callId(10)) },
          { mode: 'start', req: start(BETA, callId(11)) },
        ],
      },
    );
    expect(answer.status).toBe(403);
    const read = await call(
      server.url,
      'POST',
      '/call/read',
      { key: root },
      { project_id: ALPHA, id: callId(10) },
    );
    expect(read.status).toBe(404);
  });

  it('lists only the projects the key may use', async () => {
    const ids = async (key: string) =>
      (
        (await call(server.url, 'GET', '/weft/projects', { key })).body as {
          projects: Array<{ project_id: string }>;
        }
      ).projects
        .map((p) => p.project_id)
        .sort();
    expect(await ids(ada)).toEqual([ALPHA]);
    expect(await ids(root)).toEqual(expect.arrayContaining([ALPHA, BETA]));
  });

  it("makes GraphQL's viewer the key's user, with the key's one entity as default", async () => {
    const viewer = '{ viewer { username defaultEntity { name } } }';
    const asAda = await call(server.url, 'POST', '/graphql', { key: ada }, { query: viewer });
    expect(asAda.body).toEqual({ data: { viewer: { username: 'ada', defaultEntity: { name: 'team' } } } });
    const asRoot = await call(server.url, 'POST', '/graphql', { key: root }, { query: viewer });
    expect(asRoot.body).toEqual({ data: { viewer: { username: 'root', defaultEntity: { name: 'local' } } } });
    const upsert = await call(
      server.url,
      'POST',
      '/graphql',
      { key: ada },
      {
        query: 'mutation { upsertModel(input: { name: "beta", entityName: "team" }) { model { id } } }',
      },
    );
    expect(upsert.status).toBe(403);
  });

  it("stores the key's user as wb_user_id, whatever the client sent", async () => {
    const id = callId(20);
    await call(server.url, 'POST', '/call/start', { key: ada }, start(ALPHA, id, 'mallory'));
    await call(
      server.url,
      'POST',
      '/feedback/create',
      { key: ada },
      {
        project_id: ALPHA,
        weave_ref: `weave:///${ALPHA}/call/${id}`,
        feedback_type: 'wandb.note.1',
        payload: { note: 'mine' },
        wb_user_id: 'mallory',
      },
    );
    const read = await call(server.url, 'POST', '/call/read', { key: ada }, { project_id: ALPHA, id });
    expect(read.body).toMatchObject({ call: { wb_user_id: 'ada' } });
    const feedback = await call(
      server.url,
      'POST',
      '/feedback/query',
      { key: ada },
      {
        project_id: ALPHA,
        query: { $expr: { $eq: [{ $getField: 'feedback_type' }, { $literal: 'wandb.note.1' }] } },
      },
    );
    expect(feedback.body).toMatchObject({ result: [{ wb_user_id: 'ada', payload: { note: 'mine' } }] });
  });

  it('lets a read-only key read every project and write none', async () => {
    for (const request of [...requestsFor(ALPHA), ...requestsFor(BETA)]) {
      const answer = await request.send(server.url, { key: reader });
      if (request.write) {
        expect(answer.status, request.what).toBe(403);
        expect(answer.body).toEqual({ error_type: 'Forbidden', reason: 'the API key of rita is read-only' });
      } else {
        expect([401, 403], request.what).not.toContain(answer.status);
      }
    }
  });

  // Reads the SQLite file, and lists keys with the CLI beside the running server.
  it.skipIf(SERVERS_ON_CHDB)('keeps only a hash: the database holds no key', async () => {
    const database = readFileSync(join(dataDir, 'weft.db'));
    for (const key of [ada, root, reader]) {
      const secret = key.slice(-43);
      expect(database.includes(Buffer.from(secret))).toBe(false);
    }
    expect(weftKeys(dataDir, 'list')).toMatch(/ada {2}team\/alpha; read and write .* active/);
  });

  // A chdb folder is open in one process: the CLI cannot revoke beside a running server there.
  it.skipIf(SERVERS_ON_CHDB)('stops taking a key once it is revoked, while the server runs', async () => {
    const temporary = weftKeys(dataDir, 'create', '--user', 'tmp');
    const ask = () =>
      call(server.url, 'POST', '/calls/query_stats', { key: temporary }, { project_id: ALPHA });
    expect((await ask()).status).toBe(200);
    const id = temporary.slice('weft_'.length, 'weft_'.length + 12);
    expect(weftKeys(dataDir, 'revoke', id)).toBe(`revoked key ${id}`);
    // The server re-reads a key's row every few seconds (STATUS_TTL_MS); poll until it has.
    let status = 200;
    for (let attempt = 0; attempt < 100 && status === 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await ask()).status;
    }
    expect(status).toBe(401);
  });
});

describe('a server without keys', () => {
  it('serves a local client without any key, as the local user', async () => {
    const server = await startWeftServer();
    try {
      const stats = await call(server.url, 'POST', '/calls/query_stats', null, { project_id: ALPHA });
      expect(stats.status).toBe(200);
      // Clients always send some key (WANDB_API_KEY); without keys it is not checked.
      const withAnyKey = await call(
        server.url,
        'POST',
        '/calls/query_stats',
        { key: 'anything' },
        { project_id: ALPHA },
      );
      expect(withAnyKey.status).toBe(200);
      // Nor is a header in a scheme weft does not read.
      const oddHeader = await call(
        server.url,
        'POST',
        '/calls/query_stats',
        null,
        { project_id: ALPHA },
        {
          authorization: 'Token abc',
        },
      );
      expect(oddHeader.status).toBe(200);
      const session = await call(server.url, 'GET', '/weft/session', null);
      expect(session.body).toEqual({ user: 'local', key_id: null, projects: null, read_only: false });
    } finally {
      await server.stop();
      removeDataDir(server.dataDir);
    }
  });

  it('refuses to serve beyond loopback without keys, unless told --insecure-no-auth', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'weft-bind-'));
    try {
      const refused = await new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn(process.execPath, [
          CLI_PATH,
          'serve',
          '--host',
          '0.0.0.0',
          '--port',
          '0',
          ...cliStoreArgs(dataDir),
        ]);
        let output = '';
        child.stderr.on('data', (chunk: Buffer) => {
          output += chunk.toString();
        });
        child.once('exit', (code) => resolve({ code, output }));
      });
      expect(refused.code).toBe(2);
      expect(refused.output).toContain('refusing to serve on 0.0.0.0 without API keys');

      const open = await startWeftServer({ dataDir, args: ['--host', '0.0.0.0', '--insecure-no-auth'] });
      try {
        expect(open.output()).toContain('--insecure-no-auth');
        const local = open.url.replace('0.0.0.0', '127.0.0.1');
        expect((await call(local, 'POST', '/calls/query_stats', null, { project_id: ALPHA })).status).toBe(
          200,
        );
      } finally {
        await open.stop();
      }

      const key = weftKeys(dataDir, 'create', '--user', 'ada');
      const guarded = await startWeftServer({ dataDir, args: ['--host', '0.0.0.0'] });
      try {
        const local = guarded.url.replace('0.0.0.0', '127.0.0.1');
        expect((await call(local, 'POST', '/calls/query_stats', null, { project_id: ALPHA })).status).toBe(
          401,
        );
        expect((await call(local, 'POST', '/calls/query_stats', { key }, { project_id: ALPHA })).status).toBe(
          200,
        );
      } finally {
        await guarded.stop();
      }
    } finally {
      removeDataDir(dataDir);
    }
  }, 30_000);
});

describe('limits', () => {
  it('answers 429 with Retry-After once a key passes its rate, and other keys go on', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'weft-rate-'));
    const busy = weftKeys(dataDir, 'create', '--user', 'busy');
    const calm = weftKeys(dataDir, 'create', '--user', 'calm');
    const server = await startWeftServer({ dataDir, args: ['--rate-limit', '5'] });
    try {
      const ask = (key: string) =>
        call(server.url, 'POST', '/calls/query_stats', { key }, { project_id: ALPHA });
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await ask(busy)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      const limited = await ask(busy);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited.body).toMatchObject({
        error_type: 'TooManyRequests',
        reason: expect.stringContaining('5 requests'),
      });
      expect((await ask(calm)).status).toBe(200);
    } finally {
      await server.stop();
      removeDataDir(dataDir);
    }
  });

  it('pauses checks from an address that sent many wrong keys, but not keys already checked', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'weft-guess-'));
    const known = weftKeys(dataDir, 'create', '--user', 'known');
    const fresh = weftKeys(dataDir, 'create', '--user', 'fresh');
    const server = await startWeftServer({ dataDir });
    try {
      const ask = (key: string) =>
        call(server.url, 'POST', '/calls/query_stats', { key }, { project_id: ALPHA });
      expect((await ask(known)).status).toBe(200);
      const guess = `${fresh.slice(0, -4)}AAAA`;
      const statuses = [];
      for (let i = 0; i < 11; i++) statuses.push((await ask(guess)).status);
      expect(statuses).toEqual([...Array(10).fill(401), 429]);
      const paused = await ask(fresh);
      expect(paused.status).toBe(429);
      expect(paused.headers.get('retry-after')).toBe('60');
      // A key this server has checked before is not asked again, so its client goes on.
      expect((await ask(known)).status).toBe(200);
    } finally {
      await server.stop();
      removeDataDir(dataDir);
    }
  });

  it('sends no CORS headers by default, and only to allowed origins when asked', async () => {
    const preflight = (url: string, origin: string) =>
      call(url, 'OPTIONS', '/calls/query_stats', null, undefined, {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      });
    const closed = await startWeftServer();
    const open = await startWeftServer({ args: ['--cors-origin', 'https://app.example'] });
    try {
      const refused = await preflight(closed.url, 'https://app.example');
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
      const allowed = await preflight(open.url, 'https://app.example');
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
      expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
      const other = await preflight(open.url, 'https://evil.example');
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await Promise.all([closed.stop(), open.stop()]);
      removeDataDir(closed.dataDir);
      removeDataDir(open.dataDir);
    }
  });
});
