/** `readCall` as every store answers it: a query for one id, its first (and only) call. */
import type { CallColumn, CallsQuery, StoredCall } from './trace-store.js';

export async function readCallBy(
  queryCalls: (query: CallsQuery) => AsyncIterable<StoredCall>,
  projectId: string,
  id: string,
  columns: readonly CallColumn[],
  options: { includeCosts?: boolean; includeFeedback?: boolean } = {},
): Promise<StoredCall | undefined> {
  for await (const call of queryCalls({
    project_id: projectId,
    filter: { call_ids: [id] },
    query: null,
    sort_by: [],
    limit: 1,
    offset: 0,
    columns,
    include_costs: options.includeCosts ?? false,
    include_feedback: options.includeFeedback ?? false,
  })) {
    return call;
  }
  return undefined;
}
