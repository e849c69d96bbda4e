/**
 * The rows the virtualiser shows: the tree walked depth-first in start order, skipping the
 * insides of collapsed calls. Collapsing is stored as the set of collapsed ids, so calls that
 * arrive later (more pages, a running trace) show up open.
 */
import type { TraceNode, TraceTree } from './trace-tree';

export interface VisibleRow {
  readonly node: TraceNode;
  readonly expanded: boolean;
}

export function visibleRows(tree: TraceTree, collapsed: ReadonlySet<string>): VisibleRow[] {
  const rows: VisibleRow[] = [];
  // Explicit stack, children pushed in reverse so they pop in start order; no recursion, so a
  // very deep trace cannot overflow the call stack.
  const stack: TraceNode[] = [];
  for (let index = tree.roots.length - 1; index >= 0; index--) stack.push(tree.roots[index]!);
  while (stack.length > 0) {
    const node = stack.pop()!;
    const expanded = node.children.length > 0 && !collapsed.has(node.call.id);
    rows.push({ node, expanded });
    if (!expanded) continue;
    for (let index = node.children.length - 1; index >= 0; index--) stack.push(node.children[index]!);
  }
  return rows;
}

export type TreeKey = 'ArrowUp' | 'ArrowDown' | 'ArrowLeft' | 'ArrowRight' | 'Home' | 'End';

export type TreeKeyAction =
  | { kind: 'select'; id: string }
  | { kind: 'collapse'; id: string }
  | { kind: 'expand'; id: string }
  | { kind: 'none' };

/**
 * What an arrow key does in the tree, as in the WAI-ARIA tree pattern: Up/Down move through the
 * visible rows; Right opens a closed call, or moves into an open one; Left closes an open call,
 * or moves to the parent.
 */
export function treeKeyAction(rows: readonly VisibleRow[], selectedId: string, key: TreeKey): TreeKeyAction {
  if (rows.length === 0) return { kind: 'none' };
  const index = rows.findIndex((row) => row.node.call.id === selectedId);
  const select = (at: number): TreeKeyAction => {
    const row = rows[Math.max(0, Math.min(rows.length - 1, at))]!;
    return row.node.call.id === selectedId ? { kind: 'none' } : { kind: 'select', id: row.node.call.id };
  };
  // The selected call is not visible (collapsed away, not loaded): any key lands on the first row.
  if (index < 0) return select(0);
  const row = rows[index]!;
  switch (key) {
    case 'ArrowUp':
      return select(index - 1);
    case 'ArrowDown':
      return select(index + 1);
    case 'Home':
      return select(0);
    case 'End':
      return select(rows.length - 1);
    case 'ArrowRight':
      if (row.node.children.length === 0) return { kind: 'none' };
      return row.expanded ? select(index + 1) : { kind: 'expand', id: selectedId };
    case 'ArrowLeft':
      if (row.expanded) return { kind: 'collapse', id: selectedId };
      return row.node.parent ? { kind: 'select', id: row.node.parent.call.id } : { kind: 'none' };
  }
}
