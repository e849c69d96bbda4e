/** Table routes (docs/protocol.md §10): content-addressed rows, created, updated and queried. */
import { type Static, Type } from '@sinclair/typebox';
import { SortBy } from './calls-query.js';
import { MAX_PAGE_BOUND, Nullable, PageLimit, ProjectId } from './schema-helpers.js';

const Digest = Type.String({ minLength: 1, maxLength: 128 });
/** Rows must be JSON objects; checked by the service, which says which row is not. */
const Row = Type.Unknown();

export const TableCreateReq = Type.Object({
  table: Type.Object({
    project_id: ProjectId,
    rows: Type.Array(Row),
    expected_digest: Type.Optional(Nullable(Type.String())),
  }),
});
export type TableCreateReq = Static<typeof TableCreateReq>;
export interface TableCreateRes {
  digest: string;
  row_digests: string[];
}

/**
 * Row digests one `/table/create_from_digests` may list. The body limit (32 MiB) holds about
 * 700,000 of weft's 43-character row digests, so for real digests that limit comes first; this one
 * bounds the lookups a list of very short strings could ask for.
 */
export const MAX_TABLE_ROW_DIGESTS = 1_000_000;

/** A table made of rows already stored in the project, in this order (docs/protocol.md §10.1). */
export const TableCreateFromDigestsReq = Type.Object({
  project_id: ProjectId,
  row_digests: Type.Array(Digest, { maxItems: MAX_TABLE_ROW_DIGESTS }),
  expected_digest: Type.Optional(Nullable(Type.String())),
});
export type TableCreateFromDigestsReq = Static<typeof TableCreateFromDigestsReq>;
export interface TableCreateFromDigestsRes {
  digest: string;
}

/**
 * A row position: an int, which Weave's pydantic models also take as an integral float (`1.0`,
 * lax mode). The body is parsed losslessly, so a float arrives as a PythonFloat; the service
 * checks it and says what is wrong (`1.5`, `"1"`).
 */
const RowIndex = Type.Unknown();

export const TableUpdate = Type.Union([
  Type.Object({ append: Type.Object({ row: Row }) }),
  Type.Object({ pop: Type.Object({ index: RowIndex }) }),
  Type.Object({ insert: Type.Object({ index: RowIndex, row: Row }) }),
]);
export type TableUpdate = Static<typeof TableUpdate>;

export const TableUpdateReq = Type.Object({
  project_id: ProjectId,
  base_digest: Digest,
  updates: Type.Array(TableUpdate, { maxItems: 100_000 }),
});
export type TableUpdateReq = Static<typeof TableUpdateReq>;
export interface TableUpdateRes {
  digest: string;
  /** The digests of the rows the updates appended or inserted, in order. */
  updated_row_digests: string[];
}

export const TableQueryReq = Type.Object({
  project_id: ProjectId,
  digest: Digest,
  filter: Type.Optional(
    Nullable(Type.Object({ row_digests: Type.Optional(Nullable(Type.Array(Type.String()))) })),
  ),
  limit: Type.Optional(Nullable(PageLimit)),
  offset: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: MAX_PAGE_BOUND }))),
  sort_by: Type.Optional(Nullable(Type.Array(SortBy, { maxItems: 20 }))),
});
export type TableQueryReq = Static<typeof TableQueryReq>;

export const TableQueryStatsReq = Type.Object({ project_id: ProjectId, digest: Digest });
export type TableQueryStatsReq = Static<typeof TableQueryStatsReq>;

export interface TableRowSchema {
  digest: string;
  val: unknown;
  /** The row's position in the table (rows may come back sorted or filtered). */
  original_index?: number;
}
export interface TableQueryRes {
  rows: TableRowSchema[];
}
