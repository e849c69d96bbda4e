/**
 * Saves versions: ops in the background the first time they run, and values on `publish`.
 *
 * Ops never make a call wait: the op's ref is computed locally (op-state.ts) and its file and
 * object go to the server while the call runs. A batch goes out after the saves in flight have
 * settled (waiting 10 s at most), so a stored call names an op the server was asked to store first.
 * Each op version is saved once per client; after a failure it is tried again a minute later.
 *
 * Publishing saves what a value holds first (ops, nested published classes, Datasets), then the
 * value, with those parts written as refs (docs/protocol.md §7.1, §8.3).
 */

import { warnAtMostEvery, warnOnce } from '../logger.js';
import { type JsonValue, serialize } from '../serialize/serialize.js';
import {
  OP_STATE,
  type OpState,
  type OpVersion,
  objectIdFromName,
  opRef,
  opStateOf,
  opVersion,
} from '../tracing/op-state.js';
import type { TraceServer } from '../transport/trace-server.js';
import { Dataset } from './dataset.js';
import { attachRef, ObjectRef, ref as refFromUri, refOf, TableRef } from './refs.js';
import { withRetries } from './save-retries.js';
import { TableSaver } from './table-saver.js';
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

/** After a failed op save, its version is not tried again for this long (calls still go out). */
const SAVE_RETRY_AFTER_MS = 60_000;
/** Batches wait for the op saves in flight at most this long by default, then go out anyway. */
export const DEFAULT_OP_SAVE_WAIT_MS = 10_000;

export interface ObjectSaverOptions {
  /** How long batches wait for op saves in flight (default DEFAULT_OP_SAVE_WAIT_MS). */
  maxSaveWaitMs?: number;
  /** Rows per table request are cut at about this many bytes (table-saver.ts; tests lower it). */
  tableChunkBytes?: number;
}

/** One op version's save: in flight, done, or failed (and when it may be tried again). */
type OpSave = { promise: Promise<void>; failedAt?: number };

export class ObjectSaver {
  /** Op versions that could not be saved (the calls are still sent). */
  failedSaves = 0;
  /** Keyed by op ref, so a version is saved once per client however many OpStates name it. */
  private readonly opSaves = new Map<string, OpSave>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly maxSaveWaitMs: number;
  private readonly tables: TableSaver;

  constructor(
    private readonly host: SaverHost,
    options: ObjectSaverOptions = {},
  ) {
    this.maxSaveWaitMs = options.maxSaveWaitMs ?? DEFAULT_OP_SAVE_WAIT_MS;
    this.tables = new TableSaver(
      host,
      options.tableChunkBytes === undefined ? {} : { chunkBytes: options.tableChunkBytes },
    );
  }

  /** For serialize: a published value or an op becomes its ref (and an op gets saved). */
  readonly refFor = (value: object): string | undefined => {
    if (typeof value === 'function') {
      const state = opStateOf(value);
      if (!state) return undefined;
      const ref = opRef(state, this.host.projectId);
      this.ensureOpSaved(state, ref);
      return ref;
    }
    return refOf(value);
  };

  /** Starts saving the op version behind `ref` unless it is saved, being saved, or failed lately. Never throws. */
  ensureOpSaved(state: OpState, ref: string): void {
    const known = this.opSaves.get(ref);
    if (known && (known.failedAt === undefined || Date.now() - known.failedAt < SAVE_RETRY_AFTER_MS)) return;
    if (state.fixedRef !== undefined) return;
    this.startOpSave(state, ref);
  }

  /** The op version's save, started now unless one is in flight or done. Rejects if it fails. */
  private startOpSave(state: OpState, ref: string): Promise<void> {
    const known = this.opSaves.get(ref);
    if (known && known.failedAt === undefined) return known.promise;
    const version = opVersion(state);
    const entry: OpSave = { promise: this.saveOp(state, version) };
    this.opSaves.set(ref, entry);
    this.track(
      entry.promise.then(undefined, (error: unknown) => {
        entry.failedAt = Date.now();
        this.failedSaves += 1;
        warnAtMostEvery(
          'op-save-failed',
          60_000,
          `saving op ${version.objectId} failed; its calls are sent and name a version the server ` +
            `may not have (client.stats.failedSaves counts these): ${describeError(error)}`,
        );
      }),
    );
    return entry.promise;
  }

  /**
   * Resolves when the saves in flight now have finished or failed, when `signal` aborts, or after
   * `maxSaveWaitMs`: calls wait for the ops they name, but never for long. Never rejects.
   */
  async saved(signal?: AbortSignal): Promise<void> {
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const giveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.maxSaveWaitMs);
      timer.unref();
      onAbort = () => resolve();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([Promise.allSettled([...this.inFlight]), giveUp]);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Saves `value` as a new version of `name` (or reuses the version with the same content). */
  async publish(value: unknown, name?: string): Promise<ObjectRef> {
    if (typeof value === 'function') {
      const state = opStateOf(value);
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
    if (state.fixedRef !== undefined) return refFromUri(state.fixedRef) as ObjectRef;
    await this.startOpSave(state, opRef(state, this.host.projectId));
    const version = opVersion(state);
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

  /** `promise` must not reject: callers pass it through their own error handling. */
  private track(promise: Promise<void>): void {
    this.inFlight.add(promise);
    const done = () => {
      this.inFlight.delete(promise);
    };
    promise.then(done, done);
  }

  /**
   * Saves what `value` holds that is stored on its own (ops, published classes, Datasets), so the
   * value can refer to them. `root` itself is left for the caller.
   */
  private async saveParts(value: object, root: object, seen: Set<object>, depth: number): Promise<void> {
    const opSaves: Promise<unknown>[] = [];
    await this.collectParts(value, root, seen, depth, opSaves);
    // A published value must not point at an op the server lacks: these failures reach the caller.
    await Promise.all(opSaves);
  }

  private async collectParts(
    value: object,
    root: object,
    seen: Set<object>,
    depth: number,
    opSaves: Promise<unknown>[],
  ): Promise<void> {
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
        const state = opStateOf(part);
        if (state && state.fixedRef === undefined) {
          opSaves.push(this.startOpSave(state, opRef(state, this.host.projectId)));
        }
      } else if (typeof part === 'object' && part !== null) {
        await this.collectParts(part, root, seen, depth + 1, opSaves);
      }
    }
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
    const table = await this.tables.save(this.serializedRows(dataset.rows), dataset.rows.length);
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

  /**
   * Rows serialized one at a time as the table's chunks take them: only the rows of the chunks
   * being sent are held in serialized form too.
   */
  private *serializedRows(rows: readonly unknown[]): Generator<JsonValue> {
    for (const row of rows) yield this.serializeWhole(row, row);
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

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
