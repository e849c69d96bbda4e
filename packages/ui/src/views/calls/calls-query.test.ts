import { describe, expect, it } from 'vitest';
import {
  buildCallsFilter,
  buildQuery,
  buildSortBy,
  conditionNode,
  opRefPatterns,
  opsMatchingSearch,
  typedLiteral,
} from './calls-query';
import { DEFAULT_VIEW_STATE } from './view-state';

const project = { entity: 'team', project: 'proj' };

describe('building the calls request from the table state', () => {
  it('the default view asks for trace roots only, with no query', () => {
    expect(buildCallsFilter(DEFAULT_VIEW_STATE, project)).toEqual({ trace_roots_only: true });
    expect(buildQuery(DEFAULT_VIEW_STATE)).toBeUndefined();
  });

  it('an op filter matches every version of the op, in both ref spellings when they differ', () => {
    expect(opRefPatterns(project, 'generate')).toEqual(['weave:///team/proj/op/generate:*']);
    expect(opRefPatterns(project, 'my op')).toEqual([
      'weave:///team/proj/op/my%20op:*',
      'weave:///team/proj/op/my op:*',
    ]);
    expect(buildCallsFilter({ ...DEFAULT_VIEW_STATE, ops: ['a', 'b'], rootsOnly: false }, project)).toEqual({
      op_names: ['weave:///team/proj/op/a:*', 'weave:///team/proj/op/b:*'],
    });
  });

  it('status, time range and conditions are ANDed in one Query', () => {
    const query = buildQuery({
      ...DEFAULT_VIEW_STATE,
      statuses: ['error', 'descendant_error'],
      startedAfter: '2025-01-01T00:00:00.000Z',
      startedBefore: '2025-01-02T00:00:00.000Z',
      conditions: [{ field: 'summary.score', operator: 'gte', value: '0.5' }],
    });
    expect(query).toEqual({
      $expr: {
        $and: [
          {
            $in: [
              { $getField: 'summary.weave.status' },
              [{ $literal: 'error' }, { $literal: 'descendant_error' }],
            ],
          },
          { $gte: [{ $getField: 'started_at' }, { $literal: '2025-01-01T00:00:00.000Z' }] },
          { $lt: [{ $getField: 'started_at' }, { $literal: '2025-01-02T00:00:00.000Z' }] },
          { $gte: [{ $getField: 'summary.score' }, { $literal: 0.5 }] },
        ],
      },
    });
  });

  it('a single clause stands alone, without an $and around it', () => {
    expect(buildQuery({ ...DEFAULT_VIEW_STATE, statuses: ['error'] })).toEqual({
      $expr: { $in: [{ $getField: 'summary.weave.status' }, [{ $literal: 'error' }]] },
    });
  });

  it('values are typed by field: numbers and bools in JSON fields, text in text columns, ISO in times', () => {
    expect(typedLiteral('summary.tokens', '100')).toBe(100);
    expect(typedLiteral('output.ok', 'true')).toBe(true);
    expect(typedLiteral('summary.tokens', '"100"')).toBe('100');
    expect(typedLiteral('display_name', '100')).toBe('100');
    expect(typedLiteral('summary.weave.status', 'error')).toBe('error');
    expect(typedLiteral('started_at', '2025-01-01T00:00:00Z')).toBe('2025-01-01T00:00:00.000Z');
    expect(typedLiteral('started_at', '1735689600')).toBe(1735689600);
    expect(typedLiteral('inputs.model', ' gpt-4o ')).toBe('gpt-4o');
  });

  it('each builder operator becomes its Query operation', () => {
    const f = { $getField: 'inputs.model' };
    const existsNode = { $eq: [{ $convert: { input: f, to: 'exists' } }, { $literal: true }] };
    expect(conditionNode({ field: 'inputs.model', operator: 'neq', value: 'x' })).toEqual({
      $not: [{ $eq: [f, { $literal: 'x' }] }],
    });
    expect(conditionNode({ field: 'inputs.model', operator: 'contains', value: 'GPT' })).toEqual({
      $contains: { input: f, substr: { $literal: 'GPT' }, case_insensitive: true },
    });
    expect(conditionNode({ field: 'inputs.model', operator: 'in', value: 'a, b,,3' })).toEqual({
      $in: [f, [{ $literal: 'a' }, { $literal: 'b' }, { $literal: 3 }]],
    });
    expect(conditionNode({ field: 'inputs.model', operator: 'exists', value: '' })).toEqual(existsNode);
    expect(conditionNode({ field: 'inputs.model', operator: 'missing', value: '' })).toEqual({
      $not: [existsNode],
    });
  });

  it('the quick search looks in the shown name and in the names of matching ops', () => {
    expect(opsMatchingSearch(['Summarize', 'classify', 'summary tool'], ' SUMM ')).toEqual([
      'Summarize',
      'summary tool',
    ]);
    expect(buildQuery({ ...DEFAULT_VIEW_STATE, search: 'summ' }, ['summary tool'])).toEqual({
      $expr: {
        $or: [
          {
            $contains: {
              input: { $getField: 'summary.weave.trace_name' },
              substr: { $literal: 'summ' },
              case_insensitive: true,
            },
          },
          { $contains: { input: { $getField: 'op_name' }, substr: { $literal: '/op/summary%20tool:' } } },
          { $contains: { input: { $getField: 'op_name' }, substr: { $literal: '/op/summary tool:' } } },
        ],
      },
    });
  });

  it('a start-time sort carries the id tie-breaker in its own direction', () => {
    expect(buildSortBy({ field: 'started_at', direction: 'desc' })).toEqual([
      { field: 'started_at', direction: 'desc' },
      { field: 'id', direction: 'desc' },
    ]);
    expect(buildSortBy({ field: 'summary.my_key', direction: 'asc' })).toEqual([
      { field: 'summary.my_key', direction: 'asc' },
    ]);
  });
});
