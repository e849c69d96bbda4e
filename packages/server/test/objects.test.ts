/**
 * Object versions over HTTP on the real `weft serve` process (docs/protocol.md §7.2, §8, §9): digests that
 * match W&B's production server for values without refs, versioning, latest, deletes, tags and
 * aliases.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  postJson,
  removeDataDir,
  startWeftServer,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';

const PROJECT = 'team/objects';
let server: WeftServerProcess;

interface Exchange {
  id: string;
  route: string;
  request: { body: { obj: { val: unknown } } };
  response: { status: number; body: { digest: string; object_id: string } };
}

const golden = JSON.parse(
  readFileSync(new URL('./fixtures/weave-exchanges.json', import.meta.url), 'utf8'),
) as { exchanges: Exchange[] };

/** A raw POST, for checking how numbers are written in the response text. */
function postText(path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, server.url);
    const req = httpRequest(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const create = (object_id: string, val: unknown, extra: Record<string, unknown> = {}) =>
  postJson(server.url, '/obj/create', { obj: { project_id: PROJECT, object_id, val, ...extra } }) as Promise<{
    status: number;
    body: { digest: string; object_id: string; reason?: string };
  }>;
const read = (object_id: string, digest: string, extra: Record<string, unknown> = {}) =>
  postJson(server.url, '/obj/read', { project_id: PROJECT, object_id, digest, ...extra }) as Promise<{
    status: number;
    body: { obj: Record<string, unknown>; reason?: string };
  }>;
const query = (body: Record<string, unknown>) =>
  postJson(server.url, '/objs/query', { project_id: PROJECT, ...body }) as Promise<{
    status: number;
    body: { objs: Array<Record<string, unknown>> };
  }>;

beforeAll(async () => {
  server = await startWeftServer();
});

afterAll(async () => {
  await server?.stop();
  removeDataDir(server?.dataDir);
});

describe('the official SDK’s recorded object creates', () => {
  const creates = golden.exchanges.filter((exchange) => exchange.route === '/obj/create');

  it('replays all of them; values without refs get the production digest', async () => {
    expect(creates.length).toBe(9);
    let matched = 0;
    for (const exchange of creates) {
      const res = await postJson(server.url, '/obj/create', exchange.request.body);
      expect(res.status, exchange.id).toBe(200);
      const body = res.body as { digest: string; object_id: string };
      expect(body.object_id).toBe(exchange.response.body.object_id);
      expect(body.digest).toMatch(/^[A-Za-z0-9]{43}$/);
      // Refs are hashed in production's internal form, which weft does not have.
      if (!JSON.stringify(exchange.request.body.obj.val).includes('weave:///')) {
        expect(body.digest, exchange.id).toBe(exchange.response.body.digest);
        matched += 1;
      }
    }
    expect(matched).toBe(6);
  });
});

describe('object versions', () => {
  it('numbers versions, keeps digests stable, and moves latest', async () => {
    const first = await create('config', { temperature: 0.5, model: 'gpt-4o' });
    const second = await create('config', { temperature: 0.7, model: 'gpt-4o' });
    expect(first.status).toBe(200);
    expect(second.body.digest).not.toBe(first.body.digest);
    // Same value, other key order: the same digest, no new version; it becomes latest again.
    const again = await create('config', { model: 'gpt-4o', temperature: 0.5 });
    expect(again.body.digest).toBe(first.body.digest);

    const latest = await read('config', 'latest');
    expect(latest.body.obj).toMatchObject({
      digest: first.body.digest,
      version_index: 0,
      is_latest: 1,
      kind: 'object',
    });
    expect((await read('config', 'v1')).body.obj).toMatchObject({ digest: second.body.digest, is_latest: 0 });
    expect((await read('config', second.body.digest)).body.obj.val).toEqual({
      model: 'gpt-4o',
      temperature: 0.7,
    });
    expect((await read('config', second.body.digest, { metadata_only: true })).body.obj.val).toEqual({});
  });

  it('deletes softly: a deleted version reads as 404, indexes are never reused, re-creating resurrects', async () => {
    const a = await create('prompt', { text: 'a' });
    const b = await create('prompt', { text: 'b' });
    const deleted = await postJson(server.url, '/obj/delete', {
      project_id: PROJECT,
      object_id: 'prompt',
      digests: [b.body.digest],
    });
    expect(deleted.body).toEqual({ num_deleted: 1 });
    const gone = await read('prompt', b.body.digest);
    expect(gone.status).toBe(404);
    expect(gone.body.reason).toMatch(/was deleted at \d{4}-/);
    expect((gone.body as unknown as { deleted_at: string }).deleted_at).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect((await read('prompt', 'latest')).body.obj).toMatchObject({ digest: a.body.digest, is_latest: 1 });

    const c = await create('prompt', { text: 'c' });
    expect((await read('prompt', c.body.digest)).body.obj.version_index).toBe(2);
    const back = await create('prompt', { text: 'b' });
    expect(back.body.digest).toBe(b.body.digest);
    expect((await read('prompt', b.body.digest)).body.obj).toMatchObject({
      version_index: 3,
      is_latest: 1,
      deleted_at: null,
    });

    // An unknown digest in the list: 404, and nothing is deleted.
    const refused = await postJson(server.url, '/obj/delete', {
      project_id: PROJECT,
      object_id: 'prompt',
      digests: [a.body.digest, 'nope'],
    });
    expect(refused.status).toBe(404);
    expect((await read('prompt', a.body.digest)).status).toBe(200);
  });

  it('queries live versions by id, kind, class and latest_only, in creation order', async () => {
    await create('op-like', { _type: 'CustomWeaveType', weave_type: { type: 'Op' }, files: {} });
    await create('my-model', {
      _type: 'MyModel',
      _class_name: 'MyModel',
      _bases: ['Model', 'Object', 'BaseModel'],
    });
    const ops = await query({ filter: { is_op: true } });
    expect(ops.body.objs.map((obj) => obj.object_id)).toEqual(['op-like']);
    expect(ops.body.objs[0]?.kind).toBe('op');
    const models = await query({ filter: { base_object_classes: ['Model'] } });
    expect(models.body.objs).toMatchObject([
      { object_id: 'my-model', base_object_class: 'Model', leaf_object_class: 'MyModel' },
    ]);
    const prompts = await query({ filter: { object_ids: ['prompt'], latest_only: true } });
    expect(prompts.body.objs.map((obj) => obj.version_index)).toEqual([3]);
    const all = await query({
      filter: { object_ids: ['prompt'] },
      sort_by: [{ field: 'created_at', direction: 'desc' }],
    });
    expect(all.body.objs.map((obj) => obj.version_index)).toEqual([3, 2, 0]);
  });

  it('tells 1 from 1.0, as Python does, and keeps the float when reading back', async () => {
    const asInt = await postText(
      '/obj/create',
      `{"obj": {"project_id": "${PROJECT}", "object_id": "num", "val": {"x": 1}}}`,
    );
    const asFloat = await postText(
      '/obj/create',
      `{"obj": {"project_id": "${PROJECT}", "object_id": "num", "val": {"x": 1.0}}}`,
    );
    const intDigest = (JSON.parse(asInt.text) as { digest: string }).digest;
    const floatDigest = (JSON.parse(asFloat.text) as { digest: string }).digest;
    expect(floatDigest).not.toBe(intDigest);
    const back = await postText(
      '/obj/read',
      JSON.stringify({ project_id: PROJECT, object_id: 'num', digest: floatDigest }),
    );
    expect(back.text).toContain('"val":{"x":1.0}');
  });

  it('refuses a wrong expected_digest (409) and malformed bodies (400)', async () => {
    const res = await create('checked', { a: 1 }, { expected_digest: 'x'.repeat(43) });
    expect(res.status).toBe(409);
    expect(res.body.reason).toMatch(/not the expected/);
    expect((await postText('/obj/create', '{"obj": {"val": 1.}}')).status).toBe(400);
    const huge = await postText(
      '/obj/create',
      `{"obj": {"project_id": "${PROJECT}", "object_id": "huge", "val": 1e400}}`,
    );
    expect(huge.status).toBe(400);
    expect(huge.text).toMatch(/too large for a double/);
    expect((await create('bad/name', 1)).status).toBe(400);
    expect((await read('never-made', 'latest')).status).toBe(404);
  });

  it('takes object ids of letters and digits in any script, as Python’s \\w does, and nothing else', async () => {
    for (const name of ['función_2', 'модель.v1', '模型-一', 'x²']) {
      expect((await create(name, { name })).status).toBe(200);
      expect((await read(name, 'latest')).status).toBe(200);
    }
    for (const name of ['with space', 'dollar$', 'a:b', 'emoji😀', 'x'.repeat(129)]) {
      const res = await create(name, 1);
      expect(res.status).toBe(400);
      expect(res.body.reason).toContain('object_id');
    }
    // 128 characters are counted as code points, not UTF-16 units.
    expect((await create('𠀀'.repeat(128), 1)).status).toBe(200);
    expect((await create('𠀀'.repeat(129), 1)).status).toBe(400);
  });
});

describe('ops and objects with the same name', () => {
  const opVal = (source: string) => ({
    _type: 'CustomWeaveType',
    weave_type: { type: 'Op' },
    files: { 'obj.py': source },
    load_op: 'NO_LOAD_OP',
  });
  const remove = (object_id: string, digests?: string[]) =>
    postJson(server.url, '/obj/delete', {
      project_id: PROJECT,
      object_id,
      ...(digests ? { digests } : {}),
    }) as Promise<{ status: number; body: { num_deleted?: number; reason?: string } }>;

  it('keep separate version indexes and latest, in reads, queries and refs', async () => {
    const object0 = await create('scorer', { threshold: 1 });
    const op0 = await create('scorer', opVal('digest-of-source-0'));
    const op1 = await create('scorer', opVal('digest-of-source-1'));
    const object1 = await create('scorer', { threshold: 2 });

    const versions = await query({ filter: { object_ids: ['scorer'] } });
    expect(versions.body.objs.map((obj) => [obj.kind, obj.digest, obj.version_index, obj.is_latest])).toEqual(
      [
        ['object', object0.body.digest, 0, 0],
        ['op', op0.body.digest, 0, 0],
        ['op', op1.body.digest, 1, 1],
        ['object', object1.body.digest, 1, 1],
      ],
    );
    const latestOps = await query({ filter: { object_ids: ['scorer'], is_op: true, latest_only: true } });
    expect(latestOps.body.objs.map((obj) => obj.digest)).toEqual([op1.body.digest]);

    // /obj/read names no kind: of the versions `v1` or `latest` name, the one created first, as
    // Weave's obj_read returns; a digest names one version.
    expect((await read('scorer', 'v1')).body.obj).toMatchObject({ kind: 'op', digest: op1.body.digest });
    expect((await read('scorer', 'latest')).body.obj).toMatchObject({ kind: 'op', digest: op1.body.digest });
    expect((await read('scorer', object1.body.digest)).body.obj).toMatchObject({
      kind: 'object',
      version_index: 1,
      is_latest: 1,
    });

    // A ref's op/object picks the history for `latest` and `v<N>`.
    const refs = (await postJson(server.url, '/refs/read_batch', {
      refs: [
        `weave:///${PROJECT}/op/scorer:v0`,
        `weave:///${PROJECT}/object/scorer:v0`,
        `weave:///${PROJECT}/object/scorer:latest/key/threshold`,
        `weave:///${PROJECT}/op/scorer:latest/key/files`,
      ],
    })) as { status: number; body: { vals: unknown[] } };
    expect(refs.status).toBe(200);
    expect(refs.body.vals).toEqual([
      opVal('digest-of-source-0'),
      { threshold: 1 },
      2,
      { 'obj.py': 'digest-of-source-1' },
    ]);

    // `latest` names a version of each kind here: refused as Weave refuses it, nothing deleted.
    const ambiguous = await remove('scorer', ['latest']);
    expect(ambiguous.status).toBe(404);
    expect(ambiguous.body.reason).toMatch(/"latest" names a version of both the op and the object/);
    expect((await query({ filter: { object_ids: ['scorer'] } })).body.objs).toHaveLength(4);
    // Deleting the op's latest by digest moves only the op's latest.
    expect((await remove('scorer', [op1.body.digest])).body).toEqual({ num_deleted: 1 });
    const latest = await query({ filter: { object_ids: ['scorer'], latest_only: true } });
    expect(latest.body.objs.map((obj) => obj.digest)).toEqual([op0.body.digest, object1.body.digest]);
    expect((await create('scorer', opVal('digest-of-source-2'))).status).toBe(200);
    const ops = await query({ filter: { object_ids: ['scorer'], is_op: true } });
    expect(ops.body.objs.map((obj) => obj.version_index)).toEqual([0, 2]);
  });

  it('/obj/delete takes `latest` and `v<N>` as well as digests', async () => {
    const a = await create('notes', { text: 'a' });
    const b = await create('notes', { text: 'b' });
    const c = await create('notes', { text: 'c' });
    expect((await remove('notes', ['latest'])).body).toEqual({ num_deleted: 1 });
    expect((await read('notes', c.body.digest)).status).toBe(404);
    expect((await read('notes', 'latest')).body.obj).toMatchObject({ digest: b.body.digest });
    // v0 and a's digest name the same version: deleted once.
    expect((await remove('notes', ['v0', a.body.digest])).body).toEqual({ num_deleted: 1 });
    // A deleted version, an index never given, and an alias never set: 404, nothing deleted.
    for (const digests of [['v2'], ['v9'], ['production'], ['latest', 'v0']]) {
      const refused = await remove('notes', digests);
      expect(refused.status, digests.join()).toBe(404);
      expect(refused.body.reason).toMatch(/has no live version/);
    }
    expect((await read('notes', 'latest')).body.obj).toMatchObject({ digest: b.body.digest });
    expect((await remove('notes', ['v1'])).body).toEqual({ num_deleted: 1 });
    expect((await remove('notes')).status).toBe(404);
  });
});

describe('builtin_object_class', () => {
  it('must agree with the class the value carries, and needs an object value', async () => {
    const classed = {
      _type: 'Leaderboard',
      _class_name: 'Leaderboard',
      _bases: ['BaseObject', 'BaseModel'],
      name: 'board',
    };
    const agreed = await create('board', classed, { builtin_object_class: 'Leaderboard' });
    expect(agreed.status).toBe(200);
    // Declaring the class the value already carries changes nothing about its digest.
    expect((await create('board', classed)).body.digest).toBe(agreed.body.digest);
    expect((await read('board', 'latest')).body.obj).toMatchObject({
      base_object_class: 'Leaderboard',
      leaf_object_class: 'Leaderboard',
    });

    const disagreed = await create('board', classed, { builtin_object_class: 'SavedView' });
    expect(disagreed.status).toBe(400);
    expect(disagreed.body.reason).toMatch(/"SavedView" does not match the value's class "Leaderboard"/);
    const alias = await create('board', classed, { set_base_object_class: 'SavedView' });
    expect(alias.status).toBe(400);
    const notAnObject = await create('board', [1, 2], { builtin_object_class: 'Leaderboard' });
    expect(notAnObject.status).toBe(400);
    expect(notAnObject.body.reason).toMatch(/not an object/);

    // A value without a class is stored as sent, under the declared class (see objects-service.ts).
    const plain = await create('view', { name: 'v' }, { builtin_object_class: 'SavedView' });
    expect(plain.status).toBe(200);
    expect((await read('view', 'latest')).body.obj).toMatchObject({
      base_object_class: 'SavedView',
      leaf_object_class: 'SavedView',
      val: { name: 'v' },
    });
  });
});

describe('/refs/read_batch', () => {
  const ref = (kind: string, name: string, digest: string, ...extra: string[]) =>
    [`weave:///${PROJECT}/${kind}/${name}:${digest}`, ...extra].join('/');
  const readRefs = (refs: string[]) =>
    postJson(server.url, '/refs/read_batch', { refs }) as Promise<{
      status: number;
      body: { vals: unknown[]; reason?: string };
    }>;

  it('reads refs in order, through keys, attributes, indexes, table rows and nested refs', async () => {
    const table = (await postJson(server.url, '/table/create', {
      table: {
        project_id: PROJECT,
        rows: [
          { q: 'one', tags: ['a', 'b'] },
          { q: 'two', tags: [] },
        ],
      },
    })) as { body: { digest: string; row_digests: string[] } };
    const dataset = await create('ds', {
      _type: 'Dataset',
      _class_name: 'Dataset',
      _bases: ['Object', 'BaseModel'],
      rows: `weave:///${PROJECT}/table/${table.body.digest}`,
    });
    const wrapper = await create('wrapper', {
      inner: ref('object', 'ds', dataset.body.digest),
      list: [10, 20, 30],
    });
    const res = await readRefs([
      ref('object', 'wrapper', wrapper.body.digest, 'key', 'list', 'index', '1'),
      ref(
        'object',
        'ds',
        dataset.body.digest,
        'attr',
        'rows',
        'id',
        table.body.row_digests[0] as string,
        'key',
        'tags',
      ),
      ref('object', 'wrapper', 'latest', 'key', 'inner', 'attr', '_class_name'),
      ref('object', 'wrapper', wrapper.body.digest, 'key', 'missing'),
      ref('object', 'ds', 'v0'),
    ]);
    expect(res.status).toBe(200);
    expect(res.body.vals).toEqual([
      20,
      ['a', 'b'],
      'Dataset',
      null,
      expect.objectContaining({ _type: 'Dataset', rows: `weave:///${PROJECT}/table/${table.body.digest}` }),
    ]);
  });

  it('reads a deleted object as null, and refuses unknown objects (404) and other ref kinds (400)', async () => {
    const gone = await create('short-lived', { x: 1 });
    await postJson(server.url, '/obj/delete', { project_id: PROJECT, object_id: 'short-lived' });
    expect((await readRefs([ref('object', 'short-lived', gone.body.digest)])).body.vals).toEqual([null]);
    expect((await readRefs([ref('object', 'never', 'x'.repeat(43))])).status).toBe(404);
    expect((await readRefs([`weave:///${PROJECT}/table/abc`])).status).toBe(400);
    expect((await readRefs(['not a ref'])).status).toBe(400);
    expect((await readRefs(Array.from({ length: 1001 }, () => ref('object', 'ds', 'latest')))).status).toBe(
      400,
    );
  });
});

describe('tags and aliases', () => {
  interface Answer {
    status: number;
    body: Record<string, unknown> & { reason?: string; error_type?: string };
  }
  /** Any method, JSON in and out (PUT and GET routes). */
  async function send(method: string, path: string, body?: unknown): Promise<Answer> {
    const res = await fetch(new URL(path, server.url), {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  }
  const versionPath = (object_id: string, digest: string) =>
    `/objs/${encodeURIComponent(object_id)}/versions/${encodeURIComponent(digest)}/tags`;
  const tag = (object_id: string, digest: string, tags: string[], project_id = LABELS) =>
    send('PUT', versionPath(object_id, digest), { project_id, tags });
  const untag = (object_id: string, digest: string, tags: string[]) =>
    send('POST', `${versionPath(object_id, digest)}/remove`, { project_id: LABELS, tags });
  const alias = (object_id: string, digest: string, aliases: string[]) =>
    send('PUT', `/objs/${encodeURIComponent(object_id)}/aliases`, { project_id: LABELS, digest, aliases });
  const unalias = (object_id: string, aliases: string[]) =>
    send('POST', `/objs/${encodeURIComponent(object_id)}/aliases/remove`, { project_id: LABELS, aliases });
  const list = async (what: 'tags' | 'aliases') =>
    (await send('GET', `/${what}?project_id=${encodeURIComponent(LABELS)}`)).body[what] as string[];
  // A project of its own, so that the lists hold only what these tests set.
  const LABELS = 'team/labels';
  const make = (object_id: string, val: unknown) =>
    postJson(server.url, '/obj/create', { obj: { project_id: LABELS, object_id, val } }) as Promise<{
      body: { digest: string };
    }>;
  const readLabelled = (object_id: string, digest: string) =>
    postJson(server.url, '/obj/read', {
      project_id: LABELS,
      object_id,
      digest,
      include_tags_and_aliases: true,
    }) as Promise<{ status: number; body: { obj: Record<string, unknown>; reason?: string } }>;
  const queryLabels = (filter: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    postJson(server.url, '/objs/query', { project_id: LABELS, filter, ...extra }) as Promise<{
      status: number;
      body: { objs: Array<Record<string, unknown>> };
    }>;

  it('tag a version named by digest, latest, v<N> or alias, and list the project’s tags sorted', async () => {
    const v0 = await make('model', { lr: 1 });
    const v1 = await make('model', { lr: 2 });
    expect(await tag('model', v0.body.digest, ['baseline', 'ready for review'])).toEqual({
      status: 200,
      body: {},
    });
    expect((await tag('model', 'latest', ['candidate', 'función'])).status).toBe(200);
    expect((await tag('model', 'v0', ['baseline', 'zz-top'])).status).toBe(200);
    expect((await alias('model', v1.body.digest, ['staging'])).status).toBe(200);
    expect((await tag('model', 'staging', ['via-alias'])).status).toBe(200);

    expect((await readLabelled('model', 'v0')).body.obj).toMatchObject({
      digest: v0.body.digest,
      tags: ['baseline', 'ready for review', 'zz-top'],
      aliases: [],
    });
    // `latest` is synthesised for the latest version and sorted with the stored aliases.
    expect((await readLabelled('model', 'latest')).body.obj).toMatchObject({
      digest: v1.body.digest,
      tags: ['candidate', 'función', 'via-alias'],
      aliases: ['latest', 'staging'],
    });
    // Without include_tags_and_aliases there are no such fields.
    const bare = (await postJson(server.url, '/obj/read', {
      project_id: LABELS,
      object_id: 'model',
      digest: 'latest',
    })) as { body: { obj: Record<string, unknown> } };
    expect(bare.body.obj).not.toHaveProperty('tags');
    expect(bare.body.obj).not.toHaveProperty('aliases');

    expect(await untag('model', 'v0', ['zz-top', 'never-set'])).toEqual({ status: 200, body: {} });
    expect(await list('tags')).toEqual(['baseline', 'candidate', 'función', 'ready for review', 'via-alias']);
    const listed = await queryLabels({ object_ids: ['model'] }, { include_tags_and_aliases: true });
    expect(listed.body.objs.map((obj) => [obj.version_index, obj.tags, obj.aliases])).toEqual([
      [0, ['baseline', 'ready for review'], []],
      [1, ['candidate', 'función', 'via-alias'], ['latest', 'staging']],
    ]);
  });

  it('refuse bad tags and aliases with a 400 naming the value, changing nothing', async () => {
    const made = await make('checked', { x: 1 });
    for (const bad of ['two  spaces', ' leading', 'trailing ', 'bang!', 'a/b', '', 'x'.repeat(257)]) {
      const res = await tag('checked', made.body.digest, ['fine', bad]);
      expect(res.status, bad).toBe(400);
      expect(res.body.reason, bad).toContain(bad === '' ? 'tag ""' : JSON.stringify(bad).slice(0, 40));
    }
    // Letters and digits of any script, as Python's \w; 256 characters counted as code points.
    expect((await tag('checked', 'latest', ['модель-1', '模型_二', '𠀀'.repeat(256)])).status).toBe(200);
    for (const bad of ['latest', 'v3', 'a/b', 'a:b', '', 'x'.repeat(129)]) {
      const res = await alias('checked', made.body.digest, ['fine', bad]);
      expect(res.status, bad).toBe(400);
      expect(res.body.reason, bad).toContain(bad === '' ? 'empty' : JSON.stringify(bad).slice(0, 40));
      expect((await unalias('checked', [bad])).status, bad).toBe(400);
    }
    expect(
      (await alias('checked', made.body.digest, ['v1.0', 'prod env', '🚀', 'x'.repeat(128)])).status,
    ).toBe(200);
    const labelled = await readLabelled('checked', 'latest');
    expect(labelled.body.obj.tags).not.toContain('fine');
    expect(labelled.body.obj.aliases).not.toContain('fine');
    expect((await send('GET', '/tags')).status).toBe(400);
    expect((await send('PUT', versionPath('checked', 'latest'), { project_id: LABELS })).status).toBe(400);
  });

  it('answer 404 for an unknown object, version or alias, and for a deleted version', async () => {
    const made = await make('short', { x: 1 });
    for (const res of [
      await tag('never-made', 'latest', ['a']),
      await tag('short', 'x'.repeat(43), ['a']),
      await tag('short', 'v7', ['a']),
      await tag('short', 'no-such-alias', ['a']),
      await untag('short', 'v7', ['a']),
      await alias('short', 'v7', ['prod']),
      await alias('never-made', 'latest', ['prod']),
      await unalias('never-made', ['prod']),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error_type).toBe('NotFound');
    }
    await postJson(server.url, '/obj/delete', { project_id: LABELS, object_id: 'short' });
    expect((await tag('short', made.body.digest, ['a'])).status).toBe(404);
    expect((await alias('short', made.body.digest, ['prod'])).status).toBe(404);
  });

  it('point an alias at one version and move it; reads, queries, refs and deletes go through it', async () => {
    const a = await make('prompt', { text: 'a' });
    const b = await make('prompt', { text: 'b' });
    const c = await make('prompt', { text: 'c' });
    expect(await alias('prompt', a.body.digest, ['production', 'first'])).toEqual({ status: 200, body: {} });
    expect((await readLabelled('prompt', 'production')).body.obj).toMatchObject({ digest: a.body.digest });
    // Setting it on another version moves it; an alias can name the version too.
    expect((await alias('prompt', 'v1', ['production'])).status).toBe(200);
    expect((await alias('prompt', 'production', ['candidate'])).status).toBe(200);
    expect((await readLabelled('prompt', 'production')).body.obj).toMatchObject({
      digest: b.body.digest,
      aliases: ['candidate', 'production'],
    });
    await tag('prompt', c.body.digest, ['newest']);

    const filtered = async (filter: Record<string, unknown>) =>
      (await queryLabels({ object_ids: ['prompt'], ...filter })).body.objs.map((obj) => obj.digest);
    expect(await filtered({ aliases: ['production'] })).toEqual([b.body.digest]);
    expect(await filtered({ aliases: ['first', 'latest'] })).toEqual([a.body.digest, c.body.digest]);
    expect(await filtered({ tags: ['newest', 'nothing'] })).toEqual([c.body.digest]);
    expect(await filtered({ tags: ['newest'], aliases: ['first'] })).toEqual([]);

    const refs = (await postJson(server.url, '/refs/read_batch', {
      refs: [
        `weave:///${LABELS}/object/prompt:production/key/text`,
        `weave:///${LABELS}/object/prompt:first`,
      ],
    })) as { status: number; body: { vals: unknown[] } };
    expect(refs.body).toEqual({ vals: ['b', { text: 'a' }] });
    expect(await list('aliases')).toEqual(expect.arrayContaining(['candidate', 'first', 'production']));

    expect(await unalias('prompt', ['first', 'never-set'])).toEqual({ status: 200, body: {} });
    expect((await readLabelled('prompt', 'first')).status).toBe(404);
    // Deleting through an alias deletes the version it points at, with its tags and aliases.
    expect(
      (
        await postJson(server.url, '/obj/delete', {
          project_id: LABELS,
          object_id: 'prompt',
          digests: ['production'],
        })
      ).body,
    ).toEqual({
      num_deleted: 1,
    });
    expect((await readLabelled('prompt', b.body.digest)).status).toBe(404);
    expect((await readLabelled('prompt', 'production')).status).toBe(404);
    expect(await list('aliases')).not.toContain('production');
    expect(await list('aliases')).not.toContain('candidate');
    await postJson(server.url, '/obj/delete', {
      project_id: LABELS,
      object_id: 'prompt',
      digests: [c.body.digest],
    });
    expect(await list('tags')).not.toContain('newest');
  });

  it('share aliases between an op and an object of one name; `latest` naming both is refused', async () => {
    const object = await make('scorer', { threshold: 1 });
    const op = await make('scorer', { _type: 'CustomWeaveType', weave_type: { type: 'Op' }, files: {} });
    const refused = await tag('scorer', 'latest', ['x']);
    expect(refused.status).toBe(404);
    expect(refused.body.reason).toMatch(/"latest" names a version of both the op and the object/);
    expect((await alias('scorer', 'v0', ['prod'])).status).toBe(404);

    expect((await alias('scorer', object.body.digest, ['prod'])).status).toBe(200);
    expect((await alias('scorer', op.body.digest, ['prod'])).status).toBe(200);
    const versions = await queryLabels({ object_ids: ['scorer'] }, { include_tags_and_aliases: true });
    // Each kind's latest gets `latest`; `prod` moved to the op.
    expect(versions.body.objs.map((obj) => [obj.kind, obj.aliases])).toEqual([
      ['object', ['latest']],
      ['op', ['latest', 'prod']],
    ]);
    const refs = (await postJson(server.url, '/refs/read_batch', {
      refs: [`weave:///${LABELS}/op/scorer:prod/key/files`],
    })) as { body: { vals: unknown[] } };
    expect(refs.body.vals).toEqual([{}]);
  });

  it('takes names of the full length in paths, refuses digest-like and ill-formed aliases, and answers router errors in its own shape', async () => {
    const longId = '𠀀'.repeat(128);
    const { digest } = (await make(longId, { long: true })).body;
    expect((await tag(longId, digest, ['wide'])).status).toBe(200);
    const longAlias = 'a'.repeat(128);
    expect((await alias(longId, digest, [longAlias])).status).toBe(200);
    expect((await tag(longId, longAlias, ['by-alias'])).status).toBe(200);
    expect((await readLabelled(longId, longAlias)).body.obj).toMatchObject({ tags: ['by-alias', 'wide'] });
    expect((await tag('𠀀'.repeat(129), digest, ['x'])).status).toBe(400);

    const other = (await make('hashlike', { n: 1 })).body.digest;
    for (const bad of [other, 'Z'.repeat(43), 'f'.repeat(64), '\ud800x']) {
      const refused = await alias('hashlike', other, [bad]);
      expect(refused.status, bad).toBe(400);
      expect(refused.body.error_type).toBe('InvalidRequest');
    }
    const badUrl = await send('PUT', '/objs/%E0%A4%A/versions/latest/tags', {
      project_id: LABELS,
      tags: ['x'],
    });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body).toMatchObject({ error_type: 'InvalidRequest' });
    expect(typeof badUrl.body.reason).toBe('string');
  });
});
