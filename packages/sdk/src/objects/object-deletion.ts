/** Deleting one object or op version, named by a ref, a URI, an op, or a value read back. */

import { opRef, opStateOf } from '../tracing/op-state.js';
import type { TraceServer } from '../transport/trace-server.js';
import { isVersionSelector, readVersion } from './object-loader.js';
import { ObjectRef, type Ref, refOf, toRef } from './refs.js';

/** The version a delete names. An op means its current version in `projectId`. */
export function versionRef(target: Ref | string | object, projectId: string): Ref {
  if (typeof target === 'string' || target instanceof ObjectRef) return toRef(target);
  if (typeof target === 'function') {
    const state = opStateOf(target);
    if (state) return toRef(opRef(state, projectId));
  }
  const attached = refOf(target);
  if (attached) return toRef(attached);
  throw new TypeError('not a published version: pass a ref, a URI, an op or a value read with get()');
}

export async function deleteVersion(server: TraceServer, target: Ref, kind: 'object' | 'op'): Promise<void> {
  if (!(target instanceof ObjectRef) || target.kind !== kind) {
    throw new TypeError(`${target.uri} is not an ${kind} ref`);
  }
  // `latest` and `vN` are resolved in the ref's own history first: the server's delete names no
  // kind, and refuses a selector an op and an object of the same name both answer to.
  const digest = isVersionSelector(target.digest)
    ? (await readVersion(server, target, { metadataOnly: true })).digest
    : target.digest;
  await server.objDelete({ project_id: target.projectId, object_id: target.name, digests: [digest] });
}
