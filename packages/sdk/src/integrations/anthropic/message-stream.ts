/**
 * Re-assembles a streamed Anthropic message (`message_start`, content block starts, deltas and
 * stops, `message_delta`, `message_stop`) into the Message the same request would have answered
 * without streaming: text and thinking joined per block, a tool call's input parsed from its JSON
 * parts, the stop reason, and the usage of the start updated by the final delta.
 */
import { isRecord, usageFirst } from '../shapes.js';
import type { StreamAccumulator } from '../traced-stream.js';

type Block = Record<string, unknown> & { type?: unknown };

export class MessageStream implements StreamAccumulator {
  private message: Record<string, unknown> = {};
  private readonly blocks: Block[] = [];
  /** A tool call's input arrives as JSON text in parts, parsed when its block stops. */
  private readonly partialJson = new Map<number, string>();

  add(event: unknown): boolean {
    if (!isRecord(event)) return true;
    switch (event.type) {
      case 'message_start':
        if (isRecord(event.message)) this.message = { ...event.message };
        break;
      case 'content_block_start':
        if (typeof event.index === 'number' && isRecord(event.content_block)) {
          this.blocks[event.index] = { ...event.content_block };
        }
        break;
      case 'content_block_delta':
        if (typeof event.index === 'number' && isRecord(event.delta)) this.addDelta(event.index, event.delta);
        break;
      case 'content_block_stop':
        if (typeof event.index === 'number') this.finishBlock(event.index);
        break;
      case 'message_delta':
        if (isRecord(event.delta)) Object.assign(this.message, event.delta);
        if (isRecord(event.usage)) this.message.usage = mergeUsage(this.message.usage, event.usage);
        break;
    }
    return true;
  }

  private addDelta(index: number, delta: Record<string, unknown>): void {
    let block = this.blocks[index];
    if (!block) {
      block = { type: 'text', text: '' };
      this.blocks[index] = block;
    }
    switch (delta.type) {
      case 'text_delta':
        block.text = `${typeof block.text === 'string' ? block.text : ''}${String(delta.text ?? '')}`;
        break;
      case 'thinking_delta':
        block.thinking = `${typeof block.thinking === 'string' ? block.thinking : ''}${String(delta.thinking ?? '')}`;
        break;
      case 'signature_delta':
        block.signature = delta.signature;
        break;
      case 'input_json_delta':
        this.partialJson.set(index, (this.partialJson.get(index) ?? '') + String(delta.partial_json ?? ''));
        break;
      case 'citations_delta':
        block.citations = [...(Array.isArray(block.citations) ? block.citations : []), delta.citation];
        break;
    }
  }

  private finishBlock(index: number): void {
    const json = this.partialJson.get(index);
    const block = this.blocks[index];
    if (json === undefined || !block) return;
    this.partialJson.delete(index);
    try {
      block.input = json.trim() === '' ? {} : JSON.parse(json);
    } catch {
      // Kept as the text that arrived: the stream was cut, or the model wrote broken JSON.
      block.input = json;
    }
  }

  output(): unknown {
    // Blocks still open (a stream stopped early) keep the JSON text that arrived so far.
    for (const [index, json] of this.partialJson) {
      const block = this.blocks[index];
      if (block) block.input = json;
    }
    return usageFirst({ ...this.message, content: this.blocks.filter(Boolean) });
  }
}

/** The final delta's counts are totals for the message; they replace the start's. */
function mergeUsage(start: unknown, delta: Record<string, unknown>): Record<string, unknown> {
  const usage = isRecord(start) ? { ...start } : {};
  for (const [key, value] of Object.entries(delta))
    if (value !== null && value !== undefined) usage[key] = value;
  return usage;
}
