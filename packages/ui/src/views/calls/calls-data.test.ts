import { describe, expect, it } from 'vitest';
import { COST_COLUMN, TOKENS_COLUMN } from './calls-columns';
import { callsRequest, includesCosts, includesFeedback, LIST_COLUMNS, listColumns } from './calls-data';
import { NOTES_COLUMN, REACTIONS_COLUMN } from './feedback-fields';
import { parseViewState } from './view-state';

describe('listColumns', () => {
  it('asks for the output while its column is shown, as it is by default', () => {
    expect(listColumns(parseViewState(new URLSearchParams()))).toEqual([...LIST_COLUMNS, 'output']);
    expect(listColumns(parseViewState(new URLSearchParams('col=op_name&col=output')))).toContain('output');
  });

  it('leaves the output on the server when the chosen columns do not show it', () => {
    const columns = listColumns(parseViewState(new URLSearchParams('col=op_name&col=started_at')));
    expect(columns).toEqual(LIST_COLUMNS);
    expect(columns).not.toContain('inputs');
  });
});

describe('callsRequest', () => {
  const project = { entity: 'e', project: 'p' };

  it('asks the server to price the calls while the Cost column may be shown', () => {
    const byDefault = callsRequest(parseViewState(new URLSearchParams()), project, []);
    expect(byDefault.base.include_costs).toBe(true);
    const chosen = callsRequest(
      parseViewState(new URLSearchParams(`col=op_name&col=${COST_COLUMN}`)),
      project,
      [],
    );
    expect(chosen.base.include_costs).toBe(true);
    // The count takes no such option.
    expect(byDefault.stats).not.toHaveProperty('include_costs');
  });

  it('does not price calls when the chosen columns leave Cost out', () => {
    const request = callsRequest(
      parseViewState(new URLSearchParams(`col=op_name&col=${TOKENS_COLUMN}`)),
      project,
      [],
    );
    expect(request.base).not.toHaveProperty('include_costs');
    expect(includesCosts(parseViewState(new URLSearchParams('col=op_name')))).toBe(false);
  });
});

describe('include_feedback', () => {
  const project = { entity: 'e', project: 'p' };
  const state = (search: string) => parseViewState(new URLSearchParams(search));
  const score = 'feedback.[wandb.runnable.judge].payload.output.correct';

  it('reads feedback with the default columns only in a project that has feedback', () => {
    expect(includesFeedback(state(''), false)).toBe(false);
    expect(includesFeedback(state(''), true)).toBe(true);
    expect(callsRequest(state(''), project, [], false).base).not.toHaveProperty('include_feedback');
    const request = callsRequest(state(''), project, [], true);
    expect(request.base.include_feedback).toBe(true);
    // The count takes no such option.
    expect(request.stats).not.toHaveProperty('include_feedback');
  });

  it('reads feedback while a chosen column shows some, whatever the project has', () => {
    for (const column of [REACTIONS_COLUMN, NOTES_COLUMN, score]) {
      const chosen = state(
        new URLSearchParams([
          ['col', 'op_name'],
          ['col', column],
        ]).toString(),
      );
      expect(includesFeedback(chosen, false), column).toBe(true);
    }
    expect(includesFeedback(state('col=op_name&col=started_at'), true)).toBe(false);
  });

  it('needs no feedback read to filter or sort by a feedback field', () => {
    const params = new URLSearchParams([
      ['col', 'op_name'],
      ['sort', `-${score}`],
      ['where', JSON.stringify([score, 'eq', 'true'])],
    ]);
    const request = callsRequest(state(params.toString()), project, [], true);
    expect(request.base).not.toHaveProperty('include_feedback');
    expect(request.base.sort_by?.[0]).toEqual({ field: score, direction: 'desc' });
    expect(request.base.query).toEqual({
      $expr: { $eq: [{ $getField: score }, { $literal: true }] },
    });
  });
});
