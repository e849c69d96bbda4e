/**
 * `/{entity}/{project}/weave/calls/{callId}`: the whole trace the call belongs to, as a tree
 * with a waterfall, and the call's detail beside it. The URL is the selection: picking another
 * call replaces the URL, so a link or a reload opens the same call.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { Empty, Failure, Loading } from '../../components/states';
import { formatCount, formatDuration } from '../../format';
import { paths, projectId as projectIdOf } from '../../routes';
import { tokenTotals } from '../calls/summary-fields';
import { costText, traceTotalText } from '../costs/call-cost';
import { CallDetail } from './call-detail';
import { opNameOf } from './call-facts';
import { timeScaleOf } from './timeline-scale';
import { TRACE_CALL_CAP } from './trace-requests';
import { ancestorIds, buildTraceTree, hasFailedDescendant, type TraceTree } from './trace-tree';
import { TraceTreePanel } from './trace-tree-panel';
import { type TraceProgress, useFullCall, useRootCost, useTraceCalls, useTracePolling } from './use-trace';
import { visibleRows } from './visible-rows';
import './trace.css';

export function TracePage() {
  const { entity = '', project = '', callId = '' } = useParams();
  const projectRef = useMemo(() => ({ entity, project }), [entity, project]);
  const projectId = projectIdOf(projectRef);
  const navigate = useNavigate();

  const selected = useFullCall(projectId, callId);
  // The trace stays on screen while another of its calls is being read: its id is kept from
  // the last call that was read, and changes only when a call of another trace is opened.
  const [traceId, setTraceId] = useState<string | undefined>(undefined);
  if (selected.data && selected.data.trace_id !== traceId) setTraceId(selected.data.trace_id);

  const trace = useTraceCalls(projectId, traceId);
  useTracePolling(projectId, traceId, trace.data, callId);

  const tree = useMemo(() => (trace.data ? buildTraceTree(trace.data.calls) : undefined), [trace.data]);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());

  // A selected call inside a collapsed one is revealed.
  useEffect(() => {
    if (!tree) return;
    const hidden = ancestorIds(tree, callId).filter((id) => collapsed.has(id));
    if (hidden.length === 0) return;
    setCollapsed((current) => {
      const next = new Set(current);
      for (const id of hidden) next.delete(id);
      return next;
    });
  }, [tree, callId, collapsed]);

  const rows = useMemo(() => (tree ? visibleRows(tree, collapsed) : []), [tree, collapsed]);
  const running = useMemo(() => tree !== undefined && hasRunning(tree), [tree]);
  const nowMs = useNow(running);
  const scale = useMemo(() => timeScaleOf(trace.data?.calls ?? [], nowMs), [trace.data, nowMs]);

  const select = useCallback(
    (id: string) => navigate(paths.call(projectRef, id), { replace: true }),
    [navigate, projectRef],
  );
  const toggle = useCallback((id: string, expand: boolean) => {
    setCollapsed((current) => {
      const next = new Set(current);
      if (expand) next.delete(id);
      else next.add(id);
      return next;
    });
  }, []);
  const detailRef = useRef<HTMLElement>(null);
  const openDetail = useCallback(() => detailRef.current?.focus(), []);
  const markTraceReady = useCallback(() => performance.mark('weft:trace-ready'), []);

  if (selected.error && !tree) return <Failure error={selected.error} what="This call" />;
  if (!traceId) return <Loading what="the call" />;

  const treeCall = tree?.byId.get(callId);
  const parentId = treeCall?.call.parent_id;
  return (
    <div className="trace-page">
      <TraceHeader tree={tree} total={trace.data?.total} project={projectRef} projectId={projectId} />
      <div className="trace-body">
        <div className="trace-main">
          {trace.error ? (
            <Failure error={trace.error} what="this trace" />
          ) : !tree ? (
            <TraceLoading progress={trace.progress} />
          ) : rows.length === 0 ? (
            <Empty title="No calls in this trace">The calls of this trace were deleted.</Empty>
          ) : (
            <>
              <TraceNotices
                tree={tree}
                total={trace.data?.total ?? 0}
                selectedShown={treeCall !== undefined}
              />
              <TraceTreePanel
                rows={rows}
                selectedId={callId}
                scale={scale}
                nowMs={nowMs}
                onSelect={select}
                onToggle={toggle}
                onOpen={openDetail}
                onFirstRender={markTraceReady}
              />
            </>
          )}
        </div>
        <CallDetail
          ref={detailRef}
          project={projectRef}
          projectId={projectId}
          callId={callId}
          treeCall={treeCall?.call}
          parentCall={parentId ? tree?.byId.get(parentId)?.call : undefined}
          hasChildren={(treeCall?.children.length ?? 0) > 0}
          nowMs={nowMs}
        />
      </div>
    </div>
  );
}

function hasRunning(tree: TraceTree): boolean {
  for (const node of tree.byId.values()) if (!node.call.ended_at && !node.call.exception) return true;
  return false;
}

/** The clock running bars are drawn to: ticks each second while something runs, else stands. */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}

function TraceHeader({
  tree,
  total,
  project,
  projectId,
}: {
  tree: TraceTree | undefined;
  total: number | undefined;
  project: { entity: string; project: string };
  projectId: string;
}) {
  const root = tree?.roots.find((node) => !node.parentMissing) ?? tree?.roots[0];
  const rootCall = root?.call;
  // The root's usage includes every call inside it (clients roll it up), so it is the trace's.
  const tokens = rootCall ? tokenTotals(rootCall)?.total : undefined;
  const rootCost = useRootCost(projectId, root?.parentMissing ? undefined : rootCall, tokens !== undefined);
  const cost = rootCost.data ?? undefined;
  const totalText = root?.parentMissing ? undefined : traceTotalText(cost, tokens);
  const duration =
    rootCall?.ended_at !== undefined && rootCall.ended_at !== null
      ? Date.parse(rootCall.ended_at) - Date.parse(rootCall.started_at)
      : undefined;
  return (
    <div className="trace-header">
      <Link to={paths.traces(project)} className="trace-back">
        ← Traces
      </Link>
      <h1>
        Trace{' '}
        {rootCall && (
          <span className="trace-header-name">{rootCall.display_name ?? opNameOf(rootCall.op_name)}</span>
        )}
      </h1>
      {total !== undefined && (
        <span className="trace-header-fact">
          {formatCount(total)} {total === 1 ? 'call' : 'calls'}
        </span>
      )}
      {duration !== undefined && <span className="trace-header-fact">{formatDuration(duration)}</span>}
      {totalText && (
        <span
          className="trace-header-fact trace-header-total"
          title={[
            'The root call’s usage, which includes every call inside it, priced at the prices in effect when it started.',
            ...(cost ? [costText(cost).title] : []),
          ].join('\n')}
        >
          {totalText}
        </span>
      )}
      {rootCall && !rootCall.ended_at && !rootCall.exception && (
        <span className="trace-header-fact trace-live">running · updating</span>
      )}
      {root && (root.failed || hasFailedDescendant(root)) && (
        <span className="trace-header-fact trace-header-failed">
          {root.failed ? 'failed' : `${formatCount(Math.max(1, root.failedDescendants))} failed inside`}
        </span>
      )}
    </div>
  );
}

function TraceNotices({
  tree,
  total,
  selectedShown,
}: {
  tree: TraceTree;
  total: number;
  selectedShown: boolean;
}) {
  const shown = tree.byId.size;
  return (
    <>
      {total > shown && (
        <p className="trace-notice" role="status">
          This trace has {formatCount(total)} calls; the first {formatCount(shown)} by start time are shown
          {shown >= TRACE_CALL_CAP ? ` (at most ${formatCount(TRACE_CALL_CAP)} are loaded)` : ''}.
        </p>
      )}
      {tree.orphans > 0 && (
        <p className="trace-notice" role="status">
          {formatCount(tree.orphans)}{' '}
          {tree.orphans === 1 ? 'call whose parent is' : 'calls whose parents are'} not loaded{' '}
          {tree.orphans === 1 ? 'is' : 'are'} shown under the root, marked “parent not loaded”.
        </p>
      )}
      {!selectedShown && (
        <p className="trace-notice" role="status">
          The selected call is not among the calls shown in the tree.
        </p>
      )}
    </>
  );
}

function TraceLoading({ progress }: { progress: TraceProgress }) {
  if (progress.total === undefined || progress.total <= 2000) return <Loading what="the trace" />;
  return (
    <Loading
      what={`the trace (${formatCount(progress.loaded)} of ${formatCount(Math.min(progress.total, TRACE_CALL_CAP))} calls)`}
    />
  );
}
