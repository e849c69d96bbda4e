/**
 * Re-assembles a streamed chat completion (`chat.completion.chunk` events) into the
 * `chat.completion` the same request would have answered without streaming: text, refusals and
 * tool calls joined per choice, the finish reasons, and the usage from the last chunk.
 */
import { isRecord, usageFirst } from '../shapes.js';
import type { StreamAccumulator } from '../traced-stream.js';

interface ToolCall {
  id?: string;
  type: string;
  function: { name: string; arguments: string };
}

interface Choice {
  index: number;
  message: { role: string; content: string | null; refusal: string | null; tool_calls?: ToolCall[] };
  finish_reason: unknown;
  logprobs: { content: unknown[] } | null;
}

const TOP_LEVEL_KEYS = ['id', 'created', 'model', 'system_fingerprint', 'service_tier'] as const;

export class ChatCompletionStream implements StreamAccumulator {
  private readonly top: Record<string, unknown> = {};
  private readonly choices = new Map<number, Choice>();
  private usage: unknown;

  /** `hideUsage`: the caller did not ask for usage, so the chunk that carries it is not theirs. */
  constructor(private readonly hideUsage: boolean) {}

  add(event: unknown): boolean {
    if (!isRecord(event)) return true;
    for (const key of TOP_LEVEL_KEYS) if (event[key] != null) this.top[key] = event[key];
    if (event.usage != null) this.usage = event.usage;
    const choices = Array.isArray(event.choices) ? event.choices : [];
    for (const choice of choices) if (isRecord(choice)) this.addChoice(choice);
    if (!this.hideUsage) return true;
    // With include_usage every chunk carries `usage: null` and one last chunk only the usage.
    if (choices.length === 0 && event.usage != null) return false;
    if (event.usage === null) delete event.usage;
    return true;
  }

  private addChoice(chunk: Record<string, unknown>): void {
    const index = typeof chunk.index === 'number' ? chunk.index : 0;
    let choice = this.choices.get(index);
    if (!choice) {
      choice = {
        index,
        message: { role: 'assistant', content: null, refusal: null },
        finish_reason: null,
        logprobs: null,
      };
      this.choices.set(index, choice);
    }
    if (chunk.finish_reason != null) choice.finish_reason = chunk.finish_reason;
    if (isRecord(chunk.logprobs) && Array.isArray(chunk.logprobs.content)) {
      choice.logprobs ??= { content: [] };
      choice.logprobs.content.push(...chunk.logprobs.content);
    }
    const delta = chunk.delta;
    if (!isRecord(delta)) return;
    const message = choice.message;
    if (typeof delta.role === 'string') message.role = delta.role;
    if (typeof delta.content === 'string') message.content = (message.content ?? '') + delta.content;
    if (typeof delta.refusal === 'string') message.refusal = (message.refusal ?? '') + delta.refusal;
    if (Array.isArray(delta.tool_calls)) {
      message.tool_calls ??= [];
      for (const part of delta.tool_calls) if (isRecord(part)) addToolCallPart(message.tool_calls, part);
    }
  }

  output(): unknown {
    const choices = [...this.choices.values()].sort((a, b) => a.index - b.index);
    return usageFirst({
      ...this.top,
      object: 'chat.completion',
      choices,
      ...(this.usage !== undefined ? { usage: this.usage } : {}),
    });
  }
}

/** Tool calls stream in pieces: the id and name first, then the arguments' JSON text in parts. */
function addToolCallPart(calls: ToolCall[], part: Record<string, unknown>): void {
  const index = typeof part.index === 'number' ? part.index : calls.length;
  let call = calls[index];
  if (!call) {
    call = { type: 'function', function: { name: '', arguments: '' } };
    calls[index] = call;
  }
  if (typeof part.id === 'string') call.id = part.id;
  if (typeof part.type === 'string') call.type = part.type;
  const fn = part.function;
  if (isRecord(fn)) {
    if (typeof fn.name === 'string') call.function.name += fn.name;
    if (typeof fn.arguments === 'string') call.function.arguments += fn.arguments;
  }
}
