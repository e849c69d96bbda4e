/**
 * `/refs/read_batch` (docs/protocol.md §7.3): reads object and op refs, then walks their
 * extra parts — `key`/`attr` into objects, `index` into lists, `id` into the rows of a table ref —
 * and, when the walk meets another ref of the same project, continues inside it. A deleted
 * object reads as null; an unknown one is a 404.
 */
import {
  InvalidRequest,
  isLosslessObject,
  isWeaveRef,
  type LosslessJson,
  losslessJsonStringify,
  NotFound,
  type ObjectRef,
  parseJsonLosslessly,
  parseRef,
  type RefExtraPart,
  type RefsReadBatchReq,
} from '@weft/protocol';
import type { TraceStore } from '../storage/trace-store.js';
import { versionSelector } from './objects-service.js';

/** How many refs one value may lead through, so a cycle of refs cannot loop forever. */
const MAX_HOPS = 32;
/** Object versions a batch keeps parsed for its other refs. */
const MAX_SHARED_OBJECTS = 64;

export class RefsService {
  constructor(private readonly store: TraceStore) {}

  /** `{"vals": [...]}` as JSON text, in the order of the request. */
  async readBatch(req: RefsReadBatchReq): Promise<string> {
    const vals: string[] = [];
    // Refs of one batch often share their object (a Dataset's rows, an evaluation's scorers):
    // each version is read and parsed once. Values are only walked, never changed, so sharing is safe.
    const objects = new Map<string, Promise<LosslessJson>>();
    for (const uri of req.refs) {
      const ref = parseRef(uri);
      if (ref.kind !== 'object' && ref.kind !== 'op') {
        throw new InvalidRequest(
          `only object and op refs can be read, not ${ref.kind} refs: ${JSON.stringify(uri)}`,
        );
      }
      vals.push(losslessJsonStringify(await this.resolve(ref, uri, objects)));
    }
    return `{"vals":[${vals.join(',')}]}`;
  }

  private async resolve(
    ref: ObjectRef,
    uri: string,
    objects: Map<string, Promise<LosslessJson>>,
  ): Promise<LosslessJson> {
    const project = `${ref.entity}/${ref.project}`;
    let value = await this.readObject(project, ref, uri, objects);
    const parts = [...ref.extra];
    for (let hops = 0; parts.length > 0 && value !== null; ) {
      if (typeof value === 'string' && isWeaveRef(value)) {
        if (++hops > MAX_HOPS)
          throw new InvalidRequest(`${JSON.stringify(uri)} leads through more than ${MAX_HOPS} refs`);
        value = await this.enter(value, project, parts, uri, objects);
        continue;
      }
      value = step(value, parts.shift() as RefExtraPart);
    }
    return value;
  }

  /** Continues a walk inside the ref `inner` (same project only); consumes an `id` part for tables. */
  private async enter(
    inner: string,
    project: string,
    parts: RefExtraPart[],
    uri: string,
    objects: Map<string, Promise<LosslessJson>>,
  ): Promise<LosslessJson> {
    const ref = parseRef(inner);
    if (`${ref.entity}/${ref.project}` !== project) {
      throw new InvalidRequest(
        `${JSON.stringify(uri)} leads into another project's ref ${JSON.stringify(inner)}`,
      );
    }
    parts.unshift(...ref.extra);
    if (ref.kind === 'object' || ref.kind === 'op') return this.readObject(project, ref, uri, objects);
    if (ref.kind !== 'table') throw new InvalidRequest(`${JSON.stringify(uri)} leads into a ${ref.kind} ref`);
    const next = parts.shift();
    if (next?.edge !== 'id') {
      throw new InvalidRequest(`${JSON.stringify(uri)}: a table is read by row, with id/<row digest>`);
    }
    const row = await this.store.readTableRow(project, ref.digest, next.value);
    if (row === undefined) {
      throw new NotFound(`${JSON.stringify(uri)}: table ${ref.digest} has no row ${next.value}`);
    }
    return parseJsonLosslessly(row);
  }

  /**
   * An op or object ref's root value. A content digest names one value (and so one kind) whatever
   * the ref says, as in Weave, which reads refs by name and digest alone; so does an alias, which
   * belongs to the name and points at one digest (docs/protocol.md §8.5 and §9.2: digest arguments
   * take alias names, and aliases may not hold `/` or `:` so that they fit where a ref's digest
   * goes). `latest` and `v<N>` (which Weave's refs do not take; weft reads them) name one version
   * per kind, so the ref's `op`/`object` picks the history (§8.4: indexes and latest are per kind).
   */
  private readObject(
    project: string,
    ref: ObjectRef,
    uri: string,
    objects: Map<string, Promise<LosslessJson>>,
  ): Promise<LosslessJson> {
    const key = `${project}\0${ref.kind}\0${ref.name}\0${ref.digest}`;
    let value = objects.get(key);
    if (!value) {
      value = this.readObjectVersion(project, ref, uri);
      // Bounded, so refs into many large objects do not keep them all in memory at once.
      if (objects.size >= MAX_SHARED_OBJECTS) objects.clear();
      objects.set(key, value);
    }
    return value;
  }

  private async readObjectVersion(project: string, ref: ObjectRef, uri: string): Promise<LosslessJson> {
    const selector = versionSelector(ref.digest);
    const version =
      'latest' in selector || 'versionIndex' in selector ? { ...selector, kind: ref.kind } : selector;
    const object = await this.store.readObject(project, ref.name, version);
    if (!object) {
      throw new NotFound(
        `${JSON.stringify(uri)}: ${ref.kind} ${ref.name}:${ref.digest} not found in project ${project}`,
      );
    }
    return object.deleted_at === null ? parseJsonLosslessly(object.val_json) : null;
  }
}

/** One `key`/`attr`/`index` step; a path that does not exist reads as null. */
function step(value: LosslessJson, part: RefExtraPart): LosslessJson {
  if (part.edge === 'index') {
    const index = Number(part.value);
    return Array.isArray(value) ? (value.at(index) ?? null) : null;
  }
  if (part.edge === 'id') return null;
  return isLosslessObject(value) && Object.hasOwn(value, part.value)
    ? (value[part.value] as LosslessJson)
    : null;
}
