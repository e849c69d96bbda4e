/**
 * Call search over HTTP on the real `weft serve` process: the Query language, sorting on JSON
 * fields, projections, counts, and clear errors for bad queries.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testId, traceIdOf } from '../../../test/support/batch-items.js';
import {
  CLI_PATH,
  postJson,
  removeDataDir,
  SERVERS_ON_CHDB,
  startWeftServer,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';

const PROJECT = 'team/search';
let server: WeftServerProcess;

/**
 * The server takes only UUIDs (or OTel ids) as call ids, so each call has a readable name ('c1',
 * 'r2') that the tests assert on, and a UUID built from it: the letter picks the kind, the number
 * counts up, so ids of one kind sort as their names do.
 */
function idOf(name: string): string {
  return testId(name.slice(0, 1), Number(name.slice(1)));
}

interface CallSpec {
  /** The call's name; `idOf` gives its id. */
  id: string;
  op: string;
  second: number;
  inputs: Record<string, unknown>;
  output?: unknown;
  exception?: string;
  running?: boolean;
  parent?: string;
  displayName?: string;
}

const CALLS: CallSpec[] = [
  {
    id: 'c1',
    op: 'generate',
    second: 1,
    inputs: { prompt: 'Hello world', model: 'gpt-4o', temperature: 0.2 },
  },
  { id: 'c2', op: 'generate', second: 2, inputs: { prompt: 'say HELLO', model: 'claude', temperature: 0.9 } },
  {
    id: 'c3',
    op: 'score',
    second: 3,
    inputs: { prompt: 'bye', model: 'gpt-4o', temperature: '0.5' },
    exception: 'ValueError: no',
  },
  { id: 'c4', op: 'score', second: 4, inputs: { prompt: 'naïve café', model: null }, running: true },
  {
    id: 'c5',
    op: 'generate',
    second: 5,
    inputs: { prompt: 'x', 'a.b': { c: 'dotted' } },
    parent: 'c1',
    displayName: 'fifth',
  },
];

/** The name of each call by its id, for turning answers back into names. */
const NAMES = new Map([...CALLS.map((spec) => spec.id), 'r1', 'r2'].map((name) => [idOf(name), name]));

function opRef(name: string): string {
  return `weave:///${PROJECT}/op/${name}:v1`;
}

function items(spec: CallSpec) {
  const startedAt = `2026-03-01T00:00:0${spec.second}.000Z`;
  const parts: unknown[] = [
    {
      mode: 'start',
      req: {
        start: {
          project_id: PROJECT,
          id: idOf(spec.id),
          trace_id: traceIdOf(idOf(spec.parent ?? spec.id)),
          parent_id: spec.parent ? idOf(spec.parent) : null,
          op_name: opRef(spec.op),
          display_name: spec.displayName ?? null,
          started_at: startedAt,
          attributes: {},
          inputs: spec.inputs,
        },
      },
    },
  ];
  if (!spec.running) {
    parts.push({
      mode: 'end',
      req: {
        end: {
          project_id: PROJECT,
          id: idOf(spec.id),
          // Latency = second × 100 ms.
          ended_at: `2026-03-01T00:00:0${spec.second}.${String(spec.second * 100).padStart(3, '0')}Z`,
          exception: spec.exception ?? null,
          output: spec.output ?? { text: `out-${spec.id}` },
          summary: {},
        },
      },
    });
  }
  return parts;
}

/** The names of the calls the query finds, in the order of the answer. */
async function ids(body: Record<string, unknown>): Promise<string[]> {
  const res = (await postJson(server.url, '/calls/query', { project_id: PROJECT, ...body })) as {
    status: number;
    body: { calls: Array<{ id: string }>; reason?: string };
  };
  expect(res.status, res.body.reason).toBe(200);
  return res.body.calls.map((call) => NAMES.get(call.id) ?? call.id);
}

function field(path: string) {
  return { $getField: path };
}
function literal(value: unknown) {
  return { $literal: value };
}

beforeAll(async () => {
  server = await startWeftServer();
  const res = await postJson(server.url, '/call/upsert_batch', { batch: CALLS.flatMap(items) });
  expect(res.status).toBe(200);
  expect((res.body as { errors?: unknown }).errors).toBeUndefined();
});

afterAll(async () => {
  await server?.stop();
  removeDataDir(server?.dataDir);
});

describe('the Query language over HTTP', () => {
  it('runs the query-language.md example: status, latency and a case-insensitive contains', async () => {
    const query = {
      $expr: {
        $and: [
          { $eq: [field('summary.weave.status'), literal('success')] },
          { $gt: [field('summary.weave.latency_ms'), literal(150)] },
          { $contains: { input: field('inputs.prompt'), substr: literal('hello'), case_insensitive: true } },
        ],
      },
    };
    expect(await ids({ query })).toEqual(['c2']);
  });

  it('compares JSON fields as numbers against numbers, as text against text', async () => {
    // temperature '0.5' is text, but reads as the number 0.5 when compared with a number.
    expect(await ids({ query: { $expr: { $gte: [field('inputs.temperature'), literal(0.5)] } } })).toEqual([
      'c2',
      'c3',
    ]);
    expect(await ids({ query: { $expr: { $eq: [field('inputs.temperature'), literal('0.2')] } } })).toEqual([
      'c1',
    ]);
  });

  it('reads missing and null JSON values as "", and tells them apart with exists', async () => {
    expect(await ids({ query: { $expr: { $eq: [field('inputs.model'), literal('')] } } })).toEqual([
      'c4',
      'c5',
    ]);
    const exists = { $convert: { input: field('inputs.model'), to: 'exists' } };
    expect(await ids({ query: { $expr: { $not: [exists] } } })).toEqual(['c4', 'c5']);
    expect(await ids({ query: { $expr: exists } })).toEqual(['c1', 'c2', 'c3']);
  });

  it('escapes dots in keys, finds unicode, and filters on derived and plain columns', async () => {
    expect(await ids({ query: { $expr: { $eq: [field('inputs.a\\.b.c'), literal('dotted')] } } })).toEqual([
      'c5',
    ]);
    expect(
      await ids({
        query: {
          $expr: {
            $contains: { input: field('inputs.prompt'), substr: literal('CAFÉ'), case_insensitive: true },
          },
        },
      }),
    ).toEqual(['c4']);
    expect(
      await ids({ query: { $expr: { $eq: [field('summary.weave.trace_name'), literal('fifth')] } } }),
    ).toEqual(['c5']);
    expect(
      await ids({
        query: { $expr: { $in: [field('summary.weave.status'), [literal('error'), literal('running')]] } },
      }),
    ).toEqual(['c3', 'c4']);
    expect(
      await ids({ query: { $expr: { $gt: [field('started_at'), literal('2026-03-01T00:00:03.5Z')] } } }),
    ).toEqual(['c4', 'c5']);
  });

  it('ANDs the query with the filter and counts with query_stats', async () => {
    const query = { $expr: { $eq: [field('inputs.model'), literal('gpt-4o')] } };
    const filter = { op_names: [opRef('generate')] };
    expect(await ids({ query, filter })).toEqual(['c1']);
    const stats = await postJson(server.url, '/calls/query_stats', { project_id: PROJECT, query, limit: 1 });
    expect(stats.body).toEqual({ count: 1, has_more: true });
  });

  it('sorts by JSON fields: existing values first, numbers before text, then by id', async () => {
    expect(await ids({ sort_by: [{ field: 'inputs.temperature', direction: 'asc' }] })).toEqual([
      'c1',
      'c3',
      'c2',
      'c4',
      'c5',
    ]);
    expect(await ids({ sort_by: [{ field: 'inputs.temperature', direction: 'desc' }] })).toEqual([
      'c2',
      'c3',
      'c1',
      'c4',
      'c5',
    ]);
    expect(
      await ids({
        sort_by: [
          { field: 'op_name', direction: 'desc' },
          { field: 'summary.weave.latency_ms', direction: 'desc' },
        ],
      }),
    ).toEqual(['c3', 'c4', 'c5', 'c2', 'c1']);
  });

  it('projects columns: unrequested heavy fields are not shipped', async () => {
    const res = (await postJson(server.url, '/calls/query', {
      project_id: PROJECT,
      columns: ['id', 'summary'],
      query: { $expr: { $eq: [field('id'), literal(idOf('c1'))] } },
    })) as { body: { calls: Array<Record<string, unknown>> } };
    expect(res.body.calls).toHaveLength(1);
    const call = res.body.calls[0] as {
      inputs: unknown;
      output: unknown;
      summary: { weave: { status: string } };
    };
    expect(call.inputs).toEqual({});
    expect(call.output).toBeNull();
    expect(call.summary.weave.status).toBe('success');
  });
});

// weft index makes SQLite indexes; it is for the SQLite store only.
describe.skipIf(SERVERS_ON_CHDB)('weft index', () => {
  const run = promisify(execFile);
  const weft = (...args: string[]) =>
    run(process.execPath, [CLI_PATH, 'index', ...args, '--data', server.dataDir]);

  it('indexes a JSON field while the server runs; queries keep their answers', async () => {
    const query = { $expr: { $in: [field('inputs.model'), [literal('gpt-4o'), literal('claude')]] } };
    const before = await ids({ query });
    expect(before).toEqual(['c1', 'c2', 'c3']);
    expect((await weft('add', 'inputs.model')).stdout).toBe('indexed inputs.model\n');
    expect((await weft('add', 'inputs.model')).stdout).toBe('inputs.model was already indexed\n');
    expect((await weft('list')).stdout).toBe('inputs.model\n');
    expect(await ids({ query })).toEqual(before);
    expect(await ids({ query: { $expr: { $eq: [field('inputs.model'), literal('')] } } })).toEqual([
      'c4',
      'c5',
    ]);
    expect((await weft('drop', 'inputs.model')).stdout).toBe('dropped the index on inputs.model\n');
    expect((await weft('list')).stdout).toBe('no indexed fields\n');
  });

  it('does not create a database for a mistyped --data folder', async () => {
    const missing = `${server.dataDir}-typo`;
    const failure = await run(process.execPath, [CLI_PATH, 'index', 'list', '--data', missing]).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 2, stderr: expect.stringMatching(/no weft database at/) });
    expect(existsSync(missing)).toBe(false);
  });

  it('explains what cannot be indexed, with exit code 2', async () => {
    const failure = await weft('add', 'summary.weave.status').catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toMatch(
      /only fields inside inputs, output, attributes or summary/,
    );
  });
});

describe('input_refs and output_refs filters', () => {
  it('match the refs found anywhere in the inputs or the output', async () => {
    const ref = `weave:///${PROJECT}/object/my-dataset:abc`;
    const item = (name: string, inputs: unknown, output: unknown) => [
      {
        mode: 'start',
        req: {
          start: {
            project_id: PROJECT,
            id: idOf(name),
            trace_id: traceIdOf(idOf(name)),
            op_name: `weave:///${PROJECT}/op/evaluate:v1`,
            started_at: '2026-03-02T00:00:00Z',
            attributes: {},
            inputs,
          },
        },
      },
      {
        mode: 'end',
        req: {
          end: { project_id: PROJECT, id: idOf(name), ended_at: '2026-03-02T00:00:01Z', output, summary: {} },
        },
      },
    ];
    const res = await postJson(server.url, '/call/upsert_batch', {
      batch: [...item('r1', { dataset: { nested: [ref] } }, 'x'), ...item('r2', { other: 1 }, { made: ref })],
    });
    expect(res.status).toBe(200);
    expect((res.body as { errors?: unknown }).errors).toBeUndefined();
    expect(await ids({ filter: { input_refs: [ref] } })).toEqual(['r1']);
    expect(await ids({ filter: { output_refs: [`weave:///${PROJECT}/object/my-dataset:*`] } })).toEqual([
      'r2',
    ]);
  });
});

describe('large queries', () => {
  it('answers an $or of 1,500 terms and an $in of 9,000 mixed values', async () => {
    const terms = Array.from({ length: 1500 }, (_, index) => ({
      $eq: [field('id'), literal(idOf(`c${index}`))],
    }));
    expect(await ids({ query: { $expr: { $or: terms } } })).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
    const values = Array.from({ length: 9000 }, (_, index) =>
      literal(index % 2 === 0 ? `model-${index}` : index),
    );
    values.push(literal('claude'));
    expect(await ids({ query: { $expr: { $in: [field('inputs.model'), values] } } })).toEqual(['c2']);
  });

  it('refuses, with a 400, a query that would compile to an enormous statement', async () => {
    const needle = {
      $or: Array.from({ length: 200 }, (_, index) => ({ $eq: [field('id'), literal(`x${index}`)] })),
    };
    const haystack = Array.from({ length: 200 }, (_, index) => literal(index % 2 === 0));
    const res = await postJson(server.url, '/calls/stream_query', {
      project_id: PROJECT,
      query: { $expr: { $in: [needle, haystack] } },
    });
    expect(res.status).toBe(400);
    expect((res.body as { reason: string }).reason).toMatch(/more than 20000 parts/);
  });
});

describe('bad queries get clear errors', () => {
  async function expectError(body: Record<string, unknown>, status: number, reason: RegExp) {
    const res = (await postJson(server.url, '/calls/stream_query', { project_id: PROJECT, ...body })) as {
      status: number;
      body: { reason: string };
    };
    expect(res.status).toBe(status);
    expect(res.body.reason).toMatch(reason);
  }

  it('names the offending part of a malformed query (400)', async () => {
    await expectError(
      { query: { $expr: { $and: [{ $eq: [field('id'), literal('x')] }, { $foo: [] }] } } },
      400,
      /query\.\$expr\.\$and\[1\]: unknown operator "\$foo"/,
    );
    await expectError({ query: { $expr: { $eq: [field('id')] } } }, 400, /\$eq: expected exactly 2 items/);
    await expectError({ query: { $expr: { $and: [] } } }, 400, /\$and: expected at least 1/);
    await expectError({ query: { $expr: {}, extra: 1 } }, 400, /\$expr/);
    await expectError(
      { query: { $expr: { $gt: [field('started_at'), literal('yesterday')] } } },
      400,
      /not an ISO-8601 timestamp/,
    );
    await expectError({ query: { $expr: { $and: [field('inputs.x')] } } }, 400, /true\/false operand/);
  });

  it('refuses unknown fields (422) and fields weft does not have yet (501)', async () => {
    await expectError(
      { query: { $expr: { $eq: [field('nope'), literal(1)] } } },
      422,
      /unknown call field "nope"/,
    );
    await expectError(
      { query: { $expr: { $eq: [field('summary.weave.cost'), literal(1)] } } },
      422,
      /summary\.weave\.cost/,
    );
    await expectError(
      { query: { $expr: { $eq: [field('feedback.[*].score'), literal(1)] } } },
      422,
      /feedback field/,
    );
  });
});
