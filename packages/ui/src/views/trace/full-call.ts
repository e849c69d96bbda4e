/**
 * One call with every column (inputs, output, attributes) and its costs: what the trace view's detail pane
 * shows. Outside the view's chunk, so the route's loader can ask for it while that chunk loads
 * (trace-load.ts).
 */
import { queryOptions } from '@tanstack/react-query';
import type { CallSchema, CallsQueryReq } from '@weft/protocol';
import { isId } from '@weft/protocol/ids';
import { ApiError, queryCalls } from '../../api/client';

/** With its costs (`summary.weave.costs`), which the pane's "Usage & cost" section shows. */
export function callRequest(projectId: string, callId: string): CallsQueryReq {
  return { project_id: projectId, filter: { call_ids: [callId] }, limit: 1, include_costs: true };
}

export function callQueryKey(projectId: string, callId: string) {
  return ['trace-view', 'call', projectId, callId] as const;
}

/**
 * The query for one call; an unknown id is a 404, and so is a URL whose id is not one at all (the
 * server would refuse to look it up with a 400 about a filter the user never wrote).
 */
export function fullCallOptions(projectId: string, callId: string) {
  return queryOptions({
    queryKey: callQueryKey(projectId, callId),
    queryFn: async ({ signal }): Promise<CallSchema> => {
      if (!isId(callId)) throw new ApiError(404, `no call ${callId}`);
      const [call] = await queryCalls(callRequest(projectId, callId), signal);
      if (!call) throw new ApiError(404, `no call ${callId}`);
      return call;
    },
  });
}
