/**
 * One call's usage and cost per model, line by kind of token (prompt, cached prompt, completion),
 * for the trace view's detail pane. Token counts come from the server's costs when it priced the
 * call (it reads every spelling of the counts, docs/protocol.md §17.3), else from `summary.usage`.
 */
import type { CallSchema, LlmCost } from '@weft/protocol';
import { usageRows } from '../trace/call-facts';
import { modelCosts } from './call-cost';

export type TokenKind = 'prompt' | 'cache_read' | 'cache_creation' | 'completion';

export interface KindLine {
  readonly kind: TokenKind;
  readonly label: string;
  readonly tokens: number | undefined;
  /** Per token; null when the model is unpriced or the server did not price the call. */
  readonly price: number | null;
  readonly cost: number | null;
}

export interface ModelUsage {
  readonly model: string;
  readonly requests: number | undefined;
  readonly totalTokens: number | undefined;
  readonly lines: readonly KindLine[];
  /** The server's entry; undefined when it sent no costs for this model. */
  readonly cost: LlmCost | undefined;
}

function linesFromCost(cost: LlmCost): KindLine[] {
  const cached = cost.cache_read_input_tokens + cost.cache_creation_input_tokens;
  const lines: KindLine[] = [
    {
      kind: 'prompt',
      // Cached tokens are part of the prompt the provider reported; the rest is billed at the prompt price.
      label: cached > 0 ? 'Prompt, not cached' : 'Prompt',
      tokens: Math.max(0, cost.prompt_tokens - cached),
      price: cost.prompt_token_cost,
      cost: cost.prompt_tokens_total_cost,
    },
  ];
  if (cost.cache_read_input_tokens > 0) {
    lines.push({
      kind: 'cache_read',
      label: 'Prompt, cache read',
      tokens: cost.cache_read_input_tokens,
      price: cost.cache_read_input_token_cost,
      cost: cost.cache_read_input_tokens_total_cost,
    });
  }
  if (cost.cache_creation_input_tokens > 0) {
    lines.push({
      kind: 'cache_creation',
      label: 'Prompt, cache write',
      tokens: cost.cache_creation_input_tokens,
      price: cost.cache_creation_input_token_cost,
      cost: cost.cache_creation_input_tokens_total_cost,
    });
  }
  lines.push({
    kind: 'completion',
    label: 'Completion',
    tokens: cost.completion_tokens,
    price: cost.completion_token_cost,
    cost: cost.completion_tokens_total_cost,
  });
  return lines;
}

/** Every model the call used, in name order, with its lines. */
export function modelUsages(summary: CallSchema['summary'] | undefined): ModelUsage[] {
  const costs = new Map(modelCosts(summary).map(({ model, cost }) => [model, cost]));
  const usage = new Map(usageRows(summary).map((row) => [row.model, row]));
  const models = [...new Set([...usage.keys(), ...costs.keys()])].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return models.map((model) => {
    const cost = costs.get(model);
    const row = usage.get(model);
    if (cost) {
      return {
        model,
        // The server counts a missing `requests` as 0; the pane shows it as not recorded.
        requests: row ? row.requests : cost.requests,
        totalTokens: cost.total_tokens,
        lines: linesFromCost(cost),
        cost,
      };
    }
    return {
      model,
      requests: row?.requests,
      totalTokens: row?.totalTokens,
      lines: [
        { kind: 'prompt', label: 'Prompt', tokens: row?.promptTokens, price: null, cost: null },
        { kind: 'completion', label: 'Completion', tokens: row?.completionTokens, price: null, cost: null },
      ],
      cost: undefined,
    };
  });
}
