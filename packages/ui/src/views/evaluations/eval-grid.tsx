/**
 * The evaluation views' table: TanStack Table (v9) for columns, grouped headers, sizes and
 * client-side sorting, TanStack Virtual for the rows, so a 10,000-row evaluation renders only
 * the rows on screen (spacer rows stand in for the rest). Sorting lives in the URL
 * (`?sort=<column>:asc|desc`) so a sorted view can be shared.
 *
 * Rows that open a page: click (Ctrl/⌘-click or middle-click for a new tab), or, with
 * `onActivate`, a click selects the row and the page opens in a new tab only; keyboard: the rows
 * are one tab stop, arrows, Page Up/Down, Home and End move, Enter opens (or selects).
 */
import {
  type ColumnDef,
  columnSizingFeature,
  createSortedRowModel,
  functionalUpdate,
  type RowData,
  rowSortingFeature,
  type SortingState,
  tableFeatures,
  useTable,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { type MouseEvent, type ReactNode, useCallback, useEffect, useMemo, useRef } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { useRowKeyboard } from '../../components/row-keyboard';

export const gridFeatures = tableFeatures({
  columnSizingFeature,
  rowSortingFeature,
  sortedRowModel: createSortedRowModel(),
});

export type GridColumn<TRow extends RowData> = ColumnDef<typeof gridFeatures, TRow>;

const ROW_HEIGHT = 36;
const HEADER_HEIGHT = 30;

interface EvalGridProps<TRow extends RowData> {
  columns: Array<GridColumn<TRow>>;
  data: TRow[];
  getRowId: (row: TRow) => string;
  /** The page a row opens; undefined for rows that open nothing. */
  rowLink?: (row: TRow) => string | undefined;
  /** What a plain click or Enter on a row does instead of opening `rowLink` (which then opens in a new tab only). */
  onActivate?: (row: TRow) => void;
  /** The row shown as selected. */
  activeRowId?: string | undefined;
  rowClassName?: (row: TRow) => string | undefined;
  /** The URL parameter holding the sort; distinct per table on one page. */
  sortParam?: string;
  label: string;
  /** Shown under the rows (loading more, all loaded). */
  footer?: ReactNode;
  /** Called when the last rows come on screen (to read the next page). */
  onNearEnd?: () => void;
}

export function readSorting(text: string | null): SortingState {
  if (!text) return [];
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return [];
  const id = text.slice(0, colon);
  const direction = text.slice(colon + 1);
  return direction === 'asc' || direction === 'desc' ? [{ id, desc: direction === 'desc' }] : [];
}

export function EvalGrid<TRow extends RowData>({
  columns,
  data,
  getRowId,
  rowLink,
  onActivate,
  activeRowId,
  rowClassName,
  sortParam = 'sort',
  label,
  footer,
  onNearEnd,
}: EvalGridProps<TRow>) {
  const [params, setParams] = useSearchParams();
  const sortText = params.get(sortParam);
  const sorting = useMemo(() => readSorting(sortText), [sortText]);
  const setSorting = useCallback(
    (next: SortingState) => {
      setParams(
        (current) => {
          const updated = new URLSearchParams(current);
          const [first] = next;
          if (first) updated.set(sortParam, `${first.id}:${first.desc ? 'desc' : 'asc'}`);
          else updated.delete(sortParam);
          return updated;
        },
        { replace: true },
      );
    },
    [setParams, sortParam],
  );

  const table = useTable({
    features: gridFeatures,
    columns,
    data,
    getRowId: (row) => getRowId(row),
    state: { sorting },
    onSortingChange: (updater) => setSorting(functionalUpdate(updater, sorting)),
    enableMultiSort: false,
  });

  const rows = table.getRowModel().rows;
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const lastVisible = items[items.length - 1]?.index ?? 0;
  const onNearEndRef = useRef(onNearEnd);
  onNearEndRef.current = onNearEnd;
  const nearEnd = rows.length > 0 && lastVisible >= rows.length - 20;
  useEffect(() => {
    if (nearEnd) onNearEndRef.current?.();
  }, [nearEnd]);

  // A selected row named by the URL may be far down: bring it into view once its row is loaded.
  const activeIndexInRows = activeRowId === undefined ? -1 : rows.findIndex((row) => row.id === activeRowId);
  useEffect(() => {
    if (activeIndexInRows >= 0) virtualizer.scrollToIndex(activeIndexInRows, { align: 'auto' });
  }, [activeIndexInRows, virtualizer]);

  const leafColumns = table.getAllLeafColumns();
  const totalWidth = leafColumns.reduce((sum, column) => sum + column.getSize(), 0);
  const headerGroups = table.getHeaderGroups();
  const navigate = useNavigate();
  const { activeIndex, setActiveIndex, onKeyDown } = useRowKeyboard({
    rowCount: rows.length,
    rowHeight: ROW_HEIGHT,
    scrollRef,
    virtualizer,
    onEnter: (index, event) => {
      const row = rows[index]?.original;
      const newTab = event.metaKey || event.ctrlKey;
      if (row !== undefined && onActivate && !newTab) {
        onActivate(row);
        return true;
      }
      if (row !== undefined && rowLink) {
        open(rowLink(row), newTab);
        return true;
      }
      return false;
    },
  });

  const open = (href: string | undefined, newTab: boolean) => {
    if (!href) return;
    if (newTab) window.open(href, '_blank', 'noopener');
    else navigate(href);
  };

  const onRowClick = (event: MouseEvent, row: TRow, index: number) => {
    const target = event.target as HTMLElement;
    // Links, buttons and checkboxes in the row do their own thing; selecting text is not a click.
    if (target.closest('a, button, input, label')) return;
    if (window.getSelection()?.toString()) return;
    setActiveIndex(index);
    const newTab = event.metaKey || event.ctrlKey || event.shiftKey;
    if (onActivate && !newTab) onActivate(row);
    else open(rowLink?.(row), newTab);
  };

  const paddingTop = items[0]?.start ?? 0;
  const paddingBottom = virtualizer.getTotalSize() - (items[items.length - 1]?.end ?? 0);
  const columnCount = Math.max(1, leafColumns.length);
  const focusable = Math.min(activeIndex, Math.max(0, rows.length - 1));

  return (
    <div className="eval-grid" ref={scrollRef}>
      <table
        className="eval-table"
        aria-label={label}
        aria-rowcount={rows.length + headerGroups.length}
        style={{ width: `max(100%, ${totalWidth}px)` }}
      >
        <colgroup>
          {leafColumns.map((column) => (
            <col key={column.id} style={{ width: column.getSize() }} />
          ))}
        </colgroup>
        <thead>
          {headerGroups.map((group, depth) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const sticky = { top: depth * HEADER_HEIGHT, height: HEADER_HEIGHT };
                if (header.isPlaceholder) {
                  // Blends into the header below it, so a column outside any group reads as one tall header.
                  return (
                    <th
                      key={header.id}
                      colSpan={header.colSpan}
                      style={sticky}
                      className="eval-th-placeholder"
                    />
                  );
                }
                const column = header.column;
                const isGroup = header.subHeaders.length > 0;
                const sorted = column.getIsSorted();
                return (
                  <th
                    key={header.id}
                    scope={isGroup ? 'colgroup' : 'col'}
                    colSpan={header.colSpan}
                    style={sticky}
                    className={isGroup ? 'eval-th-group' : undefined}
                    aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}
                  >
                    {!isGroup && column.getCanSort() ? (
                      <button
                        type="button"
                        className="th-content th-sort"
                        onClick={column.getToggleSortingHandler()}
                      >
                        <span className="eval-sort-text">
                          <table.FlexRender header={header} />
                        </span>
                        <span className="th-sort-mark" aria-hidden="true">
                          {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : ''}
                        </span>
                      </button>
                    ) : (
                      <span className="th-content eval-th-text">
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
            <tr className="eval-spacer">
              <td colSpan={columnCount} style={{ height: paddingTop }} />
            </tr>
          )}
          {items.map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            const href = rowLink?.(row.original);
            const extra = rowClassName?.(row.original);
            return (
              <tr
                key={row.id}
                data-index={item.index}
                tabIndex={item.index === focusable ? 0 : -1}
                className={`${href || onActivate ? 'clickable' : ''}${extra ? ` ${extra}` : ''}${row.id === activeRowId ? ' selected' : ''}`}
                aria-current={row.id === activeRowId ? 'true' : undefined}
                style={{ height: ROW_HEIGHT }}
                onClick={(event) => onRowClick(event, row.original, item.index)}
                onAuxClick={(event) => {
                  if (event.button === 1) open(href, true);
                }}
                onFocus={() => setActiveIndex(item.index)}
              >
                {row.getAllCells().map((cell) => (
                  <td key={cell.id}>
                    <table.FlexRender cell={cell} />
                  </td>
                ))}
              </tr>
            );
          })}
          {paddingBottom > 0 && (
            <tr className="eval-spacer">
              <td colSpan={columnCount} style={{ height: paddingBottom }} />
            </tr>
          )}
          {footer && (
            <tr className="eval-table-end">
              <td colSpan={columnCount}>{footer}</td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
