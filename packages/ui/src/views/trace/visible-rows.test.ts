import { describe, expect, it } from 'vitest';
import { buildTraceTree, type TraceCall } from './trace-tree';
import { treeKeyAction, visibleRows } from './visible-rows';

function call(id: string, parentId: string | null, second: number): TraceCall {
  return {
    id,
    trace_id: 't',
    parent_id: parentId,
    op_name: id,
    display_name: null,
    started_at: `2025-01-01T00:00:${String(second).padStart(2, '0')}.000000Z`,
    ended_at: null,
    exception: null,
  };
}

// root ─ a ─ a1
//      │   └ a2
//      └ b
const tree = buildTraceTree([
  call('root', null, 0),
  call('a', 'root', 1),
  call('a1', 'a', 2),
  call('a2', 'a', 3),
  call('b', 'root', 4),
]);
const ids = (rows: ReturnType<typeof visibleRows>) => rows.map((row) => row.node.call.id);

describe('visibleRows', () => {
  it('lists every call depth-first in start order when nothing is collapsed', () => {
    expect(ids(visibleRows(tree, new Set()))).toEqual(['root', 'a', 'a1', 'a2', 'b']);
  });

  it('hides the insides of a collapsed call, which reads as not expanded', () => {
    const rows = visibleRows(tree, new Set(['a']));
    expect(ids(rows)).toEqual(['root', 'a', 'b']);
    expect(rows[1]?.expanded).toBe(false);
    expect(rows[0]?.expanded).toBe(true);
  });

  it('a leaf is never expanded', () => {
    expect(visibleRows(tree, new Set()).find((row) => row.node.call.id === 'b')?.expanded).toBe(false);
  });
});

describe('treeKeyAction', () => {
  const open = visibleRows(tree, new Set());
  it('Up and Down move through the visible rows and stop at the ends', () => {
    expect(treeKeyAction(open, 'a', 'ArrowDown')).toEqual({ kind: 'select', id: 'a1' });
    expect(treeKeyAction(open, 'a', 'ArrowUp')).toEqual({ kind: 'select', id: 'root' });
    expect(treeKeyAction(open, 'root', 'ArrowUp')).toEqual({ kind: 'none' });
    expect(treeKeyAction(open, 'b', 'ArrowDown')).toEqual({ kind: 'none' });
    expect(treeKeyAction(open, 'a1', 'End')).toEqual({ kind: 'select', id: 'b' });
    expect(treeKeyAction(open, 'b', 'Home')).toEqual({ kind: 'select', id: 'root' });
  });

  it('Left collapses an open call, then moves to the parent', () => {
    expect(treeKeyAction(open, 'a', 'ArrowLeft')).toEqual({ kind: 'collapse', id: 'a' });
    const closed = visibleRows(tree, new Set(['a']));
    expect(treeKeyAction(closed, 'a', 'ArrowLeft')).toEqual({ kind: 'select', id: 'root' });
    expect(treeKeyAction(open, 'a2', 'ArrowLeft')).toEqual({ kind: 'select', id: 'a' });
  });

  it('Right expands a closed call, then moves to its first child; nothing on a leaf', () => {
    const closed = visibleRows(tree, new Set(['a']));
    expect(treeKeyAction(closed, 'a', 'ArrowRight')).toEqual({ kind: 'expand', id: 'a' });
    expect(treeKeyAction(open, 'a', 'ArrowRight')).toEqual({ kind: 'select', id: 'a1' });
    expect(treeKeyAction(open, 'b', 'ArrowRight')).toEqual({ kind: 'none' });
  });

  it('lands on the first row when the selected call is not visible', () => {
    const closed = visibleRows(tree, new Set(['a']));
    expect(treeKeyAction(closed, 'a1', 'ArrowDown')).toEqual({ kind: 'select', id: 'root' });
    expect(treeKeyAction([], 'a1', 'ArrowDown')).toEqual({ kind: 'none' });
  });
});
