import type { CallSchema } from '@weft/protocol';
import { describe, expect, it } from 'vitest';
import { cellText, customSummaryKeys, summaryValue, tokenTotals } from './summary-fields';

const withSummary = (summary: Record<string, unknown>) => ({ summary }) as unknown as CallSchema;

describe('summary fields', () => {
  it("the user's keys are found, the SDK's own left out, nested objects opened into leaves", () => {
    const calls = [
      withSummary({ weave: { status: 'success' }, usage: {}, status_counts: {}, my_key: 1 }),
      withSummary({
        scores: { f1: 0.5, nested: { deep: { deeper: 1 } } },
        'a.b': 'x',
        my_key: 2,
        list: [1, 2],
      }),
    ];
    expect(customSummaryKeys([calls])).toEqual([
      { field: 'summary.my_key', parts: ['my_key'], label: 'my_key', numeric: true },
      { field: 'summary.scores.f1', parts: ['scores', 'f1'], label: 'scores.f1', numeric: true },
      {
        field: 'summary.scores.nested.deep',
        parts: ['scores', 'nested', 'deep'],
        label: 'scores.nested.deep',
        numeric: false,
      },
      { field: 'summary.a\\.b', parts: ['a.b'], label: 'a.b', numeric: false },
      { field: 'summary.list', parts: ['list'], label: 'list', numeric: false },
    ]);
    expect(summaryValue(calls[1] as CallSchema, ['scores', 'f1'])).toBe(0.5);
    expect(summaryValue(calls[0] as CallSchema, ['scores', 'f1'])).toBeUndefined();
  });

  it('a key is numeric only when every page has numbers under it', () => {
    const pages = [
      [withSummary({ score: 1, tag: 'a' })],
      [withSummary({ score: 'n/a' }), withSummary({ other: 2 })],
    ];
    expect(customSummaryKeys(pages).map((key) => [key.label, key.numeric])).toEqual([
      ['score', false],
      ['tag', false],
      ['other', true],
    ]);
  });

  it('keys made of digits only cannot be named in a field path and are left out', () => {
    expect(customSummaryKeys([[withSummary({ '123': 1, ok: 2 })]]).map((key) => key.label)).toEqual(['ok']);
  });

  it('token totals add every model, whichever names the provider uses', () => {
    const totals = tokenTotals(
      withSummary({
        usage: {
          'gpt-4o': { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, requests: 1 },
          'claude-3': { input_tokens: 7, output_tokens: 3 },
        },
      }),
    );
    expect(totals).toEqual({
      total: 25,
      input: 17,
      output: 8,
      byModel: [
        { model: 'gpt-4o', total: 15 },
        { model: 'claude-3', total: 10 },
      ],
    });
    expect(tokenTotals(withSummary({}))).toBeUndefined();
  });

  it('counts Anthropic’s cached prompt tokens, which it reports beside input_tokens', () => {
    const totals = tokenTotals(
      withSummary({
        usage: {
          'claude-sonnet-4': {
            input_tokens: 10,
            cache_read_input_tokens: 500,
            cache_creation_input_tokens: 40,
            output_tokens: 5,
          },
        },
      }),
    );
    expect(totals).toMatchObject({ total: 555, input: 550, output: 5 });
  });
});

describe('summary cell text', () => {
  it('formats numbers, shows objects as JSON and cuts giant text', () => {
    expect(cellText(1234.56789)).toBe('1,234.5679');
    expect(cellText({ a: [1, 'x'] })).toBe('{"a":[1,"x"]}');
    expect(cellText(null)).toBe('null');
    expect(cellText(undefined)).toBe('');
    expect(cellText(false)).toBe('false');
    const giant = cellText('x'.repeat(1_000_000));
    expect(giant.length).toBe(201);
    expect(giant.endsWith('…')).toBe(true);
  });
});
