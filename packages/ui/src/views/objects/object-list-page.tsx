/**
 * The list behind the Ops, Datasets and Objects pages: one row per name with its latest version,
 * how many live versions it has and when it last changed, newest first. A name filter (`?q=`)
 * and, for objects, a class filter (`?class=`) live in the URL so a filtered list can be shared.
 */
import { useQuery } from '@tanstack/react-query';
import { createColumnHelper, useTable } from '@tanstack/react-table';
import type { ObjQueryFilter } from '@weft/protocol';
import { type ReactNode, useMemo } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { Empty, Failure, Loading } from '../../components/states';
import { formatCount, formatRelative, formatTime } from '../../format';
import type { ProjectRef } from '../../routes';
import { queryObjectVersions } from './api';
import { ShortDigest } from './labels';
import { classesOf, type ObjectSummary, summariseObjects, versionName } from './versions';
import { VirtualTable, type VirtualTableFeatures, virtualTableFeatures } from './virtual-table';
import './objects.css';

const column = createColumnHelper<VirtualTableFeatures, ObjectSummary>();

export interface ObjectListPageProps {
  title: string;
  /** What one entry is, for counts and states: `op`, `dataset`, `object`. */
  noun: string;
  filter: ObjQueryFilter;
  /** Whether to offer the class filter and show the class column. */
  byClass: boolean;
  linkTo: (project: ProjectRef, name: string, digest: string) => string;
  /** What to say when the project has none yet: how to make one. */
  emptyHelp: ReactNode;
}

export function useProject(): ProjectRef {
  const { entity = '', project = '' } = useParams();
  return { entity, project };
}

export function ObjectListPage({ title, noun, filter, byClass, linkTo, emptyHelp }: ObjectListPageProps) {
  const project = useProject();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const search = params.get('q') ?? '';
  const chosenClass = params.get('class') ?? '';

  const versions = useQuery({
    queryKey: ['objects', 'list', project, filter],
    queryFn: ({ signal }) => queryObjectVersions(project, filter, signal),
  });
  const summaries = useMemo(() => summariseObjects(versions.data ?? []), [versions.data]);
  const classes = useMemo(() => classesOf(summaries), [summaries]);
  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return summaries.filter(
      (summary) =>
        (!needle || summary.objectId.toLowerCase().includes(needle)) &&
        (!chosenClass || summary.className === chosenClass),
    );
  }, [summaries, search, chosenClass]);

  const columns = useMemo(
    () => [
      column.display({
        id: 'name',
        header: 'Name',
        size: 320,
        cell: (info) => (
          <Link
            to={linkTo(project, info.row.original.objectId, info.row.original.latest.digest)}
            className="list-name"
            onClick={(event) => event.stopPropagation()}
          >
            {info.row.original.objectId}
          </Link>
        ),
      }),
      ...(byClass
        ? [
            column.display({
              id: 'class',
              header: 'Class',
              size: 160,
              cell: (info) => info.row.original.className ?? <span className="muted">—</span>,
            }),
          ]
        : []),
      column.display({
        id: 'versions',
        header: 'Versions',
        size: 90,
        cell: (info) => <span className="number">{formatCount(info.row.original.versionCount)}</span>,
      }),
      column.display({
        id: 'latest',
        header: 'Latest',
        size: 150,
        cell: (info) => (
          <span>
            {versionName(info.row.original.latest.version_index)}{' '}
            <ShortDigest digest={info.row.original.latest.digest} />
          </span>
        ),
      }),
      column.display({
        id: 'updated',
        header: 'Last updated',
        size: 180,
        cell: (info) => (
          <time
            dateTime={info.row.original.latest.created_at}
            title={formatTime(info.row.original.latest.created_at)}
          >
            {formatRelative(info.row.original.latest.created_at)}
          </time>
        ),
      }),
    ],
    [byClass, linkTo, project],
  );
  const table = useTable({
    features: virtualTableFeatures,
    columns,
    data: shown,
    getRowId: (row) => row.objectId,
  });

  const setParam = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  let body: ReactNode;
  if (versions.isPending) body = <Loading what={`${noun}s`} />;
  else if (versions.isError) body = <Failure error={versions.error} what={`the ${noun}s`} />;
  else if (summaries.length === 0)
    body = <Empty title={`No ${noun}s in this project yet`}>{emptyHelp}</Empty>;
  else if (shown.length === 0) {
    body = (
      <Empty title={`No ${noun}s match`}>
        <p>
          Nothing matches {search ? <q>{search}</q> : null}
          {search && chosenClass ? ' in ' : null}
          {chosenClass ? `class ${chosenClass}` : null}.{' '}
          <button type="button" onClick={() => setParams(new URLSearchParams(), { replace: true })}>
            Clear the filter
          </button>
        </p>
      </Empty>
    );
  } else {
    body = (
      <VirtualTable
        table={table}
        label={title}
        onRowClick={(row) => navigate(linkTo(project, row.objectId, row.latest.digest))}
      />
    );
  }

  return (
    <div className="page objects-page">
      <div className="objects-toolbar">
        <h1>{title}</h1>
        {versions.isSuccess && summaries.length > 0 && (
          <span className="muted">
            {shown.length === summaries.length
              ? `${formatCount(summaries.length)} ${noun}${summaries.length === 1 ? '' : 's'}`
              : `${formatCount(shown.length)} of ${formatCount(summaries.length)}`}
          </span>
        )}
        <span className="toolbar-space" />
        {byClass && classes.length > 0 && (
          <label className="toolbar-field">
            Class
            <select value={chosenClass} onChange={(event) => setParam('class', event.target.value)}>
              <option value="">All classes</option>
              {classes.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </label>
        )}
        <input
          type="search"
          placeholder={`Filter ${noun}s by name`}
          aria-label={`Filter ${noun}s by name`}
          value={search}
          onChange={(event) => setParam('q', event.target.value)}
        />
      </div>
      {body}
    </div>
  );
}
