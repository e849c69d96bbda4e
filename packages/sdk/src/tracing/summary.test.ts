import { describe, expect, it } from 'vitest';
import {
  deepUpdate,
  finishedSummary,
  leafSummary,
  type SummaryMap,
  sumDictLeaves,
  usageFromOutput,
} from './summary.js';

const clone = (value: SummaryMap): SummaryMap => structuredClone(value);

describe('sumDictLeaves', () => {
  it('adds numbers under the same key', () => {
    expect(sumDictLeaves([{ a: 1, b: 10 }, { a: 2.5 }, { a: -1, c: 7 }])).toEqual({ a: 2.5, b: 10, c: 7 });
  });

  it('keeps a single number as a number, not a list', () => {
    expect(sumDictLeaves([{ tokens: 5 }])).toEqual({ tokens: 5 });
  });

  it('merges nested objects recursively, summing their leaves', () => {
    const result = sumDictLeaves([
      { status_counts: { SUCCESS: 5, FAILED: 1 } },
      { status_counts: { SUCCESS: 3, FAILED: 2, PENDING: 1 } },
    ]);
    expect(result).toEqual({ status_counts: { SUCCESS: 8, FAILED: 3, PENDING: 1 } });
  });

  it('merges several levels of nesting, keeping keys present in only some inputs', () => {
    const result = sumDictLeaves([
      { metrics: { accuracy: 0.95, loss: 0.1, details: { precision: 0.9, recall: 0.8 } } },
      { metrics: { accuracy: 0.97, loss: 0.08, details: { precision: 0.92, f1: 0.85 } } },
    ]);
    expect(result).toEqual({
      metrics: {
        accuracy: expect.closeTo(1.92, 10),
        loss: expect.closeTo(0.18, 10),
        details: { precision: expect.closeTo(1.82, 10), recall: 0.8, f1: 0.85 },
      },
    });
  });

  it('concatenates lists in input order', () => {
    expect(sumDictLeaves([{ tags: ['a'] }, { tags: ['b', 'c'] }, { tags: [] }])).toEqual({
      tags: ['a', 'b', 'c'],
    });
  });

  it('keeps an empty list as an empty list', () => {
    expect(sumDictLeaves([{ tags: [] }])).toEqual({ tags: [] });
  });

  it('keeps every value of a key holding a list in one summary and a scalar in another', () => {
    expect(sumDictLeaves([{ mixed: 1 }, { mixed: [2, 3] }])).toEqual({ mixed: [1, 2, 3] });
    expect(sumDictLeaves([{ mixed: ['x'] }, { mixed: 'y' }])).toEqual({ mixed: ['x', 'y'] });
  });

  it('skips null values', () => {
    expect(sumDictLeaves([{ a: null, b: null }, { a: 4 }, { a: null }])).toEqual({ a: 4 });
  });

  it('collects non-numeric scalars into a list', () => {
    expect(sumDictLeaves([{ model: 'gpt' }, { model: 'claude' }])).toEqual({ model: ['gpt', 'claude'] });
    expect(sumDictLeaves([{ flag: true }, { flag: false }])).toEqual({ flag: [true, false] });
  });

  it('collects a key into a list when numbers and strings are mixed', () => {
    expect(sumDictLeaves([{ v: 1 }, { v: 'two' }, { v: 3 }])).toEqual({ v: [1, 'two', 3] });
  });

  it('returns an empty object for no summaries or only empty ones', () => {
    expect(sumDictLeaves([])).toEqual({});
    expect(sumDictLeaves([{}, {}])).toEqual({});
  });

  it('does not change its inputs and shares no objects with them', () => {
    const first: SummaryMap = { counts: { ok: 1 }, tags: ['a'] };
    const second: SummaryMap = { counts: { ok: 2 }, tags: ['b'] };
    const before = [clone(first), clone(second)];
    const result = sumDictLeaves([first, second]);
    expect([first, second]).toEqual(before);
    (result.counts as SummaryMap).ok = 100;
    (result.tags as string[]).push('c');
    expect([first, second]).toEqual(before);
  });

  it('keeps a __proto__ key as an ordinary key', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": 1}}') as SummaryMap;
    const result = sumDictLeaves([parsed, parsed]);
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(JSON.stringify(result)).toBe('{"__proto__":{"polluted":2}}');
  });
});

describe('deepUpdate', () => {
  it('merges nested objects, source values winning at the leaves', () => {
    const target: SummaryMap = { a: { x: 1, y: 2, deep: { keep: true, change: 1 } }, untouched: 'yes' };
    deepUpdate(target, { a: { y: 3, z: 4, deep: { change: 2 } } });
    expect(target).toEqual({ a: { x: 1, y: 3, z: 4, deep: { keep: true, change: 2 } }, untouched: 'yes' });
  });

  it('replaces scalars and lists instead of merging them', () => {
    const target: SummaryMap = { n: 1, list: [1, 2], s: 'old' };
    deepUpdate(target, { n: 2, list: [3], s: 'new' });
    expect(target).toEqual({ n: 2, list: [3], s: 'new' });
  });

  it('replaces an object with a scalar and a scalar with an object', () => {
    const target: SummaryMap = { wasObject: { a: 1 }, wasNumber: 5 };
    deepUpdate(target, { wasObject: 7, wasNumber: { b: 2 } });
    expect(target).toEqual({ wasObject: 7, wasNumber: { b: 2 } });
  });

  it('writes null from the source over a target value', () => {
    const target: SummaryMap = { a: { b: 1 } };
    deepUpdate(target, { a: null });
    expect(target).toEqual({ a: null });
  });

  it('updates the target in place and returns it', () => {
    const target: SummaryMap = { a: 1 };
    expect(deepUpdate(target, { b: 2 })).toBe(target);
    expect(target).toEqual({ a: 1, b: 2 });
  });

  it('leaves the source unchanged', () => {
    const source: SummaryMap = { a: { b: 1 } };
    deepUpdate({ a: { c: 2 } }, source);
    expect(source).toEqual({ a: { b: 1 } });
  });

  it('never writes through a __proto__ key into Object.prototype', () => {
    const source = JSON.parse('{"__proto__": {"pollutedByDeepUpdate": true}}') as SummaryMap;
    const target: SummaryMap = {};
    try {
      deepUpdate(target, source);
      expect(Object.hasOwn(Object.prototype, 'pollutedByDeepUpdate')).toBe(false);
      expect(Object.getPrototypeOf(target)).toBe(Object.prototype);
      expect(JSON.stringify(target)).toBe('{"__proto__":{"pollutedByDeepUpdate":true}}');
    } finally {
      delete (Object.prototype as { pollutedByDeepUpdate?: unknown }).pollutedByDeepUpdate;
    }
  });
});

describe('usageFromOutput', () => {
  it('reports usage per model with one request', () => {
    const output = { model: 'gpt-4o', usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } };
    expect(usageFromOutput(output)).toEqual({
      usage: { 'gpt-4o': { requests: 1, prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } },
    });
  });

  it('keeps nested usage details', () => {
    const output = { model: 'm', usage: { input_tokens: 3, details: { cached: 1 } }, text: 'hi' };
    expect(usageFromOutput(output)).toEqual({
      usage: { m: { requests: 1, input_tokens: 3, details: { cached: 1 } } },
    });
  });

  it('reports nothing when the output has no model or no usage', () => {
    expect(usageFromOutput({ usage: { prompt_tokens: 1 } })).toBeUndefined();
    expect(usageFromOutput({ model: 'gpt-4o' })).toBeUndefined();
    expect(usageFromOutput({ text: 'plain output' })).toBeUndefined();
  });

  it('reports nothing when model is not a string or usage is not an object', () => {
    expect(usageFromOutput({ model: 42, usage: { prompt_tokens: 1 } })).toBeUndefined();
    expect(usageFromOutput({ model: 'm', usage: null })).toBeUndefined();
    expect(usageFromOutput({ model: 'm', usage: 12 })).toBeUndefined();
    expect(usageFromOutput({ model: 'm', usage: [1, 2] })).toBeUndefined();
  });

  it('reports nothing for outputs that are not objects', () => {
    for (const output of [undefined, null, 'text', 3, true, ['model', 'usage']]) {
      expect(usageFromOutput(output)).toBeUndefined();
    }
  });

  it('does not change the output it reads', () => {
    const output = { model: 'm', usage: { prompt_tokens: 2 } };
    usageFromOutput(output);
    expect(output).toEqual({ model: 'm', usage: { prompt_tokens: 2 } });
  });
});

describe('finishedSummary', () => {
  it('a successful leaf call counts one success', () => {
    expect(finishedSummary({ userSummary: {}, childSummaries: [], output: 'done', failed: false })).toEqual({
      status_counts: { success: 1, error: 0 },
    });
  });

  it('a failed leaf call counts one error', () => {
    expect(finishedSummary({ userSummary: {}, childSummaries: [], output: undefined, failed: true })).toEqual(
      {
        status_counts: { success: 0, error: 1 },
      },
    );
  });

  it("sums children's status counts and counts the call itself on top", () => {
    const child: SummaryMap = { status_counts: { success: 1, error: 0 } };
    const summary = finishedSummary({
      userSummary: {},
      childSummaries: [clone(child), clone(child)],
      output: undefined,
      failed: true,
    });
    expect(summary).toEqual({ status_counts: { success: 2, error: 1 } });
  });

  it('a successful parent of a failed child counts both', () => {
    const summary = finishedSummary({
      userSummary: {},
      childSummaries: [
        { status_counts: { success: 0, error: 1 } },
        { status_counts: { success: 3, error: 2 } },
      ],
      output: 'ok',
      failed: false,
    });
    expect(summary).toEqual({ status_counts: { success: 4, error: 3 } });
  });

  it('counts itself when its children report no status counts', () => {
    const summary = finishedSummary({
      userSummary: {},
      childSummaries: [{}, {}],
      output: 'ok',
      failed: false,
    });
    expect(summary).toEqual({ status_counts: { success: 1, error: 0 } });
  });

  it('a leaf call reports the usage found in its output', () => {
    const summary = finishedSummary({
      userSummary: {},
      childSummaries: [],
      output: { model: 'gpt-4o', usage: { prompt_tokens: 10, completion_tokens: 4 } },
      failed: false,
    });
    expect(summary).toEqual({
      usage: { 'gpt-4o': { requests: 1, prompt_tokens: 10, completion_tokens: 4 } },
      status_counts: { success: 1, error: 0 },
    });
  });

  it('a call with children sums their usage and ignores usage in its own output', () => {
    const children: SummaryMap[] = [
      { usage: { 'gpt-4o': { requests: 1, prompt_tokens: 10 } }, status_counts: { success: 1, error: 0 } },
      { usage: { 'gpt-4o': { requests: 1, prompt_tokens: 5 } }, status_counts: { success: 1, error: 0 } },
      { usage: { claude: { requests: 1, input_tokens: 7 } }, status_counts: { success: 1, error: 0 } },
    ];
    const summary = finishedSummary({
      userSummary: {},
      childSummaries: children,
      output: { model: 'gpt-4o', usage: { prompt_tokens: 1000 } },
      failed: false,
    });
    expect(summary).toEqual({
      usage: { 'gpt-4o': { requests: 2, prompt_tokens: 15 }, claude: { requests: 1, input_tokens: 7 } },
      status_counts: { success: 4, error: 0 },
    });
  });

  it('computed values overwrite user values at the leaves while other user keys are kept', () => {
    const summary = finishedSummary({
      userSummary: {
        accuracy: 0.9,
        status_counts: { success: 99, error: 99, custom: 1 },
        usage: { mine: { requests: 7 } },
      },
      childSummaries: [],
      output: { model: 'gpt-4o', usage: { prompt_tokens: 3 } },
      failed: false,
    });
    expect(summary).toEqual({
      accuracy: 0.9,
      status_counts: { success: 1, error: 0, custom: 1 },
      usage: { mine: { requests: 7 }, 'gpt-4o': { requests: 1, prompt_tokens: 3 } },
    });
  });

  it('keeps user keys when there is nothing computed but the status counts', () => {
    const summary = finishedSummary({
      userSummary: { score: { mean: 0.5 }, label: 'ok' },
      childSummaries: [],
      output: null,
      failed: false,
    });
    expect(summary).toEqual({ score: { mean: 0.5 }, label: 'ok', status_counts: { success: 1, error: 0 } });
  });

  it("leaves its children's summaries unchanged", () => {
    const children: SummaryMap[] = [
      { status_counts: { success: 1, error: 0 }, usage: { m: { requests: 1 } } },
      { status_counts: { success: 0, error: 1 } },
    ];
    const before = children.map(clone);
    finishedSummary({ userSummary: {}, childSummaries: children, output: undefined, failed: false });
    expect(children).toEqual(before);
  });

  it("a single child's summary is not changed by its parent counting itself", () => {
    const child: SummaryMap = { status_counts: { success: 1, error: 0 } };
    const summary = finishedSummary({
      userSummary: {},
      childSummaries: [child],
      output: undefined,
      failed: false,
    });
    expect(summary).toEqual({ status_counts: { success: 2, error: 0 } });
    expect(child).toEqual({ status_counts: { success: 1, error: 0 } });
  });

  it('an output naming its model __proto__ cannot pollute Object.prototype', () => {
    try {
      const summary = finishedSummary({
        userSummary: { usage: { mine: { requests: 1 } } },
        childSummaries: [],
        output: { model: '__proto__', usage: { pollutedByModel: true } },
        failed: false,
      });
      expect(Object.hasOwn(Object.prototype, 'pollutedByModel')).toBe(false);
      expect(JSON.parse(JSON.stringify(summary.usage))).toEqual(
        JSON.parse('{"mine": {"requests": 1}, "__proto__": {"requests": 1, "pollutedByModel": true}}'),
      );
    } finally {
      delete (Object.prototype as { pollutedByModel?: unknown }).pollutedByModel;
    }
  });

  it('summaries roll up through a three-level tree', () => {
    const leaf = (failed: boolean, output: unknown): SummaryMap =>
      finishedSummary({ userSummary: {}, childSummaries: [], output, failed });
    const middle = finishedSummary({
      userSummary: {},
      childSummaries: [leaf(false, { model: 'm', usage: { tokens: 2 } }), leaf(true, undefined)],
      output: undefined,
      failed: false,
    });
    const root = finishedSummary({
      userSummary: { run: 'nightly' },
      childSummaries: [middle, leaf(false, { model: 'm', usage: { tokens: 3 } })],
      output: undefined,
      failed: false,
    });
    expect(root).toEqual({
      run: 'nightly',
      usage: { m: { requests: 2, tokens: 5 } },
      status_counts: { success: 4, error: 1 },
    });
  });
});

describe('leafSummary', () => {
  it('is finishedSummary for a call without children and nothing written to its summary', () => {
    const outputs: unknown[] = [
      'done',
      undefined,
      null,
      42,
      { model: 'gpt-4o', usage: { prompt_tokens: 3, completion_tokens: 4 } },
      { model: 'gpt-4o', usage: 'not an object' },
      [1, 2],
    ];
    for (const output of outputs) {
      for (const failed of [false, true]) {
        const expected = finishedSummary({ userSummary: {}, childSummaries: [], output, failed });
        const summary = leafSummary(output, failed);
        expect(summary).toEqual(expected);
        // Key order too: it is what the server stores and returns.
        expect(JSON.stringify(summary)).toBe(JSON.stringify(expected));
      }
    }
  });
});
