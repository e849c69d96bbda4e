/**
 * Refs to published values: `weave:///<entity>/<project>/object/<name>:<digest>`, `/op/…` and
 * `/table/<digest>`, with optional extra parts (`/attr/rows/id/<row digest>`). A ref reads its
 * value back through the client `init` made (or one given), and serializes as its URI, so a ref
 * passed to an op shows up in the call's inputs as the ref itself.
 */
import { formatRef, parseRef, type RefEdge, type RefExtraPart, type WeaveRef } from '@weft/protocol/refs';
import { currentClient } from '../client/current-client.js';
import type { WeaveClient } from '../client/weave-client.js';
import type { GetOptions } from './object-loader.js';

/** Values that were published (or read back) keep their ref here, so inputs can point at them. */
const attachedRefs = new WeakMap<object, string>();

/** Remembers that `value` is the published version `uri` (an object, array, Dataset or row). */
export function attachRef(value: unknown, uri: string): void {
  if (typeof value === 'object' && value !== null) attachedRefs.set(value, uri);
}

/** The ref of a value that was published or read back from a ref, if any. */
export function refOf(value: object): string | undefined {
  return attachedRefs.get(value);
}

abstract class RefBase {
  constructor(
    readonly entity: string,
    readonly project: string,
    readonly extra: readonly RefExtraPart[],
  ) {}

  /** `entity/project`. */
  get projectId(): string {
    return `${this.entity}/${this.project}`;
  }

  protected abstract wire(): WeaveRef;

  get uri(): string {
    return formatRef(this.wire());
  }

  toString(): string {
    return this.uri;
  }

  toJSON(): string {
    return this.uri;
  }

  /** Reads the value this ref points at, through `client` or the one `init` made. */
  get(options: GetOptions & { client?: WeaveClient } = {}): Promise<unknown> {
    const client = options.client ?? currentClient();
    if (!client) return Promise.reject(new Error('ref.get() needs a client: call init() first'));
    return client.get(this as unknown as Ref, options);
  }
}

/** An object or op version, possibly with a path into it. */
export class ObjectRef extends RefBase {
  constructor(
    entity: string,
    project: string,
    readonly kind: 'object' | 'op',
    readonly name: string,
    /** A content digest, or `latest` / `v<N>`. */
    readonly digest: string,
    extra: readonly RefExtraPart[] = [],
  ) {
    super(entity, project, extra);
  }

  protected wire(): WeaveRef {
    return {
      kind: this.kind,
      entity: this.entity,
      project: this.project,
      name: this.name,
      digest: this.digest,
      extra: this.extra,
    };
  }

  /** The same version without the extra path. */
  get root(): ObjectRef {
    return this.extra.length === 0
      ? this
      : new ObjectRef(this.entity, this.project, this.kind, this.name, this.digest);
  }

  /** A ref one step further into the value. */
  with(edge: RefEdge, value: string): ObjectRef {
    return new ObjectRef(this.entity, this.project, this.kind, this.name, this.digest, [
      ...this.extra,
      { edge, value },
    ]);
  }
}

/** A table version (a Dataset's rows), possibly with a path into it. */
export class TableRef extends RefBase {
  constructor(
    entity: string,
    project: string,
    readonly digest: string,
    extra: readonly RefExtraPart[] = [],
  ) {
    super(entity, project, extra);
  }

  /** A ref one step further into the table, e.g. `with('id', rowDigest)` for a row. */
  with(edge: RefEdge, value: string): TableRef {
    return new TableRef(this.entity, this.project, this.digest, [...this.extra, { edge, value }]);
  }

  protected wire(): WeaveRef {
    return {
      kind: 'table',
      entity: this.entity,
      project: this.project,
      digest: this.digest,
      extra: this.extra,
    };
  }
}

export type Ref = ObjectRef | TableRef;

/**
 * Parses a `weave:///` URI (Weave's `weave.ref(uri)`). Call refs are not values one can read, so
 * they are refused here; `client.getCall(id)` reads calls.
 */
export function ref(uri: string): Ref {
  const parsed = parseRef(uri);
  switch (parsed.kind) {
    case 'object':
    case 'op':
      return new ObjectRef(
        parsed.entity,
        parsed.project,
        parsed.kind,
        parsed.name,
        parsed.digest,
        parsed.extra,
      );
    case 'table':
      return new TableRef(parsed.entity, parsed.project, parsed.digest, parsed.extra);
    case 'call':
      throw new Error(`${uri} is a call ref; read calls with client.getCall(id)`);
  }
}

/** A Ref from a Ref or a URI string. */
export function toRef(value: Ref | string): Ref {
  return typeof value === 'string' ? ref(value) : value;
}
