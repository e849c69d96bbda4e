import { describe, expect, it } from 'vitest';
import { ancestorIds, buildTraceTree, hasFailedDescendant, type TraceCall } from './trace-tree';

let clock = 0;
function call(id: string, parentId: string | null, extra: Partial<TraceCall> = {}): TraceCall {
  clock += 1;
  return {
    id,
    trace_id: 't',
    parent_id: parentId,
    op_name: `weave:///e/p/op/${id}:abc`,
    display_name: null,
    started_at: `2025-01-01T00:00:${String(clock).padStart(2, '0')}.000000Z`,
    ended_at: `2025-01-01T00:01:00.000000Z`,
    exception: null,
    ...extra,
  };
}

function shape(tree: ReturnType<typeof buildTraceTree>): unknown {
  const walk = (node: (typeof tree.roots)[number]): unknown =>
    node.children.length === 0 ? node.call.id : { [node.call.id]: node.children.map(walk) };
  return tree.roots.map(walk);
}

describe('buildTraceTree', () => {
  it('nests children under their parents in start order, whatever order they arrive in', () => {
    const root = call('root', null);
    const a = call('a', 'root');
    const b = call('b', 'root');
    const a1 = call('a1', 'a');
    const tree = buildTraceTree([a1, b, root, a]);
    expect(shape(tree)).toEqual([{ root: [{ a: ['a1'] }, 'b'] }]);
    expect(tree.byId.get('a1')?.depth).toBe(2);
    expect(tree.orphans).toBe(0);
  });

  it('hangs a call whose parent is not loaded under the root, marked', () => {
    const tree = buildTraceTree([call('root', null), call('x', 'not-loaded'), call('x1', 'x')]);
    expect(shape(tree)).toEqual([{ root: [{ x: ['x1'] }] }]);
    expect(tree.byId.get('x')?.parentMissing).toBe(true);
    expect(tree.byId.get('x1')?.parentMissing).toBe(false);
    expect(tree.byId.get('x1')?.depth).toBe(2);
    expect(tree.orphans).toBe(1);
  });

  it('keeps a detached branch whole when its child started before it (clock skew)', () => {
    const root = call('root', null);
    const child = call('child', 'mid');
    const mid = call('mid', 'gone');
    const tree = buildTraceTree([root, child, mid]);
    expect(shape(tree)).toEqual([{ root: [{ mid: ['child'] }] }]);
    expect(tree.byId.get('child')?.parentMissing).toBe(false);
    expect(tree.orphans).toBe(1);
  });

  it('makes orphans roots of their own when there is no single root', () => {
    const tree = buildTraceTree([call('x', 'gone'), call('y', 'gone')]);
    expect(shape(tree)).toEqual(['x', 'y']);
    expect(tree.roots.every((node) => node.parentMissing && node.depth === 0)).toBe(true);
  });

  it('places every call once when parents form a cycle or a call names itself', () => {
    const tree = buildTraceTree([call('root', null), call('a', 'b'), call('b', 'a'), call('self', 'self')]);
    expect(tree.byId.size).toBe(4);
    expect(shape(tree)).toEqual([{ root: [{ a: ['b'] }, 'self'] }]);
    expect(tree.byId.get('a')?.parentMissing).toBe(true);
    expect(tree.byId.get('self')?.parentMissing).toBe(true);
  });

  it('keeps the last copy of a call that arrives twice', () => {
    const first = call('root', null, { ended_at: null });
    const again = { ...first, ended_at: '2025-01-01T00:02:00.000000Z' };
    const tree = buildTraceTree([first, again]);
    expect(tree.roots).toHaveLength(1);
    expect(tree.roots[0]?.call.ended_at).toBe(again.ended_at);
  });

  it('a failing grandchild marks every ancestor, and the failing call itself', () => {
    const tree = buildTraceTree([
      call('root', null),
      call('a', 'root'),
      call('a1', 'a', { exception: 'ValueError: boom' }),
      call('b', 'root'),
    ]);
    const node = (id: string) => tree.byId.get(id)!;
    expect(node('a1').failed).toBe(true);
    expect(hasFailedDescendant(node('a1'))).toBe(false);
    expect(hasFailedDescendant(node('a'))).toBe(true);
    expect(hasFailedDescendant(node('root'))).toBe(true);
    expect(node('root').failedDescendants).toBe(1);
    expect(hasFailedDescendant(node('b'))).toBe(false);
    expect(node('root').descendants).toBe(3);
  });

  it("trusts the server's descendant_error for failures among calls that are not loaded", () => {
    const tree = buildTraceTree([
      call('root', null, { summary: { weave: { status: 'descendant_error', latency_ms: 5 } } }),
    ]);
    expect(hasFailedDescendant(tree.roots[0]!)).toBe(true);
  });

  it('builds a 10,000-deep chain without overflowing the stack', () => {
    const calls = [call('c0', null)];
    for (let index = 1; index < 10_000; index++) {
      calls.push({
        ...call(`c${index}`, `c${index - 1}`),
        started_at: `2025-01-01T00:00:00.${String(index).padStart(6, '0')}Z`,
      });
    }
    calls[0] = { ...calls[0]!, started_at: '2025-01-01T00:00:00.000000Z' };
    const tree = buildTraceTree(calls);
    expect(tree.byId.get('c9999')?.depth).toBe(9999);
    expect(tree.roots[0]?.descendants).toBe(9999);
    expect(ancestorIds(tree, 'c3')).toEqual(['c0', 'c1', 'c2']);
  });
});
