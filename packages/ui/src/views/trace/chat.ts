/**
 * Recognises chat-shaped call inputs and outputs (OpenAI chat completions, OpenAI responses,
 * Anthropic messages) and normalises them into one conversation shape the detail pane renders,
 * with the tools the request offered the model. Logged data is
 * hostile: anything that does not fit the shape exactly is `undefined` (the pane then shows
 * JSON), and nothing here throws.
 */

export type ChatFormat = 'openai' | 'openai-responses' | 'anthropic';

export type ChatPart =
  | { kind: 'text'; text: string }
  | { kind: 'image'; source: string }
  | { kind: 'tool_call'; id: string | undefined; name: string; arguments: string }
  | { kind: 'tool_result'; toolCallId: string | undefined; isError: boolean; parts: ChatPart[] }
  /** A part of a kind this view does not draw (audio, files, thinking, …): shown as JSON. */
  | { kind: 'other'; value: unknown };

export interface ChatMessage {
  readonly role: string;
  /** OpenAI's `name` on a message. */
  readonly name: string | undefined;
  /** The tool call a `tool` message answers (OpenAI). */
  readonly toolCallId: string | undefined;
  readonly parts: ChatPart[];
}

/** A tool the request offered the model: a function with its parameters' schema, or a built-in. */
export interface ChatTool {
  readonly name: string;
  readonly description: string | undefined;
  /** The parameters' JSON schema, or the whole entry when it is not a function tool. */
  readonly parameters: unknown;
}

export interface Conversation {
  readonly format: ChatFormat;
  readonly messages: ChatMessage[];
  /** The tools offered (inputs only); empty when none were. */
  readonly tools: ChatTool[];
  /** Why the model stopped: `finish_reason` or `stop_reason`. */
  readonly stopReason: string | undefined;
  readonly model: string | undefined;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** JSON text for arguments that arrived as an object instead of a string. */
function argumentsText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2) ?? '';
  } catch {
    return String(value);
  }
}

// ---------------------------------------------------------------- inputs

const OPENAI_ROLES: ReadonlySet<string> = new Set([
  'system',
  'developer',
  'user',
  'assistant',
  'tool',
  'function',
]);
const ANTHROPIC_ROLES: ReadonlySet<string> = new Set(['user', 'assistant']);
const ANTHROPIC_ONLY_BLOCKS: ReadonlySet<string> = new Set([
  'tool_use',
  'tool_result',
  'thinking',
  'redacted_thinking',
  'document',
]);

/**
 * The request object of a chat call. Weave's integrations log the request's fields as the
 * inputs (`inputs.messages`); a plain op wrapping `create(params)` logs them one level down
 * (`inputs.arg0.messages`, `inputs.params.messages`), so a lone object argument is looked into.
 */
function requestOf(inputs: unknown): Json | undefined {
  if (!isObject(inputs)) return undefined;
  if (isChatRequest(inputs)) return inputs;
  const objectArgs = Object.entries(inputs).filter(([key, value]) => key !== 'self' && isObject(value));
  if (objectArgs.length === 1) {
    const inner = objectArgs[0]![1] as Json;
    if (isChatRequest(inner)) return inner;
  }
  return undefined;
}

/**
 * A list of `messages`, or an OpenAI responses request: `input` (text or a list of items) with a
 * `model`, which keeps an op that merely takes an `input` argument from passing for one.
 */
function isChatRequest(request: Json): boolean {
  if (Array.isArray(request.messages)) return true;
  return isResponsesRequest(request);
}

function isResponsesRequest(request: Json): boolean {
  return (
    request.messages === undefined &&
    typeof request.model === 'string' &&
    (typeof request.input === 'string' || Array.isArray(request.input))
  );
}

export function conversationFromInputs(inputs: unknown): Conversation | undefined {
  const request = requestOf(inputs);
  if (!request) return undefined;
  if (isResponsesRequest(request)) return responsesRequest(request);
  const rawMessages = request.messages as unknown[];
  if (rawMessages.length === 0) return undefined;
  const model = optionalString(request.model);
  const anthropic = looksAnthropic(request, rawMessages);
  const messages: ChatMessage[] = [];
  if (anthropic) {
    const system = systemOf(request.system);
    if (system === null) return undefined;
    if (system) messages.push(system);
    for (const raw of rawMessages) {
      const message = anthropicMessage(raw);
      if (!message) return undefined;
      messages.push(message);
    }
    return { format: 'anthropic', messages, tools: toolsOf(request.tools), stopReason: undefined, model };
  }
  for (const raw of rawMessages) {
    const message = openAiMessage(raw);
    if (!message) return undefined;
    messages.push(message);
  }
  return { format: 'openai', messages, tools: toolsOf(request.tools), stopReason: undefined, model };
}

/**
 * The tools offered, in any of the three spellings: OpenAI chat's `{type: "function", function:
 * {name, description, parameters}}`, OpenAI responses' `{type: "function", name, description,
 * parameters}`, Anthropic's `{name, description, input_schema}`; a built-in tool (`{type:
 * "web_search"}`) is named by its type. Tools never make a conversation unreadable: an entry of
 * no known shape is listed by whatever name it has, with the entry itself as its parameters.
 */
function toolsOf(tools: unknown): ChatTool[] {
  if (!Array.isArray(tools)) return [];
  return tools.map((tool): ChatTool => {
    if (!isObject(tool)) return { name: 'tool', description: undefined, parameters: tool };
    const fn = isObject(tool.function) ? tool.function : tool;
    const name = optionalString(fn.name) ?? optionalString(tool.type) ?? 'tool';
    const parameters = fn.parameters ?? fn.input_schema;
    return {
      name,
      description: optionalString(fn.description),
      parameters: parameters === undefined ? tool : parameters,
    };
  });
}

// OpenAI's responses API: `instructions`, then `input` as text or a list of items (messages,
// function calls and their outputs, reasoning); its answer is a list of output items.

function responsesRequest(request: Json): Conversation | undefined {
  const messages: ChatMessage[] = [];
  const instructions = optionalString(request.instructions);
  if (instructions) messages.push(message('system', [{ kind: 'text', text: instructions }]));
  if (typeof request.input === 'string') {
    messages.push(message('user', [{ kind: 'text', text: request.input }]));
  } else {
    for (const item of request.input as unknown[]) {
      const parsed = responsesInputItem(item);
      if (!parsed) return undefined;
      messages.push(parsed);
    }
  }
  return {
    format: 'openai-responses',
    messages,
    tools: toolsOf(request.tools),
    stopReason: undefined,
    model: optionalString(request.model),
  };
}

function responsesInputItem(item: unknown): ChatMessage | undefined {
  if (!isObject(item)) return undefined;
  if (item.type === undefined || item.type === 'message') {
    if (typeof item.role !== 'string' || !OPENAI_ROLES.has(item.role)) return undefined;
    const parts = openAiContent(item.content);
    return parts ? message(item.role, parts) : undefined;
  }
  if (item.type === 'function_call_output') {
    const output = typeof item.output === 'string' ? item.output : argumentsText(item.output);
    return message('tool', [{ kind: 'text', text: output }], undefined, optionalString(item.call_id));
  }
  const part = responsesItemPart(item);
  return part ? message('assistant', [part]) : undefined;
}

/** A function call as a tool call; any other item the view does not draw, as JSON. */
function responsesItemPart(item: Json): ChatPart | undefined {
  if (item.type === 'function_call') {
    if (typeof item.name !== 'string') return undefined;
    return {
      kind: 'tool_call',
      id: optionalString(item.call_id),
      name: item.name,
      arguments: argumentsText(item.arguments ?? ''),
    };
  }
  return { kind: 'other', value: item };
}

function looksAnthropic(request: Json, messages: readonly unknown[]): boolean {
  if (request.system !== undefined) return true;
  for (const message of messages) {
    if (!isObject(message) || !Array.isArray(message.content)) continue;
    for (const block of message.content) {
      if (isObject(block) && typeof block.type === 'string' && ANTHROPIC_ONLY_BLOCKS.has(block.type))
        return true;
      if (isObject(block) && block.type === 'image' && isObject(block.source)) return true;
    }
  }
  return false;
}

/** Anthropic's `system`: a string or a list of text blocks. `null` means malformed. */
function systemOf(system: unknown): ChatMessage | undefined | null {
  if (system === undefined || system === null || system === '') return undefined;
  if (typeof system === 'string') return message('system', [{ kind: 'text', text: system }]);
  if (!Array.isArray(system)) return null;
  const parts = anthropicBlocks(system);
  return parts ? message('system', parts) : null;
}

function message(role: string, parts: ChatPart[], name?: string, toolCallId?: string): ChatMessage {
  return { role, parts, name, toolCallId };
}

function openAiMessage(raw: unknown): ChatMessage | undefined {
  if (!isObject(raw) || typeof raw.role !== 'string' || !OPENAI_ROLES.has(raw.role)) return undefined;
  const parts = openAiContent(raw.content);
  if (!parts) return undefined;
  if (raw.tool_calls !== undefined && raw.tool_calls !== null) {
    const calls = openAiToolCalls(raw.tool_calls);
    if (!calls) return undefined;
    for (const call of calls) parts.push(call);
  }
  if (isObject(raw.function_call)) {
    const call = openAiFunction(raw.function_call, undefined);
    if (!call) return undefined;
    parts.push(call);
  }
  return message(raw.role, parts, optionalString(raw.name), optionalString(raw.tool_call_id));
}

/** OpenAI content: a string, null (an assistant turn with only tool calls), or a list of parts. */
function openAiContent(content: unknown): ChatPart[] | undefined {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ kind: 'text', text: content }];
  if (!Array.isArray(content)) return undefined;
  const parts: ChatPart[] = [];
  for (const part of content) {
    if (typeof part === 'string') {
      parts.push({ kind: 'text', text: part });
      continue;
    }
    if (!isObject(part) || typeof part.type !== 'string') return undefined;
    if (
      (part.type === 'text' || part.type === 'input_text' || part.type === 'output_text') &&
      typeof part.text === 'string'
    ) {
      parts.push({ kind: 'text', text: part.text });
    } else if (part.type === 'refusal' && typeof part.refusal === 'string') {
      parts.push({ kind: 'text', text: part.refusal });
    } else if (part.type === 'image_url') {
      const url = isObject(part.image_url)
        ? optionalString(part.image_url.url)
        : optionalString(part.image_url);
      parts.push(url === undefined ? { kind: 'other', value: part } : { kind: 'image', source: url });
    } else {
      parts.push({ kind: 'other', value: part });
    }
  }
  return parts;
}

function openAiToolCalls(toolCalls: unknown): ChatPart[] | undefined {
  if (!Array.isArray(toolCalls)) return undefined;
  const parts: ChatPart[] = [];
  for (const call of toolCalls) {
    if (!isObject(call) || !isObject(call.function)) return undefined;
    const part = openAiFunction(call.function, optionalString(call.id));
    if (!part) return undefined;
    parts.push(part);
  }
  return parts;
}

function openAiFunction(fn: Json, id: string | undefined): ChatPart | undefined {
  if (typeof fn.name !== 'string') return undefined;
  return { kind: 'tool_call', id, name: fn.name, arguments: argumentsText(fn.arguments ?? '') };
}

function anthropicMessage(raw: unknown): ChatMessage | undefined {
  if (!isObject(raw) || typeof raw.role !== 'string' || !ANTHROPIC_ROLES.has(raw.role)) return undefined;
  if (typeof raw.content === 'string') return message(raw.role, [{ kind: 'text', text: raw.content }]);
  if (!Array.isArray(raw.content)) return undefined;
  const parts = anthropicBlocks(raw.content);
  return parts ? message(raw.role, parts) : undefined;
}

function anthropicBlocks(blocks: readonly unknown[]): ChatPart[] | undefined {
  const parts: ChatPart[] = [];
  for (const block of blocks) {
    if (!isObject(block) || typeof block.type !== 'string') return undefined;
    switch (block.type) {
      case 'text':
        if (typeof block.text !== 'string') return undefined;
        parts.push({ kind: 'text', text: block.text });
        break;
      case 'tool_use':
        if (typeof block.name !== 'string') return undefined;
        parts.push({
          kind: 'tool_call',
          id: optionalString(block.id),
          name: block.name,
          arguments: argumentsText(block.input ?? {}),
        });
        break;
      case 'tool_result': {
        const inner =
          typeof block.content === 'string'
            ? [{ kind: 'text' as const, text: block.content }]
            : Array.isArray(block.content)
              ? anthropicBlocks(block.content)
              : block.content === undefined || block.content === null
                ? []
                : undefined;
        if (!inner) return undefined;
        parts.push({
          kind: 'tool_result',
          toolCallId: optionalString(block.tool_use_id),
          isError: block.is_error === true,
          parts: inner,
        });
        break;
      }
      case 'image': {
        const source = isObject(block.source) ? imageSource(block.source) : undefined;
        parts.push(source === undefined ? { kind: 'other', value: block } : { kind: 'image', source });
        break;
      }
      default:
        parts.push({ kind: 'other', value: block });
    }
  }
  return parts;
}

/** A URL image, or a base64 one as a data: URL (shown only as an <img>, never as a link). */
function imageSource(source: Json): string | undefined {
  if (source.type === 'url') return optionalString(source.url);
  if (source.type === 'base64' && typeof source.data === 'string' && typeof source.media_type === 'string') {
    if (!/^image\/[a-z0-9.+-]+$/i.test(source.media_type)) return undefined;
    return `data:${source.media_type};base64,${source.data}`;
  }
  return undefined;
}

// ---------------------------------------------------------------- outputs

export function conversationFromOutput(output: unknown): Conversation | undefined {
  if (!isObject(output)) return undefined;
  return openAiCompletion(output) ?? responsesOutput(output) ?? anthropicResponse(output);
}

/** `{object: "response", output: [items], status}`: the items as one assistant turn. */
function responsesOutput(output: Json): Conversation | undefined {
  if (output.object !== 'response' || !Array.isArray(output.output)) return undefined;
  const parts: ChatPart[] = [];
  for (const item of output.output) {
    if (!isObject(item)) return undefined;
    if (item.type === 'message') {
      const content = openAiContent(item.content);
      if (!content) return undefined;
      for (const part of content) parts.push(part);
    } else {
      const part = responsesItemPart(item);
      if (!part) return undefined;
      parts.push(part);
    }
  }
  const incomplete = isObject(output.incomplete_details)
    ? optionalString(output.incomplete_details.reason)
    : undefined;
  return {
    format: 'openai-responses',
    messages: [message('assistant', parts)],
    tools: [],
    stopReason: incomplete ?? optionalString(output.status),
    model: optionalString(output.model),
  };
}

/** `{choices: [{message, finish_reason}], model, usage}`: each choice's message, in order. */
function openAiCompletion(output: Json): Conversation | undefined {
  if (!Array.isArray(output.choices) || output.choices.length === 0) return undefined;
  const messages: ChatMessage[] = [];
  let stopReason: string | undefined;
  for (const choice of output.choices) {
    if (!isObject(choice)) return undefined;
    const raw = choice.message ?? choice.delta;
    const parsed = openAiMessage(
      isObject(raw) && raw.role === undefined ? { ...raw, role: 'assistant' } : raw,
    );
    if (!parsed) return undefined;
    messages.push(parsed);
    stopReason ??= optionalString(choice.finish_reason);
  }
  return { format: 'openai', messages, tools: [], stopReason, model: optionalString(output.model) };
}

/** `{type: "message", role: "assistant", content: [blocks], stop_reason}`. */
function anthropicResponse(output: Json): Conversation | undefined {
  if (output.role !== 'assistant' || !Array.isArray(output.content)) return undefined;
  if (output.type !== undefined && output.type !== 'message') return undefined;
  const parts = anthropicBlocks(output.content);
  if (!parts) return undefined;
  return {
    format: 'anthropic',
    messages: [message('assistant', parts)],
    tools: [],
    stopReason: optionalString(output.stop_reason),
    model: optionalString(output.model),
  };
}
