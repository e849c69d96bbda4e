/** CallsQueryReq and its parts (docs/protocol.md §4.5–§4.9): filter, sort, paging and projection. */
import { type Static, Type } from '@sinclair/typebox';
import { IdList, MAX_PAGE_BOUND, Nullable, PageLimit, ProjectId, StringList } from './schema-helpers.js';

export const CallsFilter = Type.Object({
  /** Full op refs; a value ending in `:*` matches every version of that op. */
  op_names: Type.Optional(Nullable(StringList)),
  input_refs: Type.Optional(Nullable(StringList)),
  output_refs: Type.Optional(Nullable(StringList)),
  parent_ids: Type.Optional(Nullable(IdList)),
  trace_ids: Type.Optional(Nullable(IdList)),
  call_ids: Type.Optional(Nullable(IdList)),
  thread_ids: Type.Optional(Nullable(StringList)),
  turn_ids: Type.Optional(Nullable(StringList)),
  trace_roots_only: Type.Optional(Nullable(Type.Boolean())),
  wb_user_ids: Type.Optional(Nullable(StringList)),
  wb_run_ids: Type.Optional(Nullable(StringList)),
});
export type CallsFilter = Static<typeof CallsFilter>;

export const SortBy = Type.Object({
  field: Type.String({ minLength: 1 }),
  direction: Type.Union([Type.Literal('asc'), Type.Literal('desc')]),
});
export type SortBy = Static<typeof SortBy>;

/**
 * A Query expression, `{"$expr": ...}` (docs/query-language.md). Its grammar is parsed and validated by
 * the query module; on the wire it is only required to be an object with `$expr`.
 */
export const Query = Type.Object({ $expr: Type.Unsafe<Record<string, unknown>>({ type: 'object' }) });
export type Query = Static<typeof Query>;

export const CallsQueryReq = Type.Object({
  project_id: ProjectId,
  filter: Type.Optional(Nullable(CallsFilter)),
  query: Type.Optional(Nullable(Query)),
  sort_by: Type.Optional(Nullable(Type.Array(SortBy, { maxItems: 100 }))),
  limit: Type.Optional(Nullable(PageLimit)),
  offset: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: MAX_PAGE_BOUND }))),
  columns: Type.Optional(Nullable(Type.Array(Type.String(), { maxItems: 200 }))),
  expand_columns: Type.Optional(Nullable(Type.Array(Type.String(), { maxItems: 200 }))),
  return_expanded_column_values: Type.Optional(Nullable(Type.Boolean())),
  include_costs: Type.Optional(Nullable(Type.Boolean())),
  include_feedback: Type.Optional(Nullable(Type.Boolean())),
  include_storage_size: Type.Optional(Nullable(Type.Boolean())),
  include_total_storage_size: Type.Optional(Nullable(Type.Boolean())),
});
export type CallsQueryReq = Static<typeof CallsQueryReq>;

export const CallsQueryStatsReq = Type.Object({
  project_id: ProjectId,
  filter: Type.Optional(Nullable(CallsFilter)),
  query: Type.Optional(Nullable(Query)),
  limit: Type.Optional(Nullable(PageLimit)),
  include_total_storage_size: Type.Optional(Nullable(Type.Boolean())),
  expand_columns: Type.Optional(Nullable(Type.Array(Type.String(), { maxItems: 200 }))),
});
export type CallsQueryStatsReq = Static<typeof CallsQueryStatsReq>;
export interface CallsQueryStatsRes {
  count: number;
  has_more?: boolean;
}
