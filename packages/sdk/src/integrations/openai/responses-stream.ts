/**
 * Re-assembles a streamed Responses API answer: the `response` carried by its lifecycle events
 * (created, in progress, and finally completed, incomplete or failed, with the usage), plus the
 * text of the deltas, so a stream stopped early still records what was said.
 */
import { isRecord, usageFirst } from '../shapes.js';
import type { StreamAccumulator } from '../traced-stream.js';

export class ResponseStream implements StreamAccumulator {
  private response: Record<string, unknown> | undefined;
  private text = '';

  add(event: unknown): boolean {
    if (!isRecord(event)) return true;
    if (isRecord(event.response)) this.response = event.response;
    if (event.type === 'response.output_text.delta' && typeof event.delta === 'string')
      this.text += event.delta;
    return true;
  }

  output(): unknown {
    const response = this.response ?? {};
    // `output_text` is what the client adds to an answer that was not streamed.
    return usageFirst({ ...response, output_text: outputText(response) ?? this.text });
  }
}

/** The text of a finished response's message outputs, as the official client joins it. */
function outputText(response: Record<string, unknown>): string | undefined {
  if (response.status !== 'completed' || !Array.isArray(response.output)) return undefined;
  let text = '';
  for (const item of response.output) {
    if (!isRecord(item) || item.type !== 'message' || !Array.isArray(item.content)) continue;
    for (const part of item.content) {
      if (isRecord(part) && part.type === 'output_text' && typeof part.text === 'string') text += part.text;
    }
  }
  return text;
}
