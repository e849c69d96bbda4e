#!/usr/bin/env node
/**
 * Scenarios for the official Weave TypeScript SDK (weave@0.11.1), run one group per child
 * process by weave-compat.test.ts: `node scenarios.cjs <group>`.
 *
 * CommonJS on purpose: weave 0.11.1 is a CommonJS package and its OpenAI integration hooks
 * `require`. Each group prints one line `RESULT <json>` (ids, refs, what the SDK read back) for
 * the test to check against what weft stored.
 *
 * Env: WF_TRACE_SERVER_URL, WANDB_API_KEY (read by the SDK), WEFT_COMPAT_PROJECT
 * (`entity/project`), FAKE_OPENAI_URL (the `openai` group's fake endpoint, ending in /v1).
 */
'use strict';

// openai before weave: requiring weave first installs a hook that patches the OpenAI class as it
// loads, and the `openai` group wraps its client explicitly with weave.wrapOpenAI.
const OpenAI = require('openai');
const weave = require('weave');

const PROJECT = process.env.WEFT_COMPAT_PROJECT;
if (!PROJECT) throw new Error('WEFT_COMPAT_PROJECT is not set');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The running call's ids, as the SDK assigned them (the test looks these calls up in weft). */
function currentIds() {
  const entry = weave.requireCurrentCallStackEntry();
  return { callId: entry.callId, traceId: entry.traceId };
}

const groups = {};

// Plain, nested, failing and async ops; op and call display names; reading calls back with the
// official client (getCalls, getCall, getCallsIterator); weave.login's health check.
groups.ops = async () => {
  // login() checks GET /health on the trace server, then writes ~/.netrc (the temporary HOME).
  // The host only names the netrc entry.
  await weave.login(process.env.WANDB_API_KEY, '127.0.0.1');
  const client = await weave.init(PROJECT);
  const seen = {};

  // A synchronous function: the SDK still returns a Promise.
  const add = weave.op(function add(a, b) {
    seen.add = currentIds();
    return a + b;
  });
  const addAsync = weave.op(async function addAsync(a, b) {
    seen.addAsync = currentIds();
    await sleep(5);
    return a + b;
  });
  const double = weave.op(async function double(x) {
    return x * 2;
  });
  const pipeline = weave.op(async function pipeline(x) {
    seen.pipeline = currentIds();
    const once = await double(x);
    return (await double(once)) + 1;
  });
  const boom = weave.op(async function boom(message) {
    throw new Error(message);
  });
  // Catches its child's error and succeeds: weft reports it as descendant_error.
  const survivor = weave.op(async function survivor() {
    seen.survivor = currentIds();
    try {
      await boom('child failed');
    } catch {
      return 'recovered';
    }
    return 'unreachable';
  });
  // Lets its child's error through: both calls end with the exception.
  const fragile = weave.op(async function fragile() {
    seen.fragile = currentIds();
    await boom('propagated');
  });
  const renamed = weave.op(
    async function internalName(x) {
      seen.renamed = currentIds();
      return x;
    },
    { name: 'custom.op-name' },
  );
  const greet = weave.op(
    async function greet(person) {
      return `hi ${person}`;
    },
    { callDisplayName: (person) => `greet:${person}` },
  );

  const results = {
    add: await add(1, 2),
    addAsync: await addAsync(3, 4),
    pipeline: await pipeline(5),
    survivor: await survivor(),
    renamed: await renamed('r'),
  };
  try {
    await fragile();
    results.fragile = 'did not throw';
  } catch (error) {
    results.fragile = `threw: ${error.message}`;
  }
  // callDisplayName names the call in its start and end records.
  results.greetCarol = await greet('Carol');
  // invoke() hands back the call; renaming it after it ended goes out as /call/update. (The SDK
  // shares that Call object between invocations of the op, so nothing calls greet after this.)
  const [greeting, greetCall] = await greet.invoke('Bob');
  results.greet = greeting;
  const greetCallId = greetCall.id;
  await client.waitForBatchProcessing();
  await greetCall.setDisplayName('renamed after finish');
  await client.waitForBatchProcessing();

  // Reading back with the official client (/calls/stream_query).
  const all = await client.getCalls();
  const roots = await client.getCalls({ trace_roots_only: true }, true, 100);
  const doubleOpName = all.find((call) => call.op_name.includes('/op/double:'))?.op_name;
  const doubles = await client.getCalls({ op_names: [doubleOpName] });
  const byTrace = await client.getCalls({ trace_ids: [seen.pipeline.traceId] });
  const pipelineCall = await client.getCall(seen.pipeline.callId);
  const greetBack = await client.getCall(greetCallId);
  const children = [];
  for await (const call of client.getCallsIterator({ parent_ids: [seen.pipeline.callId] })) {
    children.push(call.id);
  }
  let missing = 'found';
  try {
    await client.getCall('00000000-0000-7000-8000-000000000000');
  } catch (error) {
    missing = error.message;
  }
  return {
    results,
    seen,
    greetCallId,
    read: {
      allCount: all.length,
      rootCount: roots.length,
      rootOpNames: roots.map((call) => call.op_name),
      doubleCount: doubles.length,
      byTraceCount: byTrace.length,
      pipeline: {
        id: pipelineCall.id,
        output: pipelineCall.output,
        status: pipelineCall.summary?.weave?.status,
      },
      greetDisplayName: greetBack.display_name,
      children,
      missing,
    },
  };
};

// Publishing a plain object, a WeaveObject subclass and a Dataset, and reading them back.
groups.objects = async () => {
  const client = await weave.init(PROJECT);
  const plain = { a: 1, b: [1, 2], nested: { c: 'x', pi: 3.25 }, flag: false, none: null };
  const plainRef = await client.publish(plain, 'plain-config');

  class TinyModel extends weave.WeaveObject {
    constructor() {
      super({ name: 'Tiny Model v1!', description: 'a WeaveObject subclass' });
      this.temperature = 0.3;
      this.systemPrompt = 'be brief';
      this.predict = weave.op(this, this.predict);
    }
    async predict(question) {
      return `${this.systemPrompt}: ${question}`;
    }
  }
  const model = new TinyModel();
  const modelRef = await client.publish(model);
  const [prediction, predictCall] = await model.predict.invoke('why?');
  const predictCallId = predictCall.id;

  const rows = [
    { id: '0', question: '1+1?', expected: '2' },
    { id: '1', question: 'capital of France?', expected: 'Paris' },
    { id: '2', question: 'color of the sky?', expected: 'blue' },
  ];
  const dataset = new weave.Dataset({ name: 'compat-dataset', description: 'three rows', rows });
  const datasetRef = await dataset.save();
  // A saved row passed to an op goes out as a row ref in the call's inputs.
  const useRow = weave.op(async function useRow(row) {
    return row.expected;
  });
  const [rowAnswer, rowCall] = await useRow.invoke(dataset.getRow(1));
  const rowCallId = rowCall.id;

  // Read back through the official SDK (/obj/read, /table/query).
  const plainBack = await plainRef.get();
  const modelBack = await weave.ObjectRef.fromUri(modelRef.uri()).get();
  const datasetBack = await weave.ObjectRef.fromUri(datasetRef.uri()).get();
  const datasetRows = [];
  for (let i = 0; i < datasetBack.length; i++) datasetRows.push(datasetBack.getRow(i));
  await client.waitForBatchProcessing();
  return {
    plainRef: plainRef.uri(),
    modelRef: modelRef.uri(),
    datasetRef: datasetRef.uri(),
    prediction,
    predictCallId,
    rowAnswer,
    rowCallId,
    plainBack,
    modelBack,
    datasetBack: {
      className: datasetBack.constructor.name,
      name: datasetBack.name,
      description: datasetBack.description,
      length: datasetBack.length,
      rows: datasetRows,
    },
  };
};

// Classic Evaluation with two scorers over a Dataset. EvaluationLogger is left out: it logs its
// scores with /feedback/create, which weft does not serve yet (a later issue).
groups.evaluation = async () => {
  const client = await weave.init(PROJECT);
  const dataset = new weave.Dataset({
    name: 'eval-dataset',
    rows: [
      { question: 'capital of France?', expected: 'Paris' },
      { question: '2+2?', expected: '4' },
      { question: 'largest planet?', expected: 'Jupiter' },
    ],
  });
  // WEFT_COMPAT_EVAL_MODEL=v2 evaluates a second model that also knows its arithmetic, so two
  // runs can be compared with a difference between them.
  const parisModel =
    process.env.WEFT_COMPAT_EVAL_MODEL === 'v2'
      ? weave.op(async function parisModelV2({ datasetRow }) {
          if (datasetRow.question === '2+2?') return '4';
          return datasetRow.question.includes('France') ? 'Paris' : 'dunno';
        })
      : weave.op(async function parisModel({ datasetRow }) {
          return datasetRow.question.includes('France') ? 'Paris' : 'dunno';
        });
  const exactMatch = weave.op(function exactMatch({ modelOutput, datasetRow }) {
    return modelOutput === datasetRow.expected;
  });
  const lengthScore = weave.op(function lengthScore({ modelOutput }) {
    return { len: modelOutput.length, short: modelOutput.length < 6 };
  });
  const evaluation = new weave.Evaluation({
    name: 'compat-eval',
    dataset,
    scorers: [exactMatch, lengthScore],
  });
  const summary = await evaluation.evaluate({ model: parisModel, maxConcurrency: 2 });
  await client.waitForBatchProcessing();
  return { summary };
};

// wrapOpenAI against the test's fake OpenAI endpoint: a plain and a streamed chat completion at
// the top level, and two completions (two models) under one op, whose usage rolls up into it.
groups.openai = async () => {
  const client = await weave.init(PROJECT);
  const openai = weave.wrapOpenAI(new OpenAI({ baseURL: process.env.FAKE_OPENAI_URL, apiKey: 'sk-fake' }));
  const plain = await openai.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Say hello' }],
    temperature: 0,
  });
  const stream = await openai.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Stream hello' }],
    stream: true,
  });
  let streamed = '';
  for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? '';
  const seen = {};
  const chatPipeline = weave.op(async function chatPipeline(question) {
    seen.pipeline = currentIds();
    const small = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: question }],
    });
    const large = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: `${question}?` }],
    });
    return [small.choices[0].message.content, large.choices[0].message.content];
  });
  const answers = await chatPipeline('nested usage');
  await client.waitForBatchProcessing();
  return { plain: plain.choices[0].message.content, plainUsage: plain.usage, streamed, answers, seen };
};

const name = process.argv[2];
const group = groups[name];
if (!group) {
  console.error(`unknown group ${JSON.stringify(name)}; one of ${Object.keys(groups).join(', ')}`);
  process.exitCode = 2;
} else {
  group().then(
    (result) => {
      console.log(`RESULT ${JSON.stringify(result)}`);
    },
    (error) => {
      console.error(`group ${name} failed:`, error);
      process.exitCode = 1;
    },
  );
}
