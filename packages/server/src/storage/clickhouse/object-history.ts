/**
 * The versions of one object name as ClickHouse holds them (objects-schema.ts), less their values:
 * what decides which version a selector names, which one is latest, and the next version index.
 * The objects module reads it for every change and for reads of one name, so these rules live in
 * one place.
 */
import type { ObjectKind, ObjectVersionSelector } from '../trace-store.js';

/** One version's stored state (a row of `objects` after FINAL, without `val_dump`). */
export interface VersionState {
  kind: ObjectKind;
  digest: string;
  version_index: number;
  base_object_class: string | null;
  leaf_object_class: string | null;
  created_at: number;
  deleted_at: number | null;
  wb_user_id: string | null;
  /** The write clock when it last became its kind's latest. */
  made_latest: number;
}

export const KINDS: readonly ObjectKind[] = ['object', 'op'];

/** Creation order, then `object` before `op` (Weave's obj_read order). */
function byCreation(left: VersionState, right: VersionState): number {
  if (left.created_at !== right.created_at) return left.created_at - right.created_at;
  return left.kind < right.kind ? -1 : left.kind > right.kind ? 1 : 0;
}

export class ObjectHistory {
  private readonly latestByKind = new Map<ObjectKind, VersionState>();

  constructor(readonly versions: readonly VersionState[]) {
    for (const version of versions) {
      if (version.deleted_at !== null) continue;
      const current = this.latestByKind.get(version.kind);
      if (!current || version.made_latest > current.made_latest) this.latestByKind.set(version.kind, version);
    }
  }

  /** The live version of a kind made latest last. */
  latest(kind: ObjectKind): VersionState | undefined {
    return this.latestByKind.get(kind);
  }

  isLatest(version: VersionState): boolean {
    return this.latestByKind.get(version.kind) === version;
  }

  find(kind: ObjectKind, digest: string): VersionState | undefined {
    return this.versions.find((version) => version.kind === kind && version.digest === digest);
  }

  /**
   * One past the highest index the kind ever gave. A resurrected version takes a new index and its
   * row keeps only that one, but indexes only grow, so the highest is still there.
   */
  nextIndex(kind: ObjectKind): number {
    let next = 0;
    for (const version of this.versions)
      if (version.kind === kind) next = Math.max(next, version.version_index + 1);
    return next;
  }

  anyLive(): boolean {
    return this.versions.some((version) => version.deleted_at === null);
  }

  live(): VersionState[] {
    return this.versions.filter((version) => version.deleted_at === null);
  }

  /**
   * The versions a selector names, the one created first first. `aliasDigest` is the digest the
   * selector's alias points at (when it is one and points at a live version); otherwise the alias
   * text is read as a digest (docs/protocol.md §8.5).
   */
  named(selector: ObjectVersionSelector, aliasDigest: string | undefined, live: boolean): VersionState[] {
    const digest =
      'digest' in selector
        ? selector.digest
        : 'alias' in selector
          ? (aliasDigest ?? selector.alias)
          : undefined;
    const kinds = selector.kind ? [selector.kind] : KINDS;
    let matches: (version: VersionState) => boolean;
    if (digest !== undefined) matches = (version) => version.digest === digest;
    else if ('versionIndex' in selector) {
      const index = selector.versionIndex;
      matches = (version) => version.version_index === index;
    } else matches = (version) => this.isLatest(version);
    return this.versions
      .filter(
        (version) =>
          kinds.includes(version.kind) && (!live || version.deleted_at === null) && matches(version),
      )
      .sort(byCreation);
  }

  /** The newest live version of a kind outside `excluded`: created last, then highest index. */
  newestLive(kind: ObjectKind, excluded: ReadonlySet<VersionState>): VersionState | undefined {
    let newest: VersionState | undefined;
    for (const version of this.versions) {
      if (version.kind !== kind || version.deleted_at !== null || excluded.has(version)) continue;
      if (
        !newest ||
        version.created_at > newest.created_at ||
        (version.created_at === newest.created_at && version.version_index > newest.version_index)
      )
        newest = version;
    }
    return newest;
  }
}
