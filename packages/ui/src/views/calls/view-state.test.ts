import { describe, expect, it } from 'vitest';
import {
  type CallsViewState,
  DEFAULT_VIEW_STATE,
  hasFilters,
  parseCondition,
  parseViewState,
  toSearchParams,
  withoutFilters,
} from './view-state';

const everything: CallsViewState = {
  sort: { field: 'summary.weave.latency_ms', direction: 'asc' },
  ops: ['generate', 'my op/with:colon'],
  statuses: ['error', 'running'],
  startedAfter: '2025-01-01T00:00:00.000Z',
  startedBefore: '2025-02-01T00:00:00.000Z',
  conditions: [
    { field: 'summary.score', operator: 'gt', value: '0.5' },
    { field: 'inputs.model', operator: 'exists', value: '' },
  ],
  search: 'Hello & goodbye',
  rootsOnly: false,
  columns: ['op_name', 'summary.my\\.key'],
};

describe('calls view state in the URL', () => {
  it('an empty URL is the default view: newest first, trace roots only', () => {
    expect(parseViewState(new URLSearchParams())).toEqual(DEFAULT_VIEW_STATE);
    expect(toSearchParams(DEFAULT_VIEW_STATE).toString()).toBe('');
  });

  it('every part of the state survives a round trip through the URL', () => {
    const url = toSearchParams(everything).toString();
    expect(parseViewState(new URLSearchParams(url))).toEqual(everything);
  });

  it('sort reads as a field with a leading minus for descending', () => {
    expect(parseViewState(new URLSearchParams('sort=-op_name')).sort).toEqual({
      field: 'op_name',
      direction: 'desc',
    });
    expect(parseViewState(new URLSearchParams('sort=display_name')).sort).toEqual({
      field: 'display_name',
      direction: 'asc',
    });
  });

  it('hand-edited nonsense is dropped rather than failing the page', () => {
    const state = parseViewState(
      new URLSearchParams('status=bogus&status=error&after=yesterday-ish&where=oops&where=["a","nope","1"]'),
    );
    expect(state.statuses).toEqual(['error']);
    expect(state.startedAfter).toBeUndefined();
    expect(state.conditions).toEqual([]);
  });

  it('a condition without a value (exists) reads back with an empty value', () => {
    expect(parseCondition('["inputs.model","exists"]')).toEqual({
      field: 'inputs.model',
      operator: 'exists',
      value: '',
    });
  });

  it('clearing filters keeps sort, scope and columns', () => {
    const cleared = withoutFilters(everything);
    expect(hasFilters(everything)).toBe(true);
    expect(hasFilters(cleared)).toBe(false);
    expect(cleared.sort).toEqual(everything.sort);
    expect(cleared.rootsOnly).toBe(false);
    expect(cleared.columns).toEqual(everything.columns);
  });
});
