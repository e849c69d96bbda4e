/**
 * What the object routes do (docs/protocol.md §8, §9): digest, kind and class of a new version; version
 * selectors (`latest`, `v<N>`, aliases, digests); deleted versions reading as 404; tags and
 * aliases; rendering ObjSchema. Values arrive parsed losslessly (floats stay floats) so digests
 * match Python's `json.dumps`.
 */
import {
  type AliasesListRes,
  CONTENT_HASH,
  Conflict,
  compareCodePoints,
  formatTimestampMicros,
  InvalidRequest,
  isLosslessObject,
  losslessJsonStringify,
  NotFound,
  type ObjCreateReq,
  type ObjCreateRes,
  type ObjDeleteReq,
  type ObjDeleteRes,
  type ObjQueryReq,
  type ObjReadReq,
  type ObjRemoveAliasesBody,
  type ObjSetAliasesBody,
  type ObjTagsBody,
  objectDigest,
  type TagsListRes,
  validateAlias,
  validateTag,
} from '@weft/protocol';
import type {
  ObjectKind,
  ObjectLabelChange,
  ObjectsQuery,
  ObjectVersionSelector,
  StoredObject,
  TraceStore,
} from '../storage/trace-store.js';
import { jsonDocument, offsetPages, renderPages, requestLimit } from './paged-answers.js';

/** `op` when the value is a serialized op (`_type` with `weave_type.type` or itself "Op"). */
export function objectKind(val: unknown): ObjectKind {
  if (!isLosslessObject(val) || typeof val._type !== 'string') return 'object';
  const weaveType = isLosslessObject(val.weave_type) ? val.weave_type.type : undefined;
  return weaveType === 'Op' || val._type === 'Op' ? 'op' : 'object';
}

/**
 * Classes of a `weave.Object` value: its `_bases` end in [..., "Object" | "BaseObject",
 * "BaseModel"]; the leaf is `_class_name`, the base the entry before those two (else the leaf).
 */
export function objectClasses(val: unknown): { base: string | null; leaf: string | null } {
  if (!isLosslessObject(val) || !Array.isArray(val._bases)) return { base: null, leaf: null };
  const bases = val._bases;
  const n = bases.length;
  if (n < 2 || bases[n - 1] !== 'BaseModel' || (bases[n - 2] !== 'Object' && bases[n - 2] !== 'BaseObject')) {
    return { base: null, leaf: null };
  }
  const leaf = typeof val._class_name === 'string' ? val._class_name : null;
  const base = n > 2 && typeof bases[n - 3] === 'string' ? (bases[n - 3] as string) : leaf;
  return { base, leaf };
}

/**
 * `latest`, `v<N>`, an alias name, or a content digest (docs/protocol.md §8.5: obj_read and
 * obj_delete take all of them, and a content hash is always read as one). Text that is no content
 * hash is looked up as an alias first and as a digest when the name has no such alias. `latest` is
 * the version with is_latest=1: Weave also honours a stored `latest` alias row, which its server
 * writes on every create, but weft refuses `latest` as an alias name (§9.2) and keeps is_latest
 * itself, so no such row exists.
 */
export function versionSelector(digest: string): ObjectVersionSelector {
  if (digest === 'latest') return { latest: true };
  const index = /^v(\d{1,9})$/.exec(digest);
  if (index) return { versionIndex: Number(index[1]) };
  return CONTENT_HASH.test(digest) ? { digest } : { alias: digest };
}

function render(object: StoredObject, metadataOnly: boolean): string {
  const quote = JSON.stringify;
  let labels = '';
  if (object.tags && object.aliases) {
    // `latest` is synthesised for the latest version (docs/protocol.md §9.3).
    const aliases = object.is_latest ? [...object.aliases, 'latest'] : object.aliases;
    labels =
      `,"tags":${quote([...object.tags].sort(compareCodePoints))}` +
      `,"aliases":${quote([...aliases].sort(compareCodePoints))}`;
  }
  return (
    `{"project_id":${quote(object.project_id)},"object_id":${quote(object.object_id)}` +
    `,"created_at":${quote(formatTimestampMicros(object.created_at))}` +
    `,"deleted_at":${object.deleted_at === null ? 'null' : quote(formatTimestampMicros(object.deleted_at))}` +
    `,"digest":${quote(object.digest)},"version_index":${object.version_index}` +
    `,"is_latest":${object.is_latest ? 1 : 0},"kind":${quote(object.kind)}` +
    `,"base_object_class":${quote(object.base_object_class)},"leaf_object_class":${quote(object.leaf_object_class)}` +
    `,"val":${metadataOnly ? '{}' : object.val_json},"wb_user_id":${quote(object.wb_user_id)}${labels}}`
  );
}

export class ObjectsService {
  constructor(private readonly store: TraceStore) {}

  async create(req: ObjCreateReq): Promise<ObjCreateRes> {
    const { project_id, object_id, val } = req.obj;
    const classes = objectClasses(val);
    const declared = declaredClass(req, classes.leaf);
    // Refs are hashed as sent: weft has no internal project ids, so objects holding refs get
    // digests of their own (self-consistent; clients use whatever digest the server returns).
    const digest = objectDigest(val);
    if (req.obj.expected_digest && req.obj.expected_digest !== digest) {
      throw new Conflict(`the object's digest is ${digest}, not the expected ${req.obj.expected_digest}`);
    }
    await this.store.createObject({
      project_id,
      object_id,
      digest,
      kind: objectKind(val),
      base_object_class: classes.base ?? declared,
      leaf_object_class: classes.leaf ?? declared,
      val_json: losslessJsonStringify(val),
      created_at: Date.now() * 1000,
      wb_user_id: req.obj.wb_user_id ?? null,
    });
    return { digest, object_id };
  }

  /** `{"obj": ObjSchema}` as JSON text. */
  async read(req: ObjReadReq): Promise<string> {
    const object = await this.store.readObject(req.project_id, req.object_id, versionSelector(req.digest), {
      includeTagsAndAliases: req.include_tags_and_aliases ?? false,
    });
    const name = `${req.object_id}:${req.digest}`;
    if (!object) throw new NotFound(`object ${name} not found in project ${req.project_id}`);
    if (object.deleted_at !== null) {
      const deletedAt = formatTimestampMicros(object.deleted_at);
      const error = new NotFound(`object ${name} was deleted at ${deletedAt}`);
      // Clients tell a deleted object from a missing one by this field.
      error.details = { deleted_at: deletedAt };
      throw error;
    }
    return `{"obj":${render(object, req.metadata_only ?? false)}}`;
  }

  /**
   * `{"objs": [ObjSchema]}` as JSON text, read and rendered a page at a time, so no request reads
   * more than a page of versions at once (docs/protocol.md §1.5). Pages continue by offset, each in
   * a snapshot of its own: a version deleted meanwhile can shift the rest by one.
   */
  query(req: ObjQueryReq): AsyncIterable<string> {
    const filter = req.filter ?? {};
    const query: Omit<ObjectsQuery, 'limit' | 'offset'> = {
      project_id: req.project_id,
      ...filter,
      // Only object_id and created_at are sortable (docs/protocol.md §8.6); other fields are ignored.
      sort_by: (req.sort_by ?? []).flatMap((term) =>
        term.field === 'object_id' || term.field === 'created_at'
          ? [{ field: term.field, direction: term.direction }]
          : [],
      ),
      include_tags_and_aliases: req.include_tags_and_aliases ?? false,
    };
    const pages = offsetPages(
      (limit, offset) => this.store.queryObjects({ ...query, limit, offset }),
      requestLimit(req.limit),
      req.offset ?? 0,
    );
    const metadataOnly = req.metadata_only ?? false;
    return jsonDocument(
      '{"objs":[',
      renderPages(pages, (object) => render(object, metadataOnly)),
      ']}',
    );
  }

  async delete(req: ObjDeleteReq): Promise<ObjDeleteRes> {
    // An empty list deletes every version, as a missing one does (Weave tests `if req.digests`).
    const digests = req.digests && req.digests.length > 0 ? req.digests : null;
    const result = await this.store.deleteObjectVersions(
      req.project_id,
      req.object_id,
      digests?.map(versionSelector) ?? null,
      Date.now() * 1000,
    );
    const named = (positions: number[]) => positions.map((at) => JSON.stringify(digests?.[at])).join(', ');
    if (result.missing.length > 0) {
      throw new NotFound(
        `object ${req.object_id} has no live version ${named(result.missing)}; nothing was deleted`,
      );
    }
    if (result.ambiguous.length > 0) {
      // An op and an object share this name, and each has its own latest and indexes. Weave's
      // server finds both versions and refuses with a 404 (more versions found than digests
      // given); the reason here says why.
      throw new NotFound(
        `${named(result.ambiguous)} names a version of both the op and the object called ${req.object_id}; ` +
          'delete them by digest; nothing was deleted',
      );
    }
    if (result.deleted === 0)
      throw new NotFound(`object ${req.object_id} has no live versions in project ${req.project_id}`);
    return { num_deleted: result.deleted };
  }
}

/**
 * Tags and aliases (docs/protocol.md §9). A version is named as `/obj/read` names it (digest,
 * `latest`, `v<N>` or alias) and must be live; names are checked before anything is stored, so one
 * bad name changes nothing.
 */
export class ObjectLabelsService {
  constructor(private readonly store: TraceStore) {}

  async addTags(objectId: string, digest: string, body: ObjTagsBody): Promise<Record<string, never>> {
    body.tags.forEach(validateTag);
    const change = await this.store.addObjectTags(
      body.project_id,
      objectId,
      versionSelector(digest),
      body.tags,
      Date.now() * 1000,
    );
    return settled(change, body.project_id, objectId, digest);
  }

  async removeTags(objectId: string, digest: string, body: ObjTagsBody): Promise<Record<string, never>> {
    body.tags.forEach(validateTag);
    const change = await this.store.removeObjectTags(
      body.project_id,
      objectId,
      versionSelector(digest),
      body.tags,
    );
    return settled(change, body.project_id, objectId, digest);
  }

  async setAliases(objectId: string, body: ObjSetAliasesBody): Promise<Record<string, never>> {
    body.aliases.forEach(validateAlias);
    const change = await this.store.setObjectAliases(
      body.project_id,
      objectId,
      versionSelector(body.digest),
      body.aliases,
      Date.now() * 1000,
    );
    return settled(change, body.project_id, objectId, body.digest);
  }

  async removeAliases(objectId: string, body: ObjRemoveAliasesBody): Promise<Record<string, never>> {
    body.aliases.forEach(validateAlias);
    if (!(await this.store.removeObjectAliases(body.project_id, objectId, body.aliases))) {
      throw new NotFound(`object ${objectId} has no live versions in project ${body.project_id}`);
    }
    return {};
  }

  async listTags(projectId: string): Promise<TagsListRes> {
    return { tags: await this.store.listTags(projectId) };
  }

  async listAliases(projectId: string): Promise<AliasesListRes> {
    return { aliases: await this.store.listAliases(projectId) };
  }
}

function settled(
  change: ObjectLabelChange,
  projectId: string,
  objectId: string,
  digest: string,
): Record<string, never> {
  if (change === 'missing') {
    throw new NotFound(
      `object ${objectId} has no live version ${JSON.stringify(digest)} in project ${projectId}`,
    );
  }
  if (change === 'ambiguous') {
    // As /obj/delete refuses it: `latest` and `v<N>` name one version of each kind here.
    throw new NotFound(
      `${JSON.stringify(digest)} names a version of both the op and the object called ${objectId}; ` +
        'name the version by digest',
    );
  }
  return {};
}

/**
 * The class named by `builtin_object_class` (or its deprecated alias `set_base_object_class`),
 * checked against the value (docs/protocol.md §8.3): it must agree with a class the value already
 * carries, and a value that is not an object carries no class.
 *
 * Weave's server also validates a class-less value against its registry of built-in classes and
 * rewrites it (adding `_type`, `_class_name`, `_bases`), which changes its digest. weft does not
 * know that registry's classes, their fields and defaults, or their `_bases`, so it stores such a
 * value as sent, with the declared name as its base and leaf class.
 */
function declaredClass(req: ObjCreateReq, leaf: string | null): string | null {
  const declared = req.obj.builtin_object_class ?? req.obj.set_base_object_class ?? null;
  if (declared === null) return null;
  if (!isLosslessObject(req.obj.val)) {
    throw new InvalidRequest(
      `builtin_object_class ${JSON.stringify(declared)} given for a value that is not an object`,
    );
  }
  if (leaf !== null && leaf !== declared) {
    throw new InvalidRequest(
      `builtin_object_class ${JSON.stringify(declared)} does not match the value's class ${JSON.stringify(leaf)}`,
    );
  }
  return declared;
}
