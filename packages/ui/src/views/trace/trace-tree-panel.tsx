/**
 * The call tree and its waterfall in one virtualised list: each row is a call, the tree on the
 * left (status, name, latency) and its bar on the shared time axis on the right. Only the rows
 * in view are in the DOM, so a trace of 10,000 calls scrolls like one of ten. Arrow keys move
 * and fold (visible-rows.ts), Enter opens the detail.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { type KeyboardEvent, memo, useEffect, useMemo, useRef } from 'react';
import { formatCount, formatDuration } from '../../format';
import { opNameOf } from './call-facts';
import { type Bar, barOf, type TimeScale, ticksOf } from './timeline-scale';
import { callFailed, hasFailedDescendant, type TraceNode } from './trace-tree';
import { type TreeKey, treeKeyAction, type VisibleRow } from './visible-rows';

const ROW_HEIGHT = 30;
const INDENT = 14;
/** Deeper rows stop indenting, so names stay readable in very deep traces. */
const MAX_INDENT_LEVELS = 24;
const TREE_KEYS: ReadonlySet<string> = new Set([
  'ArrowUp',
  'ArrowDown',
  'ArrowLeft',
  'ArrowRight',
  'Home',
  'End',
]);

interface TraceTreePanelProps {
  rows: readonly VisibleRow[];
  selectedId: string;
  scale: TimeScale;
  nowMs: number;
  onSelect: (id: string) => void;
  onToggle: (id: string, expand: boolean) => void;
  /** Enter, or a double click: move to the selected call's detail. */
  onOpen: () => void;
  /** Called once the rows are first on screen (the browser benchmark's mark). */
  onFirstRender: () => void;
}

export function TraceTreePanel(props: TraceTreePanelProps) {
  const { rows, selectedId, scale, nowMs, onSelect, onToggle, onOpen, onFirstRender } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const selectedIndex = useMemo(
    () => rows.findIndex((row) => row.node.call.id === selectedId),
    [rows, selectedId],
  );

  // Keep the selected row in view: centred when the page opens, nearest edge when it moves.
  const scrolledOnce = useRef(false);
  useEffect(() => {
    if (selectedIndex < 0) return;
    virtualizer.scrollToIndex(selectedIndex, { align: scrolledOnce.current ? 'auto' : 'center' });
    scrolledOnce.current = true;
  }, [selectedIndex, virtualizer]);

  const firstRenderReported = useRef(false);
  useEffect(() => {
    if (firstRenderReported.current || rows.length === 0) return;
    firstRenderReported.current = true;
    onFirstRender();
  }, [rows.length, onFirstRender]);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      onOpen();
      return;
    }
    if (!TREE_KEYS.has(event.key)) return;
    event.preventDefault();
    const action = treeKeyAction(rows, selectedId, event.key as TreeKey);
    if (action.kind === 'select') onSelect(action.id);
    else if (action.kind === 'expand') onToggle(action.id, true);
    else if (action.kind === 'collapse') onToggle(action.id, false);
  };

  const ticks = useMemo(() => ticksOf(scale, 5), [scale]);
  const activeId = selectedIndex >= 0 ? rowDomId(selectedIndex) : undefined;

  return (
    <div className="trace-tree-panel">
      <div className="trace-tree-head" aria-hidden="true">
        <div className="trace-col-tree">Call</div>
        <div className="trace-col-latency">Latency</div>
        <div className="trace-col-timeline trace-axis">
          {ticks.map((tick) => (
            <span
              key={tick.offsetMs}
              className="trace-tick"
              style={{ left: `${tick.at * 100}%` }}
              data-edge={tick.at > 0.92 ? 'end' : undefined}
            >
              {tick.label}
            </span>
          ))}
        </div>
      </div>
      <div
        ref={scrollRef}
        className="trace-tree-scroll"
        role="tree"
        aria-label="Calls in this trace"
        aria-activedescendant={activeId}
        // The list takes focus as one widget; the rows are not tab stops (roving selection).
        tabIndex={0}
        onKeyDown={onKeyDown}
      >
        <div className="trace-tree-canvas" style={{ height: virtualizer.getTotalSize() }}>
          <div className="trace-grid" aria-hidden="true">
            <div />
            <div />
            <div className="trace-col-timeline">
              {ticks.map((tick) => (
                <span key={tick.offsetMs} style={{ left: `${tick.at * 100}%` }} />
              ))}
            </div>
          </div>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index]!;
            return (
              <TraceRow
                key={row.node.call.id}
                index={item.index}
                top={item.start}
                row={row}
                selected={row.node.call.id === selectedId}
                scale={scale}
                nowMs={nowMs}
                onSelect={onSelect}
                onToggle={onToggle}
                onOpen={onOpen}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}

function rowDomId(index: number): string {
  return `trace-row-${index}`;
}

interface TraceRowProps {
  index: number;
  top: number;
  row: VisibleRow;
  selected: boolean;
  scale: TimeScale;
  nowMs: number;
  onSelect: (id: string) => void;
  onToggle: (id: string, expand: boolean) => void;
  onOpen: () => void;
}

const TraceRow = memo(function TraceRow({
  index,
  top,
  row,
  selected,
  scale,
  nowMs,
  onSelect,
  onToggle,
  onOpen,
}: TraceRowProps) {
  const { node, expanded } = row;
  const call = node.call;
  const bar = barOf(call, scale, nowMs);
  const hasChildren = node.children.length > 0;
  const failed = callFailed(call);
  const failedBelow = hasFailedDescendant(node);
  const status = failed ? 'error' : !call.ended_at ? 'running' : failedBelow ? 'descendant_error' : 'success';
  const latency = latencyOf(call.started_at, call.ended_at);
  const name = opNameOf(call.op_name);
  const indent = Math.min(node.depth, MAX_INDENT_LEVELS) * INDENT;
  return (
    // The tree holds focus and names the selected row with aria-activedescendant (keys are handled
    // there), so rows are not focusable themselves and take only clicks.
    // biome-ignore lint/a11y/useFocusableInteractive: see above.
    // biome-ignore lint/a11y/useKeyWithClickEvents: see above.
    <div
      id={rowDomId(index)}
      role="treeitem"
      aria-level={node.depth + 1}
      aria-selected={selected}
      aria-expanded={hasChildren ? expanded : undefined}
      className={`trace-row${selected ? ' selected' : ''}${failed ? ' failed' : ''}`}
      data-call-id={call.id}
      data-status={status}
      style={{ transform: `translateY(${top}px)` }}
      onClick={() => onSelect(call.id)}
      onDoubleClick={onOpen}
    >
      <div className="trace-col-tree" style={{ paddingLeft: 8 + indent }}>
        {hasChildren ? (
          <button
            type="button"
            className="trace-toggle"
            tabIndex={-1}
            aria-label={expanded ? 'Collapse' : 'Expand'}
            onClick={(event) => {
              event.stopPropagation();
              onToggle(call.id, !expanded);
            }}
          >
            {expanded ? '▾' : '▸'}
          </button>
        ) : (
          <span className="trace-toggle-space" />
        )}
        <span className={`trace-dot status-${status}`} title={STATUS_WORDS[status]} />
        <span className="trace-op" title={call.op_name}>
          {name}
        </span>
        {call.display_name && call.display_name !== name && (
          <span className="trace-display-name" title={call.display_name}>
            {call.display_name}
          </span>
        )}
        {node.depth > MAX_INDENT_LEVELS && <span className="trace-depth">depth {node.depth}</span>}
        {node.parentMissing && (
          <span className="trace-badge trace-badge-orphan" title="Its parent call is not loaded">
            parent not loaded
          </span>
        )}
        {failed && <span className="trace-badge trace-badge-error">Error</span>}
        {!failed && failedBelow && (
          <span className="trace-badge trace-badge-below" title="A call inside this one failed">
            {node.failedDescendants > 0
              ? `${formatCount(node.failedDescendants)} failed inside`
              : 'Child failed'}
          </span>
        )}
        {hasChildren && !expanded && (
          <span className="trace-hidden-count">+{formatCount(node.descendants)}</span>
        )}
      </div>
      <div className="trace-col-latency">{latency === undefined ? 'running' : formatDuration(latency)}</div>
      <div className="trace-col-timeline">
        {bar && (
          <span
            className={`trace-bar trace-bar-${status}`}
            style={{ left: `${bar.left * 100}%`, width: `${bar.width * 100}%` }}
            title={barTitle(node, bar, scale)}
          />
        )}
      </div>
    </div>
  );
});

const STATUS_WORDS: Record<string, string> = {
  success: 'Success',
  error: 'Error',
  running: 'Running',
  descendant_error: 'A call inside failed',
};

function latencyOf(startedAt: string, endedAt: string | null): number | undefined {
  if (!endedAt) return undefined;
  return Date.parse(endedAt) - Date.parse(startedAt);
}

function barTitle(node: TraceNode, bar: Bar, scale: TimeScale): string {
  const startOffset = bar.left * scale.spanMs;
  const duration = latencyOf(node.call.started_at, node.call.ended_at);
  return `${opNameOf(node.call.op_name)}: starts at +${formatDuration(startOffset)}, ${
    duration === undefined ? 'still running' : `takes ${formatDuration(duration)}`
  }`;
}
