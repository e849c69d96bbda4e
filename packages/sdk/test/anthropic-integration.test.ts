import Anthropic from '@anthropic-ai/sdk';
import AnthropicPrevious from 'anthropic-sdk-v0';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Call, init, resetClient, type WeaveClient, wrapAnthropic } from 'weft';
import {
  removeDataDir,
  startWeftServer,
  storedFiles,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';
import { ANTHROPIC_ANSWER_MODEL, type FakeProvider, startFakeProvider } from './support/fake-llm-provider.js';

const API_KEY = 'sk-ant-weft-test-9876543210-SECRET';
const MESSAGES = 'anthropic.messages.create';
let server: WeftServerProcess;

beforeAll(async () => {
  server = await startWeftServer();
});

afterAll(async () => {
  resetClient();
  await server?.stop();
  removeDataDir(server?.dataDir);
});

const request = {
  model: 'claude-3-5-haiku-latest',
  max_tokens: 100,
  messages: [{ role: 'user' as const, content: 'Hi' }],
};
const USAGE = {
  input_tokens: 20,
  output_tokens: 9,
  cache_creation_input_tokens: 5,
  cache_read_input_tokens: 100,
};

describe.each([
  { major: '1', AnthropicClient: Anthropic },
  { major: '0', AnthropicClient: AnthropicPrevious as unknown as typeof Anthropic },
])('@anthropic-ai/sdk $major', ({ major, AnthropicClient }) => {
  const PROJECT = `tests/anthropic-${major}`;
  let provider: FakeProvider;
  let weft: WeaveClient;
  let anthropic: Anthropic;

  beforeAll(async () => {
    provider = await startFakeProvider();
    weft = init(PROJECT, { serverUrl: server.url });
    anthropic = wrapAnthropic(new AnthropicClient({ apiKey: API_KEY, baseURL: provider.url, maxRetries: 0 }));
  });

  afterAll(async () => {
    await weft.flush();
    await provider?.close();
  });

  async function lastCall(options: { includeCosts?: boolean } = {}): Promise<Call> {
    const [call] = await weft
      .getCalls({
        filter: { op_names: [`weave:///${PROJECT}/op/${MESSAGES}:*`] },
        sortBy: [{ field: 'started_at', direction: 'desc' }],
        limit: 1,
        includeCosts: options.includeCosts ?? false,
      })
      .toArray();
    if (!call) throw new Error('no messages call was recorded');
    return call;
  }

  describe('messages', () => {
    it('records the request, the message and the usage as Anthropic reports it', async () => {
      const answer = await anthropic.messages.create(request);
      expect(answer.content[0]).toEqual({ type: 'text', text: 'Hello from the fake Claude' });
      const call = await lastCall({ includeCosts: true });
      expect(call.inputs).toEqual(request);
      expect(call.output).toMatchObject({
        id: 'msg_fake',
        model: ANTHROPIC_ANSWER_MODEL,
        content: answer.content,
      });
      expect(call.summary?.usage).toEqual({ [ANTHROPIC_ANSWER_MODEL]: { requests: 1, ...USAGE } });
      // The cached tokens are counted beside input_tokens, as Anthropic means them: 125 in all.
      const cost = (call.summary?.weave as { costs?: Record<string, Record<string, unknown>> })?.costs?.[
        ANTHROPIC_ANSWER_MODEL
      ];
      expect(cost).toMatchObject({
        prompt_tokens: 125,
        cache_read_input_tokens: 100,
        cache_creation_input_tokens: 5,
        unpriced: false,
        provider_id: 'anthropic',
      });
    });

    it('keeps withResponse() on what create returns', async () => {
      const { data, response } = await anthropic.messages.create(request).withResponse();
      expect(data.id).toBe('msg_fake');
      expect(response.status).toBe(200);
      expect((await lastCall()).output).toMatchObject({ id: 'msg_fake' });
    });

    it('re-assembles a raw stream, tool use included', async () => {
      const stream = await anthropic.messages.create({
        ...request,
        stream: true,
        tools: [
          { name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
        ],
      });
      const types: string[] = [];
      for await (const event of stream) types.push(event.type);
      expect(types[0]).toBe('message_start');
      expect(types.at(-1)).toBe('message_stop');
      const call = await lastCall();
      expect(call.output).toMatchObject({
        id: 'msg_fake',
        stop_reason: 'tool_use',
        content: [
          { type: 'text', text: 'Hello' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
        ],
      });
      // The start's usage, with the final count of output tokens from the last delta.
      expect(call.summary?.usage).toEqual({ [ANTHROPIC_ANSWER_MODEL]: { requests: 1, ...USAGE } });
    });

    it("traces the client's own messages.stream() helper through create", async () => {
      const final = await anthropic.messages.stream(request).finalMessage();
      expect(final.content).toEqual([{ type: 'text', text: 'Hello' }]);
      const call = await lastCall();
      expect(call.inputs).toMatchObject({ ...request, stream: true });
      expect(call.output).toMatchObject({
        content: [{ type: 'text', text: 'Hello' }],
        stop_reason: 'end_turn',
      });
    });

    it('ends the call with what arrived when the caller stops reading early', async () => {
      const stream = await anthropic.messages.create({ ...request, model: 'long-stream', stream: true });
      let read = 0;
      for await (const _ of stream) if (++read === 4) break;
      const call = await lastCall();
      expect(call.ended_at).not.toBeNull();
      expect(call.output).toMatchObject({ content: [{ type: 'text', text: 'Hello' }], stop_reason: null });
    });

    it('records a failed request and throws the provider error unchanged', async () => {
      const failure = await anthropic.messages
        .create({ ...request, model: 'fails' })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(AnthropicClient.BadRequestError);
      const call = await lastCall();
      expect(call.inputs.model).toBe('fails');
      expect(call.exception).toContain('fails is not a model');
    });

    it('never stores the API key', async () => {
      // The key went to the provider in a header (`authorization` or `x-api-key`, by version)...
      const { authorization, 'x-api-key': apiKey } = provider.requests.at(-1)?.headers ?? {};
      expect([authorization, apiKey]).toEqual(expect.arrayContaining([expect.stringContaining(API_KEY)]));
      // ...and nowhere in what weft stored.
      await weft.flush();
      for (const { file, bytes } of storedFiles(server.dataDir)) {
        expect(bytes.includes(API_KEY), file).toBe(false);
      }
    });
  });
});
