/**
 * The reference evaluator checked against docs/query-language.md directly, example by example, so
 * that the oracle the differential tests trust is itself pinned to the specification.
 */
import { parseQuery, resolveCallField, type SortBy } from '@weft/protocol';
import { describe, expect, it } from 'vitest';
import { compareCodePoints } from './code-points.js';
import { evaluateQuery } from './evaluate.js';
import { type ReferenceCall, withFailedDescendants } from './reference-call.js';
import { sortCalls } from './sort.js';

/** 2026-01-01T00:00:00Z in µs. */
const T0 = Date.UTC(2026, 0, 1) * 1000;

function call(overrides: Partial<ReferenceCall> = {}): ReferenceCall {
  return {
    id: 'call',
    project_id: 'e/p',
    op_name: 'weave:///e/p/op/my%20op:abc',
    display_name: null,
    trace_id: 'trace',
    parent_id: null,
    thread_id: null,
    turn_id: null,
    started_at: T0,
    ended_at: T0 + 1_500_999,
    deleted_at: null,
    exception: null,
    inputs: JSON.stringify({
      n: 5,
      half: 0.5,
      s5: '5',
      spaced: ' 5',
      exp: '1e3',
      word: 'abc',
      yes: true,
      one: '1',
      nothing: null,
      list: [1, 2, 3],
      obj: { a: 1 },
      'a.b': 'dotted',
      school: 'ÉCOLE',
      emoji: '😀',
      high: '\uFFFF',
    }),
    output: null,
    attributes: '{}',
    summary: '{}',
    wb_user_id: null,
    wb_run_id: null,
    wb_run_step: null,
    wb_run_step_end: null,
    has_failed_descendant: false,
    ...overrides,
  };
}

function evaluate(expr: unknown, on: ReferenceCall = call()): boolean | null {
  return evaluateQuery(parseQuery({ $expr: expr }, resolveCallField), on);
}

const field = (path: string) => ({ $getField: path });
const literal = (value: unknown) => ({ $literal: value });
const eq = (left: unknown, right: unknown) => ({ $eq: [left, right] });

describe('values', () => {
  it('reads JSON fields as text, missing and null as "" that never is null', () => {
    expect(evaluate(eq(field('inputs.n'), literal('5')))).toBe(true);
    expect(evaluate(eq(field('inputs.half'), literal('0.5')))).toBe(true);
    expect(evaluate(eq(field('inputs.yes'), literal('true')))).toBe(true);
    expect(evaluate(eq(field('inputs.list'), literal('[1,2,3]')))).toBe(true);
    expect(evaluate(eq(field('inputs.list'), literal([1, 2, 3])))).toBe(true);
    expect(evaluate(eq(field('inputs.obj'), literal({ a: 1 })))).toBe(true);
    expect(evaluate(eq(field('inputs.missing'), literal('')))).toBe(true);
    expect(evaluate(eq(field('inputs.nothing'), literal('')))).toBe(true);
    expect(evaluate(eq(field('inputs.missing'), literal(null)))).toBe(false);
    expect(evaluate(eq(field('inputs.a\\.b'), literal('dotted')))).toBe(true);
    expect(evaluate(eq(field('inputs.list.1'), literal(2)))).toBe(true);
  });

  it('casts JSON to a number or a bool by $convert rules, unknown when it does not parse', () => {
    expect(evaluate(eq(field('inputs.s5'), literal(5)))).toBe(true);
    expect(evaluate(eq(field('inputs.exp'), literal(1000)))).toBe(true);
    expect(evaluate({ $gt: [field('inputs.half'), literal(0.25)] })).toBe(true);
    expect(evaluate(eq(field('inputs.spaced'), literal(5)))).toBe(null);
    expect(evaluate(eq(field('inputs.word'), literal(5)))).toBe(null);
    expect(evaluate(eq(field('inputs.missing'), literal(0)))).toBe(null);
    expect(evaluate(eq(field('inputs.yes'), literal(true)))).toBe(true);
    expect(evaluate(eq(field('inputs.one'), literal(true)))).toBe(true);
    expect(evaluate(eq(field('inputs.n'), literal(true)))).toBe(null);
  });

  it('never matches mismatched types, and treats null as an is-null test only for $eq', () => {
    expect(evaluate(eq(field('op_name'), literal(5)))).toBe(false);
    expect(evaluate(eq(field('wb_run_step'), literal(true)))).toBe(false);
    expect(evaluate(eq(field('started_at'), field('op_name')))).toBe(false);
    expect(evaluate(eq(field('display_name'), literal(null)), call({ display_name: '' }))).toBe(true);
    expect(evaluate({ $gt: [field('display_name'), literal(null)] })).toBe(null);
    expect(evaluate({ $lt: [field('wb_run_step'), literal(3)] })).toBe(null);
  });

  it('compares datetimes with unix seconds and ISO-8601 literals', () => {
    expect(evaluate(eq(field('started_at'), literal(T0 / 1_000_000)))).toBe(true);
    expect(evaluate(eq(field('started_at'), literal('2026-01-01T01:00:00+01:00')))).toBe(true);
    expect(evaluate({ $gt: [field('ended_at'), literal('2026-01-01T00:00:01.5Z')] })).toBe(true);
    expect(evaluate({ $lt: [field('started_at'), field('ended_at')] })).toBe(true);
    expect(evaluate({ $gt: [field('ended_at'), literal(0)] }, call({ ended_at: null }))).toBe(null);
  });

  it('compares text by code point, not by UTF-16 unit', () => {
    expect(evaluate({ $gt: [field('inputs.emoji'), field('inputs.high')] })).toBe(true);
    expect(compareCodePoints('😀', '\uFFFF')).toBeGreaterThan(0);
    expect(compareCodePoints('\uE000', '\uD7FF')).toBeGreaterThan(0);
    expect(compareCodePoints('a', 'ab')).toBeLessThan(0);
    expect(compareCodePoints('é', 'é')).toBe(0);
  });

  it('applies three-valued logic', () => {
    const unknown = eq(field('inputs.word'), literal(5));
    const no = eq(field('op_name'), literal('x'));
    const yes = eq(field('inputs.n'), literal(5));
    expect(evaluate({ $not: [unknown] })).toBe(null);
    expect(evaluate({ $and: [no, unknown] })).toBe(false);
    expect(evaluate({ $and: [yes, unknown] })).toBe(null);
    expect(evaluate({ $or: [yes, unknown] })).toBe(true);
    expect(evaluate({ $or: [no, unknown] })).toBe(null);
    expect(evaluate(literal(null))).toBe(null);
  });

  it('expands $in item by item; an empty list matches nothing', () => {
    expect(evaluate({ $in: [field('inputs.n'), [literal('x'), literal(5)]] })).toBe(true);
    expect(evaluate({ $in: [field('inputs.word'), [literal(5)]] })).toBe(null);
    expect(evaluate({ $in: [field('inputs.n'), []] })).toBe(false);
  });

  it('tests substrings of text only, folding case with full Unicode rules', () => {
    const contains = (input: unknown, substr: unknown, caseInsensitive = false) => ({
      $contains: { input, substr, case_insensitive: caseInsensitive },
    });
    expect(evaluate(contains(field('inputs.school'), literal('é'), true))).toBe(true);
    expect(evaluate(contains(field('inputs.school'), literal('é')))).toBe(false);
    expect(evaluate(contains(field('inputs.list'), literal('2,3')))).toBe(true);
    expect(evaluate(contains(field('inputs.missing'), literal('')))).toBe(true);
    expect(evaluate(contains(field('inputs.n'), literal(5)))).toBe(false);
    expect(evaluate(contains(field('inputs.n'), literal(null)))).toBe(null);
    expect(evaluate(contains(field('thread_id'), literal('x')))).toBe(null);
  });
});

describe('$convert', () => {
  const convert = (input: unknown, to: string) => ({ $convert: { input, to } });

  it('follows the conversion table', () => {
    expect(evaluate(eq(convert(field('inputs.s5'), 'int'), literal(5)))).toBe(true);
    expect(evaluate(eq(convert(literal('5.5'), 'int'), literal(null)))).toBe(true);
    expect(evaluate(eq(convert(literal('5.5'), 'double'), literal(5.5)))).toBe(true);
    expect(evaluate(eq(convert(literal(-5.7), 'int'), literal(-5)))).toBe(true);
    expect(evaluate(eq(convert(literal(0.5), 'string'), literal('0.5')))).toBe(true);
    expect(evaluate(eq(convert(literal(1e21), 'string'), literal('1e+21')))).toBe(true);
    expect(evaluate(convert(literal('TRUE'), 'bool'))).toBe(true);
    expect(evaluate(convert(literal(0), 'bool'))).toBe(false);
    expect(evaluate(eq(convert(literal(true), 'int'), literal(1)))).toBe(true);
    expect(evaluate(eq(convert(literal(false), 'string'), literal('false')))).toBe(true);
    expect(evaluate(eq(convert(field('started_at'), 'int'), literal(T0 / 1_000_000)))).toBe(true);
    expect(evaluate({ $gt: [convert(field('ended_at'), 'double'), literal(T0 / 1_000_000 + 1.5)] })).toBe(
      true,
    );
    expect(evaluate(eq(convert(field('started_at'), 'string'), literal('2026-01-01T00:00:00.000000Z')))).toBe(
      true,
    );
  });

  it('makes null null, except that it does not exist', () => {
    expect(evaluate(convert(field('inputs.missing'), 'exists'))).toBe(false);
    expect(evaluate(convert(field('inputs.nothing'), 'exists'))).toBe(false);
    expect(evaluate(convert(field('inputs.word'), 'exists'))).toBe(true);
    expect(evaluate(convert(field('thread_id'), 'exists'))).toBe(false);
    expect(evaluate(convert(literal(null), 'exists'))).toBe(false);
    expect(evaluate(convert(literal(null), 'bool'))).toBe(null);
    expect(evaluate(eq(convert(field('inputs.missing'), 'string'), literal('')))).toBe(true);
  });
});

describe('derived fields', () => {
  const status = (value: string, on: ReferenceCall) =>
    evaluate(eq(field('summary.weave.status'), literal(value)), on);

  it('derives status, latency and trace name', () => {
    expect(status('error', call({ exception: '' }))).toBe(true);
    expect(status('running', call({ ended_at: null }))).toBe(true);
    expect(status('descendant_error', call({ summary: '{"status_counts":{"error":2}}' }))).toBe(true);
    expect(status('success', call({ summary: '{"status_counts":{"error":"2"}}' }))).toBe(true);
    expect(status('success', call({ summary: '{"weave":{"status":"error"}}' }))).toBe(true);
    expect(evaluate(eq(field('summary.weave.latency_ms'), literal(1500)))).toBe(true);
    expect(evaluate(eq(field('summary.weave.latency_ms'), literal(-1)), call({ ended_at: T0 - 1500 }))).toBe(
      true,
    );
    expect(evaluate(eq(field('summary.weave.trace_name'), literal('my op')))).toBe(true);
    expect(
      evaluate(eq(field('summary.weave.trace_name'), literal('my op')), call({ display_name: '' })),
    ).toBe(true);
    expect(
      evaluate(eq(field('summary.weave.trace_name'), literal('Named')), call({ display_name: 'Named' })),
    ).toBe(true);
  });

  it('flags calls with a failing live descendant, through any depth', () => {
    const calls = withFailedDescendants([
      call({ id: 'root' }),
      call({ id: 'middle', parent_id: 'root' }),
      call({ id: 'leaf', parent_id: 'middle', exception: 'boom' }),
      call({ id: 'other', parent_id: 'root' }),
    ]);
    expect(calls.map((each) => [each.id, each.has_failed_descendant])).toEqual([
      ['root', true],
      ['middle', true],
      ['leaf', false],
      ['other', false],
    ]);
  });
});

describe('sorting', () => {
  const ids = (calls: ReferenceCall[], sortBy: SortBy[]) => sortCalls(calls, sortBy).map((each) => each.id);

  it('puts nulls last in both directions and adds an ascending id tie-breaker', () => {
    const calls = [
      call({ id: 'b', wb_run_step: null }),
      call({ id: 'a', wb_run_step: null }),
      call({ id: 'c', wb_run_step: 2 }),
      call({ id: 'd', wb_run_step: 1 }),
    ];
    expect(ids(calls, [{ field: 'wb_run_step', direction: 'asc' }])).toEqual(['d', 'c', 'a', 'b']);
    expect(ids(calls, [{ field: 'wb_run_step', direction: 'desc' }])).toEqual(['c', 'd', 'a', 'b']);
  });

  it('breaks ties by id in the direction of a last started_at key', () => {
    const calls = [call({ id: 'a' }), call({ id: 'c' }), call({ id: 'b' })];
    expect(ids(calls, [{ field: 'started_at', direction: 'desc' }])).toEqual(['c', 'b', 'a']);
    expect(ids(calls, [{ field: 'op_name', direction: 'desc' }])).toEqual(['a', 'b', 'c']);
    expect(ids(calls, [{ field: 'id', direction: 'desc' }])).toEqual(['c', 'b', 'a']);
  });

  it('sorts text by code point and display names that are empty as null', () => {
    const calls = [
      call({ id: '1', display_name: '😀' }),
      call({ id: '2', display_name: '\uFFFF' }),
      call({ id: '3', display_name: '' }),
      call({ id: '4', display_name: 'z' }),
    ];
    expect(ids(calls, [{ field: 'display_name', direction: 'asc' }])).toEqual(['4', '2', '1', '3']);
    expect(ids(calls, [{ field: 'display_name', direction: 'desc' }])).toEqual(['1', '2', '4', '3']);
  });

  it('sorts JSON by existence, then number, then text, so numbers precede text both ways', () => {
    const withValue = (id: string, value: unknown) =>
      call({ id, inputs: value === undefined ? '{}' : JSON.stringify({ v: value }) });
    const calls = [
      withValue('missing', undefined),
      withValue('null', null),
      withValue('ten', 10),
      withValue('two-text', '2'),
      withValue('word', 'abc'),
      withValue('bool', true),
      withValue('two', 2),
      withValue('spaced', ' 3'),
    ];
    expect(ids(calls, [{ field: 'inputs.v', direction: 'asc' }])).toEqual([
      'two',
      'two-text',
      'ten',
      'spaced',
      'word',
      'bool',
      'missing',
      'null',
    ]);
    expect(ids(calls, [{ field: 'inputs.v', direction: 'desc' }])).toEqual([
      'ten',
      'two',
      'two-text',
      'bool',
      'word',
      'spaced',
      'missing',
      'null',
    ]);
  });
});
