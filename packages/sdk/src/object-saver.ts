/**
 * Saves versions: ops in the background the first time they run, and values on `publish`.
 *
 * Ops never make a call wait: the op's ref is computed locally (op-state.ts) and its file and
 * object go to the server while the call runs; the batcher sends calls only after the saves in
 * flight have settled, so a call never names an op the server has not been asked to store.
 *
 * Publishing saves what a value holds first (ops, nested published classes, Datasets), then the
 * value, with those parts written as refs (research doc §5, §6).
 */
import { Dataset } from './dataset.js';
import { warnAtMostEvery, warnOnce } from './logger.js';
import { OP_STATE, type OpState, type OpVersion, objectIdFromName, opRef, opVersion } from './op-state.js';
import { attachRef, ObjectRef, refOf, TableRef } from './refs.js';
import { type JsonValue, serialize } from './serialize.js';
import { type TraceServer, TraceServerError } from './trace-server.js';
import { CLASS_KEYS, publishedClassOf, weaveBases } from './weave-object.js';

export interface SaverHost {
  readonly entity: string;
  readonly project: string;
  readonly projectId: string;
  readonly server: TraceServer;
  noteInternalError(what: string, error: unknown): void;
}

/** Published values are stored whole: this is a guard against runaway values, not a budget. */
const PUBLISH_MAX_BYTES = 256 * 1024 * 1024;
/** Rows per `/table/create` or `/table/update` request are cut at about this many bytes. */
const TABLE_CHUNK_BYTES = 8 * 1024 * 1024;
const SAVE_ATTEMPTS = 5;
const SAVE_RETRY_BASE_MS = 250;

export class ObjectSaver {
  /** Op versions that could not be saved (the calls are still sent). */
  failedSaves = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly host: SaverHost) {}

  /** For serialize: a published value or an op becomes its ref (and an op gets saved). */
  readonly refFor = (value: object): string | undefined => {
    if (typeof value === 'function') {
      const state = (value as { [OP_STATE]?: OpState })[OP_STATE];
      if (!state) return undefined;
      const ref = opRef(state, this.host.projectId);
      this.ensureOpSaved(state, ref);
      return ref;
    }
    return refOf(value);
  };

  /** Starts saving the op version behind `ref` unless this saver already did. Never throws. */
  ensureOpSaved(state: OpState, ref: string): void {
    if ((state.savedBy === this && state.savedRef === ref) || state.fixedRef !== undefined) return;
    state.savedBy = this;
    state.savedRef = ref;
    const version = opVersion(state);
    this.track(
      this.saveOp(state, version).catch((error: unknown) => {
        this.failedSaves += 1;
        // Let a later call try again.
        if (state.savedRef === ref) state.savedBy = undefined;
        warnAtMostEvery(
          'op-save-failed',
          60_000,
          `saving op ${version.objectId} failed, its calls name a version the server may not have ` +
            `(client.stats.failedSaves counts these): ${(error as Error).message}`,
        );
      }),
    );
  }

  /** Resolves when every save started so far has finished or failed. Never rejects. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Saves `value` as a new version of `name` (or reuses the version with the same content). */
  async publish(value: unknown, name?: string): Promise<ObjectRef> {
    if (typeof value === 'function') {
      const state = (value as { [OP_STATE]?: OpState })[OP_STATE];
      if (!state) throw new TypeError('only ops can be published among functions; wrap it with op()');
      return this.publishOp(state);
    }
    if (value instanceof ObjectRef) return value;
    if (typeof value === 'object' && value !== null) await this.saveParts(value, value, new Set(), 0);
    if (value instanceof Dataset) return this.publishDataset(value, name);
    const objectId = objectIdFromName(name ?? defaultName(value));
    const ref = await this.createObject(objectId, this.storedValue(value));
    attachRef(value, ref.uri);
    return ref;
  }

  private async publishOp(state: OpState): Promise<ObjectRef> {
    const version = opVersion(state);
    const ref = opRef(state, this.host.projectId);
    await this.saveOp(state, version);
    state.savedBy = this;
    state.savedRef = ref;
    return new ObjectRef(this.host.entity, this.host.project, 'op', version.objectId, version.digest);
  }

  private async saveOp(state: OpState, version: OpVersion): Promise<void> {
    const projectId = this.host.projectId;
    await withRetries(() =>
      this.host.server.fileCreate({
        project_id: projectId,
        name: version.fileName,
        content: Buffer.from(state.source),
      }),
    );
    const created = await withRetries(() =>
      this.host.server.objCreate({
        obj: { project_id: projectId, object_id: version.objectId, val: version.val },
      }),
    );
    if (created.digest !== version.digest) {
      warnOnce(
        `op-digest:${version.objectId}`,
        `the server stored op ${version.objectId} as ${created.digest}, but weft computed ` +
          `${version.digest}; calls name weft's digest (is the server a Weave-compatible one?)`,
      );
    }
  }

  private track(promise: Promise<void>): void {
    this.inFlight.add(promise);
    promise.finally(() => this.inFlight.delete(promise));
  }

  /**
   * Saves what `value` holds that is stored on its own (ops, published classes, Datasets), so the
   * value can refer to them. `root` itself is left for the caller.
   */
  private async saveParts(value: object, root: object, seen: Set<object>, depth: number): Promise<void> {
    if (depth > 64 || seen.has(value)) return;
    seen.add(value);
    if (value !== root && refOf(value) === undefined) {
      if (value instanceof Dataset || publishedClassOf(value)) {
        await this.publish(value);
        return;
      }
    }
    if (!isWalkable(value)) return;
    for (const key of Object.keys(value)) {
      const part = (value as Record<string, unknown>)[key];
      if (typeof part === 'function') {
        const state = (part as { [OP_STATE]?: OpState })[OP_STATE];
        if (state) this.ensureOpSaved(state, opRef(state, this.host.projectId));
      } else if (typeof part === 'object' && part !== null) {
        await this.saveParts(part, root, seen, depth + 1);
      }
    }
    if (depth === 0) await this.settled();
  }

  /** The stored form of a value: class instances with their class, parts as refs. */
  private storedValue(value: unknown): JsonValue {
    const root = value;
    const published = typeof value === 'object' && value !== null ? publishedClassOf(value) : undefined;
    if (published) {
      const stored: Record<string, JsonValue> = {
        _type: published.name,
        _class_name: published.name,
        _bases: weaveBases(published.cls),
      };
      for (const key of Object.keys(value as object)) {
        // Weave's SDKs keep private (underscore) fields out of the stored object.
        if (key.startsWith('_') || CLASS_KEYS.has(key)) continue;
        const field = (value as Record<string, unknown>)[key];
        if (field === undefined || (typeof field === 'function' && !(OP_STATE in field))) continue;
        stored[key] = this.serializeWhole(field, root);
      }
      return stored;
    }
    return this.serializeWhole(value, root);
  }

  /** Serializes for storage: parts become refs, and nothing may be cut. */
  private serializeWhole(value: unknown, root: unknown): JsonValue {
    const serialized = serialize(value, {
      maxBytes: PUBLISH_MAX_BYTES,
      maxDepth: 64,
      refOf: (part) => (part === root ? undefined : this.refFor(part)),
    });
    if (serialized.truncated) {
      throw new Error('the value is too large or too deeply nested to publish (256 MiB, 64 levels)');
    }
    return serialized.value;
  }

  private async publishDataset(dataset: Dataset, name: string | undefined): Promise<ObjectRef> {
    const objectId = objectIdFromName(name ?? dataset.name ?? 'Dataset');
    const rows = dataset.rows.map((row) => this.serializeWhole(row, row));
    const table = await this.createTable(rows);
    const stored: Record<string, JsonValue> = {
      _type: 'Dataset',
      _class_name: 'Dataset',
      _bases: weaveBases(Dataset),
      name: dataset.name ?? objectId,
    };
    if (dataset.description !== undefined) stored.description = dataset.description;
    stored.rows = new TableRef(this.host.entity, this.host.project, table.digest).uri;
    const ref = await this.createObject(objectId, stored);
    attachRef(dataset, ref.uri);
    const rowsRef = ref.with('attr', 'rows');
    dataset.rows.forEach((row, index) => {
      const digest = table.rowDigests[index];
      if (digest !== undefined) attachRef(row, rowsRef.with('id', digest).uri);
    });
    return ref;
  }

  /** Creates a table, in several requests when it is large: create, then appends. */
  private async createTable(rows: readonly JsonValue[]): Promise<{ digest: string; rowDigests: string[] }> {
    const projectId = this.host.projectId;
    const chunks = chunkBySize(rows, TABLE_CHUNK_BYTES);
    const [first = [], ...rest] = chunks;
    const created = await withRetries(() =>
      this.host.server.tableCreate({ table: { project_id: projectId, rows: first } }),
    );
    let digest = created.digest;
    const rowDigests = [...created.row_digests];
    for (const chunk of rest) {
      const base = digest;
      const updated = await withRetries(() =>
        this.host.server.tableUpdate({
          project_id: projectId,
          base_digest: base,
          updates: chunk.map((row) => ({ append: { row } })),
        }),
      );
      digest = updated.digest;
      rowDigests.push(...updated.updated_row_digests);
    }
    return { digest, rowDigests };
  }

  private async createObject(objectId: string, val: JsonValue): Promise<ObjectRef> {
    const created = await withRetries(() =>
      this.host.server.objCreate({ obj: { project_id: this.host.projectId, object_id: objectId, val } }),
    );
    return new ObjectRef(this.host.entity, this.host.project, 'object', objectId, created.digest);
  }
}

/** Plain objects, arrays and class instances are looked into; Maps, dates, buffers and the like are data. */
function isWalkable(value: object): boolean {
  if (Array.isArray(value)) return true;
  if (value instanceof Date || value instanceof Map || value instanceof Set || ArrayBuffer.isView(value)) {
    return false;
  }
  return !(value instanceof Error || value instanceof RegExp || value instanceof Promise);
}

/** The object id when `publish` is given no name: the value's `name`, else its class. */
function defaultName(value: unknown): string {
  const own = (value as { name?: unknown } | null | undefined)?.name;
  if (typeof own === 'string' && own) return own;
  if (Array.isArray(value)) return 'list';
  if (typeof value !== 'object' || value === null) return typeof value;
  const className = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof className === 'string' && className && className !== 'Object' ? className : 'object';
}

function chunkBySize(rows: readonly JsonValue[], maxBytes: number): JsonValue[][] {
  const chunks: JsonValue[][] = [];
  let chunk: JsonValue[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = JSON.stringify(row).length;
    if (chunk.length > 0 && bytes + size > maxBytes) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(row);
    bytes += size;
  }
  if (chunk.length > 0 || chunks.length === 0) chunks.push(chunk);
  return chunks;
}

/** Tries again on no answer, 429 and 5xx, waiting a little longer each time. */
async function withRetries<T>(request: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      const retryable = error instanceof TraceServerError && error.retryable;
      if (!retryable || attempt >= SAVE_ATTEMPTS) throw error;
      const delay = SAVE_RETRY_BASE_MS * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
