import { describe, expect, it } from 'vitest';
import { pricedCost, unpricedCost } from './cost-fixture';
import { modelUsages } from './usage-breakdown';

describe('modelUsages', () => {
  it('lines up a priced model’s tokens, prices and costs by kind', () => {
    const cost = pricedCost(
      { prompt: 1000, completion: 200, cacheRead: 600 },
      { prompt: 2e-6, completion: 8e-6, cacheRead: 5e-7, level: 'project' },
    );
    const [usage] = modelUsages({
      usage: { 'gpt-4.1': { prompt_tokens: 1000, completion_tokens: 200, requests: 3 } },
      weave: { status: 'success', latency_ms: 1, costs: { 'gpt-4.1': cost } },
    });
    expect(usage?.requests).toBe(3);
    expect(usage?.totalTokens).toBe(1200);
    expect(usage?.cost?.pricing_level).toBe('project');
    expect(usage?.lines).toEqual([
      { kind: 'prompt', label: 'Prompt, not cached', tokens: 400, price: 2e-6, cost: 400 * 2e-6 },
      { kind: 'cache_read', label: 'Prompt, cache read', tokens: 600, price: 5e-7, cost: 600 * 5e-7 },
      { kind: 'completion', label: 'Completion', tokens: 200, price: 8e-6, cost: 200 * 8e-6 },
    ]);
  });

  it('keeps an unpriced model’s tokens with no prices or costs', () => {
    const [usage] = modelUsages({
      usage: { mystery: { input_tokens: 5, output_tokens: 3 } },
      weave: { status: 'success', latency_ms: 1, costs: { mystery: unpricedCost(5, 3) } },
    });
    expect(usage?.cost?.unpriced).toBe(true);
    // Not recorded in the usage: not shown as 0 requests, as the server counts it.
    expect(usage?.requests).toBeUndefined();
    expect(usage?.lines.map((line) => [line.label, line.tokens, line.price, line.cost])).toEqual([
      ['Prompt', 5, null, null],
      ['Completion', 3, null, null],
    ]);
  });

  it('falls back to summary.usage when the server sent no costs', () => {
    const usages = modelUsages({
      usage: {
        'claude-sonnet-4': { input_tokens: 64, output_tokens: 31 },
        'gpt-4o': { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, requests: 2 },
      },
    });
    expect(usages.map((usage) => [usage.model, usage.totalTokens, usage.requests, usage.cost])).toEqual([
      ['claude-sonnet-4', 95, undefined, undefined],
      ['gpt-4o', 15, 2, undefined],
    ]);
  });
});
