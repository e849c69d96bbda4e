/**
 * Hostile and malformed requests on the real `weft serve` (issue 13, docs/protocol.md §1.4): a
 * seeded fuzz run posts a few thousand generated bodies to every route the server has (the list
 * comes from its access table, so a new route cannot be missed): random JSON, valid bodies with
 * one field replaced by something adversarial (wrong types, huge or deeply nested values, invalid
 * dates and ids, negative limits, lone surrogates), invalid UTF-8 and broken JSON text. Every
 * answer must be below 500 with a reason for 4xx, the server must stay up, and what was logged
 * before in another project must read back unchanged.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startWeftServer, type WeftServerProcess } from '../../../test/support/weft-server.js';
import { ROUTE_ACCESS } from '../src/http/access/route-access.js';

/** Fixed, so a failure is replayed exactly; WEFT_FUZZ_SEED runs another sequence. */
const SEED = Number(process.env.WEFT_FUZZ_SEED ?? 20261203);
const BODIES_PER_ROUTE = 70;
const TARGET = 'fuzz/target';
const KEEP = 'seal/keep';

const ID = '0192f000-0000-7000-8000-000000000001';
const DIGEST = 'a'.repeat(43);

/** A valid (or nearly valid) body per route, for the mutations to start from. */
const TEMPLATES: Record<string, { path?: string; body: unknown }> = {
  'POST /call/start': {
    body: {
      start: {
        project_id: TARGET,
        id: ID,
        op_name: 'op',
        started_at: '2026-01-01T00:00:00Z',
        attributes: {},
        inputs: { a: 1 },
      },
    },
  },
  'POST /call/end': {
    body: { end: { project_id: TARGET, id: ID, ended_at: '2026-01-01T00:00:01Z', summary: {}, output: 'x' } },
  },
  'POST /call/upsert_batch': {
    body: {
      batch: [
        {
          mode: 'start',
          req: {
            start: {
              project_id: TARGET,
              id: ID,
              op_name: 'op',
              started_at: '2026-01-01T00:00:00Z',
              attributes: {},
              inputs: {},
            },
          },
        },
        {
          mode: 'end',
          req: { end: { project_id: TARGET, id: ID, ended_at: '2026-01-01T00:00:01Z', summary: {} } },
        },
      ],
    },
  },
  'POST /call/read': { body: { project_id: TARGET, id: ID } },
  'POST /calls/stream_query': {
    body: {
      project_id: TARGET,
      filter: { op_names: ['op'] },
      limit: 10,
      offset: 0,
      sort_by: [{ field: 'started_at', direction: 'desc' }],
      query: { $expr: { $eq: [{ $getField: 'inputs.a' }, { $literal: 1 }] } },
    },
  },
  'POST /calls/query': { body: { project_id: TARGET, limit: 5 } },
  'POST /calls/query_stats': { body: { project_id: TARGET, filter: { trace_roots_only: true } } },
  'POST /calls/delete': { body: { project_id: TARGET, call_ids: [ID] } },
  'POST /call/update': { body: { project_id: TARGET, call_id: ID, display_name: 'n' } },
  'POST /v2/:entity/:project/calls/complete': {
    path: '/v2/fuzz/target/calls/complete',
    body: {
      batch: [
        {
          project_id: TARGET,
          id: ID,
          op_name: 'op',
          started_at: '2026-01-01T00:00:00Z',
          ended_at: '2026-01-01T00:00:01Z',
          attributes: {},
          inputs: {},
          summary: {},
        },
      ],
    },
  },
  'POST /v2/:entity/:project/call/start': {
    path: '/v2/fuzz/target/call/start',
    body: {
      start: {
        project_id: TARGET,
        id: ID,
        op_name: 'op',
        started_at: '2026-01-01T00:00:00Z',
        attributes: {},
        inputs: {},
      },
    },
  },
  'POST /v2/:entity/:project/call/end': {
    path: '/v2/fuzz/target/call/end',
    body: { end: { project_id: TARGET, id: ID, ended_at: '2026-01-01T00:00:01Z', summary: {} } },
  },
  'POST /obj/create': {
    body: { obj: { project_id: TARGET, object_id: 'thing', val: { a: [1, 2.5, 'x'] } } },
  },
  'POST /obj/read': { body: { project_id: TARGET, object_id: 'thing', digest: 'latest' } },
  'POST /objs/query': { body: { project_id: TARGET, filter: { object_ids: ['thing'] }, limit: 10 } },
  'POST /obj/delete': { body: { project_id: TARGET, object_id: 'thing', digests: [DIGEST] } },
  'POST /refs/read_batch': { body: { refs: [`weave:///${TARGET}/object/thing:latest`] } },
  'PUT /objs/:object_id/versions/:digest/tags': {
    path: `/objs/thing/versions/${DIGEST}/tags`,
    body: { project_id: TARGET, tags: ['t'] },
  },
  'POST /objs/:object_id/versions/:digest/tags/remove': {
    path: `/objs/thing/versions/${DIGEST}/tags/remove`,
    body: { project_id: TARGET, tags: ['t'] },
  },
  'PUT /objs/:object_id/aliases': {
    path: '/objs/thing/aliases',
    body: { project_id: TARGET, digest: DIGEST, aliases: ['prod'] },
  },
  'POST /objs/:object_id/aliases/remove': {
    path: '/objs/thing/aliases/remove',
    body: { project_id: TARGET, aliases: ['prod'] },
  },
  'GET /tags': { path: `/tags?project_id=${encodeURIComponent(TARGET)}`, body: undefined },
  'GET /aliases': { path: `/aliases?project_id=${encodeURIComponent(TARGET)}`, body: undefined },
  'POST /table/create': { body: { table: { project_id: TARGET, rows: [{ a: 1 }, { a: 2 }] } } },
  'POST /table/update': {
    body: { project_id: TARGET, base_digest: DIGEST, updates: [{ append: { row: { a: 3 } } }] },
  },
  'POST /table/create_from_digests': { body: { project_id: TARGET, row_digests: [DIGEST, DIGEST] } },
  'POST /table/query': { body: { project_id: TARGET, digest: DIGEST, limit: 10, offset: 0 } },
  'POST /table/query_stats': { body: { project_id: TARGET, digest: DIGEST } },
  'POST /file/create': { body: undefined },
  'POST /files/create': { body: undefined },
  'POST /file/content': { body: { project_id: TARGET, digest: DIGEST } },
  'POST /files/content': { body: { project_id: TARGET, digest: DIGEST } },
  'POST /cost/create': {
    body: {
      project_id: TARGET,
      costs: { 'my-model': { prompt_token_cost: 0.1, completion_token_cost: 0.2 } },
    },
  },
  'POST /cost/query': { body: { project_id: TARGET, limit: 10 } },
  'POST /cost/purge': {
    body: { project_id: TARGET, query: { $expr: { $eq: [{ $getField: 'id' }, { $literal: 'x' }] } } },
  },
  'POST /feedback/create': {
    body: {
      project_id: TARGET,
      weave_ref: `weave:///${TARGET}/call/${ID}`,
      feedback_type: 'custom',
      payload: { score: 1 },
    },
  },
  'POST /feedback/batch/create': {
    body: {
      batch: [
        {
          project_id: TARGET,
          weave_ref: `weave:///${TARGET}/call/${ID}`,
          feedback_type: 'wandb.note.1',
          payload: { note: 'n' },
        },
      ],
    },
  },
  'POST /feedback/query': { body: { project_id: TARGET, limit: 10 } },
  'POST /feedback/purge': {
    body: { project_id: TARGET, query: { $expr: { $eq: [{ $getField: 'id' }, { $literal: 'x' }] } } },
  },
  'POST /feedback/replace': {
    body: {
      project_id: TARGET,
      feedback_id: ID,
      weave_ref: `weave:///${TARGET}/call/${ID}`,
      feedback_type: 'custom',
      payload: {},
    },
  },
  'POST /graphql': {
    body: {
      query: 'query P($n: String!) { project(name: $n, entityName: "fuzz") { id } viewer { username } }',
      variables: { n: 'target' },
    },
  },
  'GET /weft/projects': { body: undefined },
  'GET /weft/session': { body: undefined },
};

/** Values that break naive servers: wrong types, extremes, and text no parser should choke on. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    -1,
    0,
    -2147483649,
    2 ** 53 + 1,
    1e308,
    -0,
    '',
    ' ',
    '\u0000',
    '\ud800',
    'not-a-uuid',
    '2026-13-45T25:61:61Z',
    '0000-00-00',
    'NaN',
    '-Infinity',
    '../../etc/passwd',
    "'; DROP TABLE calls; --",
    'weave:///',
    'weave:///a/b/object/c:latest/attr/x',
    '$expr',
    { $expr: { $regex: ['(a+)+$', 'a'.repeat(30)] } },
    [],
    {},
    { __proto__: { polluted: true } },
  ),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 50 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.jsonValue({ maxDepth: 4 }),
  // Huge: a long string, a wide array, deep nesting (each still far under the body limit).
  fc.constant('x'.repeat(1_000_000)),
  fc.constant(Array.from({ length: 50_000 }, (_, i) => i)),
  // Deep nesting is written into the text (deepText), past what JSON.stringify can recurse.
  fc.integer({ min: 1_000, max: 100_000 }).map((depth) => `${DEEP}${depth}`),
);

/** Stands for an object nested that many levels deep, in the sent text. */
const DEEP = '__weft_fuzz_deep__';

function deepText(json: string): string {
  return json.replace(new RegExp(`"${DEEP}(\\d+)"`, 'g'), (_match, depth: string) => {
    const levels = Number(depth);
    return `${'{"d":'.repeat(levels)}1${'}'.repeat(levels)}`;
  });
}

type Path = Array<string | number>;

/** Every path to a value inside the template, including the root. */
function pathsOf(value: unknown, prefix: Path = []): Path[] {
  const paths: Path[] = [prefix];
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) paths.push(...pathsOf(item, [...prefix, index]));
  } else if (value && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...prefix, key]));
  return paths;
}

function replaceAt(value: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  parent[path[path.length - 1] as string | number] = replacement;
  return copy;
}

/** Text bodies that are not JSON, or not valid UTF-8, or nested past any parser's stack. */
const RAW_BODIES: Buffer[] = [
  Buffer.from([0x7b, 0x22, 0x70, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), // {"p\xff\xfe":1}
  Buffer.from('{"project_id": "fuzz/target", "id": "\xc3\x28"}', 'latin1'),
  Buffer.from('{"project_id": "fuzz/target"'),
  Buffer.from('['.repeat(100_000)),
  Buffer.from(`${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`),
  Buffer.from('null'),
  Buffer.from('"just a string"'),
  Buffer.from(''),
  Buffer.from('{"project_id": "fuzz/target", "limit": 1e999}'),
  Buffer.from('{"project_id": "fuzz/target", "__proto__": {"x": 1}, "constructor": {"prototype": {}}}'),
];

interface Sent {
  method: string;
  path: string;
  body: Buffer | undefined;
  contentType: string | undefined;
}

/** The generated requests for one route: mutated templates, random JSON and raw text. */
function requestsFor(route: string, seed: number): Sent[] {
  const [method, pattern] = route.split(' ') as [string, string];
  const template = TEMPLATES[route]!;
  const path = template.path ?? pattern;
  const json = (value: unknown): Sent => ({
    method,
    path,
    body: value === undefined ? undefined : Buffer.from(deepText(JSON.stringify(value) ?? 'null')),
    contentType: 'application/json',
  });
  const sent: Sent[] = [];
  const paths = pathsOf(template.body);
  const mutations = fc.sample(fc.tuple(fc.nat({ max: paths.length - 1 }), hostileValue), {
    numRuns: BODIES_PER_ROUTE - RAW_BODIES.length - 10,
    seed,
  });
  for (const [index, value] of mutations) sent.push(json(replaceAt(template.body, paths[index]!, value)));
  for (const value of fc.sample(fc.jsonValue({ maxDepth: 3 }), { numRuns: 10, seed: seed + 1 })) {
    sent.push(json(value));
  }
  for (const raw of RAW_BODIES) sent.push({ method, path, body: raw, contentType: 'application/json' });
  // Path parameters get the hostile text too.
  if (pattern.includes(':')) {
    for (const segment of ['%00', '%ff%fe', 'a'.repeat(2000), '..', '%2F%2E%2E', '\u{1F600}'.repeat(10)]) {
      const hostilePath = pattern.replace(/:[a-z_]+/g, encodeURIComponent(segment).replace(/%25/g, '%'));
      sent.push({ ...json(template.body), path: hostilePath });
    }
  }
  // Multipart routes get broken forms.
  if (route.includes('/create') && route.includes('file')) {
    for (const form of [
      '--x\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc',
      'not a form',
      '--x--',
    ]) {
      sent.push({ method, path, body: Buffer.from(form), contentType: 'multipart/form-data; boundary=x' });
    }
  }
  return sent;
}

async function send(url: string, request: Sent): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}${request.path}`, {
    method: request.method,
    headers: request.contentType && request.body !== undefined ? { 'content-type': request.contentType } : {},
    ...(request.body !== undefined && request.method !== 'GET' ? { body: request.body } : {}),
  });
  return { status: response.status, text: await response.text() };
}

let server: WeftServerProcess;

async function post(path: string, body: unknown): Promise<{ status: number; text: string }> {
  return send(server.url, {
    method: 'POST',
    path,
    body: Buffer.from(JSON.stringify(body)),
    contentType: 'application/json',
  });
}

/** Everything the sealed project holds, as the routes answer it. */
async function snapshot(): Promise<string[]> {
  const reads = [
    post('/calls/stream_query', { project_id: KEEP, sort_by: [{ field: 'id', direction: 'asc' }] }),
    post('/objs/query', { project_id: KEEP }),
    post('/feedback/query', { project_id: KEEP }),
    post('/cost/query', { project_id: KEEP }),
  ];
  return (await Promise.all(reads)).map((answer) => `${answer.status} ${answer.text}`);
}

beforeAll(async () => {
  server = await startWeftServer();
  const keepId = (n: number) => `0192f000-0000-7000-8000-00000000aa0${n}`;
  for (const n of [1, 2, 3]) {
    const started = await post('/call/start', {
      start: {
        project_id: KEEP,
        id: keepId(n),
        op_name: 'keep',
        started_at: '2026-01-01T00:00:00Z',
        attributes: {},
        inputs: { n },
      },
    });
    expect(started.status).toBe(200);
  }
  expect(
    (await post('/obj/create', { obj: { project_id: KEEP, object_id: 'kept', val: { v: 1 } } })).status,
  ).toBe(200);
  expect(
    (
      await post('/feedback/create', {
        project_id: KEEP,
        weave_ref: `weave:///${KEEP}/call/${keepId(1)}`,
        feedback_type: 'wandb.note.1',
        payload: { note: 'kept' },
      })
    ).status,
  ).toBe(200);
}, 30_000);

afterAll(async () => {
  await server?.stop();
  if (server) removeDataDir(server.dataDir);
});

describe('the fuzz run', () => {
  it('has a template for every route the server serves', () => {
    expect(Object.keys(TEMPLATES).sort()).toEqual(Object.keys(ROUTE_ACCESS).sort());
  });

  it('answers every generated request below 500, stays up, and leaves other data unchanged', async () => {
    const before = await snapshot();
    const failures: string[] = [];
    let sentCount = 0;
    for (const [index, route] of Object.keys(TEMPLATES).entries()) {
      for (const request of requestsFor(route, SEED + 2 * index)) {
        sentCount++;
        const answer = await send(server.url, request);
        const bodyText = request.body?.subarray(0, 200).toString('utf8');
        if (answer.status >= 500) failures.push(`${route} ${answer.status} ${answer.text} ← ${bodyText}`);
        else if (answer.status >= 400 && !/"reason":"[^"]/.test(answer.text)) {
          failures.push(
            `${route} ${answer.status} without a reason: ${answer.text.slice(0, 200)} ← ${bodyText}`,
          );
        }
      }
    }
    expect(failures, `the server's log:\n${server.output().slice(-4000)}`).toEqual([]);
    expect(sentCount).toBeGreaterThan(2_500);
    expect(
      (await send(server.url, { method: 'GET', path: '/health', body: undefined, contentType: undefined }))
        .status,
    ).toBe(200);
    expect(await snapshot()).toEqual(before);
    expect(server.process.exitCode).toBeNull();
  }, 600_000);
});
