/**
 * Versioned objects through the SDK against the real `weft serve` process: publish and get, ops
 * saved as versions with their source, Datasets as tables, published values recorded as refs in
 * call inputs, and deleting versions.
 */
import { bytesDigest, objectDigest } from '@weft/protocol/digest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Dataset,
  HttpTraceServer,
  init,
  ObjectRef,
  op,
  publish,
  ref,
  registerObjectClass,
  resetClient,
  TraceServerError,
  type WeaveClient,
  WeaveClient as WeaveClientClass,
  WeaveObject,
} from 'weft';
import { removeDataDir, startWeftServer, type WeftServerProcess } from '../../../test/support/weft-server.js';

let server: WeftServerProcess;
let client: WeaveClient;
const PROJECT = 'tests/objects';

beforeAll(async () => {
  server = await startWeftServer();
  client = init(PROJECT, { serverUrl: server.url });
});

afterAll(async () => {
  await client.flush();
  resetClient();
  await server.stop();
  removeDataDir(server.dataDir);
});

async function post(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Raw bytes (file content).
  }
  return { status: response.status, body: parsed };
}

describe('publish and get', () => {
  it('reads a published value back; the same content keeps its digest in any key order, new content is a new version', async () => {
    const first = await publish({ model: 'gpt-x', temperature: 0.5, tags: ['a', 'b'] }, 'config');
    expect(first).toBeInstanceOf(ObjectRef);
    expect(first.uri).toMatch(/^weave:\/\/\/tests\/objects\/object\/config:[A-Za-z0-9]{43}$/);
    expect(await first.get()).toEqual({ model: 'gpt-x', temperature: 0.5, tags: ['a', 'b'] });

    const reordered = await client.publish({ tags: ['a', 'b'], temperature: 0.5, model: 'gpt-x' }, 'config');
    expect(reordered.digest).toBe(first.digest);
    const changed = await client.publish({ model: 'gpt-y', temperature: 0.5, tags: ['a', 'b'] }, 'config');
    expect(changed.digest).not.toBe(first.digest);

    expect(await client.get(`weave:///${PROJECT}/object/config:latest`)).toMatchObject({ model: 'gpt-y' });
    expect(await client.get(`weave:///${PROJECT}/object/config:v0`)).toMatchObject({ model: 'gpt-x' });
    // A ref string and a parsed ref read the same thing.
    expect(await ref(changed.uri).get()).toEqual(await client.get(changed));
  });

  it('deletes an object version: latest goes back to the one before, and the deleted one no longer reads', async () => {
    const v0 = await client.publish({ step: 0 }, 'deletable');
    const v1 = await client.publish({ step: 1 }, 'deletable');
    await client.deleteObjectVersion(v1);
    expect(await client.get(`weave:///${PROJECT}/object/deletable:latest`)).toEqual({ step: 0 });
    await expect(client.get(v1)).rejects.toMatchObject({ status: 404 });
    // A value read back knows its version, so it can be deleted by itself.
    const loaded = await client.get(v0);
    await client.deleteObjectVersion(loaded as object);
    await expect(client.get(v0)).rejects.toMatchObject({ status: 404 });
  });

  it('reads latest and vN from the ref’s own history when an op and an object share a name', async () => {
    const twin = op(function twin() {
      return 'op';
    });
    twin();
    await client.flush();
    await client.publish({ kind: 'object, first' }, 'twin');
    await client.publish({ kind: 'object, second' }, 'twin');
    expect(await client.get(`weave:///${PROJECT}/op/twin:latest`)).toBe(twin);
    expect(await client.get(`weave:///${PROJECT}/op/twin:v0`)).toBe(twin);
    expect(await client.get(`weave:///${PROJECT}/object/twin:latest`)).toEqual({ kind: 'object, second' });
    expect(await client.get(`weave:///${PROJECT}/object/twin:v0`)).toEqual({ kind: 'object, first' });
    await expect(client.get(`weave:///${PROJECT}/op/twin:v1`)).rejects.toMatchObject({ status: 404 });
  });

  it('deletes `latest` of the ref’s own kind when an op and an object share a name', async () => {
    const pair = op(function pair() {
      return 1;
    });
    pair();
    await client.flush();
    await client.publish({ first: true }, 'pair');
    await client.publish({ second: true }, 'pair');
    await client.deleteObjectVersion(`weave:///${PROJECT}/object/pair:latest`);
    expect(await client.get(`weave:///${PROJECT}/object/pair:latest`)).toEqual({ first: true });
    expect(await client.get(`weave:///${PROJECT}/op/pair:latest`)).toBe(pair);
  });

  it('keeps a ref that no longer reads as a Ref inside a value, and text that only looks like a ref', async () => {
    const gone = await client.publish({ soon: 'deleted' }, 'gone');
    const holder = await client.publish(
      { link: gone, docs: 'weave:///docs', call: `weave:///${PROJECT}/call/1` },
      'holder',
    );
    await client.deleteObjectVersion(gone);
    const loaded = (await client.get(holder)) as Record<string, unknown>;
    expect(loaded.link).toBeInstanceOf(ObjectRef);
    expect((loaded.link as ObjectRef).uri).toBe(gone.uri);
    expect(loaded.docs).toBe('weave:///docs');
    expect(loaded.call).toBe(`weave:///${PROJECT}/call/1`);
    // The root itself still fails plainly.
    await expect(client.get(gone)).rejects.toMatchObject({ status: 404 });
    // A URI that does not parse is an error of the call, returned as a rejected promise.
    await expect(client.get('weave:///nope')).rejects.toThrow(/too few parts/);
  });

  it('reads and deletes a version by an alias set on the server', async () => {
    const first = await client.publish({ stage: 'one' }, 'aliased');
    await client.publish({ stage: 'two' }, 'aliased');
    const response = await fetch(`${server.url}/objs/aliased/aliases`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ project_id: PROJECT, digest: first.digest, aliases: ['production'] }),
    });
    expect(response.status).toBe(200);
    const production = `weave:///${PROJECT}/object/aliased:production`;
    expect(await client.get(production)).toEqual({ stage: 'one' });
    await client.deleteObjectVersion(production);
    await expect(client.get(first)).rejects.toMatchObject({ status: 404 });
    expect(await client.get(`weave:///${PROJECT}/object/aliased:latest`)).toEqual({ stage: 'two' });
  });

  it('cleans up names that are no valid object ids', async () => {
    const published = await client.publish({ x: 1 }, 'my config / v2!');
    expect(published.name).toBe('my-config-v2');
    expect(await published.get()).toEqual({ x: 1 });
    // Letters and digits of any script are valid, as Python's \w takes them.
    expect((await client.publish({ x: 2 }, 'configuración ²')).name).toBe('configuración-²');
  });

  it('returns the stored JSON as it is without objectify', async () => {
    const inner = await client.publish({ leaf: true }, 'inner');
    const outer = await client.publish({ child: inner, list: [inner] }, 'outer');
    expect(await client.get(outer, { objectify: false })).toEqual({ child: inner.uri, list: [inner.uri] });
    expect(await client.get(outer)).toEqual({ child: { leaf: true }, list: [{ leaf: true }] });
  });
});

class Assistant extends WeaveObject {
  persona: string;
  answer = op(function answer(question: string) {
    return `42: ${question}`;
  });
  _cache = 'not stored';

  constructor(fields: { name: string; persona: string }) {
    super({ name: fields.name });
    this.persona = fields.persona;
  }
}

class Team extends WeaveObject {
  constructor(
    fields: { name: string },
    public lead: Assistant,
  ) {
    super(fields);
  }
}

describe('published classes', () => {
  it('stores a WeaveObject with its class and bases, its op and nested object as refs, and rebuilds it', async () => {
    const lead = new Assistant({ name: 'Ada Lovelace', persona: 'precise' });
    const teamRef = await client.publish(new Team({ name: 'core' }, lead));
    expect(teamRef.name).toBe('core');

    const stored = (await client.get(teamRef, { objectify: false })) as Record<string, unknown>;
    expect(stored).toMatchObject({
      _type: 'Team',
      _class_name: 'Team',
      _bases: ['Object', 'BaseModel'],
      name: 'core',
    });
    expect(stored.lead).toMatch(/^weave:\/\/\/tests\/objects\/object\/Ada-Lovelace:/);
    const leadStored = (await client.get(stored.lead as string, { objectify: false })) as Record<
      string,
      unknown
    >;
    expect(leadStored.answer).toMatch(/^weave:\/\/\/tests\/objects\/op\/answer:/);
    expect(leadStored).not.toHaveProperty('_cache');

    const team = (await client.get(teamRef)) as Team;
    expect(team).toBeInstanceOf(Team);
    expect(team.lead).toBeInstanceOf(Assistant);
    expect(team.lead.persona).toBe('precise');
    // The op of this process comes back as the op itself, so it still runs.
    expect(team.lead.answer('why')).toBe('42: why');
  });

  it('rebuilds a class registered under another name', async () => {
    class Settings {
      constructor(public level: number) {}
      doubled(): number {
        return this.level * 2;
      }
    }
    registerObjectClass(Settings, 'SettingsV2');
    const published = await client.publish(new Settings(4), 'settings');
    const stored = (await client.get(published, { objectify: false })) as Record<string, unknown>;
    expect(stored).toMatchObject({ _class_name: 'SettingsV2', level: 4 });
    const loaded = (await client.get(published)) as Settings;
    expect(loaded).toBeInstanceOf(Settings);
    expect(loaded.doubled()).toBe(8);
  });
});

describe('ops as versions', () => {
  it('saves an op with its source the first time it runs; op_name is its ref and reads back as the op', async () => {
    function shout(text: string) {
      return text.toUpperCase();
    }
    const shoutOp = op(shout);
    const [, call] = shoutOp.invoke('hi');
    await client.flush();
    const opRef = ref(call!.op_name) as ObjectRef;
    expect(opRef.kind).toBe('op');
    expect(opRef.name).toBe('shout');

    const read = await post('/obj/read', { project_id: PROJECT, object_id: 'shout', digest: opRef.digest });
    expect(read.status).toBe(200);
    const obj = (read.body as { obj: { kind: string; val: { files: Record<string, string> } } }).obj;
    expect(obj.kind).toBe('op');
    const content = await post('/file/content', { project_id: PROJECT, digest: obj.val.files['obj.py'] });
    expect(content.body).toBe(shout.toString());

    expect(await client.get(opRef)).toBe(shoutOp);
  });

  it('gives an unchanged body the same digest, computable from the source alone, and a changed body a new one', async () => {
    const stable = function stable(n: number) {
      return n + 1;
    };
    const [, first] = op(stable).invoke(1);
    const [, second] = op(stable).invoke(2);
    expect(second!.op_name).toBe(first!.op_name);
    // The digest is the op object's, over the file digest of the function's own source text.
    const val = {
      _type: 'CustomWeaveType',
      weave_type: { type: 'Op' },
      files: { 'obj.py': bytesDigest(stable.toString()) },
      load_op: 'NO_LOAD_OP',
    };
    expect(first!.op_name).toBe(`weave:///${PROJECT}/op/stable:${objectDigest(val)}`);

    const changed = op(function stable(n: number) {
      return n + 2;
    });
    const [, third] = changed.invoke(3);
    expect(third!.op_name).not.toBe(first!.op_name);
    await client.flush();
    const versions = await post('/objs/query', {
      project_id: PROJECT,
      filter: { object_ids: ['stable'], is_op: true },
    });
    expect((versions.body as { objs: unknown[] }).objs).toHaveLength(2);
  });

  it('uploads an op once per client, not once per call, and sends its calls after the op is stored', async () => {
    const requests: string[] = [];
    class CountingServer extends HttpTraceServer {
      override fileCreate(req: Parameters<HttpTraceServer['fileCreate']>[0]) {
        requests.push('file/create');
        return super.fileCreate(req);
      }
      override objCreate(req: Parameters<HttpTraceServer['objCreate']>[0]) {
        requests.push('obj/create');
        return super.objCreate(req);
      }
      override callUpsertBatchEncoded(body: Uint8Array, options?: { signal?: AbortSignal }) {
        requests.push('call/upsert_batch');
        return super.callUpsertBatchEncoded(body, options);
      }
      override callsCompleteEncoded(projectId: string, body: Uint8Array, options?: { signal?: AbortSignal }) {
        requests.push('calls/complete');
        return super.callsCompleteEncoded(projectId, body, options);
      }
    }
    const counted = new WeaveClientClass('tests', 'objects-counted', new CountingServer(server.url));
    const tally = op(function tally(n: number) {
      return n;
    });
    for (let i = 0; i < 5; i++) counted.finishCall(counted.createCall(tally, { n: i }), i);
    await counted.flush();
    expect(requests).toEqual(['file/create', 'obj/create', 'calls/complete']);
    // A plain function given to createCall is one op too, saved once.
    requests.length = 0;
    const plain = (n: number) => n * 2;
    for (let i = 0; i < 3; i++) counted.finishCall(counted.createCall(plain, { n: i }), i * 2);
    await counted.flush();
    expect(requests).toEqual(['file/create', 'obj/create', 'calls/complete']);
    expect(counted.stats.failedSaves).toBe(0);
    const calls = await counted.getCalls().toArray();
    expect(calls).toHaveLength(8);
  });

  it('still sends the calls of an op that cannot be saved, counts the failure, and tries again later', async () => {
    class NoObjects extends HttpTraceServer {
      override objCreate(): Promise<never> {
        return Promise.reject(new TraceServerError('POST /obj/create returned 400: refused', 400, 'refused'));
      }
    }
    const failing = new WeaveClientClass('tests', 'objects-unsaved', new NoObjects(server.url));
    const unsaved = op(function unsaved(n: number) {
      return n;
    });
    for (let i = 0; i < 3; i++) failing.finishCall(failing.createCall(unsaved, { n: i }), i);
    await failing.flush();
    // Tried once, not once per call; no unhandled rejection reaches the process (vitest fails on one).
    expect(failing.stats.failedSaves).toBe(1);
    expect((await failing.getCalls().toArray()).map((call) => call.output)).toEqual([0, 1, 2]);
    // publish, unlike a call, reports it: the value would point at an op the server lacks.
    await expect(failing.publish({ tool: unsaved }, 'with-unsaved-op')).rejects.toThrow(/refused/);
  });

  it('sends calls when an op save hangs, after waiting opSaveWaitMs', async () => {
    class HangingFiles extends HttpTraceServer {
      override fileCreate(): Promise<never> {
        return new Promise(() => {});
      }
    }
    const hanging = new WeaveClientClass('tests', 'objects-hanging', new HangingFiles(server.url), {
      opSaveWaitMs: 200,
    });
    const stuck = op(function stuck() {
      return 'done';
    });
    hanging.finishCall(hanging.createCall(stuck, {}), 'done');
    await hanging.flush();
    expect((await hanging.getCalls().toArray()).map((call) => call.output)).toEqual(['done']);
  });

  it('deletes an op version', async () => {
    const doomed = op(function doomed() {
      return 1;
    });
    const [, call] = doomed.invoke();
    await client.flush();
    await client.deleteOpVersion(doomed);
    await expect(client.get(call!.op_name)).rejects.toMatchObject({ status: 404 });
    await expect(client.deleteObjectVersion(call!.op_name)).rejects.toThrow(/not an object ref/);
  });

  it('reads an op saved by other code as a stand-in that shows its source and refuses to run', async () => {
    const source = 'function foreign(x) { return x * 3; }';
    const form = new FormData();
    form.append('project_id', PROJECT);
    form.append('file', new Blob([source]), 'obj.py');
    expect((await fetch(`${server.url}/file/create`, { method: 'POST', body: form })).status).toBe(200);
    const created = await post('/obj/create', {
      obj: {
        project_id: PROJECT,
        object_id: 'foreign',
        val: {
          _type: 'CustomWeaveType',
          weave_type: { type: 'Op' },
          files: { 'obj.py': bytesDigest(source) },
          load_op: 'NO_LOAD_OP',
        },
      },
    });
    const digest = (created.body as { digest: string }).digest;
    const loaded = (await client.get(`weave:///${PROJECT}/op/foreign:${digest}`)) as (() => unknown) & {
      source: string;
      opName: string;
    };
    expect(loaded.source).toBe(source);
    expect(loaded.opName).toBe('foreign');
    expect(() => loaded()).toThrow(/does not run code read from a server/);
  });
});

describe('Dataset', () => {
  it('stores rows as a table; iterable and indexable; reads back as a Dataset', async () => {
    const dataset = new Dataset({
      name: 'questions',
      description: 'three rows',
      rows: [
        { id: 1, question: '1+1?', expected: '2' },
        { id: 2, question: '2+2?', expected: '4' },
        { id: 3, question: '3+3?', expected: '6' },
      ],
    });
    expect(dataset.length).toBe(3);
    expect(dataset.row(-1).expected).toBe('6');
    expect(() => dataset.row(3)).toThrow(RangeError);
    expect([...dataset].map((row) => row.id)).toEqual([1, 2, 3]);

    const datasetRef = await dataset.save();
    const stored = (await client.get(datasetRef, { objectify: false })) as Record<string, unknown>;
    expect(stored).toMatchObject({ _type: 'Dataset', _class_name: 'Dataset', name: 'questions' });
    expect(stored.rows).toMatch(/^weave:\/\/\/tests\/objects\/table\/[0-9a-f]{64}$/);
    const table = await post('/table/query', {
      project_id: PROJECT,
      digest: (stored.rows as string).split('/').pop(),
    });
    expect((table.body as { rows: { val: unknown }[] }).rows.map((row) => row.val)).toEqual(dataset.rows);

    const loaded = (await client.get(datasetRef)) as Dataset;
    expect(loaded).toBeInstanceOf(Dataset);
    expect(loaded.description).toBe('three rows');
    expect(loaded.rows).toEqual(dataset.rows);
    expect(loaded.getRow(1).question).toBe('2+2?');
  });

  it('records rows and published values passed to ops as refs, which read back and filter by input_refs', async () => {
    const dataset = new Dataset({ name: 'tiny', rows: [{ q: 'a' }, { q: 'b' }] });
    const datasetRef = await client.publish(dataset);
    const settings = { level: 3 };
    const settingsRef = await client.publish(settings, 'level-settings');

    const answer = op(function answerRow(row: { q: string }, options: { level: number }) {
      return `${row.q}:${options.level}`;
    });
    const [output, call] = answer.invoke(dataset.row(1), settings);
    expect(output).toBe('b:3');
    const rowRef = call!.inputs.arg0 as string;
    expect(rowRef).toMatch(new RegExp(`^${datasetRef.uri}/attr/rows/id/[A-Za-z0-9]{43}$`));
    expect(call!.inputs.arg1).toBe(settingsRef.uri);

    const read = await post('/refs/read_batch', { refs: [rowRef] });
    expect(read.body).toEqual({ vals: [{ q: 'b' }] });
    expect(await client.get(rowRef)).toEqual({ q: 'b' });

    const found = await client.getCalls({ filter: { input_refs: [settingsRef.uri] } }).toArray();
    expect(found.map((each) => each.id)).toEqual([call!.id]);

    // Rows of a Dataset read back carry their refs too.
    const loaded = (await client.get(datasetRef)) as Dataset<{ q: string }>;
    const [, again] = answer.invoke(loaded.row(0), { level: 1 });
    const loadedRowRef = again!.inputs.arg0 as string;
    expect(loadedRowRef).toMatch(new RegExp(`^${datasetRef.uri}/attr/rows/id/[A-Za-z0-9]{43}$`));
    expect(loadedRowRef).not.toBe(rowRef);
    expect(await client.get(loadedRowRef)).toEqual({ q: 'a' });
  });

  it('sends a large Dataset in several requests and keeps every row in order', async () => {
    const padding = 'x'.repeat(5000);
    const rows = Array.from({ length: 2000 }, (_, index) => ({ index, padding }));
    const datasetRef = await client.publish(new Dataset({ name: 'large', rows }));
    const loaded = (await client.get(datasetRef)) as Dataset<{ index: number }>;
    expect(loaded.length).toBe(2000);
    expect(loaded.rows.map((row) => row.index)).toEqual(rows.map((row) => row.index));
  });
});
