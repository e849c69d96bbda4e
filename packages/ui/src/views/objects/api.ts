/**
 * The reads the objects views make (docs/protocol.md §8–§11): object versions, their lists, an
 * op's source file, a dataset's rows and the calls of an op version. Each returns plain data for
 * TanStack Query; a failure is the client's ApiError, so a 404 reads as "not found".
 */
import type {
  CallSchema,
  ObjQueryFilter,
  ObjQueryRes,
  ObjReadRes,
  ObjSchema,
  TableQueryRes,
  TableRowSchema,
} from '@weft/protocol';
import { postForBytes, postJson, queryCalls } from '../../api/client';
import { type ProjectRef, projectId } from '../../routes';

/** One version by digest, `latest`, `v<N>` or alias, with its tags and aliases (§8.5, §9.3). */
export async function readObjectVersion(
  project: ProjectRef,
  objectId: string,
  version: string,
  signal?: AbortSignal,
): Promise<ObjSchema> {
  const { obj } = await postJson<ObjReadRes>(
    '/obj/read',
    { project_id: projectId(project), object_id: objectId, digest: version, include_tags_and_aliases: true },
    signal,
  );
  return obj;
}

/** Versions matching a filter, without their values (lists only need the metadata). */
export async function queryObjectVersions(
  project: ProjectRef,
  filter: ObjQueryFilter,
  signal?: AbortSignal,
): Promise<ObjSchema[]> {
  const { objs } = await postJson<ObjQueryRes>(
    '/objs/query',
    { project_id: projectId(project), filter, metadata_only: true, include_tags_and_aliases: true },
    signal,
  );
  return objs;
}

/** Every live version of one name and kind (deleted versions are never listed, §8.6). */
export function queryVersionsOf(
  project: ProjectRef,
  objectId: string,
  kind: 'op' | 'object',
  signal?: AbortSignal,
): Promise<ObjSchema[]> {
  return queryObjectVersions(project, { object_ids: [objectId], is_op: kind === 'op' }, signal);
}

/** A stored file's text (`/file/content`, §11): an op's source. Bytes that are not UTF-8 show as U+FFFD. */
export async function readFileText(
  project: ProjectRef,
  digest: string,
  signal?: AbortSignal,
): Promise<string> {
  const bytes = await postForBytes('/file/content', { project_id: projectId(project), digest }, signal);
  return new TextDecoder('utf-8').decode(bytes);
}

/** One page of a table's rows in table order (§10.1). */
export async function queryTableRows(
  project: ProjectRef,
  digest: string,
  offset: number,
  limit: number,
  signal?: AbortSignal,
): Promise<TableRowSchema[]> {
  const { rows } = await postJson<TableQueryRes>(
    '/table/query',
    { project_id: projectId(project), digest, offset, limit },
    signal,
  );
  return rows;
}

export async function countTableRows(
  project: ProjectRef,
  digest: string,
  signal?: AbortSignal,
): Promise<number> {
  const { count } = await postJson<{ count: number }>(
    '/table/query_stats',
    { project_id: projectId(project), digest },
    signal,
  );
  return count;
}

/**
 * The newest calls of one op version (`filter.op_names` with the version's ref, §4.6). Only the
 * columns the short list shows are asked for, so a call with huge inputs costs nothing here.
 */
export function queryCallsOfOp(
  project: ProjectRef,
  opRef: string,
  limit: number,
  signal?: AbortSignal,
): Promise<CallSchema[]> {
  return queryCalls(
    {
      project_id: projectId(project),
      filter: { op_names: [opRef] },
      sort_by: [{ field: 'started_at', direction: 'desc' }],
      limit,
      columns: ['summary', 'display_name', 'ended_at', 'exception', 'parent_id'],
    },
    signal,
  );
}
