/**
 * A TanStack Table drawn with virtualised rows (TanStack Virtual): only the rows in view (plus a
 * few) are in the DOM, so 100,000 rows scroll like 100. Used by the object lists and a dataset's
 * rows. Column widths come from the columns' `size`; the last column takes the space left.
 */
import {
  columnSizingFeature,
  type ReactTable,
  type Row,
  type RowData,
  type TableState,
  tableFeatures,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useRef } from 'react';

/** The features every virtual table is made with: columns sized from their `size`. */
export const virtualTableFeatures = tableFeatures({ columnSizingFeature });
export type VirtualTableFeatures = typeof virtualTableFeatures;

export interface VirtualTableProps<TData extends RowData> {
  table: ReactTable<VirtualTableFeatures, TData, TableState<VirtualTableFeatures>>;
  /** What the table lists, for screen readers. */
  label: string;
  rowHeight?: number;
  onRowClick?: (row: TData, index: number) => void;
  /** The index of the row shown as selected. */
  selectedIndex?: number | undefined;
  /** Told the first and last row index in view whenever they change (to fetch those rows). */
  onVisibleRange?: (first: number, last: number) => void;
  /**
   * Changes when what the cells show changes without the rows changing (rows read from a cache
   * that filled in): rows are memoised, and redrawn only when it or their own props change.
   */
  dataVersion?: unknown;
}

/** Fixed widths for every column but the last, which takes the space left. */
function widthOf(isLast: boolean, size: number) {
  return isLast ? { flex: `1 0 ${size}px` } : { flex: `0 0 ${size}px` };
}

interface VirtualRowProps<TData extends RowData> {
  table: ReactTable<VirtualTableFeatures, TData, TableState<VirtualTableFeatures>>;
  row: Row<VirtualTableFeatures, TData>;
  index: number;
  start: number;
  size: number;
  selected: boolean;
  clickable: boolean;
  onClick: (index: number) => void;
  dataVersion: unknown;
}

/** One row; memoised so that scrolling draws only the rows that come into view. */
const VirtualRow = memo(function VirtualRow<TData extends RowData>({
  table,
  row,
  index,
  start,
  size,
  selected,
  clickable,
  onClick,
}: VirtualRowProps<TData>) {
  const cells = row.getAllCells();
  return (
    <tr
      aria-rowindex={index + 2}
      aria-selected={selected || undefined}
      className={`vt-row${clickable ? ' vt-clickable' : ''}${selected ? ' vt-selected' : ''}`}
      style={{ height: size, transform: `translateY(${start}px)` }}
      tabIndex={clickable ? 0 : undefined}
      onClick={clickable ? () => onClick(index) : undefined}
      onKeyDown={
        clickable
          ? (event) => {
              if (event.key === 'Enter') onClick(index);
            }
          : undefined
      }
    >
      {cells.map((cell, cellIndex) => (
        <td
          key={cell.id}
          className="vt-cell"
          style={widthOf(cellIndex === cells.length - 1, cell.column.getSize())}
        >
          <table.FlexRender cell={cell} />
        </td>
      ))}
    </tr>
  );
}) as <TData extends RowData>(props: VirtualRowProps<TData>) => React.JSX.Element;

export function VirtualTable<TData extends RowData>({
  table,
  label,
  rowHeight = 36,
  onRowClick,
  selectedIndex,
  onVisibleRange,
  dataVersion,
}: VirtualTableProps<TData>) {
  const scroller = useRef<HTMLDivElement>(null);
  const rows = table.getRowModel().rows;
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? -1;
  useEffect(() => {
    if (last >= 0) onVisibleRange?.(first, last);
  }, [first, last, onVisibleRange]);

  const headers = table.getHeaderGroups().at(-1)?.headers ?? [];
  // Header and rows share one width, so both scroll sideways together when columns overflow.
  const minWidth = table.getTotalSize();
  // Through a ref, so a new handler from the parent does not redraw every row.
  const onRowClickRef = useRef(onRowClick);
  onRowClickRef.current = onRowClick;
  const clickRow = useCallback(
    (index: number) => {
      const row = rows[index];
      if (row) onRowClickRef.current?.(row.original, index);
    },
    [rows],
  );

  return (
    <div ref={scroller} className="vt-scroller">
      <table className="vt-table" aria-label={label} aria-rowcount={rows.length + 1}>
        <thead className="vt-header" style={{ minWidth }}>
          <tr className="vt-header-row">
            {headers.map((header, index) => (
              <th
                key={header.id}
                className="vt-cell vt-head"
                style={widthOf(index === headers.length - 1, header.getSize())}
              >
                {header.isPlaceholder ? null : <table.FlexRender header={header} />}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="vt-body" style={{ height: virtualizer.getTotalSize(), minWidth }}>
          {items.map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            return (
              <VirtualRow
                key={row.id}
                table={table}
                row={row}
                index={item.index}
                start={item.start}
                size={item.size}
                selected={item.index === selectedIndex}
                clickable={onRowClick !== undefined}
                onClick={clickRow}
                dataVersion={dataVersion}
              />
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
