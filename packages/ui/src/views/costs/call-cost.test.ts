import type { CallSchema, LlmCost } from '@weft/protocol';
import { describe, expect, it } from 'vitest';
import { callCost, costText, modelCosts, noPriceText, traceTotalText } from './call-cost';
import { pricedCost, unpricedCost } from './cost-fixture';

/** A summary with these costs; malformed entries too, as a server or proxy might send them. */
const summaryWith = (costs: Record<string, unknown>): CallSchema['summary'] => ({
  weave: { status: 'success', latency_ms: 1, costs: costs as Record<string, LlmCost> },
});

const MINI = pricedCost({ prompt: 82, completion: 18 }, { prompt: 1.5e-7, completion: 6e-7 });

describe('modelCosts', () => {
  it('lists the server’s entries in model order and leaves malformed ones out', () => {
    const rows = modelCosts(
      summaryWith({ 'gpt-4o-mini': MINI, mystery: unpricedCost(5, 3), broken: { unpriced: 'no' }, bad: 7 }),
    );
    expect(rows.map((row) => row.model)).toEqual(['gpt-4o-mini', 'mystery']);
  });

  it('finds nothing without costs', () => {
    expect(modelCosts(null)).toEqual([]);
    expect(modelCosts({ usage: { m: { prompt_tokens: 1 } } })).toEqual([]);
    expect(modelCosts(summaryWith([] as never))).toEqual([]);
  });
});

describe('callCost and costText', () => {
  it('adds up the priced models', () => {
    const other = pricedCost({ prompt: 1000, completion: 0 }, { prompt: 1e-5, completion: 0 });
    const cost = callCost(summaryWith({ 'gpt-4o-mini': MINI, other }));
    expect(cost?.totals).toEqual([{ unit: 'USD', amount: (MINI.total_cost ?? 0) + 0.01 }]);
    expect(cost?.unpriced).toEqual([]);
    const text = costText(cost!);
    expect(text).toMatchObject({ text: '$0.01', state: 'priced' });
    expect(text.title).toBe('gpt-4o-mini: $0.0000231\nother: $0.01');
  });

  it('shows a call with no priced model as unpriced, never $0', () => {
    const text = costText(callCost(summaryWith({ mystery: unpricedCost(5, 3) }))!);
    expect(text).toEqual({ text: '—', title: 'unpriced: model mystery has no price', state: 'unpriced' });
  });

  it('shows the priced part as a lower bound when some models have no price', () => {
    const text = costText(
      callCost(summaryWith({ 'gpt-4o-mini': MINI, a: unpricedCost(1, 1), b: unpricedCost(1, 1) }))!,
    );
    expect(text.state).toBe('partial');
    expect(text.text).toBe('≥ $0.0000231');
    expect(text.title.split('\n')[0]).toBe(
      'partly priced: models a, b have no price; the sum covers the rest',
    );
  });

  it('keeps units apart rather than adding euros to dollars', () => {
    const euro = pricedCost({ prompt: 100, completion: 0 }, { prompt: 0.001, completion: 0, unit: 'EUR' });
    const cost = callCost(summaryWith({ 'gpt-4o-mini': MINI, euro }))!;
    expect(costText(cost).text).toBe('€0.10 + $0.0000231');
  });

  it('is undefined for a call the server did not price', () => {
    expect(callCost({ usage: { m: { prompt_tokens: 1 } } })).toBeUndefined();
  });
});

describe('noPriceText', () => {
  it('names one model or several', () => {
    expect(noPriceText(['x'])).toBe('model x has no price');
    expect(noPriceText(['x', 'y'])).toBe('models x, y have no price');
  });
});

describe('traceTotalText', () => {
  it('says what the trace cost and how many tokens it used', () => {
    const cost = callCost(summaryWith({ 'gpt-4o-mini': MINI }));
    expect(traceTotalText(cost, 1234)).toBe('Trace total: $0.0000231, 1,234 tokens');
    expect(traceTotalText(callCost(summaryWith({ m: unpricedCost(1, 0) })), 1)).toBe(
      'Trace total: unpriced, 1 token',
    );
    expect(traceTotalText(undefined, 100)).toBe('Trace total: 100 tokens');
    expect(traceTotalText(undefined, undefined)).toBeUndefined();
  });
});
