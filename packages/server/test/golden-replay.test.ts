/**
 * Replays, in recorded order, every exchange between the official `weave` npm SDK and W&B's
 * production trace server (fixtures/weave-exchanges.json) on the routes
 * weft serves, and checks each response has the recorded status and shape — and, where nothing
 * depends on production's internal project ids, the recorded values.
 * The `/agents/*` routes (Weave's agent analytics over OTel spans, recorded with SDK 0.15/0.16
 * against a production project whose spans were ingested outside these recordings) are not part of
 * weft yet: the last test checks that weft says so for each of them, rather than skipping them.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  postJson,
  removeDataDir,
  startWeftServer,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';

interface Exchange {
  id: string;
  route: string;
  method: string;
  request: { body: unknown };
  response: { status: number; body: unknown };
}

const golden = JSON.parse(
  readFileSync(new URL('./fixtures/weave-exchanges.json', import.meta.url), 'utf8'),
) as { exchanges: Exchange[] };

/** The shape of a JSON value: its type, and for objects their keys (recursively); list items by their first. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shape(value[0])];
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([key, item]) => [key, shape(item)]),
    );
  }
  return value === null ? 'null' : typeof value;
}

function multipartBody(body: unknown): FormData {
  const { project_id, file } = (body as { multipart: { project_id: string; file: Record<string, string> } })
    .multipart;
  const bytes = Buffer.from(file.content_base64 ?? file.text ?? '', file.content_base64 ? 'base64' : 'utf8');
  const form = new FormData();
  form.append('project_id', project_id);
  form.append('file', new Blob([bytes], { type: file.content_type }), file.filename);
  return form;
}

let server: WeftServerProcess;

beforeAll(async () => {
  server = await startWeftServer();
});

afterAll(async () => {
  await server?.stop();
  removeDataDir(server?.dataDir);
});

describe('the recorded production exchanges, replayed', () => {
  it('answer with the recorded status and shape on every route weft serves', async () => {
    const served = golden.exchanges.filter((exchange) => !exchange.route.startsWith('/agents/'));
    expect(served.length).toBe(88);
    for (const exchange of served) {
      let status: number;
      let body: unknown;
      if (exchange.method === 'GET') {
        const res = await fetch(`${server.url}${exchange.route}`);
        status = res.status;
        body = await res.json();
      } else if (exchange.route === '/file/create') {
        const res = await fetch(`${server.url}${exchange.route}`, {
          method: 'POST',
          body: multipartBody(exchange.request.body),
        });
        status = res.status;
        body = await res.json();
      } else {
        ({ status, body } = await postJson(server.url, exchange.route, exchange.request.body));
      }
      expect(status, exchange.id).toBe(exchange.response.status);
      expect(shape(body), exchange.id).toEqual(shape(exchange.response.body));
      // Call ids, file and table digests do not depend on internal project ids: the same values.
      if (
        ['/call/upsert_batch', '/file/create', '/table/create', '/table/query', '/health'].includes(
          exchange.route,
        )
      ) {
        expect(body, exchange.id).toEqual(exchange.response.body);
      }
    }
  });

  it('answers each of the 71 /agents/* exchanges with a 404 that names the route (not served yet)', async () => {
    const agents = golden.exchanges.filter((exchange) => exchange.route.startsWith('/agents/'));
    expect(agents.length).toBe(71);
    for (const exchange of agents) {
      const res = await postJson(server.url, exchange.route, exchange.request.body);
      expect(res.status, exchange.id).toBe(404);
      expect((res.body as { reason: string }).reason).toBe(`no route POST ${exchange.route}`);
    }
  });
});
