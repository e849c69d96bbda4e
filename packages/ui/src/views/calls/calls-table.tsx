/**
 * The calls as a table: TanStack Table holds the columns, server-side sorting and column
 * visibility; TanStack Virtual renders only the rows in view (plus a margin), so 100,000 loaded
 * calls cost no more to scroll than 100. Nearing the end asks for the next page.
 *
 * Keyboard: the rows are one tab stop; arrows, Page Up/Down, Home and End move, Enter opens.
 */
import { FlexRender, functionalUpdate, type Row, type SortingState, useTable } from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { CallSchema } from '@weft/protocol';
import { type MouseEvent, memo, useCallback, useEffect, useMemo, useRef } from 'react';
import { useRowKeyboard } from '../../components/row-keyboard';
import { formatCount } from '../../format';
import { type CallColumns, tableFeaturesUsed } from './calls-columns';

type CallRow = Row<typeof tableFeaturesUsed, CallSchema>;

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

/** Columns share the width in proportion to their sizes, never narrower than their sizes. */
const cellStyle = (size: number) => ({ flex: `${size} 0 ${size}px` });

export function CallsTable(props: CallsTableProps) {
  const { calls, columns, visible, sort, onSort, onOpen, hrefFor, hasMore, loadingMore, loadMore, noun } =
    props;
  const scrollRef = useRef<HTMLDivElement>(null);

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
    // Let React batch scroll updates instead of rendering synchronously on every scroll event.
    useFlushSync: false,
  });
  const { activeIndex, setActiveIndex, onKeyDown } = useRowKeyboard({
    rowCount: rows.length,
    rowHeight: ROW_HEIGHT,
    scrollRef,
    virtualizer,
    onEnter: (index) => {
      const call = rows[index]?.original;
      if (call) onOpen(call);
      return call !== undefined;
    },
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
  }, [firstId, setActiveIndex]);

  // Rows are memoised; the handlers they get must not change on every render.
  const latest = useRef({ onOpen, hrefFor });
  latest.current = { onOpen, hrefFor };
  const onRowClick = useCallback(
    (event: MouseEvent, call: CallSchema, index: number) => {
      // Text being selected is not a click on the row.
      if (window.getSelection()?.toString()) return;
      if (event.metaKey || event.ctrlKey || event.shiftKey) {
        window.open(latest.current.hrefFor(call), '_blank', 'noopener');
        return;
      }
      setActiveIndex(index);
      latest.current.onOpen(call);
    },
    [setActiveIndex],
  );
  const onRowAuxClick = useCallback((event: MouseEvent, call: CallSchema) => {
    if (event.button === 1) window.open(latest.current.hrefFor(call), '_blank', 'noopener');
  }, []);

  const totalHeight = virtualizer.getTotalSize();

  return (
    <div className="calls-scroll" ref={scrollRef}>
      {/*
        Rows are absolutely placed in a block of the full list's height (TanStack Virtual's table
        recipe), with the table elements laid out as flex rows: a real table layout would be
        recomputed over every row on each scroll step. The elements keep the table semantics.
      */}
      <table className="calls-table" style={{ minWidth: totalWidth }} aria-rowcount={rows.length}>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const column = header.column;
                const sorted = column.getIsSorted();
                const numeric = columns.numeric.has(column.id);
                const note = columns.notes[column.id];
                return (
                  <th
                    key={header.id}
                    scope="col"
                    style={cellStyle(column.getSize())}
                    className={numeric ? 'number' : undefined}
                    aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}
                  >
                    {column.getCanSort() ? (
                      <button
                        type="button"
                        className="th-content th-sort"
                        onClick={column.getToggleSortingHandler()}
                        title={note ?? `Sort by ${column.id}`}
                      >
                        <table.FlexRender header={header} />
                        <span className="th-sort-mark" aria-hidden="true">
                          {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : ''}
                        </span>
                      </button>
                    ) : (
                      <span className="th-content" title={note ?? 'The server cannot sort by this column'}>
                        <table.FlexRender header={header} />
                      </span>
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody onKeyDown={onKeyDown} style={{ height: totalHeight }}>
          {items.map((item) => {
            const row = rows[item.index];
            return row ? (
              <CallTableRow
                key={row.id}
                row={row}
                index={item.index}
                start={item.start}
                active={item.index === activeIndex}
                visibleColumns={columnVisibility}
                numeric={columns.numeric}
                onClick={onRowClick}
                onAuxClick={onRowAuxClick}
                onFocusRow={setActiveIndex}
              />
            ) : null;
          })}
        </tbody>
        <tfoot>
          <tr className="table-end">
            <td>
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
        </tfoot>
      </table>
    </div>
  );
}

interface CallTableRowProps {
  row: CallRow;
  index: number;
  start: number;
  active: boolean;
  /** Passed so a change of columns re-renders the row (the row object itself may stay the same). */
  visibleColumns: Record<string, boolean>;
  numeric: ReadonlySet<string>;
  onClick: (event: MouseEvent, call: CallSchema, index: number) => void;
  onAuxClick: (event: MouseEvent, call: CallSchema) => void;
  onFocusRow: (index: number) => void;
}

/** One row; memoised, so scrolling renders only the rows that come into view. */
const CallTableRow = memo(function CallTableRow(props: CallTableRowProps) {
  const { row, index, start, active, numeric, onClick, onAuxClick, onFocusRow } = props;
  const call = row.original;
  return (
    <tr
      aria-rowindex={index + 1}
      data-index={index}
      data-call-id={call.id}
      tabIndex={active ? 0 : -1}
      className={active ? 'call-row active' : 'call-row'}
      style={{ transform: `translateY(${start}px)` }}
      onClick={(event) => onClick(event, call, index)}
      onAuxClick={(event) => onAuxClick(event, call)}
      onFocus={() => onFocusRow(index)}
    >
      {row.getVisibleCells().map((cell) => (
        <td
          key={cell.id}
          style={cellStyle(cell.column.getSize())}
          className={numeric.has(cell.column.id) ? 'number' : undefined}
        >
          <FlexRender cell={cell} />
        </td>
      ))}
    </tr>
  );
});
