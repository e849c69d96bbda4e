/**
 * Weave refs: `weave:///<entity>/<project>/<kind>/...` (docs/protocol.md §7.1).
 *
 * - object / op: `.../object/<name>:<digest>[/<edge>/<value>]*`
 * - table:       `.../table/<digest>[/<edge>/<value>]*`
 * - call:        `.../call/<call id>[/<edge>/<value>]*`
 *
 * Name, digest and edge values are percent-encoded with no safe characters beyond
 * `A-Za-z0-9_.-~`. Extra path parts come in (edge, value) pairs.
 */
import { InvalidRequest } from './errors.js';

export const WEAVE_REF_PREFIX = 'weave:///';

export type RefEdge = 'key' | 'attr' | 'index' | 'id';
const EDGES: ReadonlySet<string> = new Set<RefEdge>(['key', 'attr', 'index', 'id']);

export interface RefExtraPart {
  edge: RefEdge;
  value: string;
}

interface RefBase {
  entity: string;
  project: string;
  extra: readonly RefExtraPart[];
}

export interface ObjectRef extends RefBase {
  kind: 'object' | 'op';
  name: string;
  /** A content digest, or a version selector such as `latest`, `v3` or `*`. */
  digest: string;
}

export interface TableRef extends RefBase {
  kind: 'table';
  digest: string;
}

export interface CallRef extends RefBase {
  kind: 'call';
  id: string;
}

export type WeaveRef = ObjectRef | TableRef | CallRef;

/**
 * Percent-encodes like Python's `quote(s, safe='')`: everything but `A-Za-z0-9_.-~`. A lone
 * surrogate (which encodeURIComponent refuses) is encoded as U+FFFD.
 */
export function encodeRefPart(text: string): string {
  const wellFormed = text.replace(
    /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    '\uFFFD',
  );
  return encodeURIComponent(wellFormed).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function decodeRefPart(text: string, uri: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new InvalidRequest(`invalid percent-encoding in ref ${JSON.stringify(uri)}`);
  }
}

export function isWeaveRef(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(WEAVE_REF_PREFIX);
}

/** Parses a `weave:///` ref; a malformed one is an InvalidRequest naming what is wrong. */
export function parseRef(uri: string): WeaveRef {
  if (!uri.startsWith(WEAVE_REF_PREFIX)) {
    throw new InvalidRequest(`ref must start with ${WEAVE_REF_PREFIX}: ${JSON.stringify(uri)}`);
  }
  const parts = uri.slice(WEAVE_REF_PREFIX.length).split('/');
  const [entity, project, kind, head, ...rest] = parts;
  if (!entity || !project || !kind || !head) {
    throw new InvalidRequest(`ref has too few parts: ${JSON.stringify(uri)}`);
  }
  const extra = parseExtra(rest, uri);
  switch (kind) {
    case 'object':
    case 'op': {
      const colon = head.lastIndexOf(':');
      if (colon <= 0 || colon === head.length - 1) {
        throw new InvalidRequest(`ref needs <name>:<digest>: ${JSON.stringify(uri)}`);
      }
      return {
        kind,
        entity,
        project,
        name: decodeRefPart(head.slice(0, colon), uri),
        digest: decodeRefPart(head.slice(colon + 1), uri),
        extra,
      };
    }
    case 'table':
      return { kind, entity, project, digest: decodeRefPart(head, uri), extra };
    case 'call':
      return { kind, entity, project, id: decodeRefPart(head, uri), extra };
    default:
      throw new InvalidRequest(`unknown ref kind ${JSON.stringify(kind)} in ${JSON.stringify(uri)}`);
  }
}

function parseExtra(rest: string[], uri: string): RefExtraPart[] {
  if (rest.length % 2 !== 0) {
    throw new InvalidRequest(`ref extra path must come in edge/value pairs: ${JSON.stringify(uri)}`);
  }
  const extra: RefExtraPart[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    const edge = rest[i] as string;
    const value = decodeRefPart(rest[i + 1] as string, uri);
    if (!EDGES.has(edge)) {
      throw new InvalidRequest(`unknown ref edge ${JSON.stringify(edge)} in ${JSON.stringify(uri)}`);
    }
    if (edge === 'index' && !/^-?\d+$/.test(value)) {
      throw new InvalidRequest(`ref index must be an integer: ${JSON.stringify(uri)}`);
    }
    extra.push({ edge: edge as RefEdge, value });
  }
  return extra;
}

/**
 * Every distinct `weave:///` string inside a JSON value, in the order first met: what a call's
 * `input_refs` / `output_refs` filters match (docs/protocol.md §4.6).
 */
export function collectRefs(value: unknown, found: Set<string> = new Set()): string[] {
  if (typeof value === 'string') {
    if (value.startsWith(WEAVE_REF_PREFIX)) found.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectRefs(item, found);
  } else if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) collectRefs(item, found);
  }
  return [...found];
}

export function formatRef(ref: WeaveRef): string {
  const base = `${WEAVE_REF_PREFIX}${ref.entity}/${ref.project}/${ref.kind}/`;
  let head: string;
  switch (ref.kind) {
    case 'object':
    case 'op':
      head = `${encodeRefPart(ref.name)}:${encodeRefPart(ref.digest)}`;
      break;
    case 'table':
      head = encodeRefPart(ref.digest);
      break;
    case 'call':
      head = encodeRefPart(ref.id);
      break;
  }
  const extra = ref.extra.map((part) => `/${part.edge}/${encodeRefPart(part.value)}`).join('');
  return base + head + extra;
}

/**
 * The human name inside an op ref, for `summary.weave.trace_name` (docs/protocol.md §4.2). Lenient on
 * purpose: the official npm SDK does not percent-encode names, so `op/my op/with:colon:<digest>`
 * must still yield `my op/with:colon`. A string that is not an op ref is its own name.
 */
export function opDisplayName(opName: string): string {
  if (!opName.startsWith(WEAVE_REF_PREFIX)) return opName;
  const afterPrefix = opName.slice(WEAVE_REF_PREFIX.length);
  const firstSlash = afterPrefix.indexOf('/');
  const secondSlash = afterPrefix.indexOf('/', firstSlash + 1);
  if (firstSlash < 0 || secondSlash < 0) return opName;
  const kindAndRest = afterPrefix.slice(secondSlash + 1);
  if (!kindAndRest.startsWith('op/')) return opName;
  const nameAndDigest = kindAndRest.slice('op/'.length);
  const colon = nameAndDigest.lastIndexOf(':');
  const name = colon > 0 ? nameAndDigest.slice(0, colon) : nameAndDigest;
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}
