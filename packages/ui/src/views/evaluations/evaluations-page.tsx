/**
 * Every evaluation of a project (every `Evaluation.evaluate` call), newest first: which
 * evaluation, model and dataset, when, its status and the headline score of each scorer. Two
 * ticked rows open side by side. Running evaluations update in place.
 */
import { useInfiniteQuery } from '@tanstack/react-query';
import { useCallback, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { Empty, Failure, Loading } from '../../components/states';
import { Status } from '../../components/status';
import { durationMs, formatCount, formatDuration, formatRelative, formatTime } from '../../format';
import { type ProjectRef, paths, projectId } from '../../routes';
import { EVALUATIONS_PAGE_SIZE, listEvaluationCalls } from './api';
import { compareValues } from './cell-values';
import { EvalGrid, type GridColumn } from './eval-grid';
import {
  type EvaluationDefinition,
  type EvaluationHeadline,
  evaluationDefinition,
  evaluationHeadline,
} from './evaluation-calls';
import { RefLink } from './evaluation-facts';
import { useRefValues, useRunningPoll } from './hooks';
import { formatMetric, headlineMetric, metricLabel, parseSummary } from './summary';
import './evaluations.css';

interface ListRow {
  headline: EvaluationHeadline;
  definition: EvaluationDefinition | undefined;
}

export function EvaluationsPage() {
  const { entity = '', project = '' } = useParams();
  const projectRef = useMemo(() => ({ entity, project }), [entity, project]);
  return <EvaluationsList key={`${entity}/${project}`} project={projectRef} />;
}

function EvaluationsList({ project }: { project: ProjectRef }) {
  const calls = useInfiniteQuery({
    queryKey: ['evaluations', projectId(project)],
    queryFn: ({ pageParam, signal }) => listEvaluationCalls(project, pageParam, signal),
    initialPageParam: 0,
    getNextPageParam: (lastPage, _pages, lastOffset) =>
      lastPage.length === EVALUATIONS_PAGE_SIZE ? lastOffset + EVALUATIONS_PAGE_SIZE : undefined,
  });
  const headlines = useMemo(() => {
    const seen = new Set<string>();
    return (calls.data?.pages.flat() ?? []).flatMap((call) => {
      if (seen.has(call.id)) return [];
      seen.add(call.id);
      return [evaluationHeadline(call)];
    });
  }, [calls.data]);
  const definitions = useRefValues(useMemo(() => headlines.map((h) => h.evaluationRef), [headlines]));
  const rows = useMemo<ListRow[]>(
    () =>
      headlines.map((headline) => {
        const value = headline.evaluationRef ? definitions.values.get(headline.evaluationRef) : undefined;
        return { headline, definition: value === undefined ? undefined : evaluationDefinition(value) };
      }),
    [headlines, definitions.values],
  );

  const running = headlines.filter((h) => h.status === 'running');
  useRunningPoll(running.length > 0, running.map((h) => h.id).join(','), () => calls.refetch());

  const [selected, setSelected] = useState<string[]>([]);
  const toggle = useCallback(
    (id: string) =>
      setSelected((current) =>
        current.includes(id)
          ? current.filter((other) => other !== id)
          : current.length < 2
            ? [...current, id]
            : current,
      ),
    [],
  );
  const columns = useMemo(() => listColumns(project, selected, toggle), [project, selected, toggle]);
  const navigate = useNavigate();

  if (calls.isPending) return <Loading what="evaluations" />;
  if (calls.isError) return <Failure error={calls.error} what="the evaluations" />;
  if (rows.length === 0) return <NoEvaluations />;

  return (
    <div className="page eval-page">
      <div className="eval-list-head">
        <h1>
          Evaluations{' '}
          <span className="eval-count">
            {formatCount(rows.length)}
            {calls.hasNextPage ? '+' : ''}
          </span>
        </h1>
        <div className="eval-compare-bar">
          <span className="eval-hint">
            {selected.length === 2
              ? 'Two evaluations selected.'
              : `Tick two evaluations to compare them${selected.length === 1 ? ' (one more)' : ''}.`}
          </span>
          {selected.length > 0 && (
            <button type="button" onClick={() => setSelected([])}>
              Clear
            </button>
          )}
          <button
            type="button"
            className="primary"
            disabled={selected.length !== 2}
            onClick={() => navigate(paths.compareEvaluations(project, selected))}
          >
            Compare
          </button>
        </div>
      </div>
      <EvalGrid
        label="Evaluations"
        columns={columns}
        data={rows}
        getRowId={(row) => row.headline.id}
        rowLink={(row) => paths.evaluation(project, row.headline.id)}
        rowClassName={(row) => (selected.includes(row.headline.id) ? 'selected' : undefined)}
        onNearEnd={() => {
          if (calls.hasNextPage && !calls.isFetchingNextPage) void calls.fetchNextPage();
        }}
        footer={calls.isFetchingNextPage ? <Loading what="more evaluations" /> : undefined}
      />
    </div>
  );
}

function listColumns(
  project: ProjectRef,
  selected: readonly string[],
  toggle: (id: string) => void,
): Array<GridColumn<ListRow>> {
  return [
    {
      id: 'select',
      header: '',
      size: 48,
      enableSorting: false,
      cell: ({ row }) => {
        const id = row.original.headline.id;
        const checked = selected.includes(id);
        return (
          <input
            type="checkbox"
            aria-label={`Select ${row.original.headline.name} to compare`}
            checked={checked}
            disabled={!checked && selected.length >= 2}
            onChange={() => toggle(id)}
          />
        );
      },
    },
    {
      id: 'evaluation',
      header: 'Evaluation',
      size: 300,
      accessorFn: (row) => row.headline.name,
      cell: ({ row }) => {
        const { headline } = row.original;
        return (
          <span className="eval-name-cell">
            <Link to={paths.evaluation(project, headline.id)} title={headline.name}>
              {headline.name}
            </Link>
            {headline.displayName && headline.displayName !== headline.name && (
              <span className="eval-subtitle" title={headline.displayName}>
                {headline.displayName}
              </span>
            )}
          </span>
        );
      },
    },
    {
      id: 'model',
      header: 'Model',
      size: 170,
      accessorFn: (row) => row.headline.modelName ?? '',
      cell: ({ row }) => (
        <RefLink uri={row.original.headline.modelRef} label={row.original.headline.modelName} />
      ),
    },
    {
      id: 'dataset',
      header: 'Dataset',
      size: 170,
      accessorFn: (row) => row.definition?.datasetName ?? '',
      cell: ({ row }) =>
        row.original.definition ? (
          <RefLink uri={row.original.definition.datasetRef} label={row.original.definition.datasetName} />
        ) : (
          <span className="eval-missing">{row.original.headline.evaluationRef ? '…' : '—'}</span>
        ),
    },
    {
      id: 'scores',
      header: 'Scores',
      size: 360,
      enableSorting: false,
      cell: ({ row }) => <HeadlineScores headline={row.original.headline} />,
    },
    {
      id: 'status',
      header: 'Status',
      size: 110,
      accessorFn: (row) => row.headline.status,
      cell: ({ row }) => <Status status={row.original.headline.status} />,
    },
    {
      id: 'started',
      header: 'Started',
      size: 150,
      accessorFn: (row) => row.headline.startedAt,
      cell: ({ row }) => (
        <span title={formatTime(row.original.headline.startedAt)}>
          {formatRelative(row.original.headline.startedAt)}
        </span>
      ),
    },
    {
      id: 'duration',
      header: 'Duration',
      size: 100,
      accessorFn: (row) => durationMs(row.headline.startedAt, row.headline.endedAt),
      sortFn: (a, b, id) => compareValues(a.getValue(id), b.getValue(id)),
      cell: ({ row }) => {
        const ms = durationMs(row.original.headline.startedAt, row.original.headline.endedAt);
        return <span className="eval-number">{ms === undefined ? '—' : formatDuration(ms)}</span>;
      },
    },
  ];
}

/** Each scorer's first metric, as `scorer value` chips. */
function HeadlineScores({ headline }: { headline: EvaluationHeadline }) {
  const summary = parseSummary(headline.output);
  if (summary.scorers.length === 0) {
    return <span className="eval-missing">{headline.status === 'running' ? 'running…' : 'no scores'}</span>;
  }
  return (
    <span className="eval-chips">
      {summary.scorers.map((scorer) => {
        const metric = headlineMetric(scorer);
        const label =
          metric && metricLabel(metric) ? `${scorer.scorer}.${metricLabel(metric)}` : scorer.scorer;
        return (
          <span key={scorer.scorer} className="eval-chip" title={label}>
            <span className="eval-chip-label">{label}</span>
            <span className="eval-chip-value">{metric ? formatMetric(metric) : '—'}</span>
          </span>
        );
      })}
    </span>
  );
}

function NoEvaluations() {
  return (
    <Empty title="No evaluations yet">
      <p>
        An evaluation runs a model over every row of a dataset and scores each answer. Run one with Weave's
        SDK pointed at this server, and it appears here with its scores.
      </p>
      <pre className="snippet">{`import * as weave from 'weave';
await weave.init('my-team/my-project');
const dataset = new weave.Dataset({ name: 'questions', rows: [{ question: '2+2?', expected: '4' }] });
const model = weave.op(async function model({ datasetRow }) { return '4'; });
const exactMatch = weave.op(function exactMatch({ modelOutput, datasetRow }) {
  return modelOutput === datasetRow.expected;
});
const evaluation = new weave.Evaluation({ name: 'my-eval', dataset, scorers: [exactMatch] });
await evaluation.evaluate({ model });`}</pre>
      <p>
        In Python: <code>weave.Evaluation(dataset=..., scorers=[...]).evaluate(model)</code>, with{' '}
        <code>WF_TRACE_SERVER_URL</code> set to this server.
      </p>
    </Empty>
  );
}
