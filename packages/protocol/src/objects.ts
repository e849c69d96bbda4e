/** Object routes (research doc §1 "Objects", §6): create, read, query and delete versions. */
import { type Static, Type } from '@sinclair/typebox';
import { SortBy } from './calls-query.js';
import { MAX_PAGE_BOUND, Nullable, ProjectId } from './schema-helpers.js';

/**
 * `object_id`: 1–128 characters from [\w._-] (research doc §6). Python's `\w` is Unicode-aware
 * (letters and digits of any script, str.isalnum), so names like `función` are valid in Weave too.
 * `\p{…}` needs a Unicode-mode RegExp: Ajv (the server's validator) compiles patterns with `u`.
 */
export const ObjectId = Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\p{L}\\p{N}_.-]+$' });

export const ObjCreateReq = Type.Object({
  obj: Type.Object({
    project_id: ProjectId,
    object_id: ObjectId,
    val: Type.Unknown(),
    builtin_object_class: Type.Optional(Nullable(Type.String())),
    set_base_object_class: Type.Optional(Nullable(Type.String())),
    expected_digest: Type.Optional(Nullable(Type.String())),
    wb_user_id: Type.Optional(Nullable(Type.String())),
  }),
});
export type ObjCreateReq = Static<typeof ObjCreateReq>;
export interface ObjCreateRes {
  digest: string;
  object_id: string;
}

export const ObjReadReq = Type.Object({
  project_id: ProjectId,
  object_id: ObjectId,
  /** A content digest, `latest`, or `v<N>`. */
  digest: Type.String({ minLength: 1, maxLength: 128 }),
  metadata_only: Type.Optional(Nullable(Type.Boolean())),
  include_tags_and_aliases: Type.Optional(Nullable(Type.Boolean())),
});
export type ObjReadReq = Static<typeof ObjReadReq>;

export const ObjQueryFilter = Type.Object({
  base_object_classes: Type.Optional(Nullable(Type.Array(Type.String(), { maxItems: 1000 }))),
  exclude_base_object_classes: Type.Optional(Nullable(Type.Array(Type.String(), { maxItems: 1000 }))),
  leaf_object_classes: Type.Optional(Nullable(Type.Array(Type.String(), { maxItems: 1000 }))),
  object_ids: Type.Optional(Nullable(Type.Array(Type.String(), { maxItems: 1000 }))),
  is_op: Type.Optional(Nullable(Type.Boolean())),
  latest_only: Type.Optional(Nullable(Type.Boolean())),
});
export type ObjQueryFilter = Static<typeof ObjQueryFilter>;

export const ObjQueryReq = Type.Object({
  project_id: ProjectId,
  filter: Type.Optional(Nullable(ObjQueryFilter)),
  limit: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: MAX_PAGE_BOUND }))),
  offset: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: MAX_PAGE_BOUND }))),
  sort_by: Type.Optional(Nullable(Type.Array(SortBy, { maxItems: 10 }))),
  metadata_only: Type.Optional(Nullable(Type.Boolean())),
  include_storage_size: Type.Optional(Nullable(Type.Boolean())),
  include_tags_and_aliases: Type.Optional(Nullable(Type.Boolean())),
});
export type ObjQueryReq = Static<typeof ObjQueryReq>;

export const ObjDeleteReq = Type.Object({
  project_id: ProjectId,
  object_id: ObjectId,
  digests: Type.Optional(Nullable(Type.Array(Type.String(), { maxItems: 100 }))),
});
export type ObjDeleteReq = Static<typeof ObjDeleteReq>;
export interface ObjDeleteRes {
  num_deleted: number;
}

/** An object version as responses carry it. */
export interface ObjSchema {
  project_id: string;
  object_id: string;
  created_at: string;
  deleted_at: string | null;
  digest: string;
  version_index: number;
  is_latest: number;
  kind: 'op' | 'object';
  base_object_class: string | null;
  leaf_object_class: string | null;
  val: unknown;
  wb_user_id: string | null;
}

export interface ObjReadRes {
  obj: ObjSchema;
}
export interface ObjQueryRes {
  objs: ObjSchema[];
}

/** `/refs/read_batch`: object and op refs, read through their extra path parts (≤ 1000). */
export const RefsReadBatchReq = Type.Object({
  refs: Type.Array(Type.String(), { maxItems: 1000 }),
});
export type RefsReadBatchReq = Static<typeof RefsReadBatchReq>;
export interface RefsReadBatchRes {
  /** One value per ref, in order; null for a deleted object. */
  vals: unknown[];
}
