/**
 * The detail pane's "Usage & cost": per model, its requests and tokens by kind (prompt, cached
 * prompt, completion), the price of each per million tokens and what they came to, and which price
 * that was (the project's or the default, from when). A model without a price says so: its cost is
 * unknown, not $0.
 */
import type { CallSchema } from '@weft/protocol';
import { Link } from 'react-router';
import { formatCount, formatMoney, formatPerMillion, formatTime } from '../../format';
import { type ProjectRef, paths } from '../../routes';
import { callCost, costText, costUnit } from '../costs/call-cost';
import type { ModelUsage } from '../costs/usage-breakdown';

export function UsageCost({
  usages,
  summary,
  includesChildren,
  project,
}: {
  usages: readonly ModelUsage[];
  summary: CallSchema['summary'];
  /** The call has calls inside it, whose usage its own includes. */
  includesChildren: boolean;
  project: ProjectRef;
}) {
  const total = usages.length > 1 ? callCost(summary) : undefined;
  const totalText = total ? costText(total) : undefined;
  return (
    <div className="usage-cost">
      {includesChildren && (
        <p className="muted usage-note">
          Includes the calls inside this one (their usage is rolled up into it).
        </p>
      )}
      {usages.map((usage) => (
        <ModelUsageTable key={usage.model} usage={usage} project={project} />
      ))}
      {totalText && (
        <p className="usage-grand-total" title={totalText.title}>
          Total over {formatCount(usages.length)} models:{' '}
          <strong>{totalText.state === 'unpriced' ? 'unpriced' : totalText.text}</strong>
          {totalText.state === 'partial' && <span className="muted"> (some models have no price)</span>}
        </p>
      )}
    </div>
  );
}

function countText(value: number | undefined): string {
  return value === undefined ? '—' : formatCount(value);
}

function ModelUsageTable({ usage, project }: { usage: ModelUsage; project: ProjectRef }) {
  const { model, cost } = usage;
  const unit = cost ? costUnit(cost) : 'USD';
  const unpriced = cost?.unpriced === true;
  const totalCost =
    cost && !unpriced && typeof cost.total_cost === 'number' ? formatMoney(cost.total_cost, unit) : undefined;
  return (
    <section className="usage-model" aria-label={`Usage of ${model}`} data-model={model}>
      <div className="usage-model-head">
        <h4>
          <code>{model}</code>
        </h4>
        <span className={unpriced ? 'usage-model-cost usage-unpriced' : 'usage-model-cost'}>
          {totalCost ?? (unpriced ? 'unpriced' : '')}
        </span>
      </div>
      <p className="usage-model-facts">
        {usage.requests !== undefined && (
          <span>
            {formatCount(usage.requests)} {usage.requests === 1 ? 'request' : 'requests'}
          </span>
        )}
        <PriceFacts usage={usage} project={project} />
      </p>
      <table className="plain usage-table">
        <thead>
          <tr>
            <th scope="col">Tokens</th>
            <th scope="col" className="number">
              Count
            </th>
            <th scope="col" className="number">
              Price / 1M
            </th>
            <th scope="col" className="number">
              Cost
            </th>
          </tr>
        </thead>
        <tbody>
          {usage.lines.map((line) => (
            <tr key={line.kind} data-kind={line.kind}>
              <th scope="row">{line.label}</th>
              <td className="number">{countText(line.tokens)}</td>
              <td className="number">{line.price === null ? '—' : formatPerMillion(line.price, unit)}</td>
              <td className="number">{line.cost === null ? '—' : formatMoney(line.cost, unit)}</td>
            </tr>
          ))}
          <tr className="usage-total" data-kind="total">
            <th scope="row">Total</th>
            <td className="number">{countText(usage.totalTokens)}</td>
            <td />
            <td className="number">{totalCost ?? (unpriced ? 'unpriced' : '—')}</td>
          </tr>
        </tbody>
      </table>
    </section>
  );
}

function PriceFacts({ usage, project }: { usage: ModelUsage; project: ProjectRef }) {
  const { cost, model } = usage;
  if (!cost) return <span className="muted">Not priced: the server sent no costs for this call.</span>;
  if (cost.unpriced) {
    return (
      <span className="usage-unpriced">
        Unpriced: there is no price for {model}, so its cost is unknown (not $0).{' '}
        <Link to={paths.prices(project)}>Add a project price</Link>
      </span>
    );
  }
  const level = cost.pricing_level === 'project' ? 'Project price' : 'Default price';
  return (
    <>
      <span>
        {level}
        {cost.priced_as && (
          <>
            {' '}
            for <code>{cost.priced_as}</code>
          </>
        )}
        {cost.provider_id && cost.provider_id !== 'default' && ` (${cost.provider_id})`}
      </span>
      <span title={cost.effective_date ?? undefined}>
        {cost.effective_date ? `effective ${formatTime(cost.effective_date)}` : 'in effect at any date'}
      </span>
    </>
  );
}
