/**
 * The head of an evaluation page: its name and status, then what was evaluated (model, dataset,
 * scorers), when, for how long, and a link to the whole trace. Refs link to their object or op
 * page through refPath; nothing logged goes into an href otherwise.
 */
import { Link } from 'react-router';
import { Status } from '../../components/status';
import { durationMs, formatCount, formatDuration, formatTime } from '../../format';
import { type ProjectRef, paths, refPath } from '../../routes';
import type { EvaluationDefinition, EvaluationHeadline } from './evaluation-calls';

export function RefLink({ uri, label }: { uri: string | undefined; label: string | undefined }) {
  if (!label) return <span className="eval-missing">—</span>;
  const to = uri ? refPath(uri) : undefined;
  return to ? (
    <Link to={to} title={uri}>
      {label}
    </Link>
  ) : (
    <span title={uri}>{label}</span>
  );
}

/**
 * The model and the dataset an evaluation ran, as facts of a `<dl>`: what every view of one starts
 * with. The dataset is "…" while the evaluation's definition is read, "unknown" without one.
 */
export function ModelAndDataset({
  headline,
  definition,
}: {
  headline: EvaluationHeadline;
  definition: EvaluationDefinition | undefined;
}) {
  return (
    <>
      <div>
        <dt>Model</dt>
        <dd>
          <RefLink uri={headline.modelRef} label={headline.modelName} />
        </dd>
      </div>
      <div>
        <dt>Dataset</dt>
        <dd>
          {definition ? (
            <RefLink uri={definition.datasetRef} label={definition.datasetName} />
          ) : headline.evaluationRef ? (
            <span className="eval-missing">…</span>
          ) : (
            <span className="eval-missing">unknown</span>
          )}
        </dd>
      </div>
    </>
  );
}

export function EvaluationFacts({
  project,
  headline,
  definition,
  rowCount,
}: {
  project: ProjectRef;
  headline: EvaluationHeadline;
  definition: EvaluationDefinition | undefined;
  rowCount: number;
}) {
  const duration = durationMs(headline.startedAt, headline.endedAt);
  return (
    <header className="eval-head">
      <nav className="eval-crumbs" aria-label="Breadcrumb">
        <Link to={paths.evaluations(project)}>Evaluations</Link>
        <span aria-hidden="true"> / </span>
      </nav>
      <div className="eval-title">
        <h1 title={headline.name}>{headline.name}</h1>
        <Status status={headline.status} />
        {headline.displayName && headline.displayName !== headline.name && (
          <span className="eval-subtitle" title={headline.displayName}>
            {headline.displayName}
          </span>
        )}
        <Link className="eval-trace-link" to={paths.call(project, headline.id)}>
          Open trace →
        </Link>
      </div>
      <dl className="eval-facts">
        <ModelAndDataset headline={headline} definition={definition} />
        <div>
          <dt>Scorers</dt>
          <dd>
            {definition && definition.scorers.length > 0 ? (
              definition.scorers.map((scorer) => (
                <span key={scorer.key} className="eval-scorer-name">
                  <RefLink uri={scorer.ref} label={scorer.name} />
                </span>
              ))
            ) : (
              <span className="eval-missing">
                {definition || !headline.evaluationRef ? 'none named' : '…'}
              </span>
            )}
          </dd>
        </div>
        <div>
          <dt>Evaluation</dt>
          <dd>
            <RefLink uri={headline.evaluationRef} label={headline.evaluationRef ? 'definition' : undefined} />
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{formatTime(headline.startedAt)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{duration === undefined ? 'running' : formatDuration(duration)}</dd>
        </div>
        <div>
          <dt>Rows</dt>
          <dd>{formatCount(rowCount)}</dd>
        </div>
      </dl>
      {definition?.description && <p className="eval-description">{definition.description}</p>}
    </header>
  );
}
