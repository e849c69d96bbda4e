/**
 * Reads published versions back (`client.get(ref)`, `ref.get()`). With `objectify` (the default)
 * the stored form becomes JavaScript again: refs inside are read too, Datasets get their rows,
 * registered classes get their prototype, and an op ref gives the op of this process that has that
 * version. Without it, the stored JSON comes back as it is.
 */
import type { ObjSchema } from '@weft/protocol';
import { isWeaveRef, parseRef } from '@weft/protocol/refs';
import { liveOpByRef, OP_SOURCE_FILE } from '../tracing/op-state.js';
import { type TraceServer, TraceServerError } from '../transport/trace-server.js';
import { Dataset, type DatasetRow } from './dataset.js';
import { attachRef, ObjectRef, ref as parseUri, type Ref, TableRef } from './refs.js';
import { CLASS_KEYS, registeredClass } from './weave-object.js';

export interface GetOptions {
  /** Rebuild Datasets, ops and registered classes, and read refs inside the value (default true). */
  objectify?: boolean;
}

/** Refs inside refs are followed this deep; deeper ones stay as ref strings. */
const MAX_REF_DEPTH = 16;
/** Table rows per `/table/query` request. */
const TABLE_PAGE_ROWS = 10_000;

interface LoadedRow {
  digest: string;
  val: unknown;
}

/** One `get`: each ref inside is read once even when it appears many times. */
class Load {
  private readonly cache = new Map<string, Promise<unknown>>();

  constructor(
    private readonly server: TraceServer,
    private readonly objectify: boolean,
  ) {}

  read(target: Ref, depth: number): Promise<unknown> {
    const key = target.uri;
    let pending = this.cache.get(key);
    if (!pending) {
      pending = this.readUncached(target, depth);
      this.cache.set(key, pending);
    }
    return pending;
  }

  private async readUncached(target: Ref, depth: number): Promise<unknown> {
    if (target instanceof TableRef && target.extra.length === 0) {
      const rows = await this.tableRows(target);
      return this.objectify
        ? Promise.all(rows.map((row) => this.rebuild(row.val, target.with('id', row.digest).uri, depth)))
        : rows.map((row) => row.val);
    }
    if (target.extra.length > 0 || target instanceof TableRef) {
      const { vals } = await this.server.refsReadBatch({ refs: [target.uri] });
      // A deleted object reads as null, as Weave's refs do.
      const value = vals[0] ?? null;
      return this.objectify && value !== null ? this.rebuild(value, target.uri, depth) : value;
    }
    const obj = await readVersion(this.server, target);
    if (!this.objectify) return obj.val;
    // `latest` and `vN` refs are pinned to the version that was read.
    const exact = new ObjectRef(target.entity, target.project, obj.kind, obj.object_id, obj.digest);
    return this.rebuild(obj.val, exact.uri, depth);
  }

  private async tableRows(table: TableRef): Promise<LoadedRow[]> {
    const rows: LoadedRow[] = [];
    for (;;) {
      const page = await this.server.tableQuery({
        project_id: table.projectId,
        digest: table.digest,
        offset: rows.length,
        limit: TABLE_PAGE_ROWS,
      });
      rows.push(...page.rows.map((row) => ({ digest: row.digest, val: row.val })));
      if (page.rows.length < TABLE_PAGE_ROWS) return rows;
    }
  }

  /** The JavaScript form of a stored value whose own ref is `uri`. */
  private async rebuild(value: unknown, uri: string | undefined, depth: number): Promise<unknown> {
    const result = await this.rebuildValue(value, uri, depth);
    if (uri !== undefined) attachRef(result, uri);
    return result;
  }

  private async rebuildValue(value: unknown, uri: string | undefined, depth: number): Promise<unknown> {
    if (typeof value === 'string') return this.readNested(value, depth);
    if (Array.isArray(value)) return Promise.all(value.map((item) => this.rebuild(item, undefined, depth)));
    if (typeof value !== 'object' || value === null) return value;
    const stored = value as Record<string, unknown>;
    if (isOpValue(stored)) return this.loadOp(stored, uri);
    const className = typeof stored._class_name === 'string' ? stored._class_name : undefined;
    if (className === 'Dataset' || (className === undefined && stored._type === 'Dataset')) {
      return this.loadDataset(stored, uri, depth);
    }
    const cls = className ? registeredClass(className) : undefined;
    const target: Record<string, unknown> = cls ? Object.create(cls.prototype) : {};
    const entries = Object.entries(stored).filter(([key]) => !(cls && CLASS_KEYS.has(key)));
    const rebuilt = await Promise.all(entries.map(([, field]) => this.rebuild(field, undefined, depth)));
    entries.forEach(([key], index) => {
      // defineProperty: a stored `__proto__` key stays a key.
      Object.defineProperty(target, key, {
        value: rebuilt[index],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    });
    return target;
  }

  /**
   * A string inside a value: a ref is read (objects, ops, tables), other strings stay. A ref that
   * no longer reads (deleted, never stored) comes back as a Ref object, as Weave resolves refs
   * lazily and only fails on use; other failures (the server away) fail the `get`.
   */
  private async readNested(text: string, depth: number): Promise<unknown> {
    if (!isWeaveRef(text) || depth >= MAX_REF_DEPTH) return text;
    let nested: Ref;
    try {
      nested = parseUri(text);
    } catch {
      return text; // A call ref (not a value), or text that only looks like a ref.
    }
    try {
      return await this.read(nested, depth + 1);
    } catch (error) {
      if (error instanceof TraceServerError && error.status === 404) return nested;
      throw error;
    }
  }

  private async loadDataset(stored: Record<string, unknown>, uri: string | undefined, depth: number) {
    let rows: DatasetRow[] = [];
    let rowDigests: string[] = [];
    if (typeof stored.rows === 'string' && isWeaveRef(stored.rows)) {
      const table = parseUri(stored.rows);
      if (!(table instanceof TableRef))
        throw new Error(`a Dataset's rows must be a table ref: ${stored.rows}`);
      const loaded = await this.tableRows(table);
      rows = (await Promise.all(
        loaded.map((row) => this.rebuild(row.val, undefined, depth)),
      )) as DatasetRow[];
      rowDigests = loaded.map((row) => row.digest);
    } else if (Array.isArray(stored.rows)) {
      rows = (await this.rebuild(stored.rows, undefined, depth)) as DatasetRow[];
    }
    const dataset = new Dataset({
      ...(typeof stored.name === 'string' ? { name: stored.name } : {}),
      ...(typeof stored.description === 'string' ? { description: stored.description } : {}),
      rows,
    });
    if (uri !== undefined) {
      const rowsRef = (parseUri(uri) as ObjectRef).with('attr', 'rows');
      dataset.rows.forEach((row, index) => {
        const digest = rowDigests[index];
        if (digest !== undefined) attachRef(row, rowsRef.with('id', digest).uri);
      });
    }
    return dataset;
  }

  /**
   * The op of this process with that version; else a stand-in that shows the saved source but
   * refuses to run: weft never runs code it reads from a server.
   */
  private async loadOp(stored: Record<string, unknown>, uri: string | undefined): Promise<unknown> {
    const live = uri === undefined ? undefined : liveOpByRef(uri);
    if (live) return live;
    const parsed = uri === undefined ? undefined : parseRef(uri);
    const name = parsed && parsed.kind !== 'table' && parsed.kind !== 'call' ? parsed.name : 'op';
    const fileDigest = (stored.files as Record<string, unknown> | undefined)?.[OP_SOURCE_FILE];
    let source: string | undefined;
    if (typeof fileDigest === 'string' && parsed) {
      const bytes = await this.server.fileContent({
        project_id: `${parsed.entity}/${parsed.project}`,
        digest: fileDigest,
      });
      source = Buffer.from(bytes).toString('utf8');
    }
    const storedOp = () => {
      throw new Error(
        `op ${name} was read from ${uri ?? 'the server'}; weft does not run code read from a server. ` +
          'Import the op from your code to call it.',
      );
    };
    Object.defineProperties(storedOp, {
      name: { value: name },
      opName: { value: name, enumerable: true },
      ref: { value: uri, enumerable: true },
      source: { value: source, enumerable: true },
    });
    return storedOp;
  }
}

/** `latest` or `v<N>`: names a version by position in a history rather than by content. */
const VERSION_SELECTOR = /^(latest|v(\d+))$/;

export function isVersionSelector(digest: string): boolean {
  return VERSION_SELECTOR.test(digest);
}

/**
 * A digest names one version; `latest` and `vN` are looked up in the ref's own history (op or
 * object): `/obj/read` names no kind, and an op and an object may share a name.
 */
export async function readVersion(
  server: TraceServer,
  target: ObjectRef,
  options: { metadataOnly?: boolean } = {},
): Promise<ObjSchema> {
  const selector = VERSION_SELECTOR.exec(target.digest);
  const read = (digest: string) =>
    server.objRead({
      project_id: target.projectId,
      object_id: target.name,
      digest,
      ...(options.metadataOnly ? { metadata_only: true } : {}),
    });
  if (!selector) return (await read(target.digest)).obj;
  const wanted = selector[2] === undefined ? undefined : Number(selector[2]);
  const { objs } = await server.objsQuery({
    project_id: target.projectId,
    filter: { object_ids: [target.name], is_op: target.kind === 'op', latest_only: wanted === undefined },
    metadata_only: wanted !== undefined || options.metadataOnly === true,
  });
  const found = wanted === undefined ? objs[0] : objs.find((obj) => obj.version_index === wanted);
  if (!found) throw new TraceServerError(`no live version ${target.uri}`, 404, 'not found');
  return wanted === undefined || options.metadataOnly ? found : (await read(found.digest)).obj;
}

function isOpValue(stored: Record<string, unknown>): boolean {
  return (
    stored._type === 'CustomWeaveType' && (stored.weave_type as { type?: unknown } | undefined)?.type === 'Op'
  );
}

export function loadRef(server: TraceServer, target: Ref, options: GetOptions = {}): Promise<unknown> {
  return new Load(server, options.objectify ?? true).read(target, 0);
}
