/**
 * A local stand-in for OpenAI's and Anthropic's HTTP APIs on 127.0.0.1, answering the way they
 * do (JSON, or server-sent events with the usage in the last chunk), so the real `openai` and
 * `@anthropic-ai/sdk` clients can be traced without a network. It keeps every request it was
 * sent, headers included, for the tests to inspect.
 *
 * What it answers depends on the request: `model: "fails"` gets a 400 error body; `tools` get a
 * tool call; `stream: true` gets events (`"long-stream"` as the model makes 200 of them).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface ReceivedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export interface FakeProvider {
  url: string;
  requests: ReceivedRequest[];
  /** Streams whose client went away before the last event was written. */
  abortedStreams: number;
  close(): Promise<void>;
}

/** The model name the API answers with: a dated snapshot, as OpenAI's does. */
export const OPENAI_ANSWER_MODEL = 'gpt-4o-mini-2024-07-18';
export const ANTHROPIC_ANSWER_MODEL = 'claude-3-5-haiku-20241022';

const OPENAI_USAGE = {
  prompt_tokens: 11,
  completion_tokens: 7,
  total_tokens: 18,
  prompt_tokens_details: { cached_tokens: 3, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 2, audio_tokens: 0 },
};

const ANTHROPIC_USAGE = {
  input_tokens: 20,
  output_tokens: 9,
  cache_creation_input_tokens: 5,
  cache_read_input_tokens: 100,
};

export async function startFakeProvider(): Promise<FakeProvider> {
  const requests: ReceivedRequest[] = [];
  const state = { abortedStreams: 0 };
  const server: Server = createServer((req, res) => {
    void answer(req, res, requests, state);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get abortedStreams() {
      return state.abortedStreams;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function answer(
  req: IncomingMessage,
  res: ServerResponse,
  requests: ReceivedRequest[],
  state: { abortedStreams: number },
): Promise<void> {
  let text = '';
  for await (const chunk of req) text += chunk;
  const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  const path = (req.url ?? '').replace(/\?.*$/, '');
  requests.push({ path, headers: req.headers, body });
  if (body.model === 'fails') {
    const error =
      path === '/v1/messages'
        ? { type: 'error', error: { type: 'invalid_request_error', message: 'model: fails is not a model' } }
        : {
            error: {
              message: 'The model `fails` does not exist',
              type: 'invalid_request_error',
              code: 'model_not_found',
            },
          };
    return json(res, 400, error);
  }
  const tools = Array.isArray(body.tools) && body.tools.length > 0;
  const events = body.model === 'long-stream' ? 200 : 2;
  switch (path) {
    case '/v1/chat/completions':
      if (body.stream === true) return sse(res, state, chatChunks(body, tools, events));
      return json(res, 200, chatCompletion(tools));
    case '/v1/responses':
      if (body.stream === true) return sse(res, state, responseEvents());
      return json(res, 200, response('completed'));
    case '/v1/embeddings':
      return json(res, 200, embeddings(body));
    case '/v1/messages':
      if (body.stream === true) return sse(res, state, messageEvents(tools, events), true);
      return json(res, 200, message(tools));
    default:
      return json(res, 404, { error: { message: `no route ${path}` } });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req_fake_1' });
  res.end(JSON.stringify(body));
}

/** Writes events one by one, as a provider does; `named` adds Anthropic's `event:` lines. */
async function sse(
  res: ServerResponse,
  state: { abortedStreams: number },
  events: Array<Record<string, unknown> | '[DONE]'>,
  named = false,
): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_fake_2' });
  for (const event of events) {
    if (res.destroyed || res.writableEnded) {
      state.abortedStreams += 1;
      return;
    }
    const data = event === '[DONE]' ? event : JSON.stringify(event);
    const name = named && event !== '[DONE]' ? `event: ${String(event.type)}\n` : '';
    res.write(`${name}data: ${data}\n\n`);
    // A pause lets the client read (and perhaps stop) between events.
    await new Promise((resolve) => setImmediate(resolve));
  }
  res.end();
}

function chatCompletion(tools: boolean): Record<string, unknown> {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_760_000_000,
    model: OPENAI_ANSWER_MODEL,
    choices: [
      {
        index: 0,
        message: tools
          ? {
              role: 'assistant',
              content: null,
              refusal: null,
              tool_calls: [
                {
                  id: 'call_1',
                  type: 'function',
                  function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
                },
              ],
            }
          : { role: 'assistant', content: 'Hello from the fake provider', refusal: null },
        finish_reason: tools ? 'tool_calls' : 'stop',
        logprobs: null,
      },
    ],
    usage: OPENAI_USAGE,
    system_fingerprint: 'fp_fake',
  };
}

function chatChunks(
  body: Record<string, unknown>,
  tools: boolean,
  textEvents: number,
): Array<Record<string, unknown> | '[DONE]'> {
  const withUsage =
    typeof body.stream_options === 'object' &&
    body.stream_options !== null &&
    (body.stream_options as { include_usage?: unknown }).include_usage === true;
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    created: 1_760_000_000,
    model: OPENAI_ANSWER_MODEL,
    system_fingerprint: 'fp_fake',
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    ...(withUsage ? { usage: null } : {}),
  });
  const chunks: Array<Record<string, unknown> | '[DONE]'> = [chunk({ role: 'assistant', content: '' })];
  if (tools) {
    chunks.push(
      chunk({
        tool_calls: [
          { index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } },
        ],
      }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      chunk({}, 'tool_calls'),
    );
  } else {
    for (let index = 0; index < textEvents; index++)
      chunks.push(chunk({ content: index === 0 ? 'Hel' : 'lo' }));
    chunks.push(chunk({}, 'stop'));
  }
  if (withUsage) {
    chunks.push({
      id: 'chatcmpl-fake',
      object: 'chat.completion.chunk',
      created: 1_760_000_000,
      model: OPENAI_ANSWER_MODEL,
      system_fingerprint: 'fp_fake',
      choices: [],
      usage: OPENAI_USAGE,
    });
  }
  chunks.push('[DONE]');
  return chunks;
}

function response(status: 'in_progress' | 'completed'): Record<string, unknown> {
  const done = status === 'completed';
  return {
    id: 'resp_fake',
    object: 'response',
    created_at: 1_760_000_000,
    status,
    model: 'gpt-4.1-2025-04-14',
    output: done
      ? [
          {
            id: 'msg_fake',
            type: 'message',
            role: 'assistant',
            status: 'completed',
            content: [{ type: 'output_text', text: 'Bonjour', annotations: [] }],
          },
        ]
      : [],
    usage: done
      ? {
          input_tokens: 30,
          input_tokens_details: { cached_tokens: 10 },
          output_tokens: 4,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: 34,
        }
      : null,
  };
}

function responseEvents(): Array<Record<string, unknown>> {
  return [
    { type: 'response.created', sequence_number: 0, response: response('in_progress') },
    {
      type: 'response.output_text.delta',
      sequence_number: 1,
      item_id: 'msg_fake',
      output_index: 0,
      content_index: 0,
      delta: 'Bon',
    },
    {
      type: 'response.output_text.delta',
      sequence_number: 2,
      item_id: 'msg_fake',
      output_index: 0,
      content_index: 0,
      delta: 'jour',
    },
    { type: 'response.completed', sequence_number: 3, response: response('completed') },
  ];
}

function embeddings(body: Record<string, unknown>): Record<string, unknown> {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const vector = Array.from({ length: 64 }, (_, index) => index / 64);
  // The official client asks for base64 unless told otherwise, and decodes it.
  const encoded = Buffer.from(new Float32Array(vector).buffer).toString('base64');
  return {
    object: 'list',
    model: 'text-embedding-3-small',
    data: inputs.map((_, index) => ({
      object: 'embedding',
      index,
      embedding: body.encoding_format === 'base64' ? encoded : vector,
    })),
    usage: { prompt_tokens: 5, total_tokens: 5 },
  };
}

function message(tools: boolean): Record<string, unknown> {
  return {
    id: 'msg_fake',
    type: 'message',
    role: 'assistant',
    model: ANTHROPIC_ANSWER_MODEL,
    content: tools
      ? [
          { type: 'text', text: 'Let me look.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
        ]
      : [{ type: 'text', text: 'Hello from the fake Claude' }],
    stop_reason: tools ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: ANTHROPIC_USAGE,
  };
}

function messageEvents(tools: boolean, textEvents: number): Array<Record<string, unknown>> {
  const start = {
    type: 'message_start',
    message: {
      ...message(false),
      content: [],
      stop_reason: null,
      usage: { ...ANTHROPIC_USAGE, output_tokens: 1 },
    },
  };
  const events: Array<Record<string, unknown>> = [start];
  events.push({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
  for (let index = 0; index < textEvents; index++) {
    events.push({
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: index === 0 ? 'Hel' : 'lo' },
    });
  }
  events.push({ type: 'content_block_stop', index: 0 });
  if (tools) {
    events.push(
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} },
      },
      {
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'input_json_delta', partial_json: '{"city":' },
      },
      {
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'input_json_delta', partial_json: ' "Paris"}' },
      },
      { type: 'content_block_stop', index: 1 },
    );
  }
  events.push(
    {
      type: 'message_delta',
      delta: { stop_reason: tools ? 'tool_use' : 'end_turn', stop_sequence: null },
      usage: { output_tokens: ANTHROPIC_USAGE.output_tokens },
    },
    { type: 'message_stop' },
  );
  return events;
}
