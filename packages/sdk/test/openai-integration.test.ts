import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import OpenAI from 'openai';
import OpenAIPrevious from 'openai-v6';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Call, init, op, resetClient, type WeaveClient, wrapOpenAI } from 'weft';
import {
  removeDataDir,
  startWeftServer,
  storedFiles,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';
import { type FakeProvider, OPENAI_ANSWER_MODEL, startFakeProvider } from './support/fake-llm-provider.js';

const API_KEY = 'sk-weft-test-0123456789-SECRET';
let server: WeftServerProcess;

beforeAll(async () => {
  server = await startWeftServer();
});

afterAll(async () => {
  resetClient();
  await server?.stop();
  removeDataDir(server?.dataDir);
});

const CHAT = 'openai.chat.completions.create';
const messages = [{ role: 'user' as const, content: 'Say hello' }];

describe.each([
  { major: '7', OpenAIClient: OpenAI },
  { major: '6', OpenAIClient: OpenAIPrevious as unknown as typeof OpenAI },
])('openai $major', ({ major, OpenAIClient }) => {
  const PROJECT = `tests/openai-${major}`;
  let provider: FakeProvider;
  let weft: WeaveClient;
  let openai: OpenAI;

  beforeAll(async () => {
    provider = await startFakeProvider();
    weft = init(PROJECT, { serverUrl: server.url });
    openai = wrapOpenAI(new OpenAIClient({ apiKey: API_KEY, baseURL: `${provider.url}/v1`, maxRetries: 0 }));
  });

  afterAll(async () => {
    await weft.flush();
    await provider?.close();
  });

  /** The newest call of an integration op. */
  async function lastCall(opName: string): Promise<Call> {
    const [call] = await weft
      .getCalls({
        filter: { op_names: [`weave:///${PROJECT}/op/${opName}:*`] },
        sortBy: [{ field: 'started_at', direction: 'desc' }],
        limit: 1,
      })
      .toArray();
    if (!call) throw new Error(`no ${opName} call was recorded`);
    return call;
  }

  describe('chat completions', () => {
    it('records the request, the answer and the usage, and returns the answer unchanged', async () => {
      const answer = await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        messages,
        temperature: 0.2,
      });
      expect(answer.choices[0]?.message.content).toBe('Hello from the fake provider');
      const call = await lastCall(CHAT);
      expect(call.inputs).toEqual({ model: 'gpt-4o-mini', messages, temperature: 0.2 });
      expect(call.output).toMatchObject({
        id: 'chatcmpl-fake',
        model: OPENAI_ANSWER_MODEL,
        choices: answer.choices,
      });
      expect(call.exception).toBeNull();
      expect(call.summary?.usage).toEqual({
        [OPENAI_ANSWER_MODEL]: {
          requests: 1,
          prompt_tokens: 11,
          completion_tokens: 7,
          total_tokens: 18,
          prompt_tokens_details: { cached_tokens: 3, audio_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 2, audio_tokens: 0 },
        },
      });
    });

    it('keeps withResponse() and asResponse() on what create returns', async () => {
      const { data, response } = await openai.chat.completions
        .create({ model: 'gpt-4o-mini', messages })
        .withResponse();
      expect(data.choices[0]?.message.content).toBe('Hello from the fake provider');
      expect(response.headers.get('x-request-id')).toBe('req_fake_1');
      expect((await lastCall(CHAT)).output).toMatchObject({ id: 'chatcmpl-fake' });

      const raw = await openai.chat.completions
        .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'raw' }] })
        .asResponse();
      expect(((await raw.json()) as { id: string }).id).toBe('chatcmpl-fake');
      const rawCall = await lastCall(CHAT);
      expect(rawCall.inputs.messages).toEqual([{ role: 'user', content: 'raw' }]);
      expect(rawCall.ended_at).not.toBeNull();
    });

    it('asks a stream for its usage, hides it from the caller, and records the assembled answer', async () => {
      const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
      const seen: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
      for await (const chunk of stream) seen.push(chunk);
      const sent = provider.requests.at(-1)?.body;
      expect(sent?.stream_options).toEqual({ include_usage: true });
      // The caller sees what it asked for: no usage chunk, no `usage` keys.
      expect(seen.every((chunk) => chunk.choices.length > 0 && !('usage' in chunk))).toBe(true);
      expect(seen.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('Hello');
      const call = await lastCall(CHAT);
      expect(call.inputs).toEqual({ model: 'gpt-4o-mini', messages, stream: true });
      expect(call.output).toMatchObject({
        object: 'chat.completion',
        model: OPENAI_ANSWER_MODEL,
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }],
      });
      expect(call.summary?.usage).toMatchObject({
        [OPENAI_ANSWER_MODEL]: { requests: 1, prompt_tokens: 11 },
      });
    });

    it('leaves the usage chunk to a caller that asked for it', async () => {
      const stream = await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        messages,
        stream: true,
        stream_options: { include_usage: true },
      });
      const seen: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
      for await (const chunk of stream) seen.push(chunk);
      expect(seen.at(-1)?.usage?.total_tokens).toBe(18);
      expect((await lastCall(CHAT)).summary?.usage).toMatchObject({
        [OPENAI_ANSWER_MODEL]: { total_tokens: 18 },
      });
    });

    it('ends the call with what arrived when the caller stops reading early', async () => {
      const stream = await openai.chat.completions.create({ model: 'long-stream', messages, stream: true });
      let read = 0;
      for await (const _ of stream) if (++read === 3) break;
      const call = await lastCall(CHAT);
      expect(call.ended_at).not.toBeNull();
      expect(call.exception).toBeNull();
      // The role chunk and two pieces of text; no finish reason ever came.
      expect(call.output).toMatchObject({
        choices: [{ message: { content: 'Hello' }, finish_reason: null }],
      });
    });

    it('ends the call of a stream dropped unread when it is garbage-collected', async () => {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      const start = async () => {
        await openai.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'dropped' }],
          stream: true,
        });
      };
      await start();
      let call: Call | undefined;
      for (let attempt = 0; attempt < 50; attempt++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 20));
        call = await lastCall(CHAT);
        if (call.ended_at !== null) break;
      }
      expect(call?.inputs.messages).toEqual([{ role: 'user', content: 'dropped' }]);
      expect(call?.ended_at).not.toBeNull();
      expect(call?.exception).toBeNull();
    });

    it('records tool calls, whole and streamed', async () => {
      const tools = [
        {
          type: 'function' as const,
          function: {
            name: 'get_weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
      ];
      const answer = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, tools });
      expect(answer.choices[0]?.message.tool_calls?.[0]).toMatchObject({ id: 'call_1' });
      const toolCall = {
        id: 'call_1',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
      };
      expect((await lastCall(CHAT)).output).toMatchObject({
        choices: [{ message: { tool_calls: [toolCall] } }],
      });

      const stream = await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        messages,
        tools,
        stream: true,
      });
      for await (const _ of stream) {
        // read to the end
      }
      expect((await lastCall(CHAT)).output).toMatchObject({
        choices: [{ message: { tool_calls: [toolCall] }, finish_reason: 'tool_calls' }],
      });
    });

    it('records a failed request and throws the provider error unchanged', async () => {
      const failure = await openai.chat.completions
        .create({ model: 'fails', messages })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OpenAIClient.BadRequestError);
      expect((failure as InstanceType<typeof OpenAI.BadRequestError>).status).toBe(400);
      const call = await lastCall(CHAT);
      expect(call.inputs.model).toBe('fails');
      expect(call.exception).toContain('does not exist');
      expect(call.output).toBeNull();
    });

    it('sums the usage of the calls inside an op into its summary, and prices it', async () => {
      const answerTwice = op(async function answerTwice() {
        await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
        await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
        return 'done';
      });
      await answerTwice();
      const [parent] = await weft
        .getCalls({ filter: { op_names: [`weave:///${PROJECT}/op/answerTwice:*`] }, includeCosts: true })
        .toArray();
      expect(parent?.summary?.usage).toMatchObject({
        [OPENAI_ANSWER_MODEL]: { requests: 2, prompt_tokens: 22, completion_tokens: 14, total_tokens: 36 },
      });
      // Priced at the bundled dataset's gpt-4o-mini price, as the server's own tests check.
      const cost = (
        parent?.summary?.weave as { costs?: Record<string, { unpriced: boolean; total_cost: number }> }
      )?.costs?.[OPENAI_ANSWER_MODEL];
      expect(cost?.unpriced).toBe(false);
      expect(cost?.total_cost).toBeGreaterThan(0);
    });
  });

  describe('the Responses API and embeddings', () => {
    it('records a response, whole and streamed, with its usage', async () => {
      const answer = await openai.responses.create({ model: 'gpt-4.1', input: 'Say bonjour' });
      expect(answer.output_text).toBe('Bonjour');
      const call = await lastCall('openai.responses.create');
      expect(call.inputs).toEqual({ model: 'gpt-4.1', input: 'Say bonjour' });
      expect(call.summary?.usage).toMatchObject({
        'gpt-4.1-2025-04-14': { requests: 1, input_tokens: 30, output_tokens: 4 },
      });

      const stream = await openai.responses.create({ model: 'gpt-4.1', input: 'Say bonjour', stream: true });
      const types: string[] = [];
      for await (const event of stream) types.push(event.type);
      expect(types).toEqual([
        'response.created',
        'response.output_text.delta',
        'response.output_text.delta',
        'response.completed',
      ]);
      const streamed = await lastCall('openai.responses.create');
      expect(streamed.output).toMatchObject({ id: 'resp_fake', status: 'completed', output_text: 'Bonjour' });
      expect(streamed.summary?.usage).toMatchObject({ 'gpt-4.1-2025-04-14': { total_tokens: 34 } });
    });

    it('records embeddings with their usage, each vector as its size and first numbers', async () => {
      const answer = await openai.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
      expect(answer.data[0]?.embedding).toHaveLength(64);
      const call = await lastCall('openai.embeddings.create');
      expect(call.inputs).toEqual({ model: 'text-embedding-3-small', input: ['a', 'b'] });
      expect(call.output).toMatchObject({
        data: [{ index: 0, embedding: { dimensions: 64 } }, { index: 1 }],
      });
      expect(call.summary?.usage).toMatchObject({
        'text-embedding-3-small': { requests: 1, prompt_tokens: 5 },
      });
    });
  });

  describe('secrets', () => {
    it('records a client passed to an op as its class name, and never stores the API key', async () => {
      const ask = op(async function ask(client: OpenAI, question: string) {
        const answer = await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: question }],
        });
        return answer.choices[0]?.message.content;
      });
      await ask(openai, 'who are you?');
      const [call] = await weft
        .getCalls({ filter: { op_names: [`weave:///${PROJECT}/op/ask:*`] } })
        .toArray();
      // Positional arguments are arg0, arg1, … as in Weave's JS SDK.
      expect(call?.inputs).toEqual({ arg0: { _type: 'OpenAI' }, arg1: 'who are you?' });
      // The key went to the provider, in the header it belongs in...
      expect(provider.requests.at(-1)?.headers.authorization).toBe(`Bearer ${API_KEY}`);
      // ...and nowhere in what weft stored.
      await weft.flush();
      for (const { file, bytes } of storedFiles(server.dataDir)) {
        expect(bytes.includes(API_KEY), file).toBe(false);
        expect(bytes.includes(API_KEY.slice(10)), file).toBe(false);
      }
    });
  });
});
