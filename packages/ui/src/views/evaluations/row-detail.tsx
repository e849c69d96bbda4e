/**
 * One row of an evaluation in full, beside the table: the dataset row, the model output (or its
 * error) and every score, through the shared JSON viewer, which cuts giant strings and lists
 * with a control to show all. Model outputs are often paragraphs that a table cell can only
 * hint at. The row is in the URL (`?row=<call id>`, or the matched row's key in a comparison),
 * so it can be shared.
 */
import { Link } from 'react-router';
import { JsonView } from '../../components/json-view';
import { Status } from '../../components/status';
import { formatDuration } from '../../format';
import { type ProjectRef, paths } from '../../routes';
import { ScoreCell } from './cell-values';
import type { EvalRow } from './rows';

function isScalar(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

export function ValueBlock({ value }: { value: unknown }) {
  if (value === undefined) return <p className="eval-missing">—</p>;
  return <JsonView value={value} collapsed={3} shortenTextAfter={600} />;
}

/** A score: one value, a flat object as `key value` pairs (`len 5 · short ✓`), anything deeper as JSON. */
function ScoreValue({ value }: { value: unknown }) {
  if (isScalar(value)) return <ScoreCell value={value} />;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length > 0 && entries.every(([, inner]) => isScalar(inner))) {
      return (
        <span className="eval-detail-pairs">
          {entries.map(([key, inner]) => (
            <span key={key}>
              <span className="eval-hint">{key}</span> <ScoreCell value={inner} />
            </span>
          ))}
        </span>
      );
    }
  }
  return <ValueBlock value={value} />;
}

function ScoresBlock({ scores }: { scores: Record<string, unknown> }) {
  const entries = Object.entries(scores);
  if (entries.length === 0) return <p className="eval-missing">No scores</p>;
  return (
    <dl className="eval-detail-scores">
      {entries.map(([scorer, value]) => (
        <div key={scorer}>
          <dt>{scorer}</dt>
          <dd>
            <ScoreValue value={value} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

export function RowDetail({
  project,
  row,
  number,
  example,
  onClose,
}: {
  project: ProjectRef;
  row: EvalRow;
  number: number | undefined;
  example: unknown;
  onClose: () => void;
}) {
  return (
    <aside className="eval-detail" aria-label="Selected row">
      <div className="eval-detail-head">
        <h2>Row {number ?? ''}</h2>
        <Status status={row.status} />
        {row.latencySeconds !== undefined && (
          <span className="eval-hint">{formatDuration(row.latencySeconds * 1000)}</span>
        )}
        <Link to={paths.call(project, row.callId)} className="eval-detail-trace">
          Open trace →
        </Link>
        <button type="button" onClick={onClose} aria-label="Close the row">
          ✕
        </button>
      </div>
      <div className="eval-detail-body">
        <section>
          <h3>Example</h3>
          {example === undefined && row.exampleRef ? (
            <p className="eval-missing">Reading the dataset row…</p>
          ) : (
            <ValueBlock value={example} />
          )}
        </section>
        <section>
          <h3>Output</h3>
          {row.modelFailed && row.modelOutput === undefined ? (
            <p className="eval-error">{row.exception ?? 'The model raised an error: its trace has it.'}</p>
          ) : (
            <ValueBlock value={row.modelOutput} />
          )}
        </section>
        <section>
          <h3>Scores</h3>
          <ScoresBlock scores={row.scores} />
        </section>
      </div>
    </aside>
  );
}

/** One matched row of a comparison in full: the dataset row, then A's and B's output and scores side by side. */
export function CompareRowDetail({
  project,
  a,
  b,
  example,
  onClose,
}: {
  project: ProjectRef;
  a: EvalRow | undefined;
  b: EvalRow | undefined;
  example: unknown;
  onClose: () => void;
}) {
  const sides = [
    ['A', a],
    ['B', b],
  ] as const;
  return (
    <aside className="eval-detail" aria-label="Selected row">
      <div className="eval-detail-head">
        <h2>Row</h2>
        <button type="button" onClick={onClose} aria-label="Close the row" className="eval-detail-close">
          ✕
        </button>
      </div>
      <div className="eval-detail-body">
        <section>
          <h3>Example</h3>
          <ValueBlock value={example} />
        </section>
        <div className="eval-detail-sides">
          {sides.map(([side, row]) => (
            <section key={side} className={`eval-detail-side eval-side-${side.toLowerCase()}`}>
              <h3>
                <span className="eval-side-badge">{side}</span>
                {row && <Status status={row.status} />}
                {row && (
                  <Link to={paths.call(project, row.callId)} className="eval-detail-trace">
                    Open trace →
                  </Link>
                )}
              </h3>
              {!row ? (
                <p className="eval-missing">Not in this evaluation</p>
              ) : (
                <>
                  {row.modelFailed && row.modelOutput === undefined ? (
                    <p className="eval-error">
                      {row.exception ?? 'The model raised an error: its trace has it.'}
                    </p>
                  ) : (
                    <ValueBlock value={row.modelOutput} />
                  )}
                  <ScoresBlock scores={row.scores} />
                </>
              )}
            </section>
          ))}
        </div>
      </div>
    </aside>
  );
}
