/**
 * One evaluation: what was evaluated (evaluation, model, dataset, scorers), its summary per
 * scorer, and a table of its rows. A running evaluation fills in as rows arrive: its summary is
 * computed from the rows so far until the SDK writes the real one.
 */
import { useMemo } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { Empty, Failure, Loading } from '../../components/states';
import { formatCount } from '../../format';
import { type ProjectRef, paths } from '../../routes';
import { EvalGrid } from './eval-grid';
import { evaluationHeadline, isEvaluationCall } from './evaluation-calls';
import { EvaluationFacts } from './evaluation-facts';
import { exampleOf, useFieldRoles, useLiveEvaluation, useRefValues } from './hooks';
import { type RowView, rowColumns } from './row-columns';
import { RowDetail } from './row-detail';
import { exampleFields, meanLatency, rowScores, scoreColumns } from './rows';
import { parseSummary, summariseScores } from './summary';
import { SummaryPanel } from './summary-panel';
import './evaluations.css';

export function EvaluationPage() {
  const { entity = '', project = '', callId = '' } = useParams();
  const projectRef = useMemo(() => ({ entity, project }), [entity, project]);
  return <EvaluationView key={callId} project={projectRef} callId={callId} />;
}

function EvaluationView({ project, callId }: { project: ProjectRef; callId: string }) {
  const live = useLiveEvaluation(project, callId);
  const [params, setParams] = useSearchParams();
  const selectedId = params.get('row');
  const selectRow = (id: string | undefined) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (id === undefined) next.delete('row');
        else next.set('row', id);
        return next;
      },
      { replace: true },
    );
  const { rows } = live;
  const examples = useRefValues(
    useMemo(() => rows.map((row) => row.exampleRef), [rows]),
    live.rowsComplete,
  );

  const headline = live.call.data ? evaluationHeadline(live.call.data) : undefined;
  const summary = useMemo(() => {
    const logged = parseSummary(headline?.output);
    if (logged.scorers.length > 0 || !live.running) return { summary: logged, note: undefined };
    const finished = rowScores(rows);
    const partial = parseSummary(summariseScores(finished));
    partial.latencyMean = meanLatency(rows);
    return {
      summary: partial,
      note: `Running: the summary so far, from ${formatCount(finished.length)} finished row${finished.length === 1 ? '' : 's'}.`,
    };
  }, [headline?.output, live.running, rows]);

  const views = useMemo<RowView[]>(
    () => rows.map((row, index) => ({ row, number: index + 1, example: exampleOf(row, examples.values) })),
    [rows, examples.values],
  );
  const fields = useMemo(() => {
    const resolved = views.map((view) => view.example).filter((example) => example !== undefined);
    if (resolved.length === 0) return undefined;
    const names = exampleFields(resolved);
    return names.length > 0 ? names : undefined;
  }, [views]);
  const scores = useMemo(
    () =>
      scoreColumns(
        rows,
        summary.summary.scorers.map((scorer) => scorer.scorer),
      ),
    [rows, summary.summary],
  );
  const roles = useFieldRoles(project, rows, headline?.modelRef, fields);
  const columns = useMemo(() => rowColumns(project, fields, roles, scores), [project, fields, roles, scores]);

  const selected = selectedId === null ? undefined : views.find((view) => view.row.callId === selectedId);

  if (live.call.isPending) return <Loading what="the evaluation" />;
  if (live.call.isError) return <Failure error={live.call.error} what="This evaluation" />;
  if (!headline) return null;
  if (live.call.data && !isEvaluationCall(live.call.data)) {
    return (
      <Empty title="Not an evaluation">
        <p>This call is not an Evaluation.evaluate call, so it has no scores to show.</p>
        <p>
          <Link to={paths.call(project, callId)}>Open its trace</Link> ·{' '}
          <Link to={paths.evaluations(project)}>All evaluations</Link>
        </p>
      </Empty>
    );
  }

  const expectedRows = live.childCount === undefined ? undefined : Math.max(live.childCount - 1, rows.length);
  return (
    <div className="page eval-page">
      <EvaluationFacts
        project={project}
        headline={headline}
        definition={live.definition}
        rowCount={rows.length}
      />
      {headline.exception && (
        <div className="eval-banner eval-banner-error" role="alert">
          <strong>The evaluation failed.</strong>{' '}
          <span className="eval-error">{headline.exception.slice(0, 2000)}</span>
        </div>
      )}
      <SummaryPanel summary={summary.summary} {...(summary.note ? { note: summary.note } : {})} />
      <section className="eval-rows" aria-label="Rows">
        <div className="eval-rows-head">
          <h2>
            Rows <span className="eval-count">{formatCount(rows.length)}</span>
          </h2>
          {!live.rowsComplete && !live.rowsError && (
            <span className="eval-progress" role="status">
              <span className="spinner" aria-hidden="true" />
              Reading rows
              {expectedRows !== undefined
                ? ` (${formatCount(rows.length)} of about ${formatCount(expectedRows)})`
                : '…'}
            </span>
          )}
          {examples.error !== undefined && (
            <span className="eval-error">
              Could not read the dataset rows: {String((examples.error as Error).message)}
            </span>
          )}
          <span className="eval-hint">
            Click a row to see it in full, its number to open its trace; click a header to sort.
          </span>
        </div>
        {live.rowsError ? (
          <Failure error={live.rowsError} what="the rows of this evaluation" />
        ) : rows.length === 0 && live.rowsComplete ? (
          <p className="eval-empty-rows">
            {live.running
              ? 'No rows yet: they appear here as the evaluation scores them.'
              : 'This evaluation logged no rows.'}
          </p>
        ) : (
          <div className="eval-rows-body">
            <EvalGrid
              label="Evaluation rows"
              columns={columns}
              data={views}
              getRowId={(view) => view.row.callId}
              rowLink={(view) => paths.call(project, view.row.callId)}
              onActivate={(view) => selectRow(view.row.callId)}
              activeRowId={selected?.row.callId}
              rowClassName={(view) =>
                view.row.modelFailed || view.row.status === 'error' ? 'eval-row-error' : undefined
              }
            />
            {selected && (
              <RowDetail
                project={project}
                row={selected.row}
                number={selected.number}
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
