/**
 * `wrapAnthropic(client)`: traces the official `@anthropic-ai/sdk` client (docs/architecture.md,
 * "Integrations"). `messages.create` (and so `messages.stream()`, which calls it) becomes a call
 * whose inputs are the request, whose output is the Message (a streamed one re-assembled), and
 * whose summary holds the usage per model, as Anthropic reports it. The client is patched in place
 * and returned; its answers, streams, errors and extra methods are what they were.
 */
import { streamableRequest } from '../answers.js';
import { markWrapped, patchMethod } from '../patch.js';
import { providerOp } from '../traced-request.js';
import { MessageStream } from './message-stream.js';

const MESSAGES_OP = providerOp('anthropic.messages.create', "weft's Anthropic integration: messages.create");

interface AnthropicLike {
  messages?: unknown;
  beta?: { messages?: unknown };
}

export function wrapAnthropic<Client extends object>(client: Client): Client {
  if (!markWrapped(client)) return client;
  const resources = client as AnthropicLike;
  patchMethod(resources.messages, 'create', messagesRequest);
  patchMethod(resources.beta?.messages, 'create', messagesRequest);
  return client;
}

const messagesRequest = streamableRequest(MESSAGES_OP, () => new MessageStream());
