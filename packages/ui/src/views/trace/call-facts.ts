/**
 * Facts the detail pane shows about one call, read leniently from logged data: token usage per
 * model from `summary.usage` (OpenAI and Anthropic spell the counts differently), the refs found
 * in inputs and output, and the call's op name.
 */
import type { CallSchema } from '@weft/protocol';
import { collectRefs, opDisplayName } from '@weft/protocol/refs';

export interface UsageRow {
  readonly model: string;
  readonly promptTokens: number | undefined;
  readonly completionTokens: number | undefined;
  readonly totalTokens: number | undefined;
  readonly requests: number | undefined;
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function sum(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0);
}

/** One row per model in `summary.usage`, models in name order; entries that are not objects are skipped. */
export function usageRows(summary: CallSchema['summary'] | undefined): UsageRow[] {
  const usage = summary?.usage;
  if (typeof usage !== 'object' || usage === null || Array.isArray(usage)) return [];
  const rows: UsageRow[] = [];
  for (const [model, raw] of Object.entries(usage)) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) continue;
    const entry = raw as Record<string, unknown>;
    // Anthropic counts cached prompt tokens beside input_tokens: they are prompt tokens too.
    const promptTokens = sum(
      sum(count(entry.prompt_tokens) ?? count(entry.input_tokens), count(entry.cache_read_input_tokens)),
      count(entry.cache_creation_input_tokens),
    );
    const completionTokens = count(entry.completion_tokens) ?? count(entry.output_tokens);
    rows.push({
      model,
      promptTokens,
      completionTokens,
      totalTokens: count(entry.total_tokens) ?? sum(promptTokens, completionTokens),
      requests: count(entry.requests),
    });
  }
  return rows.sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
}

/** Every distinct `weave:///` ref in the inputs, then the output, in the order first met. */
export function refsOf(inputs: unknown, output: unknown): string[] {
  const found = new Set<string>();
  collectRefs(inputs, found);
  collectRefs(output, found);
  return [...found];
}

/** The name to show for a call's op: the name inside an op ref, or the op_name as sent. */
export function opNameOf(opName: string): string {
  return opDisplayName(opName);
}

/** The summary without the derived `weave` block and usage, which the pane shows on their own. */
export function customSummary(summary: CallSchema['summary'] | undefined): Record<string, unknown> {
  if (!summary) return {};
  const { weave: _weave, usage: _usage, ...rest } = summary;
  return rest;
}
