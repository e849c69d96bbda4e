/**
 * The data every UI test file sees, logged through the real SDKs into a real `weft serve`:
 *
 * - `ui-tests/research`, logged with weft's SDK: a research pipeline (nested ops, three parallel
 *   children, a grandchild that fails and is caught, so the root succeeds with a failed
 *   descendant, a custom summary key), an OpenAI-shaped chat call with a tool call and an
 *   Anthropic-shaped one with content blocks and tool_use, two versions of the op `summarize`, a
 *   published Dataset and a published plain object (and a call whose inputs hold its ref), a
 *   call with hostile input and a giant output, a call left running, and 300 more traces so the
 *   calls table scrolls.
 * - `ui-tests/evals`: two runs of the official npm SDK's (weave@0.11.1) `Evaluation.evaluate`
 *   over the same Dataset, through test/weave-compat's scenario runner: `parisModel`, then
 *   `parisModelV2`, which also gets "2+2?" right.
 * - `ui-tests/objects-only`: a published object and no calls.
 *
 * Everything a test needs to find again (ids, refs, counts, `Call.uiUrl`) is returned.
 */
import { type Call, Dataset, getCurrentCall, init, op, publish, resetClient, type WeaveClient } from 'weft';
import { objectName } from '../../support/weft-reads.js';
import { postJson } from '../../support/weft-server.js';
import { runGroup } from '../../weave-compat/support.js';

export const ENTITY = 'ui-tests';

export interface SeededProject {
  entity: string;
  project: string;
  /** `entity/project`, as the protocol writes it. */
  projectId: string;
}

export interface SeededData {
  research: SeededProject & {
    /** The pipeline's root: succeeded, with a failed grandchild (status `descendant_error`). */
    pipelineRootId: string;
    /** Its children in the order they started: plan, gather, draft_answer, summarize. */
    pipelineChildIds: string[];
    /** The root's children's op names, in start order. */
    pipelineChildOps: string[];
    /** `gather`'s three parallel `search_source` children. */
    parallelChildIds: string[];
    /** The grandchild that threw (`check_facts`, under `draft_answer`). */
    failingCallId: string;
    failingMessage: string;
    /** The root's output. */
    pipelineOutput: string;
    /** The custom key every root call writes to its summary with `getCurrentCall().summary`. */
    summaryKey: string;
    /** Its value on the pipeline's root. */
    pipelineSummaryValue: number;
    /** `${serverUrl}/${project_id}/r/call/${id}` of the pipeline's root, from weft's SDK. */
    pipelineUiUrl: string;
    /** An `openai.chat.completions.create` call: system + user messages, a tool call in the output. */
    openaiChatId: string;
    openaiUserMessage: string;
    openaiToolName: string;
    /** An `anthropic.messages.create` call: content blocks with text and tool_use. */
    anthropicChatId: string;
    anthropicUserMessage: string;
    anthropicToolName: string;
    /** The op `summarize` in two versions (different code), oldest first, and a call of each. */
    summarizeRefs: [string, string];
    summarizeCallIds: [string, string];
    /** A published Dataset and its rows. */
    datasetRef: string;
    datasetRows: Array<{ question: string; answer: string }>;
    /** A published plain object, and a call whose inputs hold its ref. */
    objectRef: string;
    objectValue: Record<string, unknown>;
    callWithRefId: string;
    /** A call whose input is markup that must show as text, and whose output is 200,000 characters. */
    hostileCallId: string;
    hostileInput: string;
    /** A call started and never finished. */
    runningCallId: string;
    /** The 300 `handle_request` traces: their roots' ids, oldest first. */
    bulkRootIds: string[];
    /** Every call in the project (roots and descendants), counted as they were logged. */
    callCount: number;
  };
  evals: SeededProject & {
    /** The two `Evaluation.evaluate` calls, oldest first. */
    evaluationCallIds: string[];
    /** Dataset rows of the evaluation (the official SDK's scenario). */
    datasetQuestions: string[];
    scorerNames: string[];
  };
  objectsOnly: SeededProject & { objectRef: string };
  /** Calls per project as the server counts them (calls/query_stats), by project id. */
  callCounts: Record<string, number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function project(name: string): SeededProject {
  return { entity: ENTITY, project: name, projectId: `${ENTITY}/${name}` };
}

function requireCall(call: Call | undefined, what: string): Call {
  if (!call) throw new Error(`seeding: ${what} was not traced (no client?)`);
  return call;
}

async function countCalls(serverUrl: string, projectId: string): Promise<number> {
  const res = await postJson(serverUrl, '/calls/query_stats', { project_id: projectId });
  if (res.status !== 200) throw new Error(`calls/query_stats ${projectId}: ${JSON.stringify(res.body)}`);
  return (res.body as { count: number }).count;
}

/** Seeds everything; `evaluations: false` leaves out the official SDK's runs (they take seconds). */
export async function seedUiData(
  serverUrl: string,
  options: { evaluations?: boolean } = {},
): Promise<SeededData> {
  // The official SDK runs in child processes, alongside weft's SDK logging in this one.
  const evaluations = options.evaluations === false ? Promise.resolve([]) : seedEvaluations(serverUrl);
  const research = await seedResearch(serverUrl);
  const objectsOnly = await seedObjectsOnly(serverUrl);
  resetClient();
  const evals = await evaluations;
  const evalsProject = project('evals');
  const evalCalls = evals.length > 0 ? await evaluationCalls(serverUrl, evalsProject.projectId) : [];
  const callCounts: Record<string, number> = {};
  for (const seeded of [research, objectsOnly, ...(evals.length > 0 ? [evalsProject] : [])]) {
    callCounts[seeded.projectId] = await countCalls(serverUrl, seeded.projectId);
  }
  if (callCounts[research.projectId] !== research.callCount) {
    throw new Error(
      `seeding: logged ${research.callCount} calls to ${research.projectId}, the server counts ${callCounts[research.projectId]}`,
    );
  }
  return {
    research,
    evals: {
      ...evalsProject,
      evaluationCallIds: evalCalls,
      datasetQuestions: ['capital of France?', '2+2?', 'largest planet?'],
      scorerNames: ['exactMatch', 'lengthScore'],
    },
    objectsOnly,
    callCounts,
  };
}

// ---- ui-tests/research: weft's SDK -------------------------------------------------------------

async function seedResearch(serverUrl: string): Promise<SeededData['research']> {
  const seeded = project('research');
  const client = init(seeded.projectId, { serverUrl });
  let callCount = 0;
  /** Every traced call goes through here or is counted by hand, so the total is known. */
  const counted = <T>(calls: number, value: T): T => {
    callCount += calls;
    return value;
  };
  const summaryKey = 'relevance';

  // Two versions of one op: same name, different code.
  const summarizeV1 = op(function summarize(text: string) {
    return text.slice(0, 40);
  });
  const summarizeV2 = op(function summarize(text: string) {
    const words = text.split(/\s+/).filter(Boolean);
    return words.length > 8 ? `${words.slice(0, 8).join(' ')}…` : words.join(' ');
  });
  const [, firstSummarize] = await summarizeV1.invoke(
    'An early draft of the summary step, cut at forty characters.',
  );
  const summarizeCallV1 = counted(1, requireCall(firstSummarize, 'summarize v1'));

  // The pipeline: plan → gather (3 parallel searches) → draft_answer (check_facts throws) → summarize.
  const failingMessage = 'fact check failed: no source supports "the moon is made of cheese"';
  const searchSource = op(async function search_source(source: string, query: string) {
    await sleep(source.length * 3);
    return [`${source}: first result for ${query}`, `${source}: second result for ${query}`];
  });
  const plan = op(async function plan(question: string) {
    await sleep(4);
    return { steps: ['gather sources', 'draft an answer', 'summarize'], question };
  });
  const gather = op(async function gather(query: string) {
    const results = await Promise.all(
      ['web', 'wikipedia', 'arxiv'].map((source) => searchSource(source, query)),
    );
    return results.flat();
  });
  const checkFacts = op(async function check_facts(draft: string) {
    await sleep(3);
    throw new Error(`${failingMessage} (draft: ${draft.slice(0, 20)})`);
  });
  const draftAnswer = op(async function draft_answer(question: string, sources: string[]) {
    const draft = `${question} Based on ${sources.length} sources: the moon is made of rock, not cheese.`;
    try {
      await checkFacts(draft);
    } catch {
      // The answer goes on without the fact check: the root succeeds with a failed descendant.
    }
    return draft;
  });
  const pipelineSummaryValue = 0.87;
  const researchPipeline = op(async function research_pipeline(question: string) {
    const current = requireCall(getCurrentCall(), 'research_pipeline');
    await plan(question);
    const sources = await gather(question);
    const draft = await draftAnswer(question, sources);
    const summary = await summarizeV2(draft);
    current.summary[summaryKey] = pipelineSummaryValue;
    return summary;
  });
  const [pipelineOutput, pipelineCall] = await researchPipeline.invoke('What is the moon made of?');
  const pipelineRoot = counted(1 + 1 + 1 + 3 + 1 + 1 + 1, requireCall(pipelineCall, 'research_pipeline'));

  // Chat-shaped calls, named as the OpenAI and Anthropic integrations name them.
  const openaiUserMessage = 'What is the weather in Paris today?';
  const openaiToolName = 'get_weather';
  const openaiChat = op(
    async function create(model: string, messages: unknown[], tools: unknown[]) {
      return {
        id: 'chatcmpl-ui-seed-1',
        object: 'chat.completion',
        created: 1_767_225_600,
        model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              refusal: null,
              tool_calls: [
                {
                  id: 'call_weather_1',
                  type: 'function',
                  function: {
                    name: openaiToolName,
                    arguments: JSON.stringify({ city: 'Paris', unit: 'celsius' }),
                  },
                },
              ],
            },
            logprobs: null,
            finish_reason: 'tool_calls',
          },
        ],
        usage: { prompt_tokens: 82, completion_tokens: 18, total_tokens: 100 },
        messagesSeen: messages.length + tools.length,
      };
    },
    { name: 'openai.chat.completions.create', parameterNames: ['model', 'messages', 'tools'] },
  );
  const [, openaiCall] = await openaiChat.invoke(
    'gpt-4o-mini',
    [
      { role: 'system', content: 'You are a concise weather assistant. Use the tools you are given.' },
      { role: 'user', content: openaiUserMessage },
    ],
    [
      {
        type: 'function',
        function: {
          name: openaiToolName,
          description: 'The current weather in a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ],
  );
  const openaiChatCall = counted(1, requireCall(openaiCall, 'openai chat'));

  const anthropicUserMessage = 'Find the population of Lyon and compare it with Marseille.';
  const anthropicToolName = 'lookup_population';
  const anthropicChat = op(
    async function create(model: string, system: string, messages: unknown[], maxTokens: number) {
      return {
        id: 'msg_ui_seed_1',
        type: 'message',
        role: 'assistant',
        model,
        content: [
          {
            type: 'text',
            text: `I will look both cities up (at most ${maxTokens} tokens, ${messages.length} turn).`,
          },
          {
            type: 'tool_use',
            id: 'toolu_ui_seed_1',
            name: anthropicToolName,
            input: { cities: ['Lyon', 'Marseille'] },
          },
        ],
        stop_reason: 'tool_use',
        stop_sequence: null,
        usage: { input_tokens: 64, output_tokens: 31 },
        system,
      };
    },
    { name: 'anthropic.messages.create', parameterNames: ['model', 'system', 'messages', 'max_tokens'] },
  );
  const [, anthropicCall] = await anthropicChat.invoke(
    'claude-sonnet-4',
    'You answer questions about French cities.',
    [{ role: 'user', content: [{ type: 'text', text: anthropicUserMessage }] }],
    512,
  );
  const anthropicChatCall = counted(1, requireCall(anthropicCall, 'anthropic chat'));

  // A published Dataset and a published plain object; a call takes the object (its ref is logged).
  const datasetRows = [
    { question: 'What is the capital of France?', answer: 'Paris' },
    { question: 'How many legs does a spider have?', answer: '8' },
    { question: 'Which planet is the largest?', answer: 'Jupiter' },
    { question: 'Who wrote "Le Petit Prince"?', answer: 'Antoine de Saint-Exupéry' },
  ];
  const datasetRef = await publish(
    new Dataset({ name: 'trivia-questions', description: 'Questions for the UI tests', rows: datasetRows }),
  );
  const objectValue = { temperature: 0.2, model: 'gpt-4o-mini', stop: ['\n\n'], retries: 3 };
  const configRef = await publish(objectValue, 'generation-config');
  const configured = op(async function answer_with_config(config: unknown, question: string) {
    return `answered "${question}" with ${JSON.stringify(config).length} bytes of config`;
  });
  const [, configuredCall] = await configured.invoke(objectValue, 'What is a ref?');
  const callWithRef = counted(1, requireCall(configuredCall, 'answer_with_config'));

  // Hostile data: markup that must render as text, and an output far too long to show whole.
  const hostileInput = '<img src=x onerror="window.__weftXss=1"><script>window.__weftXss=1</script>';
  const renderUntrusted = op(function render_untrusted(html: string) {
    return `${html.length}:${'lorem ipsum dolor sit amet '.repeat(7_408)}`.slice(0, 200_000);
  });
  const [, hostileCallMade] = renderUntrusted.invoke(hostileInput);
  const hostileCall = counted(1, requireCall(hostileCallMade, 'render_untrusted'));

  // 300 small traces (root + one child), so the calls table has pages to scroll.
  const classify = op(async function classify_intent(text: string) {
    return text.includes('refund') ? 'refund' : text.includes('order') ? 'order-status' : 'other';
  });
  const handleRequest = op(async function handle_request(requestNumber: number, text: string) {
    const current = requireCall(getCurrentCall(), 'handle_request');
    await sleep(requestNumber % 4);
    const intent = await classify(text);
    current.summary[summaryKey] = Math.round(((requestNumber * 37) % 100) + 1) / 100;
    return { intent, reply: `Request ${requestNumber} handled as ${intent}` };
  });
  const topics = ['Where is my order?', 'I want a refund', 'Change my address', 'Cancel my order'];
  const bulkRootIds: string[] = [];
  for (let start = 0; start < 300; start += 50) {
    const batch = await Promise.all(
      Array.from({ length: 50 }, (_, k) => {
        const n = start + k;
        return handleRequest.invoke(n, `${topics[n % topics.length]} (request ${n})`);
      }),
    );
    // Each call starts when its op is invoked, so the batch is in start order already.
    const calls = batch.map(([, call]) => requireCall(call, 'handle_request'));
    bulkRootIds.push(
      ...counted(
        calls.length * 2,
        calls.map((call) => call.id),
      ),
    );
  }

  // A call started and never finished: it stays running.
  const running = counted(
    1,
    client.createCall('long_running_job', { job: 'reindex', shards: 12 }, { useStack: false }),
  );

  await client.flush();
  const summarizeCalls = await Promise.all(
    [summarizeCallV1, await childByOp(client, pipelineRoot.id, 'summarize')].map((call) =>
      client.getCall(call.id),
    ),
  );
  const summarizeRefs = summarizeCalls.map((call) => call.op_name) as [string, string];
  if (summarizeRefs[0] === summarizeRefs[1]) throw new Error('seeding: summarize kept one version');

  const children = await client.getCalls({ filter: { parent_ids: [pipelineRoot.id] } }).toArray();
  children.sort((a, b) => a.started_at.getTime() - b.started_at.getTime());
  const gatherCall = children.find((call) => objectName(call.op_name) === 'gather');
  const draftCall = children.find((call) => objectName(call.op_name) === 'draft_answer');
  if (!gatherCall || !draftCall) throw new Error('seeding: the pipeline lacks gather or draft_answer');
  const parallel = await client.getCalls({ filter: { parent_ids: [gatherCall.id] } }).toArray();
  const failing = await client.getCalls({ filter: { parent_ids: [draftCall.id] } }).toArray();
  if (failing.length !== 1 || parallel.length !== 3) throw new Error('seeding: unexpected pipeline shape');

  return {
    ...seeded,
    pipelineRootId: pipelineRoot.id,
    pipelineChildIds: children.map((call) => call.id),
    pipelineChildOps: children.map((call) => objectName(call.op_name)),
    parallelChildIds: parallel.map((call) => call.id),
    failingCallId: failing[0]!.id,
    failingMessage,
    pipelineOutput: String(pipelineOutput),
    summaryKey,
    pipelineSummaryValue,
    pipelineUiUrl: pipelineRoot.uiUrl,
    openaiChatId: openaiChatCall.id,
    openaiUserMessage,
    openaiToolName,
    anthropicChatId: anthropicChatCall.id,
    anthropicUserMessage,
    anthropicToolName,
    summarizeRefs,
    summarizeCallIds: [summarizeCalls[0]!.id, summarizeCalls[1]!.id],
    datasetRef: datasetRef.uri,
    datasetRows,
    objectRef: configRef.uri,
    objectValue,
    callWithRefId: callWithRef.id,
    hostileCallId: hostileCall.id,
    hostileInput,
    runningCallId: running.id,
    bulkRootIds,
    callCount,
  };
}

async function childByOp(client: WeaveClient, parentId: string, opName: string): Promise<Call> {
  const children = await client.getCalls({ filter: { parent_ids: [parentId] } }).toArray();
  const child = children.find((call) => objectName(call.op_name) === opName);
  if (!child) throw new Error(`seeding: no ${opName} under ${parentId}`);
  return child;
}

// ---- ui-tests/objects-only -----------------------------------------------------------------------

async function seedObjectsOnly(serverUrl: string): Promise<SeededData['objectsOnly']> {
  const seeded = project('objects-only');
  const client = init(seeded.projectId, { serverUrl });
  const ref = await client.publish({ prompt: 'You are a helpful assistant.', version: 1 }, 'system-prompt');
  return { ...seeded, objectRef: ref.uri };
}

// ---- ui-tests/evals: the official SDK ------------------------------------------------------------

/** Runs the official SDK's evaluation scenario twice (same Dataset, so the runs compare row by row). */
async function seedEvaluations(serverUrl: string): Promise<unknown[]> {
  const projectId = project('evals').projectId;
  const runs = [];
  // One after the other: the second run's calls start after the first's, so "oldest first" holds.
  for (let run = 0; run < 2; run++) {
    // The second run evaluates a model that gets one more row right, so the runs differ.
    const result = await runGroup(
      'evaluation',
      {
        traceServerUrl: serverUrl,
        project: projectId,
        variables: run === 0 ? {} : { WEFT_COMPAT_EVAL_MODEL: 'v2' },
      },
      60_000,
    );
    if (result.exitCode !== 0 || result.result === undefined) {
      throw new Error(
        `seeding: the official SDK's evaluation failed (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`,
      );
    }
    runs.push(result.result);
  }
  return runs;
}

async function evaluationCalls(serverUrl: string, projectId: string): Promise<string[]> {
  const res = await postJson(serverUrl, '/calls/stream_query', {
    project_id: projectId,
    filter: { trace_roots_only: true },
    sort_by: [{ field: 'started_at', direction: 'asc' }],
    columns: ['id', 'op_name', 'started_at'],
  });
  if (res.status !== 200) throw new Error(`calls/stream_query ${projectId}: ${JSON.stringify(res.body)}`);
  const roots = res.body as Array<{ id: string; op_name: string }>;
  const evaluations = roots.filter((call) => objectName(call.op_name) === 'Evaluation.evaluate');
  if (evaluations.length !== 2) {
    throw new Error(`seeding: expected two Evaluation.evaluate roots, found ${JSON.stringify(roots)}`);
  }
  return evaluations.map((call) => call.id);
}
