/**
 * The official Weave TypeScript SDK (weave@0.11.1, pinned in this package) logs to weft unchanged.
 *
 * The real built `weft serve` runs on 127.0.0.1; each scenario group of scenarios.cjs runs the
 * official SDK in its own node process (it keeps global state, may exit its process, and writes
 * weaveErrors.log into its cwd). Every group must exit 0 with every request it made answered 2xx;
 * then what it logged is read back through weft's HTTP API and weft's own SDK.
 *
 * Not covered: EvaluationLogger, which logs its scores with /feedback/create (a later issue).
 */
import { readFileSync } from 'node:fs';
import { parseRef } from '@weft/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Call, Dataset, init, op, resetClient } from 'weft';
import { objectName, type WeftReader, weftReader } from '../support/weft-reads.js';
import { removeDataDir, startWeftServer, type WeftServerProcess } from '../support/weft-server.js';
import {
  FAKE_USAGE,
  type FakeOpenAI,
  type GroupRun,
  type RecordingProxy,
  runGroup,
  SCENARIOS_PATH,
  startFakeOpenAI,
  startRecordingProxy,
} from './support.js';

const GROUPS = ['ops', 'objects', 'evaluation', 'openai'] as const;
type Group = (typeof GROUPS)[number];
const projectOf = (group: Group) => `weave-compat/${group}`;
const SCRIPT_TEXT = readFileSync(SCENARIOS_PATH, 'utf8');

let server: WeftServerProcess;
let proxy: RecordingProxy;
let openai: FakeOpenAI;
const runs = new Map<Group, GroupRun>();

beforeAll(async () => {
  server = await startWeftServer();
  reader = weftReader(server.url);
  proxy = await startRecordingProxy(server.url);
  openai = await startFakeOpenAI();
  // The groups use separate projects, so they run side by side.
  const done = await Promise.all(
    GROUPS.map((group) =>
      runGroup(group, {
        traceServerUrl: proxy.urlFor(group),
        project: projectOf(group),
        fakeOpenAIUrl: openai.baseUrl,
      }),
    ),
  );
  for (const run of done) runs.set(run.group as Group, run);
}, 120_000);

afterAll(async () => {
  resetClient();
  await openai?.close();
  await proxy?.close();
  if (server) {
    await server.stop();
    removeDataDir(server.dataDir);
  }
});

// ---- reading back --------------------------------------------------------------------------

/** The group's run, after checking it completed cleanly; returns its RESULT line. */
function completed<T>(group: Group): T {
  const run = runs.get(group);
  expect(run, `group ${group} did not run`).toBeDefined();
  const context = `group ${group}\nstdout:\n${run!.stdout}\nstderr:\n${run!.stderr}`;
  expect(run!.exitCode, context).toBe(0);
  expect(run!.signal, context).toBeNull();
  // The SDK logs failed batches and file uploads to stderr and weaveErrors.log without failing.
  expect(run!.weaveErrorsLog, context).toBeUndefined();
  expect(run!.stderr, context).not.toMatch(/Error (processing batch|saving)/);
  // A 2xx that dropped items is a failure the SDK never sees (recording-proxy.ts).
  const failed = proxy
    .exchanges(group)
    .filter((exchange) => exchange.status >= 300 || exchange.dropped !== undefined);
  expect(failed, context).toEqual([]);
  expect(run!.result, context).toBeDefined();
  return run!.result as T;
}

/** The routes a group's SDK used, each once. */
function routesUsed(group: Group): string[] {
  return [...new Set(proxy.exchanges(group).map((exchange) => `${exchange.method} ${exchange.path}`))].sort();
}

async function weftCalls(group: Group): Promise<Call[]> {
  const client = init(projectOf(group), { serverUrl: server.url });
  return client.getCalls({ sortBy: [{ field: 'started_at', direction: 'asc' }] }).toArray();
}

let reader: WeftReader;

function only<T>(items: readonly T[], what: string): T {
  expect(items, what).toHaveLength(1);
  return items[0]!;
}

function callById(calls: readonly Call[], id: string): Call {
  return only(
    calls.filter((call) => call.id === id),
    `call ${id}`,
  );
}

function byOp(calls: readonly Call[], name: string): Call[] {
  return calls.filter((call) => objectName(call.op_name) === name);
}

const status = (call: Call) => call.summary.weave?.status;

// ---- the scenarios ---------------------------------------------------------------------------

interface Ids {
  callId: string;
  traceId: string;
}

interface OpsResult {
  results: Record<string, unknown>;
  seen: Record<'add' | 'addAsync' | 'pipeline' | 'survivor' | 'renamed' | 'fragile', Ids>;
  greetCallId: string;
  read: {
    allCount: number;
    rootCount: number;
    rootOpNames: string[];
    doubleCount: number;
    byTraceCount: number;
    pipeline: { id: string; output: unknown; status: string };
    greetDisplayName: string;
    children: string[];
    missing: string;
  };
}

describe('plain, nested, failing and async ops', () => {
  it('run to completion in the official SDK, every request answered 2xx', () => {
    const result = completed<OpsResult>('ops');
    expect(result.results).toEqual({
      add: 3,
      addAsync: 7,
      pipeline: 21,
      survivor: 'recovered',
      renamed: 'r',
      fragile: 'threw: propagated',
      greetCarol: 'hi Carol',
      greet: 'hi Bob',
    });
    expect(routesUsed('ops')).toEqual([
      'GET /health',
      'POST /call/update',
      'POST /call/upsert_batch',
      'POST /calls/stream_query',
      'POST /file/create',
      'POST /obj/create',
    ]);
  });

  it('are stored as the right trees, read back through weft', async () => {
    const { seen } = completed<OpsResult>('ops');
    const calls = await weftCalls('ops');
    // add, addAsync, pipeline + 2 doubles, survivor + boom, renamed, fragile + boom, greet ×2.
    expect(calls).toHaveLength(12);
    const roots = calls.filter((call) => call.parent_id === null);
    expect(roots.map((call) => objectName(call.op_name))).toEqual([
      'add',
      'addAsync',
      'pipeline',
      'survivor',
      'custom.op-name',
      'fragile',
      'greet',
      'greet',
    ]);
    // The SDK gives every root a fresh trace id that is not its call id; children inherit it.
    for (const [name, ids] of Object.entries(seen)) {
      const root = callById(calls, ids.callId);
      expect([root.parent_id, root.trace_id], name).toEqual([null, ids.traceId]);
      expect(root.trace_id, name).not.toBe(root.id);
    }

    const pipeline = callById(calls, seen.pipeline.callId);
    expect(pipeline.inputs).toEqual({ arg0: 5 });
    expect(pipeline.output).toBe(21);
    const doubles = byOp(calls, 'double');
    expect(doubles.map((call) => [call.parent_id, call.trace_id, call.inputs, call.output])).toEqual([
      [pipeline.id, pipeline.trace_id, { arg0: 5 }, 10],
      [pipeline.id, pipeline.trace_id, { arg0: 10 }, 20],
    ]);
    const add = callById(calls, seen.add.callId);
    expect([add.inputs, add.output, status(add)]).toEqual([{ arg0: 1, arg1: 2 }, 3, 'success']);
    expect(add.attributes).toMatchObject({ weave: { client_version: '0.11.1', source: 'js-sdk' } });
    const addAsync = callById(calls, seen.addAsync.callId);
    expect([addAsync.output, status(addAsync)]).toEqual([7, 'success']);
    // It slept 5 ms (a timer may fire a millisecond early).
    expect(addAsync.ended_at!.getTime()).toBeGreaterThanOrEqual(addAsync.started_at.getTime() + 4);
  });

  it('record errors: the failing call, a parent that caught it, and one that did not', async () => {
    const { seen } = completed<OpsResult>('ops');
    const calls = await weftCalls('ops');
    const client = init(projectOf('ops'), { serverUrl: server.url });
    const survivor = await client.getCall(seen.survivor.callId);
    expect([survivor.output, survivor.exception, status(survivor)]).toEqual([
      'recovered',
      null,
      'descendant_error',
    ]);
    const fragile = await client.getCall(seen.fragile.callId);
    expect([fragile.output, fragile.exception, status(fragile)]).toEqual([null, 'propagated', 'error']);
    const booms = byOp(calls, 'boom');
    expect(
      booms.map((call) => [call.parent_id, call.trace_id, call.inputs, call.exception, status(call)]),
    ).toEqual([
      [survivor.id, survivor.trace_id, { arg0: 'child failed' }, 'child failed', 'error'],
      [fragile.id, fragile.trace_id, { arg0: 'propagated' }, 'propagated', 'error'],
    ]);
    const errors = await client
      .getCalls({
        filter: {},
        query: { $expr: { $eq: [{ $getField: 'summary.weave.status' }, { $literal: 'error' }] } },
      })
      .toArray();
    expect(errors.map((call) => objectName(call.op_name)).sort()).toEqual(['boom', 'boom', 'fragile']);
  });

  it('keep op names, callDisplayName names and a rename after the call ended', async () => {
    const { seen, greetCallId } = completed<OpsResult>('ops');
    const calls = await weftCalls('ops');
    const renamed = callById(calls, seen.renamed.callId);
    expect(renamed.op_name).toMatch(/^weave:\/\/\/weave-compat\/ops\/op\/custom\.op-name:[A-Za-z0-9]{43}$/);
    expect(renamed.summary.weave?.trace_name).toBe('custom.op-name');
    expect(renamed.display_name).toBeNull();
    const greets = byOp(calls, 'greet');
    expect(greets.map((call) => [call.inputs, call.display_name])).toEqual([
      [{ arg0: 'Carol' }, 'greet:Carol'],
      [{ arg0: 'Bob' }, 'renamed after finish'],
    ]);
    expect(greets[1]?.id).toBe(greetCallId);
    expect(greets[1]?.summary.weave?.display_name).toBe('renamed after finish');
  });

  it("point op_name at op objects whose source file holds the function's code", async () => {
    completed<OpsResult>('ops');
    const calls = await weftCalls('ops');
    const opNames = [...new Set(calls.map((call) => call.op_name))];
    expect(opNames).toHaveLength(9);
    const sources = new Map<string, string>();
    for (const opName of opNames) {
      const { obj, source } = await reader.readOp(opName);
      expect(obj.object_id).toBe(objectName(opName));
      // Function.prototype.toString() of the function the script wrapped: a piece of the script.
      expect(SCRIPT_TEXT).toContain(source);
      sources.set(obj.object_id, source);
    }
    expect(sources.get('add')).toMatch(/^function add\(a, b\) \{\n[\s\S]*return a \+ b;\n\s*\}$/);
    expect(sources.get('custom.op-name')).toMatch(/^async function internalName\(x\) \{/);
    // The same op is one version no matter how often it ran.
    expect(new Set(byOp(calls, 'double').map((call) => call.op_name)).size).toBe(1);
  });

  it("is read back by the official client's getCalls and getCall as weft stored it", async () => {
    const { read, seen } = completed<OpsResult>('ops');
    const calls = await weftCalls('ops');
    expect(read.allCount).toBe(calls.length);
    expect(read.rootCount).toBe(calls.filter((call) => call.parent_id === null).length);
    // Without sort_by weft answers oldest first, as Weave's server does.
    expect(read.rootOpNames).toEqual(
      calls.filter((call) => call.parent_id === null).map((call) => call.op_name),
    );
    expect(read.doubleCount).toBe(2);
    expect(read.byTraceCount).toBe(3);
    expect(read.pipeline).toEqual({ id: seen.pipeline.callId, output: 21, status: 'success' });
    expect(read.greetDisplayName).toBe('renamed after finish');
    expect(read.children).toEqual(byOp(calls, 'double').map((call) => call.id));
    expect(read.missing).toBe('Call not found: 00000000-0000-7000-8000-000000000000');
  });
});

interface ObjectsResult {
  plainRef: string;
  modelRef: string;
  datasetRef: string;
  prediction: string;
  predictCallId: string;
  rowAnswer: string;
  rowCallId: string;
  plainBack: unknown;
  modelBack: Record<string, unknown>;
  datasetBack: { className: string; name: string; description: string; length: number; rows: unknown[] };
}

const PLAIN = { a: 1, b: [1, 2], nested: { c: 'x', pi: 3.25 }, flag: false, none: null };
const DATASET_ROWS = [
  { id: '0', question: '1+1?', expected: '2' },
  { id: '1', question: 'capital of France?', expected: 'Paris' },
  { id: '2', question: 'color of the sky?', expected: 'blue' },
];

describe('published objects', () => {
  it('publish and read back in the official SDK, every request answered 2xx', () => {
    const result = completed<ObjectsResult>('objects');
    expect(result.plainBack).toEqual(PLAIN);
    expect(result.prediction).toBe('be brief: why?');
    expect(result.rowAnswer).toBe('Paris');
    // Dataset rows come back with the SDK's own __savedRef marker (a row ref, shown as {}).
    expect(result.datasetBack).toEqual({
      className: 'Dataset',
      name: 'compat-dataset',
      description: 'three rows',
      length: 3,
      rows: DATASET_ROWS.map((row) => ({ ...row, __savedRef: {} })),
    });
    expect(routesUsed('objects')).toEqual([
      'POST /call/upsert_batch',
      'POST /file/create',
      'POST /obj/create',
      'POST /obj/read',
      'POST /table/create',
      'POST /table/query',
    ]);
  });

  it('a plain object is stored as sent, under the id it was published with', async () => {
    const { plainRef } = completed<ObjectsResult>('objects');
    expect(plainRef).toMatch(/^weave:\/\/\/weave-compat\/objects\/object\/plain-config:[A-Za-z0-9]{43}$/);
    const obj = await reader.readObject(plainRef);
    expect(obj.kind).toBe('object');
    expect(obj.val).toEqual(PLAIN);
  });

  it('a WeaveObject subclass keeps its class, fields and method op, and is its method call’s self', async () => {
    const { modelRef, modelBack, predictCallId } = completed<ObjectsResult>('objects');
    expect(parseRef(modelRef)).toMatchObject({ kind: 'object', name: 'Tiny-Model-v1' });
    const obj = await reader.readObject(modelRef);
    expect(obj.val).toMatchObject({
      _type: 'TinyModel',
      _class_name: 'TinyModel',
      _bases: ['Object', 'BaseModel'],
      name: 'Tiny Model v1!',
      description: 'a WeaveObject subclass',
      temperature: 0.3,
      systemPrompt: 'be brief',
    });
    // The official SDK's ref.get() returns the stored value for classes it does not rebuild.
    expect(modelBack).toEqual(obj.val);
    const { source } = await reader.readOp(obj.val.predict as string);
    expect(source).toMatch(/^async predict\(question\) \{/);

    const client = init(projectOf('objects'), { serverUrl: server.url });
    const predict = await client.getCall(predictCallId);
    expect(predict.op_name).toBe(obj.val.predict);
    expect(predict.inputs).toEqual({ self: modelRef, arg0: 'why?' });
    expect(predict.output).toBe('be brief: why?');
    // weft recorded the ref in the call's inputs: the input_refs filter finds the call by it.
    const bySelf = await client.getCalls({ filter: { input_refs: [modelRef] } }).toArray();
    expect(bySelf.map((call) => call.id)).toEqual([predictCallId]);
  });

  it('a Dataset is a Dataset object whose rows are a table, and its rows are refs in inputs', async () => {
    const { datasetRef, rowCallId } = completed<ObjectsResult>('objects');
    const obj = await reader.readObject(datasetRef);
    expect(obj.val).toMatchObject({
      _type: 'Dataset',
      _class_name: 'Dataset',
      _bases: ['Object', 'BaseModel'],
      name: 'compat-dataset',
      description: 'three rows',
    });
    expect(obj.val.rows).toMatch(/^weave:\/\/\/weave-compat\/objects\/table\/[0-9a-f]+$/);
    const rows = await reader.tableRows(obj.val.rows as string);
    expect(rows.map((row) => row.val)).toEqual(DATASET_ROWS);

    const client = init(projectOf('objects'), { serverUrl: server.url });
    const rowCall = await client.getCall(rowCallId);
    const rowRef = rowCall.inputs.arg0 as string;
    expect(rowRef).toBe(`${datasetRef}/attr/rows/id/${rows[1]!.digest}`);
    expect(rowCall.output).toBe('Paris');
    expect(await reader.readRefs([rowRef, datasetRef])).toEqual([DATASET_ROWS[1], obj.val]);
  });
});

describe('what the official SDK published, read through weft’s SDK', () => {
  it('comes back as JavaScript: the plain object, the Dataset with its rows, the class with its op', async () => {
    const { plainRef, modelRef, datasetRef, rowCallId } = completed<ObjectsResult>('objects');
    const client = init(projectOf('objects'), { serverUrl: server.url });
    expect(await client.get(plainRef)).toEqual(PLAIN);

    const dataset = (await client.get(datasetRef)) as Dataset;
    expect(dataset).toBeInstanceOf(Dataset);
    expect(dataset.name).toBe('compat-dataset');
    expect(dataset.rows).toEqual(DATASET_ROWS);
    // A row read by weft is recorded with the same row ref the official SDK recorded for it.
    const echo = op(function echoRow(row: unknown) {
      return row;
    });
    const [, call] = echo.invoke(dataset.row(1));
    const official = await client.getCall(rowCallId);
    expect(call!.inputs.arg0).toBe(official.inputs.arg0);

    // TinyModel is no class weft knows: its fields come back, its method op as a stand-in with
    // the source the official SDK saved (weft never runs code read from a server).
    const model = (await client.get(modelRef)) as Record<string, unknown>;
    expect(model).toMatchObject({ _class_name: 'TinyModel', temperature: 0.3, systemPrompt: 'be brief' });
    const predict = model.predict as (() => unknown) & { source: string };
    expect(predict.source).toMatch(/^async predict\(question\) \{/);
    expect(() => predict()).toThrow(/does not run code read from a server/);
  });
});

interface EvaluationResult {
  summary: Record<string, unknown>;
}

describe('a classic Evaluation with two scorers', () => {
  it('runs to completion in the official SDK, every request answered 2xx', () => {
    const { summary } = completed<EvaluationResult>('evaluation');
    expect(summary).toMatchObject({
      model_success: { true_count: 3, true_fraction: 1 },
      exactMatch: { true_count: 1, true_fraction: 1 / 3 },
      lengthScore: { len: { mean: 5 }, short: { true_count: 3, true_fraction: 1 } },
    });
  });

  it('is logged as evaluate → predictAndScore per row → model and scorers, all succeeded', async () => {
    const { summary } = completed<EvaluationResult>('evaluation');
    const calls = await weftCalls('evaluation');
    const root = only(byOp(calls, 'Evaluation.evaluate'), 'Evaluation.evaluate');
    expect(root.parent_id).toBeNull();
    expect(root.display_name).toBe('compat-eval_parisModel');
    expect(root.output).toEqual(summary);
    expect(calls.every((call) => call.trace_id === root.trace_id)).toBe(true);
    expect(calls.every((call) => status(call) === 'success')).toBe(true);

    const rows = byOp(calls, 'Evaluation.predictAndScore');
    expect(rows).toHaveLength(3);
    expect(rows.every((call) => call.parent_id === root.id)).toBe(true);
    for (const row of rows) {
      const children = calls.filter((call) => call.parent_id === row.id);
      expect(children.map((call) => objectName(call.op_name)).sort()).toEqual([
        'exactMatch',
        'lengthScore',
        'parisModel',
      ]);
      const model = only(byOp(children, 'parisModel'), 'parisModel');
      expect(model.inputs).toEqual({ arg0: { datasetRow: row.inputs.example } });
      const exact = only(byOp(children, 'exactMatch'), 'exactMatch');
      expect(exact.inputs).toEqual({ arg0: { datasetRow: row.inputs.example, modelOutput: model.output } });
    }
    expect(calls).toHaveLength(1 + 3 * 4);
  });

  it('refers to the Evaluation object, the model op and the dataset rows by refs weft resolves', async () => {
    completed<EvaluationResult>('evaluation');
    const calls = await weftCalls('evaluation');
    const root = only(byOp(calls, 'Evaluation.evaluate'), 'Evaluation.evaluate');
    const evalRef = root.inputs.self as string;
    expect(parseRef(evalRef)).toMatchObject({ kind: 'object', name: 'compat-eval' });
    expect(objectName(root.inputs.model as string)).toBe('parisModel');
    const rows = byOp(calls, 'Evaluation.predictAndScore');
    const exampleRefs = rows.map((call) => call.inputs.example as string);
    for (const call of rows) expect(call.inputs).toMatchObject({ self: evalRef, model: root.inputs.model });

    const [evaluation, ...examples] = await reader.readRefs([evalRef, ...exampleRefs]);
    expect(evaluation).toMatchObject({ _type: 'Evaluation', name: 'compat-eval' });
    const { dataset, scorers, evaluate, predictAndScore } = evaluation as Record<string, unknown>;
    expect((scorers as string[]).map(objectName)).toEqual(['exactMatch', 'lengthScore']);
    expect(objectName(evaluate as string)).toBe('Evaluation.evaluate');
    expect(objectName(predictAndScore as string)).toBe('Evaluation.predictAndScore');
    for (const scorer of scorers as string[]) await reader.readOp(scorer);
    // Each example ref is a row of the evaluation's dataset, read through the dataset object.
    const expected = [
      { question: 'capital of France?', expected: 'Paris' },
      { question: '2+2?', expected: '4' },
      { question: 'largest planet?', expected: 'Jupiter' },
    ];
    expect(exampleRefs.every((ref) => ref.startsWith(`${dataset as string}/attr/rows/id/`))).toBe(true);
    expect(examples).toEqual(expect.arrayContaining(expected));
    expect(examples).toHaveLength(3);
    const datasetObj = await reader.readObject(dataset as string);
    const tableRowsRead = await reader.tableRows(datasetObj.val.rows as string);
    expect(tableRowsRead.map((row) => row.val)).toEqual(expected);
  });
});

interface OpenAIResult {
  plain: string;
  plainUsage: unknown;
  streamed: string;
  answers: string[];
  seen: { pipeline: Ids };
}

describe('wrapOpenAI against a fake OpenAI endpoint', () => {
  it('completes plain and streamed chat completions, every request answered 2xx', () => {
    const result = completed<OpenAIResult>('openai');
    expect(result.plain).toBe('Hello from gpt-4o-mini');
    expect(result.plainUsage).toEqual(FAKE_USAGE['gpt-4o-mini']);
    expect(result.streamed).toBe('Hello world');
    expect(result.answers).toEqual(['Hello from gpt-4o-mini', 'Hello from gpt-4o']);
    expect(openai.requests.map((request) => [request.path, request.body.model])).toEqual([
      ['/v1/chat/completions', 'gpt-4o-mini'],
      ['/v1/chat/completions', 'gpt-4o-mini'],
      ['/v1/chat/completions', 'gpt-4o-mini'],
      ['/v1/chat/completions', 'gpt-4o'],
    ]);
    expect(openai.requests.every((request) => request.authorization === 'Bearer sk-fake')).toBe(true);
    // The SDK asks for usage on streams; it does not log that it did (see the inputs below).
    expect(openai.requests[1]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('logs each completion with its inputs, output and usage', async () => {
    completed<OpenAIResult>('openai');
    const calls = await weftCalls('openai');
    const completions = byOp(calls, 'openai.chat.completions.create');
    expect(completions).toHaveLength(4);
    const [plain, streamed] = completions;
    expect(plain!.parent_id).toBeNull();
    expect(plain!.inputs).toEqual({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hello' }],
      temperature: 0,
    });
    expect(plain!.output).toMatchObject({
      object: 'chat.completion',
      choices: [{ message: { role: 'assistant', content: 'Hello from gpt-4o-mini' } }],
      usage: FAKE_USAGE['gpt-4o-mini'],
    });
    expect(plain!.summary.usage).toEqual({ 'gpt-4o-mini': { requests: 1, ...FAKE_USAGE['gpt-4o-mini'] } });
    expect(status(plain!)).toBe('success');

    expect(streamed!.parent_id).toBeNull();
    expect(streamed!.inputs).toEqual({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Stream hello' }],
      stream: true,
    });
    expect(streamed!.output).toMatchObject({ choices: [{ message: { content: 'Hello world' } }] });
    expect(streamed!.summary.usage).toEqual({ 'gpt-4o-mini': { requests: 1, ...FAKE_USAGE['gpt-4o-mini'] } });
    await reader.readOp(plain!.op_name);
  });

  it('rolls the usage of completions up into the op that made them', async () => {
    const { seen } = completed<OpenAIResult>('openai');
    const client = init(projectOf('openai'), { serverUrl: server.url });
    const pipeline = await client.getCall(seen.pipeline.callId);
    expect(pipeline.trace_id).toBe(seen.pipeline.traceId);
    expect(pipeline.summary.usage).toEqual({
      'gpt-4o-mini': { requests: 1, ...FAKE_USAGE['gpt-4o-mini'] },
      'gpt-4o': { requests: 1, ...FAKE_USAGE['gpt-4o'] },
    });
    const children = await client.getCalls({ filter: { parent_ids: [pipeline.id] } }).toArray();
    expect(children.map((call) => [objectName(call.op_name), call.trace_id, call.inputs.model])).toEqual([
      ['openai.chat.completions.create', pipeline.trace_id, 'gpt-4o-mini'],
      ['openai.chat.completions.create', pipeline.trace_id, 'gpt-4o'],
    ]);
    expect(children.map((call) => call.summary.usage)).toEqual([
      { 'gpt-4o-mini': { requests: 1, ...FAKE_USAGE['gpt-4o-mini'] } },
      { 'gpt-4o': { requests: 1, ...FAKE_USAGE['gpt-4o'] } },
    ]);
  });
});
