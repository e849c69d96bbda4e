/**
 * `wrapOpenAI(client)`: traces the official `openai` client (docs/architecture.md,
 * "Integrations"). Chat completions, the Responses API and embeddings each become a call whose
 * inputs are the request, whose output is the answer (a streamed one re-assembled), and whose
 * summary holds the usage per model. The client is patched in place and returned; its answers,
 * streams, errors and extra methods (`withResponse()`, `asResponse()`) are what they were.
 */
import { deliverAnswer, streamableRequest } from '../answers.js';
import { markWrapped, patchMethod, type RequestBuilder } from '../patch.js';
import { isRecord, usageFirst } from '../shapes.js';
import { providerOp } from '../traced-request.js';
import { ChatCompletionStream } from './chat-stream.js';
import { ResponseStream } from './responses-stream.js';

const CHAT_OP = providerOp(
  'openai.chat.completions.create',
  "weft's OpenAI integration: chat.completions.create",
);
const RESPONSES_OP = providerOp('openai.responses.create', "weft's OpenAI integration: responses.create");
const EMBEDDINGS_OP = providerOp('openai.embeddings.create', "weft's OpenAI integration: embeddings.create");

/** An embedding's first few numbers are kept; a vector of 3,072 would crowd out the rest. */
const EMBEDDING_PREVIEW = 8;

interface OpenAILike {
  chat?: { completions?: unknown };
  responses?: unknown;
  embeddings?: unknown;
}

export function wrapOpenAI<Client extends object>(client: Client): Client {
  if (!markWrapped(client)) return client;
  const resources = client as OpenAILike;
  patchMethod(resources.chat?.completions, 'create', chatRequest);
  patchMethod(resources.responses, 'create', responsesRequest);
  patchMethod(resources.embeddings, 'create', embeddingsRequest);
  return client;
}

const chatRequest: RequestBuilder = (body, send) => {
  const request = isRecord(body) ? body : {};
  const streaming = request.stream === true;
  const options = isRecord(request.stream_options) ? request.stream_options : {};
  const askedForUsage = options.include_usage === true;
  // Without include_usage a stream reports no tokens; it is asked for, and hidden from the caller.
  const sent =
    streaming && !askedForUsage ? { ...request, stream_options: { ...options, include_usage: true } } : body;
  return {
    op: CHAT_OP,
    inputs: request,
    send: () => send(sent),
    deliver: (value, finish) =>
      deliverAnswer(value, finish, streaming ? () => new ChatCompletionStream(!askedForUsage) : undefined),
  };
};

const responsesRequest = streamableRequest(RESPONSES_OP, () => new ResponseStream());

const embeddingsRequest: RequestBuilder = (body, send) => ({
  op: EMBEDDINGS_OP,
  inputs: isRecord(body) ? body : {},
  send: () => send(body),
  deliver(value, finish) {
    finish(usageFirst(embeddingsOutput(value)));
    return value;
  },
});

/** The answer with each vector as its length and first numbers (a base64 vector as its length). */
function embeddingsOutput(answer: unknown): unknown {
  if (!isRecord(answer) || !Array.isArray(answer.data)) return answer;
  const data = answer.data.map((item: unknown) => {
    if (!isRecord(item)) return item;
    const vector = item.embedding;
    if (Array.isArray(vector)) {
      return {
        ...item,
        embedding: { dimensions: vector.length, preview: vector.slice(0, EMBEDDING_PREVIEW) },
      };
    }
    if (typeof vector === 'string') return { ...item, embedding: { base64_length: vector.length } };
    return item;
  });
  return { ...answer, data };
}
