/**
 * A dataset's rows as a virtualised table (TanStack Table + TanStack Virtual). The row count comes
 * from `/table/query_stats`; rows come from `/table/query` a page at a time for the part in view,
 * so 100,000 rows cost a few small requests as the user scrolls. Columns are the rows' keys in
 * order of first appearance (dataset-columns.ts). Clicking a row shows it whole (`?row=N`).
 */
import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { createColumnHelper, useTable } from '@tanstack/react-table';
import type { TableRowSchema } from '@weft/protocol';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { JsonView } from '../../components/json-view';
import { Empty, Failure, Loading } from '../../components/states';
import { formatCount } from '../../format';
import { type ProjectRef, refPath } from '../../routes';
import { countTableRows, queryTableRows } from './api';
import { cellPreview, type DiscoveredColumns, discoverColumns, NO_COLUMNS } from './dataset-columns';
import { VirtualTable, type VirtualTableFeatures, virtualTableFeatures } from './virtual-table';

/** Rows per `/table/query` request: each request has a fixed cost on the server, so pages are big. */
const PAGE_SIZE = 250;
/** Rows beyond the view whose pages are fetched ahead, so a steady scroll rarely waits. */
const PREFETCH_ROWS = 60;
/** A table row is a slot by position; its content is read from the page cache when drawn. */
interface RowSlot {
  index: number;
}
const column = createColumnHelper<VirtualTableFeatures, RowSlot>();

function pageKey(project: ProjectRef, digest: string, page: number) {
  return ['objects', 'table-page', project, digest, page] as const;
}

export function DatasetRows({ project, tableDigest }: { project: ProjectRef; tableDigest: string }) {
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const selectedText = params.get('row');
  const selected = selectedText !== null && /^\d+$/.test(selectedText) ? Number(selectedText) : undefined;

  const count = useQuery({
    queryKey: ['objects', 'table-count', project, tableDigest],
    queryFn: ({ signal }) => countTableRows(project, tableDigest, signal),
    staleTime: Number.POSITIVE_INFINITY,
  });

  // The pages covering the rows in view; the table reports its range as it scrolls.
  const [range, setRange] = useState<[number, number]>([0, 0]);
  const onVisibleRange = useCallback((first: number, last: number) => {
    setRange((previous) => (previous[0] === first && previous[1] === last ? previous : [first, last]));
  }, []);
  const pagesInView = useMemo(() => {
    const pages: number[] = [];
    const from = Math.max(0, range[0] - PREFETCH_ROWS);
    const to = Math.min(Math.max(0, (count.data ?? 1) - 1), range[1] + PREFETCH_ROWS);
    for (let page = Math.floor(from / PAGE_SIZE); page <= Math.floor(to / PAGE_SIZE); page++) {
      pages.push(page);
    }
    if (selected !== undefined) pages.push(Math.floor(selected / PAGE_SIZE));
    return [...new Set(pages)];
  }, [range, selected, count.data]);
  const pageQueries = useQueries({
    queries: pagesInView.map((page) => ({
      queryKey: pageKey(project, tableDigest, page),
      // A content-addressed table never changes. The signal lets a page scrolled past be cancelled.
      queryFn: ({ signal }: { signal: AbortSignal }) =>
        queryTableRows(project, tableDigest, page * PAGE_SIZE, PAGE_SIZE, signal),
      staleTime: Number.POSITIVE_INFINITY,
      gcTime: 5 * 60_000,
    })),
  });

  /** A row by index from any page read so far (pages out of view stay cached for a while). */
  const rowAt = useCallback(
    (index: number): TableRowSchema | undefined =>
      queryClient.getQueryData<TableRowSchema[]>(
        pageKey(project, tableDigest, Math.floor(index / PAGE_SIZE)),
      )?.[index % PAGE_SIZE],
    [queryClient, project, tableDigest],
  );
  const rowAtRef = useRef(rowAt);
  rowAtRef.current = rowAt;

  const [discovered, setDiscovered] = useState<DiscoveredColumns>(NO_COLUMNS);
  const loadedPages = pageQueries.map((query) => query.data);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when a page arrives; the list is rebuilt every render
  useEffect(() => {
    setDiscovered((known) =>
      discoverColumns(
        known,
        loadedPages.flatMap((rows) => rows?.map((row) => row.val) ?? []),
      ),
    );
  }, [loadedPages.filter(Boolean).length, pagesInView.join(',')]);

  const slots = useMemo(
    () => Array.from({ length: count.data ?? 0 }, (_, index): RowSlot => ({ index })),
    [count.data],
  );
  const columns = useMemo(
    () => [
      column.display({
        id: '#',
        header: '#',
        size: 64,
        cell: (info) => <span className="muted number">{info.row.original.index}</span>,
      }),
      ...discovered.keys.map((key) =>
        column.display({
          id: `field:${key}`,
          header: () => <span title={key}>{key}</span>,
          size: 220,
          // Reads the row at render time: pages arriving re-render the table, not rebuild its columns.
          cell: (info) => <DatasetCell row={rowAtRef.current(info.row.original.index)} field={key} />,
        }),
      ),
    ],
    [discovered.keys],
  );
  const table = useTable({
    features: virtualTableFeatures,
    columns,
    data: slots,
    getRowId: (slot) => String(slot.index),
  });

  const failedPage = pageQueries.find((query) => query.isError);
  const selectRow = (index: number | undefined) => {
    const next = new URLSearchParams(params);
    if (index === undefined) next.delete('row');
    else next.set('row', String(index));
    setParams(next, { replace: true });
  };

  if (count.isPending) return <Loading what="the rows" />;
  if (count.isError) return <Failure error={count.error} what="the dataset's rows" />;
  if (count.data === 0) return <Empty title="This dataset has no rows" />;
  const selectedRow = selected !== undefined ? rowAt(selected) : undefined;

  return (
    <div className="dataset">
      <div className="dataset-toolbar">
        <span>
          {formatCount(count.data)} row{count.data === 1 ? '' : 's'}
        </span>
        {discovered.overflow > 0 && (
          <span className="muted">
            · {discovered.keys.length} columns shown, {discovered.overflow}+ more fields in each row's detail
          </span>
        )}
        {failedPage?.error && (
          <span className="error-text">Some rows could not be loaded: {failedPage.error.message}</span>
        )}
      </div>
      <div className="dataset-body">
        <div className="dataset-rows">
          <VirtualTable
            table={table}
            label="Dataset rows"
            rowHeight={34}
            onVisibleRange={onVisibleRange}
            onRowClick={(slot) => selectRow(slot.index === selected ? undefined : slot.index)}
            selectedIndex={selected}
            dataVersion={`${loadedPages.filter(Boolean).length}:${pagesInView.join(',')}:${columns.length}`}
          />
        </div>
        {selected !== undefined && (
          <aside className="dataset-detail" aria-label={`Row ${selected}`}>
            <div className="dataset-detail-head">
              <h2>Row {selected}</h2>
              <button type="button" onClick={() => selectRow(undefined)} aria-label="Close the row">
                Close
              </button>
            </div>
            {selectedRow ? (
              <>
                <p className="muted">
                  digest <code className="digest-full">{selectedRow.digest}</code>
                </p>
                <JsonView value={selectedRow.val} collapsed={3} />
              </>
            ) : selected >= count.data ? (
              <p className="muted">This dataset has no row {selected}.</p>
            ) : (
              <Loading what="the row" />
            )}
          </aside>
        )}
      </div>
    </div>
  );
}

function DatasetCell({ row, field }: { row: TableRowSchema | undefined; field: string }) {
  if (!row) return <span className="cell-loading" title="Loading…" />;
  const value =
    row.val !== null && typeof row.val === 'object' ? (row.val as Record<string, unknown>)[field] : undefined;
  const preview = cellPreview(value);
  if (preview.kind === 'ref' && typeof value === 'string') {
    const to = refPath(value);
    if (to) {
      return (
        <Link to={to} className="cell cell-ref" title={value} onClick={(event) => event.stopPropagation()}>
          {preview.text}
        </Link>
      );
    }
  }
  return (
    <span className={`cell cell-${preview.kind}`} title={preview.truncated ? undefined : preview.text}>
      {preview.text}
    </span>
  );
}
