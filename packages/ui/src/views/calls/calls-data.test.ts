import { describe, expect, it } from 'vitest';
import { COST_COLUMN, TOKENS_COLUMN } from './calls-columns';
import { callsRequest, includesCosts, LIST_COLUMNS, listColumns } from './calls-data';
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
