/**
 * The reads the evaluation pages make, all through the trace-server routes (docs/protocol.md):
 * evaluate calls by op name, one call, its children by `filter.parent_ids` in pages, and refs
 * (the Evaluation objects, dataset rows) through `/refs/read_batch`.
 */
import type { CallReadRes, CallSchema, RefsReadBatchRes } from '@weft/protocol';
import { isId } from '@weft/protocol/ids';
import { ApiError, postJson, queryCalls } from '../../api/client';
import { type ProjectRef, projectId } from '../../routes';
import { evaluateOpNames } from './evaluation-calls';

/** What the list and the pages need of a call; attributes are left out. */
const CALL_COLUMNS = [
  'id',
  'op_name',
  'display_name',
  'trace_id',
  'parent_id',
  'started_at',
  'ended_at',
  'exception',
  'inputs',
  'output',
  'summary',
];

export const EVALUATIONS_PAGE_SIZE = 50;
/** Rows per read of an evaluation's children; a 1,000-row evaluation takes two. */
export const CHILDREN_PAGE_SIZE = 500;
/** `/refs/read_batch` takes at most 1000 refs (docs/protocol.md §1.5). */
export const REFS_BATCH_SIZE = 500;

/** One page of the project's evaluate calls, newest first. */
export function listEvaluationCalls(
  project: ProjectRef,
  offset: number,
  signal?: AbortSignal,
): Promise<CallSchema[]> {
  return queryCalls(
    {
      project_id: projectId(project),
      filter: { op_names: evaluateOpNames(project.entity, project.project) },
      sort_by: [{ field: 'started_at', direction: 'desc' }],
      limit: EVALUATIONS_PAGE_SIZE,
      offset,
      columns: CALL_COLUMNS,
    },
    signal,
  );
}

export async function readCall(project: ProjectRef, id: string, signal?: AbortSignal): Promise<CallSchema> {
  // A URL whose id is not one names no call (the server would answer 400 rather than 404).
  if (!isId(id)) throw new ApiError(404, `no call ${id}`);
  const { call } = await postJson<CallReadRes>('/call/read', { project_id: projectId(project), id }, signal);
  // weft answers an unknown call with a 404; Weave's servers answer `{"call": null}`.
  if (!call) throw new ApiError(404, `no call ${id}`);
  return call;
}

/** One page of a call's children, oldest first. */
export function listChildren(
  project: ProjectRef,
  parentId: string,
  offset: number,
  signal?: AbortSignal,
): Promise<CallSchema[]> {
  return queryCalls(
    {
      project_id: projectId(project),
      filter: { parent_ids: [parentId] },
      sort_by: [{ field: 'started_at', direction: 'asc' }],
      limit: CHILDREN_PAGE_SIZE,
      offset,
      columns: CALL_COLUMNS,
    },
    signal,
  );
}

/** Values of refs, in order, in batches the server accepts. */
export async function readRefs(refs: readonly string[], signal?: AbortSignal): Promise<unknown[]> {
  const values: unknown[] = [];
  for (let start = 0; start < refs.length; start += REFS_BATCH_SIZE) {
    const batch = refs.slice(start, start + REFS_BATCH_SIZE);
    const { vals } = await postJson<RefsReadBatchRes>('/refs/read_batch', { refs: batch }, signal);
    values.push(...vals);
  }
  return values;
}
