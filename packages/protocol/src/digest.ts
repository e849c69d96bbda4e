/**
 * Weave's content digests (docs/protocol.md §7.2): base64url(sha256(bytes)) with `-` → `X`,
 * `_` → `Y` and no padding, giving 43 characters from [A-Za-z0-9]; files hash their bytes,
 * objects and rows their Python-style JSON (python-json.ts), tables their row digests.
 */
import { createHash } from 'node:crypto';
import { PythonFloat, pythonJsonDumps } from './python-json.js';

/** Also a file's digest (over its raw bytes). */
export function bytesDigest(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('base64url').replace(/-/g, 'X').replace(/_/g, 'Y');
}

/**
 * An object version's digest: its value as Python's `json.dumps(sort_keys=True)` writes it. With
 * `refs`, refs into its own project are first rewritten to the internal form production hashes
 * (`weave-trace-internal:///<internal project id>/…`); weft's server hashes refs as sent (it has no
 * internal ids), so only ref-free values match production. Clients copy whatever digest they get.
 */
export function objectDigest(
  value: unknown,
  refs?: { projectId: string; internalProjectId: string },
): string {
  const hashed = refs
    ? toInternalRefs(value, `${WEAVE_REF_PREFIX}${refs.projectId}/`, refs.internalProjectId)
    : value;
  return bytesDigest(pythonJsonDumps(hashed));
}

/** A table row's digest. */
export function rowDigest(row: unknown): string {
  return bytesDigest(pythonJsonDumps(row));
}

/** A table's digest: lower-case hex sha256 of its row digests, concatenated in order. */
export function tableDigest(rowDigests: readonly string[]): string {
  return createHash('sha256').update(rowDigests.join('')).digest('hex');
}

const WEAVE_REF_PREFIX = 'weave:///';
const INTERNAL_REF_PREFIX = 'weave-trace-internal:///';

function toInternalRefs(value: unknown, projectPrefix: string, internalProjectId: string): unknown {
  if (typeof value === 'string') {
    return value.startsWith(projectPrefix)
      ? `${INTERNAL_REF_PREFIX}${internalProjectId}/${value.slice(projectPrefix.length)}`
      : value;
  }
  if (Array.isArray(value))
    return value.map((item) => toInternalRefs(item, projectPrefix, internalProjectId));
  if (value !== null && typeof value === 'object' && !(value instanceof PythonFloat)) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(result, key, {
        value: toInternalRefs(item, projectPrefix, internalProjectId),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return result;
  }
  return value;
}
