/**
 * `/:e/:p/weave/prices`: the token prices the project has added (`/cost/query`), per million
 * tokens, with the date each takes effect and which one prices calls now. Default prices (the
 * list bundled with the server) apply without being listed; a project price comes before them.
 */
import { useQuery } from '@tanstack/react-query';
import { type ReactNode, useMemo, useState } from 'react';
import { useParams } from 'react-router';
import { Empty, Failure, Loading } from '../../components/states';
import { formatCount, formatPerMillion, formatRelative, formatTime } from '../../format';
import { type ProjectRef, projectId as projectIdOf } from '../../routes';
import { PRICE_LIMIT, type PriceRow, type PriceStatus, priceStatuses, queryPrices } from './prices';
import './costs.css';

const STATUS_TEXT: Record<PriceStatus, string> = {
  current: 'in effect',
  superseded: 'replaced',
  scheduled: 'scheduled',
};

const STATUS_TITLE: Record<PriceStatus, string> = {
  current: 'Calls of this model started now are priced at this price.',
  superseded: 'A newer price of this model replaced it; calls started before that keep this one.',
  scheduled: 'Takes effect later; calls started from then on are priced at it.',
};

export function PricesPage() {
  const { entity = '', project = '' } = useParams();
  const projectRef = useMemo<ProjectRef>(() => ({ entity, project }), [entity, project]);
  const id = projectIdOf(projectRef);
  const prices = useQuery({
    queryKey: ['prices', id],
    queryFn: ({ signal }) => queryPrices(id, signal),
  });
  // The moment statuses are told for: when the page opened, so they do not shift while read.
  const [now] = useState(() => Date.now());
  const statuses = useMemo(() => priceStatuses(prices.data ?? [], now), [prices.data, now]);
  const models = useMemo(() => new Set((prices.data ?? []).map((row) => row.llm_id)).size, [prices.data]);

  let body: ReactNode;
  if (prices.isPending) body = <Loading what="prices" />;
  else if (prices.isError) body = <Failure error={prices.error} what="the prices" />;
  else if (prices.data.length === 0) body = <NoPricesYet project={projectRef} />;
  else body = <PriceTable rows={prices.data} statuses={statuses} />;

  return (
    <div className="page prices-page">
      <div className="prices-head">
        <h1>Prices</h1>
        {prices.isSuccess && prices.data.length > 0 && (
          <span className="muted">
            {formatCount(prices.data.length)} {prices.data.length === 1 ? 'price' : 'prices'} for{' '}
            {formatCount(models)} {models === 1 ? 'model' : 'models'}
            {prices.data.length >= PRICE_LIMIT ? ` (the first ${formatCount(PRICE_LIMIT)})` : ''}
          </span>
        )}
      </div>
      <p className="prices-intro">
        This project’s own prices, per million tokens. A call is priced at the price in effect when it
        started: the project’s before the default price list that comes with the server. A model with neither
        is shown as unpriced, never as $0.
      </p>
      {body}
    </div>
  );
}

function PriceTable({ rows, statuses }: { rows: readonly PriceRow[]; statuses: Map<string, PriceStatus> }) {
  return (
    <table className="plain prices-table">
      <thead>
        <tr>
          <th scope="col">Model</th>
          <th scope="col">Status</th>
          <th scope="col" className="number">
            Prompt / 1M
          </th>
          <th scope="col" className="number">
            Completion / 1M
          </th>
          <th scope="col" className="number">
            Cache read / 1M
          </th>
          <th scope="col" className="number">
            Cache write / 1M
          </th>
          <th scope="col">Effective</th>
          <th scope="col">Provider</th>
          <th scope="col">Added</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const status = statuses.get(row.id) ?? 'superseded';
          return (
            <tr key={row.id} data-price-id={row.id} data-status={status}>
              <td>
                <code>{row.llm_id}</code>
              </td>
              <td>
                <span className={`price-status price-status-${status}`} title={STATUS_TITLE[status]}>
                  {STATUS_TEXT[status]}
                </span>
              </td>
              <td className="number">
                {formatPerMillion(row.prompt_token_cost, row.prompt_token_cost_unit)}
              </td>
              <td className="number">
                {formatPerMillion(row.completion_token_cost, row.completion_token_cost_unit)}
              </td>
              <CachePrice price={row.cache_read_input_token_cost} unit={row.prompt_token_cost_unit} />
              <CachePrice price={row.cache_creation_input_token_cost} unit={row.prompt_token_cost_unit} />
              <td title={row.effective_date}>{formatTime(row.effective_date)}</td>
              <td>{row.provider_id}</td>
              <td title={formatTime(row.created_at)}>
                {formatRelative(row.created_at)}
                {row.created_by ? <span className="muted"> by {row.created_by}</span> : null}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** A cache price; without one, cached tokens cost what other prompt tokens cost. */
function CachePrice({ price, unit }: { price: number | null; unit: string }) {
  if (price === null) {
    return (
      <td className="number muted" title="No cache price: cached prompt tokens cost the prompt price">
        as prompt
      </td>
    );
  }
  return <td className="number">{formatPerMillion(price, unit)}</td>;
}

function NoPricesYet({ project }: { project: ProjectRef }) {
  const name = `${project.entity}/${project.project}`;
  return (
    <Empty title="No prices of this project’s own">
      <p>
        Calls are priced from the default list that comes with the server. For a model it does not know
        (yours, a fine-tune) or a price of your own (a discount, another currency), add a price. Prices are
        per token: $2.50 per million tokens is <code>0.0000025</code>.
      </p>
      <p>With weft’s SDK:</p>
      <pre className="snippet">{`import { init } from 'weft';

const client = init(${JSON.stringify(name)}, { serverUrl: ${JSON.stringify(window.location.origin)} });
await client.addCost({
  llmId: 'my-model',
  promptTokenCost: 0.0000025,
  completionTokenCost: 0.00001,
});`}</pre>
      <p>With Weave’s Python SDK:</p>
      <pre className="snippet">{`client = weave.init(${JSON.stringify(name)})
client.add_cost(
    llm_id="my-model",
    prompt_token_cost=0.0000025,
    completion_token_cost=0.00001,
)`}</pre>
      <p>
        A price takes effect from its <code>effectiveDate</code> (<code>effective_date</code>), now when not
        given. Calls that started earlier keep the price in effect then; where there was none, the new price
        prices them too.
      </p>
    </Empty>
  );
}
