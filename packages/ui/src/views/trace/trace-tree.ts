/**
 * A trace's call tree, built from the flat list of calls the server answers. Logged data is not
 * trusted to be a tree: a parent may be missing (beyond the loading cap, deleted, never sent), a
 * call may name itself or a cycle as its parent. Every call still appears exactly once: a call
 * whose parent is not reachable hangs under the root with `parentMissing` set, so nothing is
 * silently dropped.
 */
import type { CallSchema } from '@weft/protocol';

/** The fields the tree and the timeline read; the tree is loaded without inputs and output. */
export type TraceCall = Pick<
  CallSchema,
  'id' | 'trace_id' | 'parent_id' | 'op_name' | 'display_name' | 'started_at' | 'ended_at' | 'exception'
> & { summary?: CallSchema['summary'] };

export interface TraceNode {
  readonly call: TraceCall;
  readonly children: TraceNode[];
  parent: TraceNode | undefined;
  depth: number;
  /** The call names a parent that is not in the loaded tree; it is shown under the root. */
  parentMissing: boolean;
  /** The call itself failed: it has an exception, or the server says `error`. */
  failed: boolean;
  /** Loaded descendants that failed. */
  failedDescendants: number;
  /** Loaded descendants, for the "n calls" label of a collapsed node. */
  descendants: number;
}

export interface TraceTree {
  readonly roots: readonly TraceNode[];
  readonly byId: ReadonlyMap<string, TraceNode>;
  /** How many calls hang under the root because their parent is not loaded. */
  readonly orphans: number;
}

/** Start order, with the id as a tie-breaker so the order is the same on every build. */
export function compareByStart(a: TraceCall, b: TraceCall): number {
  if (a.started_at !== b.started_at) return a.started_at < b.started_at ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function callFailed(call: TraceCall): boolean {
  return (call.exception !== null && call.exception !== undefined) || call.summary?.weave?.status === 'error';
}

/**
 * The server's `descendant_error` counts descendants that are not loaded too; the loaded ones
 * also count while the call still runs (the server then says `running`).
 */
export function hasFailedDescendant(node: TraceNode): boolean {
  return node.failedDescendants > 0 || node.call.summary?.weave?.status === 'descendant_error';
}

export function buildTraceTree(calls: readonly TraceCall[]): TraceTree {
  const ordered = dedupeById(calls).sort(compareByStart);
  const byId = new Map<string, TraceNode>();
  for (const call of ordered) {
    byId.set(call.id, {
      call,
      children: [],
      parent: undefined,
      depth: 0,
      parentMissing: false,
      failed: callFailed(call),
      failedDescendants: 0,
      descendants: 0,
    });
  }

  // Children in start order, by the parent they name; attached below only if reachable.
  const candidates = new Map<string, TraceNode[]>();
  const trueRoots: TraceNode[] = [];
  for (const node of byId.values()) {
    const parentId = node.call.parent_id;
    if (parentId === null || parentId === undefined || parentId === '') {
      trueRoots.push(node);
      continue;
    }
    const siblings = candidates.get(parentId);
    if (siblings) siblings.push(node);
    else candidates.set(parentId, [node]);
  }

  const visited = new Set<TraceNode>();
  const attach = (top: TraceNode) => {
    visited.add(top);
    const stack = [top];
    while (stack.length > 0) {
      const node = stack.pop()!;
      for (const child of candidates.get(node.call.id) ?? []) {
        // A child already placed (a cycle, or a call that names itself) is not placed twice.
        if (visited.has(child)) continue;
        visited.add(child);
        child.parent = node;
        child.depth = node.depth + 1;
        node.children.push(child);
        stack.push(child);
      }
    }
  };
  for (const root of trueRoots) attach(root);

  // Calls not reachable from a root: their parent is missing, or they sit in a cycle.
  const unreachable = [...byId.values()].filter((node) => !visited.has(node));
  const home = trueRoots.length === 1 ? trueRoots[0] : undefined;
  const roots = [...trueRoots];
  for (const node of unreachable) {
    if (visited.has(node)) continue;
    const top = topOfDetached(node, byId, visited);
    top.parentMissing = true;
    if (home) {
      top.parent = home;
      top.depth = 1;
      home.children.push(top);
    } else {
      roots.push(top);
    }
    attach(top);
  }
  if (home && unreachable.length > 0) home.children.sort((a, b) => compareByStart(a.call, b.call));
  roots.sort((a, b) => compareByStart(a.call, b.call));

  countDescendants(roots);
  return { roots, byId, orphans: unreachable.filter((node) => node.parentMissing).length };
}

function dedupeById(calls: readonly TraceCall[]): TraceCall[] {
  const latest = new Map<string, TraceCall>();
  for (const call of calls) latest.set(call.id, call);
  return [...latest.values()];
}

/**
 * The highest call above `node` whose parent is not placed: where a detached branch starts. A child
 * may start before its parent (clocks differ between processes), so start order alone would cut a
 * branch in the wrong place.
 */
function topOfDetached(
  node: TraceNode,
  byId: ReadonlyMap<string, TraceNode>,
  placed: ReadonlySet<TraceNode>,
): TraceNode {
  const seen = new Set<TraceNode>([node]);
  let top = node;
  for (;;) {
    const parentId = top.call.parent_id;
    const parent = parentId ? byId.get(parentId) : undefined;
    if (!parent || placed.has(parent)) return top;
    // A cycle: cut it at the call the walk began from, the earliest of them to start.
    if (seen.has(parent)) return node;
    seen.add(parent);
    top = parent;
  }
}

/** Post-order without recursion: a 10,000-deep chain must not overflow the stack. */
function countDescendants(roots: readonly TraceNode[]): void {
  const order: TraceNode[] = [];
  const stack = [...roots];
  while (stack.length > 0) {
    const node = stack.pop()!;
    order.push(node);
    for (const child of node.children) stack.push(child);
  }
  for (let index = order.length - 1; index >= 0; index--) {
    const node = order[index]!;
    const parent = node.parent;
    if (!parent) continue;
    parent.descendants += 1 + node.descendants;
    parent.failedDescendants += (node.failed ? 1 : 0) + node.failedDescendants;
  }
}

/** The ids from the top of the tree down to `id`'s parent: what must be open to show `id`. */
export function ancestorIds(tree: TraceTree, id: string): string[] {
  const ids: string[] = [];
  let node = tree.byId.get(id)?.parent;
  while (node) {
    ids.push(node.call.id);
    node = node.parent;
  }
  return ids.reverse();
}
