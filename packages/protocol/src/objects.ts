/** Object routes (docs/protocol.md §8): create, read, query and delete versions. */
import { type Static, Type } from '@sinclair/typebox';
import { SortBy } from './calls-query.js';
import { InvalidRequest } from './errors.js';
import { MAX_LIST_LENGTH, MAX_PAGE_BOUND, Nullable, PageLimit, ProjectId } from './schema-helpers.js';

/**
 * `object_id`: 1–128 characters from [\w._-] (docs/protocol.md §8.2). Python's `\w` is Unicode-aware
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
  /** A content digest, `latest`, `v<N>` or an alias name. */
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
  /** Versions carrying any of these tags. */
  tags: Type.Optional(Nullable(Type.Array(Type.String(), { maxItems: MAX_LIST_LENGTH }))),
  /** Versions any of these aliases point at; `latest` matches each history's latest version. */
  aliases: Type.Optional(Nullable(Type.Array(Type.String(), { maxItems: MAX_LIST_LENGTH }))),
});
export type ObjQueryFilter = Static<typeof ObjQueryFilter>;

export const ObjQueryReq = Type.Object({
  project_id: ProjectId,
  filter: Type.Optional(Nullable(ObjQueryFilter)),
  limit: Type.Optional(Nullable(PageLimit)),
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
  /** With `include_tags_and_aliases`: the version's tags, sorted. */
  tags?: string[];
  /** With `include_tags_and_aliases`: aliases pointing at the version, sorted, `latest` included. */
  aliases?: string[];
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

/**
 * Tags and aliases of object versions (docs/protocol.md §9). Tags belong to one version; an alias
 * belongs to an object name and points at one of its versions. The names are checked by the
 * service (`validateTag`, `validateAlias`) so that a refusal names the bad value.
 */
const TagList = Type.Array(Type.String(), { maxItems: MAX_LIST_LENGTH });

/** The path of `PUT /objs/{object_id}/versions/{digest}/tags` and `POST …/tags/remove`. */
export const ObjVersionParams = Type.Object({
  object_id: ObjectId,
  /** A content digest, `latest`, `v<N>` or an alias name, as `/obj/read` takes. */
  digest: Type.String({ minLength: 1, maxLength: 128 }),
});
export type ObjVersionParams = Static<typeof ObjVersionParams>;

/** The path of `PUT /objs/{object_id}/aliases` and `POST …/aliases/remove`. */
export const ObjNameParams = Type.Object({ object_id: ObjectId });
export type ObjNameParams = Static<typeof ObjNameParams>;

export const ObjTagsBody = Type.Object({
  project_id: ProjectId,
  tags: TagList,
  wb_user_id: Type.Optional(Nullable(Type.String())),
});
export type ObjTagsBody = Static<typeof ObjTagsBody>;

export const ObjSetAliasesBody = Type.Object({
  project_id: ProjectId,
  /** The version the aliases move to: a content digest, `latest`, `v<N>` or another alias. */
  digest: Type.String({ minLength: 1, maxLength: 128 }),
  aliases: TagList,
  wb_user_id: Type.Optional(Nullable(Type.String())),
});
export type ObjSetAliasesBody = Static<typeof ObjSetAliasesBody>;

export const ObjRemoveAliasesBody = Type.Object({
  project_id: ProjectId,
  aliases: TagList,
  wb_user_id: Type.Optional(Nullable(Type.String())),
});
export type ObjRemoveAliasesBody = Static<typeof ObjRemoveAliasesBody>;

/** `GET /tags?project_id=` and `GET /aliases?project_id=`. */
export const ProjectQuery = Type.Object({ project_id: ProjectId });
export type ProjectQuery = Static<typeof ProjectQuery>;

export interface TagsListRes {
  tags: string[];
}
export interface AliasesListRes {
  aliases: string[];
}

export const MAX_TAG_LENGTH = 256;
export const MAX_ALIAS_LENGTH = 128;
/**
 * Weave's `^[-\w]+( [-\w]+)*$` with Python's Unicode-aware `\w` (letters and digits of any script
 * and `_`, as in ObjectId): words joined by single spaces (docs/protocol.md §9.2). Checked as two
 * patterns that a ReDoS analyser can prove linear (regex-safety.test.ts): word characters and
 * spaces only, and no space at either end or next to another.
 */
export const TAG_CHARACTERS = /^[-\p{L}\p{N}_ ]+$/u;
export const TAG_SPACING = /^ | $| {2}/;
/** `v\d+`, with Python's Unicode-aware `\d` (decimal digits of any script). */
export const VERSION_LIKE = /^v\p{Nd}+$/u;

/** Python's len(): code points, not UTF-16 units. */
function codePointLength(text: string): number {
  let length = 0;
  for (const _ of text) length += 1;
  return length;
}

/** Refuses a tag Weave refuses (docs/protocol.md §9.2): the reason names the tag. */
export function validateTag(tag: string): void {
  const named = JSON.stringify(tag);
  if (codePointLength(tag) > MAX_TAG_LENGTH) {
    throw new InvalidRequest(`tag ${named} is longer than ${MAX_TAG_LENGTH} characters`);
  }
  if (!TAG_CHARACTERS.test(tag) || TAG_SPACING.test(tag)) {
    throw new InvalidRequest(
      `tag ${named} is invalid: tags are letters, digits, "_" and "-", with single spaces between words`,
    );
  }
}

/**
 * Refuses an alias Weave refuses (docs/protocol.md §9.2): 1–128 characters without `/` or `:` (an
 * alias can stand where a digest does in a ref), and neither `latest` nor `v<N>`, which already
 * name versions.
 */
/**
 * 43 alphanumerics (an object digest) or 64 hex characters (a table's). Such text always names a
 * version by content, so it can never be an alias (it would be unreadable, or hide a version).
 */
export const CONTENT_HASH = /^(?:[A-Za-z0-9]{43}|[0-9a-fA-F]{64})$/;

export function validateAlias(alias: string): void {
  const named = JSON.stringify(alias);
  const length = codePointLength(alias);
  if (length === 0) throw new InvalidRequest('an alias must not be empty');
  if (length > MAX_ALIAS_LENGTH) {
    throw new InvalidRequest(`alias ${named} is longer than ${MAX_ALIAS_LENGTH} characters`);
  }
  if (/[/:]/.test(alias)) throw new InvalidRequest(`alias ${named} must not contain "/" or ":"`);
  if (alias === 'latest' || VERSION_LIKE.test(alias)) {
    throw new InvalidRequest(`alias ${named} is reserved: latest and v<N> already name versions`);
  }
  if (CONTENT_HASH.test(alias)) {
    throw new InvalidRequest(
      `alias ${named} looks like a content digest, which always names a version itself`,
    );
  }
  // A lone surrogate cannot be stored as UTF-8: the alias would come back changed and never match.
  if (/\p{Surrogate}/u.test(alias)) throw new InvalidRequest(`alias ${named} has a lone surrogate`);
}
