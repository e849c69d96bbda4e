/**
 * The calls as a table: TanStack Table holds the columns, server-side sorting and column
 * visibility; TanStack Virtual renders only the rows in view (plus a margin), so 100,000 loaded
 * calls cost no more to scroll than 100. Nearing the end asks for the next page.
 *
 * Keyboard: the rows are one tab stop; arrows, Page Up/Down, Home and End move, Enter opens.
 */
import { functionalUpdate, type SortingState, useTable } from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { CallSchema } from '@weft/protocol';
import { type KeyboardEvent, type MouseEvent, useEffect, useMemo, useRef, useState } from 'react';
import { formatCount } from '../../format';
import { type CallColumns, tableFeaturesUsed } from './calls-columns';
import type { SortTerm } from './view-state';

const ROW_HEIGHT = 32;
/** Start fetching the next page this many rows before the end, so it usually arrives before the user does. */
const PREFETCH_ROWS = 60;

export interface CallsTableProps {
  calls: CallSchema[];
  columns: CallColumns;
  visible: readonly string[];
  sort: SortTerm;
  onSort: (sort: SortTerm) => void;
  onOpen: (call: CallSchema) => void;
  hrefFor: (call: CallSchema) => string;
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => void;
  /** What a row is called: "trace" or "call". */
  noun: string;
}

export function CallsTable(props: CallsTableProps) {
  const { calls, columns, visible, sort, onSort, onOpen, hrefFor, hasMore, loadingMore, loadMore, noun } =
    props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const [activeIndex, setActiveIndex] = useState(0);

  const sorting = useMemo<SortingState>(() => [{ id: sort.field, desc: sort.direction === 'desc' }], [sort]);
  const columnVisibility = useMemo(() => {
    const shown = new Set(visible);
    return Object.fromEntries(columns.choices.map((choice) => [choice.id, shown.has(choice.id)]));
  }, [columns, visible]);

  const table = useTable({
    features: tableFeaturesUsed,
    columns: columns.defs,
    data: calls,
    getRowId: (call) => call.id,
    state: { sorting, columnVisibility },
    manualSorting: true,
    enableSortingRemoval: false,
    enableMultiSort: false,
    onSortingChange: (updater) => {
      const [first] = functionalUpdate(updater, sorting);
      if (first) onSort({ field: first.id, direction: first.desc ? 'desc' : 'asc' });
    },
  });
  const rows = table.getRowModel().rows;
  const leafColumns = table.getVisibleLeafColumns();
  const totalWidth = leafColumns.reduce((sum, column) => sum + column.getSize(), 0);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 15,
  });
  const items = virtualizer.getVirtualItems();
  const lastVisible = items[items.length - 1]?.index ?? 0;

  useEffect(() => {
    if (hasMore && !loadingMore && lastVisible >= rows.length - PREFETCH_ROWS) loadMore();
  }, [hasMore, loadingMore, lastVisible, rows.length, loadMore]);

  // A new sort or filter starts at the top.
  const firstId = calls[0]?.id;
  const sortKey = `${sort.field}:${sort.direction}`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the keys say when the list was replaced
  useEffect(() => {
    setActiveIndex(0);
    scrollRef.current?.scrollTo({ top: 0 });
  }, [sortKey]);
  useEffect(() => {
    if (firstId === undefined) setActiveIndex(0);
  }, [firstId]);

  function focusRow(index: number): void {
    const target = Math.max(0, Math.min(rows.length - 1, index));
    setActiveIndex(target);
    virtualizer.scrollToIndex(target, { align: 'auto' });
    // The row may only exist after the virtualizer renders it.
    requestAnimationFrame(() => {
      scrollRef.current
        ?.querySelector<HTMLElement>(`tr[data-index="${target}"]`)
        ?.focus({ preventScroll: true });
    });
  }

  function onKeyDown(event: KeyboardEvent<HTMLTableSectionElement>): void {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 320) / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: activeIndex + 1,
      ArrowUp: activeIndex - 1,
      PageDown: activeIndex + page,
      PageUp: activeIndex - page,
      Home: 0,
      End: rows.length - 1,
    };
    const next = moves[event.key];
    if (next !== undefined) {
      event.preventDefault();
      focusRow(next);
    } else if (event.key === 'Enter') {
      const call = rows[activeIndex]?.original;
      if (call) {
        event.preventDefault();
        onOpen(call);
      }
    }
  }

  function onRowClick(event: MouseEvent, call: CallSchema, index: number): void {
    // Text being selected is not a click on the row.
    if (window.getSelection()?.toString()) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey) {
      window.open(hrefFor(call), '_blank', 'noopener');
      return;
    }
    setActiveIndex(index);
    onOpen(call);
  }

  const paddingTop = items[0]?.start ?? 0;
  const paddingBottom = virtualizer.getTotalSize() - (items[items.length - 1]?.end ?? 0);
  const columnCount = leafColumns.length;

  return (
    <div className="calls-scroll" ref={scrollRef}>
      <table
        className="calls-table"
        style={{ width: `max(100%, ${totalWidth}px)` }}
        aria-rowcount={rows.length}
      >
        <colgroup>
          {leafColumns.map((column) => (
            <col key={column.id} style={{ width: column.getSize() }} />
          ))}
        </colgroup>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const column = header.column;
                const sorted = column.getIsSorted();
                const numeric = columns.numeric.has(column.id);
                return (
                  <th
                    key={header.id}
                    scope="col"
                    className={numeric ? 'number' : undefined}
                    aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}
                  >
                    {column.getCanSort() ? (
                      <button
                        type="button"
                        className="sort-button"
                        onClick={column.getToggleSortingHandler()}
                        title={`Sort by ${column.id}`}
                      >
                        <table.FlexRender header={header} />
                        <span className="sort-mark" aria-hidden="true">
                          {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : ''}
                        </span>
                      </button>
                    ) : (
                      <span className="unsortable" title="The server cannot sort by this column">
                        <table.FlexRender header={header} />
                      </span>
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody onKeyDown={onKeyDown}>
          {paddingTop > 0 && (
            <tr className="spacer">
              <td colSpan={columnCount} style={{ height: paddingTop }} />
            </tr>
          )}
          {items.map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            const call = row.original;
            return (
              <tr
                key={row.id}
                data-index={item.index}
                data-call-id={call.id}
                tabIndex={item.index === activeIndex ? 0 : -1}
                className={item.index === activeIndex ? 'call-row active' : 'call-row'}
                onClick={(event) => onRowClick(event, call, item.index)}
                onAuxClick={(event) => {
                  if (event.button === 1) window.open(hrefFor(call), '_blank', 'noopener');
                }}
                onFocus={() => setActiveIndex(item.index)}
              >
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id} className={columns.numeric.has(cell.column.id) ? 'number' : undefined}>
                    <table.FlexRender cell={cell} />
                  </td>
                ))}
              </tr>
            );
          })}
          {paddingBottom > 0 && (
            <tr className="spacer">
              <td colSpan={columnCount} style={{ height: paddingBottom }} />
            </tr>
          )}
          <tr className="table-end">
            <td colSpan={columnCount}>
              {loadingMore ? (
                <span role="status">
                  <span className="spinner" aria-hidden="true" />
                  Loading more {noun}s…
                </span>
              ) : hasMore ? (
                ''
              ) : (
                `${formatCount(rows.length)} ${rows.length === 1 ? noun : `${noun}s`}, all loaded`
              )}
            </td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}
