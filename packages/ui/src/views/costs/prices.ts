/**
 * The project's own prices (`/cost/query`, docs/protocol.md §17.2): per token, with the date each
 * takes effect. The default prices (from the dataset bundled with the server) are not listed by
 * the route, so the page lists what the project has added and says which of it applies now.
 */
import type { CostQueryReq, CostQueryRow } from '@weft/protocol';
import { postJson } from '../../api/client';

/** The most a project is expected to hold; the page says when there are more. */
export const PRICE_LIMIT = 1000;

export function pricesRequest(projectId: string): CostQueryReq {
  return {
    project_id: projectId,
    sort_by: [
      { field: 'llm_id', direction: 'asc' },
      { field: 'effective_date', direction: 'desc' },
      { field: 'created_at', direction: 'desc' },
    ],
    limit: PRICE_LIMIT,
  };
}

/** A price row as the page reads it; rows missing the fields it needs are dropped. */
export type PriceRow = CostQueryRow;

function isPriceRow(row: Partial<CostQueryRow>): row is PriceRow {
  return (
    typeof row.id === 'string' &&
    typeof row.llm_id === 'string' &&
    typeof row.prompt_token_cost === 'number' &&
    typeof row.completion_token_cost === 'number' &&
    typeof row.effective_date === 'string'
  );
}

export async function queryPrices(projectId: string, signal?: AbortSignal): Promise<PriceRow[]> {
  const { results } = await postJson<{ results: Array<Partial<CostQueryRow>> }>(
    '/cost/query',
    pricesRequest(projectId),
    signal,
  );
  return results.filter(isPriceRow);
}

/**
 * `current`: what a call of the model started now is priced at (among the project's prices);
 * `superseded`: an earlier price a newer one replaced (it still prices calls of its time);
 * `scheduled`: takes effect later.
 */
export type PriceStatus = 'current' | 'superseded' | 'scheduled';

/**
 * Each price's status at `nowMs`. Per model, the newest price in effect is current; of two with
 * the same date the one added last, as the server chooses (packages/server/src/costs/price-choice.ts).
 */
export function priceStatuses(rows: readonly PriceRow[], nowMs: number): Map<string, PriceStatus> {
  const statuses = new Map<string, PriceStatus>();
  const current = new Map<string, PriceRow>();
  for (const row of rows) {
    const effective = Date.parse(row.effective_date);
    if (effective > nowMs) {
      statuses.set(row.id, 'scheduled');
      continue;
    }
    statuses.set(row.id, 'superseded');
    const best = current.get(row.llm_id);
    if (!best || newer(row, best)) current.set(row.llm_id, row);
  }
  for (const row of current.values()) statuses.set(row.id, 'current');
  return statuses;
}

function newer(a: PriceRow, b: PriceRow): boolean {
  const byDate = Date.parse(a.effective_date) - Date.parse(b.effective_date);
  if (byDate !== 0) return byDate > 0;
  const byCreation = Date.parse(a.created_at) - Date.parse(b.created_at);
  if (byCreation !== 0) return byCreation > 0;
  return a.id < b.id;
}
