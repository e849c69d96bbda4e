import { describe, expect, it } from 'vitest';
import { LIST_COLUMNS, listColumns } from './calls-data';
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
