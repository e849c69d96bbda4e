/**
 * Two evaluations side by side (`?calls=a,b`): their summaries metric by metric with the change
 * from A to B, and their rows matched by dataset row, both models' outputs and scores next to
 * each other. "Differences only" (`&diff=1`) keeps the rows where they disagree. Evaluations of
 * different datasets are said to be so above everything else.
 */
import { useMemo } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { Empty, Failure, Loading } from '../../components/states';
import { Status } from '../../components/status';
import { formatCount, formatDuration } from '../../format';
import { type ProjectRef, paths } from '../../routes';
import { compareValues, ScoreCell } from './cell-values';
import { EvalGrid, type GridColumn } from './eval-grid';
import { type EvaluationHeadline, evaluationHeadline } from './evaluation-calls';
import { ModelAndDataset } from './evaluation-facts';
import type { FieldRoles } from './field-roles';
import { exampleOf, type LiveEvaluation, useFieldRoles, useLiveEvaluation, useRefValues } from './hooks';
import { datasetRelation, type MatchedRow, matchRows, matchStats } from './match';
import { exampleGroups, groupScoreColumns, OutputCell } from './row-columns';
import { CompareRowDetail } from './row-detail';
import { type EvalRow, exampleFields, type ScoreColumn, scoreColumns, scoreValue } from './rows';
import {
  compareSummaries,
  formatDelta,
  formatLatencyDelta,
  formatMetric,
  type MetricComparison,
  parseSummary,
} from './summary';
import './evaluations.css';

export function CompareEvaluationsPage() {
  const { entity = '', project = '' } = useParams();
  const [params] = useSearchParams();
  const projectRef = useMemo(() => ({ entity, project }), [entity, project]);
  const ids = (params.get('calls') ?? '').split(',').filter((id) => id.length > 0);
  if (ids.length !== 2 || ids[0] === ids[1]) {
    return (
      <Empty title="Pick two evaluations">
        <p>A comparison needs two different evaluations.</p>
        <p>
          <Link to={paths.evaluations(projectRef)}>Choose them in the list of evaluations</Link>
        </p>
      </Empty>
    );
  }
  return (
    <Comparison key={ids.join(',')} project={projectRef} aId={ids[0] as string} bId={ids[1] as string} />
  );
}

interface CompareView {
  match: MatchedRow;
  number: number;
  example: unknown;
}

function Comparison({ project, aId, bId }: { project: ProjectRef; aId: string; bId: string }) {
  const a = useLiveEvaluation(project, aId);
  const b = useLiveEvaluation(project, bId);
  const [params, setParams] = useSearchParams();
  const differencesOnly = params.get('diff') === '1';
  const selectedKey = params.get('row');
  const selectRow = (key: string | undefined) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (key === undefined) next.delete('row');
        else next.set('row', key);
        return next;
      },
      { replace: true },
    );

  const aHeadline = a.call.data ? evaluationHeadline(a.call.data) : undefined;
  const bHeadline = b.call.data ? evaluationHeadline(b.call.data) : undefined;
  const aSummary = useMemo(() => parseSummary(aHeadline?.output), [aHeadline?.output]);
  const bSummary = useMemo(() => parseSummary(bHeadline?.output), [bHeadline?.output]);
  const metrics = useMemo(() => compareSummaries(aSummary, bSummary), [aSummary, bSummary]);

  const scores = useMemo(() => {
    const order = [...aSummary.scorers, ...bSummary.scorers].map((scorer) => scorer.scorer);
    return scoreColumns([...a.rows, ...b.rows], order);
  }, [a.rows, b.rows, aSummary, bSummary]);
  const matched = useMemo(() => matchRows(a.rows, b.rows, scores), [a.rows, b.rows, scores]);
  const stats = useMemo(() => matchStats(matched), [matched]);
  const examples = useRefValues(
    useMemo(() => matched.map((match) => (match.a ?? match.b)?.exampleRef), [matched]),
    a.rowsComplete && b.rowsComplete,
  );
  const views = useMemo<CompareView[]>(() => {
    const all = matched.map((match, index) => {
      const row = (match.a ?? match.b) as EvalRow;
      return { match, number: index + 1, example: exampleOf(row, examples.values) };
    });
    return differencesOnly ? all.filter((view) => view.match.differs) : all;
  }, [matched, examples.values, differencesOnly]);
  const fields = useMemo(() => {
    const names = exampleFields(views.map((view) => view.example).filter((example) => example !== undefined));
    return names.length > 0 ? names : undefined;
  }, [views]);
  const roles = useFieldRoles(project, a.rows, aHeadline?.modelRef, fields);
  const columns = useMemo(
    () => compareColumns(project, fields, roles, scores),
    [project, fields, roles, scores],
  );

  const selected = selectedKey === null ? undefined : views.find((view) => view.match.key === selectedKey);

  if (a.call.isPending || b.call.isPending) return <Loading what="the two evaluations" />;
  if (a.call.isError) return <Failure error={a.call.error} what={`Evaluation ${aId}`} />;
  if (b.call.isError) return <Failure error={b.call.error} what={`Evaluation ${bId}`} />;
  if (!aHeadline || !bHeadline) return null;

  const relation = datasetRelation(
    a.definition?.datasetRef,
    b.definition?.datasetRef,
    a.definition?.datasetName,
    b.definition?.datasetName,
  );
  const loadingRows = !a.rowsComplete || !b.rowsComplete;
  const setDifferencesOnly = (on: boolean) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (on) next.set('diff', '1');
        else next.delete('diff');
        return next;
      },
      { replace: true },
    );

  return (
    <div className="page eval-page">
      <nav className="eval-crumbs" aria-label="Breadcrumb">
        <Link to={paths.evaluations(project)}>Evaluations</Link>
        <span aria-hidden="true"> / </span>
      </nav>
      <h1>Compare evaluations</h1>
      <div className="eval-sides">
        <SideCard side="A" project={project} headline={aHeadline} live={a} />
        <SideCard side="B" project={project} headline={bHeadline} live={b} />
      </div>
      <DatasetBanner relation={relation} common={stats.both} loading={loadingRows} />
      <SummaryComparison metrics={metrics} aLatency={aSummary.latencyMean} bLatency={bSummary.latencyMean} />
      <section className="eval-rows" aria-label="Rows side by side">
        <div className="eval-rows-head">
          <h2>
            Rows <span className="eval-count">{formatCount(matched.length)}</span>
          </h2>
          {!loadingRows && (
            <span className="eval-hint">
              {formatCount(stats.both)} in both · {formatCount(stats.differing)} differ
              {stats.onlyA > 0 ? ` · ${formatCount(stats.onlyA)} only in A` : ''}
              {stats.onlyB > 0 ? ` · ${formatCount(stats.onlyB)} only in B` : ''}
            </span>
          )}
          <button
            type="button"
            aria-pressed={differencesOnly}
            onClick={() => setDifferencesOnly(!differencesOnly)}
          >
            Differences only
          </button>
        </div>
        {a.rowsError || b.rowsError ? (
          <Failure error={a.rowsError ?? b.rowsError} what="the rows" />
        ) : loadingRows ? (
          // Rows are matched only once both sides are read in full: until then, a row would look
          // missing from the side still loading.
          <Loading
            what={`the rows (${formatCount(a.rows.length)} of A, ${formatCount(b.rows.length)} of B so far)`}
          />
        ) : views.length === 0 ? (
          <p className="eval-empty-rows">
            {differencesOnly
              ? 'The two evaluations agree on every row.'
              : 'Neither evaluation logged any rows.'}
          </p>
        ) : (
          <div className="eval-rows-body">
            <EvalGrid
              label="Rows side by side"
              columns={columns}
              data={views}
              getRowId={(view) => view.match.key}
              onActivate={(view) => selectRow(view.match.key)}
              activeRowId={selected?.match.key}
              rowClassName={(view) => (view.match.differs ? 'eval-row-differs' : undefined)}
            />
            {selected && (
              <CompareRowDetail
                project={project}
                a={selected.match.a}
                b={selected.match.b}
                example={selected.example}
                onClose={() => selectRow(undefined)}
              />
            )}
          </div>
        )}
      </section>
    </div>
  );
}

function SideCard({
  side,
  project,
  headline,
  live,
}: {
  side: 'A' | 'B';
  project: ProjectRef;
  headline: EvaluationHeadline;
  live: LiveEvaluation;
}) {
  return (
    <div className={`eval-side eval-side-${side.toLowerCase()}`}>
      <div className="eval-side-title">
        <span className="eval-side-badge">{side}</span>
        <Link to={paths.evaluation(project, headline.id)} title={headline.name}>
          {headline.name}
        </Link>
        <Status status={headline.status} />
      </div>
      <dl className="eval-facts">
        <ModelAndDataset headline={headline} definition={live.definition} />
        <div>
          <dt>Rows</dt>
          <dd>{formatCount(live.rows.length)}</dd>
        </div>
      </dl>
      {headline.displayName && headline.displayName !== headline.name && (
        <span className="eval-subtitle">{headline.displayName}</span>
      )}
    </div>
  );
}

function DatasetBanner({
  relation,
  common,
  loading,
}: {
  relation: ReturnType<typeof datasetRelation>;
  common: number;
  loading: boolean;
}) {
  const inCommon = loading ? '' : ` ${formatCount(common)} row${common === 1 ? '' : 's'} match.`;
  switch (relation.kind) {
    case 'same':
      return null;
    case 'other-version':
      return (
        <div className="eval-banner eval-banner-warn" role="note">
          <strong>Different versions of the dataset {relation.name}.</strong> Rows are matched by their
          content, so only rows the two versions share line up.{inCommon}
        </div>
      );
    case 'different':
      return (
        <div className="eval-banner eval-banner-error" role="alert">
          <strong>
            These evaluations use different datasets: {relation.a} and {relation.b}.
          </strong>{' '}
          Only rows with identical content can be matched, and the scores are not directly comparable.
          {inCommon}
        </div>
      );
    case 'unknown':
      return (
        <div className="eval-banner eval-banner-warn" role="note">
          The dataset of one evaluation is not known; rows are matched by their content.{inCommon}
        </div>
      );
  }
}

/** Whether a change is good: higher fractions are, lower latency is; other means are not judged. */
function deltaTone(metric: MetricComparison): 'better' | 'worse' | 'neutral' {
  if (metric.delta === undefined || metric.delta === 0 || metric.kind !== 'fraction') return 'neutral';
  return metric.delta > 0 ? 'better' : 'worse';
}

function SummaryComparison({
  metrics,
  aLatency,
  bLatency,
}: {
  metrics: MetricComparison[];
  aLatency: number | undefined;
  bLatency: number | undefined;
}) {
  if (metrics.length === 0 && aLatency === undefined && bLatency === undefined) return null;
  const latencyDelta = aLatency !== undefined && bLatency !== undefined ? bLatency - aLatency : undefined;
  return (
    <section className="eval-summary" aria-label="Summary side by side">
      <table className="plain eval-summary-table">
        <thead>
          <tr>
            <th>Scorer</th>
            <th>Metric</th>
            <th className="number">A</th>
            <th className="number">B</th>
            <th className="number">B − A</th>
          </tr>
        </thead>
        <tbody>
          {metrics.map((metric) => (
            <tr key={metric.key} data-scorer={metric.scorer}>
              <td>{metric.scorer}</td>
              <td>{metric.label || <span className="eval-missing">score</span>}</td>
              <td className="number">{metric.a ? formatMetric(metric.a) : '—'}</td>
              <td className="number">{metric.b ? formatMetric(metric.b) : '—'}</td>
              <td className={`number eval-delta eval-delta-${deltaTone(metric)}`}>
                {metric.delta === undefined ? '—' : formatDelta(metric.delta, metric.kind)}
              </td>
            </tr>
          ))}
          {(aLatency !== undefined || bLatency !== undefined) && (
            <tr>
              <td>Model</td>
              <td>mean latency</td>
              <td className="number">{aLatency === undefined ? '—' : formatDuration(aLatency * 1000)}</td>
              <td className="number">{bLatency === undefined ? '—' : formatDuration(bLatency * 1000)}</td>
              <td
                className={`number eval-delta eval-delta-${latencyDelta === undefined || latencyDelta === 0 ? 'neutral' : latencyDelta < 0 ? 'better' : 'worse'}`}
              >
                {latencyDelta === undefined ? '—' : formatLatencyDelta(latencyDelta)}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}

function SideLinks({ project, match }: { project: ProjectRef; match: MatchedRow }) {
  return (
    <span className="eval-side-links">
      {match.a ? (
        <Link
          to={paths.call(project, match.a.callId)}
          className={`status-${match.a.status}`}
          title="Open A's trace of this row"
        >
          A
        </Link>
      ) : (
        <span className="eval-missing">A</span>
      )}
      {match.b ? (
        <Link
          to={paths.call(project, match.b.callId)}
          className={`status-${match.b.status}`}
          title="Open B's trace of this row"
        >
          B
        </Link>
      ) : (
        <span className="eval-missing">B</span>
      )}
    </span>
  );
}

function compareColumns(
  project: ProjectRef,
  fields: readonly string[] | undefined,
  roles: FieldRoles | undefined,
  scores: readonly ScoreColumn[],
): Array<GridColumn<CompareView>> {
  const sideScore = (column: ScoreColumn, side: 'a' | 'b'): GridColumn<CompareView> => ({
    id: `${column.id}:${side}`,
    header: side.toUpperCase(),
    size: 64,
    accessorFn: (view: CompareView) => {
      const row = view.match[side];
      return row ? scoreValue(row, column) : undefined;
    },
    sortFn: (x, y, id) => compareValues(x.getValue(id), y.getValue(id)),
    cell: ({ row }) => {
      const evalRow = row.original.match[side];
      const differs = row.original.match.differingScores.has(column.id);
      return (
        <span className={differs ? 'eval-cell-differs' : undefined}>
          {evalRow ? (
            <ScoreCell value={scoreValue(evalRow, column)} />
          ) : (
            <span className="eval-missing">—</span>
          )}
        </span>
      );
    },
  });
  return [
    {
      id: 'number',
      header: 'Traces',
      size: 72,
      accessorFn: (view) => view.number,
      cell: ({ row }) => <SideLinks project={project} match={row.original.match} />,
    },
    ...exampleGroups<CompareView>(fields, roles, 180),
    {
      id: 'output',
      header: 'Output',
      columns: (['a', 'b'] as const).map(
        (side): GridColumn<CompareView> => ({
          id: `output:${side}`,
          header: side.toUpperCase(),
          size: 190,
          accessorFn: (view: CompareView) => view.match[side]?.modelOutput,
          sortFn: (x, y, id) => compareValues(x.getValue(id), y.getValue(id)),
          cell: ({ row }) => (
            <span className={row.original.match.outputDiffers ? 'eval-cell-differs' : undefined}>
              <OutputCell row={row.original.match[side]} />
            </span>
          ),
        }),
      ),
    },
    ...groupScoreColumns<CompareView>(scores, (column) => ({
      id: `pair:${column.id}`,
      header: column.key ?? column.scorer,
      columns: [sideScore(column, 'a'), sideScore(column, 'b')],
    })),
    {
      id: 'latency',
      header: 'Latency',
      columns: (['a', 'b'] as const).map(
        (side): GridColumn<CompareView> => ({
          id: `latency:${side}`,
          header: side.toUpperCase(),
          size: 84,
          accessorFn: (view: CompareView) => view.match[side]?.latencySeconds,
          sortFn: (x, y, id) => compareValues(x.getValue(id), y.getValue(id)),
          cell: ({ row }) => {
            const seconds = row.original.match[side]?.latencySeconds;
            return (
              <span className="eval-number">
                {seconds === undefined ? '—' : formatDuration(seconds * 1000)}
              </span>
            );
          },
        }),
      ),
    },
  ];
}
