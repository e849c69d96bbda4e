/**
 * Reading calls back (the seed's `get_call` and `get_calls`): requests built from the options,
 * pages fetched as they are iterated, and pending writes sent first so a client reads its own.
 */
import type { CallSchema, CallsFilter, CallsQueryReq, Query, SortBy } from '@weft/protocol';
import { ID_DESCRIPTION, isId } from '@weft/protocol/ids';
import { Call } from '../tracing/call.js';
import { CallsIter } from './calls-iter.js';
import { afterCall, keysetPagingDirection, withScoredBy } from './calls-request.js';
import { type QueryExpression, type QueryOperation, toQueryExpression } from './query.js';
import type { WeaveClient } from './weave-client.js';

export interface GetCallOptions {
  includeCosts?: boolean;
  includeFeedback?: boolean;
  columns?: string[];
}

export interface GetCallsOptions {
  filter?: CallsFilter;
  limit?: number;
  offset?: number;
  sortBy?: SortBy[];
  /** Weave's Query language: the wire form `{ $expr: ... }`, or an operation built with `q`. */
  query?: Query | QueryExpression | QueryOperation;
  includeCosts?: boolean;
  includeFeedback?: boolean;
  columns?: string[];
  /** Scorer names or refs; only calls scored by all of them (needs server-side feedback). */
  scoredBy?: string | string[];
  /** Calls fetched per request (default 1000). */
  pageSize?: number;
}

export async function readCall(client: WeaveClient, id: string, options: GetCallOptions): Promise<Call> {
  // Said here rather than as the server's 400 about `filter/call_ids/0`, which the caller never wrote.
  if (!isId(id)) throw new Error(`Not a call id: ${JSON.stringify(id)} (a call id is ${ID_DESCRIPTION})`);
  await client.flush();
  for await (const schema of client.server.callsQueryStream({
    project_id: client.projectId,
    filter: { call_ids: [id] },
    limit: 1,
    include_costs: options.includeCosts ?? false,
    include_feedback: options.includeFeedback ?? false,
    ...(options.columns ? { columns: options.columns } : {}),
  })) {
    return Call.fromSchema(schema, client);
  }
  throw new Error(`Call not found: ${id}`);
}

export function queryCalls(client: WeaveClient, options: GetCallsOptions): CallsIter {
  const request: Omit<CallsQueryReq, 'limit' | 'offset'> = {
    project_id: client.projectId,
    filter: options.filter ?? {},
    include_costs: options.includeCosts ?? false,
    include_feedback: options.includeFeedback ?? false,
  };
  const query = withScoredBy(
    options.query === undefined ? undefined : (toQueryExpression(options.query as QueryExpression) as Query),
    options.scoredBy,
  );
  if (query) request.query = query;
  if (options.sortBy) request.sort_by = options.sortBy;
  if (options.columns) request.columns = options.columns;
  const keysetDirection = keysetPagingDirection(options.sortBy);
  return new CallsIter(
    {
      fetchPage: async ({ offset, after }, limit) => {
        await client.flush();
        // Past the first page, a start-time sort continues after the last call seen rather than
        // skipping an ever larger offset: each page costs the same, and calls logged meanwhile
        // cannot shift pages.
        const page =
          keysetDirection && after
            ? { ...request, query: afterCall(request.query, after, keysetDirection), offset: 0, limit }
            : { ...request, offset, limit };
        const calls: Call[] = [];
        for await (const schema of client.server.callsQueryStream(page)) {
          calls.push(Call.fromSchema(schema as CallSchema, client));
        }
        return calls;
      },
      countAll: async () => {
        await client.flush();
        const stats = await client.server.callsQueryStats({
          project_id: client.projectId,
          filter: request.filter ?? null,
          query: request.query ?? null,
        });
        return stats.count;
      },
    },
    { pageSize: options.pageSize ?? 1000, limit: options.limit, offset: options.offset ?? 0 },
  );
}
