import { describe, expect, it } from 'vitest';
import { customSummary, opNameOf, refsOf, usageRows } from './call-facts';

describe('usageRows', () => {
  it('reads OpenAI and Anthropic counts per model', () => {
    expect(
      usageRows({
        usage: {
          'gpt-4o': { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, requests: 2 },
          'claude-sonnet-4': { input_tokens: 7, output_tokens: 3, requests: 1 },
        },
      }),
    ).toEqual([
      { model: 'claude-sonnet-4', promptTokens: 7, completionTokens: 3, totalTokens: 10, requests: 1 },
      { model: 'gpt-4o', promptTokens: 10, completionTokens: 5, totalTokens: 15, requests: 2 },
    ]);
  });

  it('adds Anthropic’s cached prompt tokens, reported beside input_tokens, to the prompt', () => {
    const [row] = usageRows({
      usage: { claude: { input_tokens: 10, cache_read_input_tokens: 500, output_tokens: 5 } },
    });
    expect(row).toMatchObject({ promptTokens: 510, completionTokens: 5, totalTokens: 515 });
  });

  it('skips malformed entries and leaves unknown counts undefined', () => {
    expect(usageRows({ usage: { a: 5, b: null, c: { requests: 'x' } } as never })).toEqual([
      {
        model: 'c',
        promptTokens: undefined,
        completionTokens: undefined,
        totalTokens: undefined,
        requests: undefined,
      },
    ]);
    expect(usageRows(null)).toEqual([]);
    expect(usageRows({ usage: [] as never })).toEqual([]);
  });
});

describe('refsOf', () => {
  it('finds refs anywhere in inputs and output, once each', () => {
    const ref = 'weave:///e/p/object/ds:abc';
    expect(refsOf({ a: [{ b: ref }], c: 'weave:///e/p/op/f:1' }, { again: ref, x: 'plain' })).toEqual([
      ref,
      'weave:///e/p/op/f:1',
    ]);
  });
});

describe('opNameOf and customSummary', () => {
  it('shows the name inside an op ref', () => {
    expect(opNameOf('weave:///e/p/op/my_op:abc123')).toBe('my_op');
    expect(opNameOf('plain-name')).toBe('plain-name');
  });

  it('leaves out weave and usage from the summary', () => {
    expect(customSummary({ weave: { status: 'success', latency_ms: 1 }, usage: {}, score: 3 })).toEqual({
      score: 3,
    });
  });
});
