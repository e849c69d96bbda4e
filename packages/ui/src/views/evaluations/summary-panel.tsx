/**
 * An evaluation's summary as cards: one per scorer with each of its metrics (fractions as a
 * percentage with a bar and the count, means as numbers), and one for the model (mean latency,
 * share of rows where it succeeded).
 */
import { formatDuration } from '../../format';
import { type EvaluationSummary, formatMetric, formatPercent, type Metric, metricLabel } from './summary';

export function SummaryPanel({ summary, note }: { summary: EvaluationSummary; note?: string }) {
  const hasModel = summary.latencyMean !== undefined || summary.modelSuccess !== undefined;
  if (summary.scorers.length === 0 && !hasModel) return null;
  return (
    <section className="eval-summary" aria-label="Summary">
      {note && <p className="eval-summary-note">{note}</p>}
      <div className="eval-cards">
        {summary.scorers.map(({ scorer, metrics }) => (
          <div key={scorer} className="eval-card" data-scorer={scorer}>
            <h3 title={scorer}>{scorer}</h3>
            {metrics.length === 0 && <p className="eval-missing">No aggregate</p>}
            {metrics.map((metric) => (
              <MetricLine key={metric.path.join('\u0000')} metric={metric} />
            ))}
          </div>
        ))}
        {hasModel && (
          <div className="eval-card eval-card-model">
            <h3>Model</h3>
            {summary.latencyMean !== undefined && (
              <div className="eval-metric">
                <span className="eval-metric-label">mean latency</span>
                <span className="eval-metric-value">{formatDuration(summary.latencyMean * 1000)}</span>
              </div>
            )}
            {summary.modelSuccess && <MetricLine metric={{ ...summary.modelSuccess, path: ['succeeded'] }} />}
          </div>
        )}
      </div>
    </section>
  );
}

function MetricLine({ metric }: { metric: Metric }) {
  const label = metricLabel(metric);
  return (
    <div className="eval-metric">
      {label && (
        <span className="eval-metric-label" title={label}>
          {label}
        </span>
      )}
      <span className="eval-metric-value">{formatMetric(metric)}</span>
      {metric.kind === 'fraction' && (
        <>
          {metric.trueCount !== undefined && metric.count !== undefined && (
            <span className="eval-metric-detail">
              {metric.trueCount} of {metric.count}
            </span>
          )}
          <span
            className="eval-bar"
            role="img"
            aria-label={formatPercent(metric.fraction)}
            style={{ ['--fraction' as string]: String(Math.max(0, Math.min(1, metric.fraction))) }}
          />
        </>
      )}
      {metric.kind === 'mean' && <span className="eval-metric-detail">mean</span>}
    </div>
  );
}
