/**
 * Version lists as the pages show them (docs/protocol.md §8.4–§9.3): the versions of a name newest
 * first with their labels, and the names of a project each with its latest version and how many
 * live versions it has. `/objs/query` never lists deleted versions, so neither do these.
 */
import type { ObjSchema } from '@weft/protocol';

/** `v3`: how Weave's UIs and refs name a version by its index. */
export function versionName(versionIndex: number): string {
  return `v${versionIndex}`;
}

export interface VersionRow {
  digest: string;
  versionIndex: number;
  createdAt: string;
  isLatest: boolean;
  /** Aliases pointing at the version, without the synthesised `latest` (that is `isLatest`). */
  aliases: string[];
  tags: string[];
}

function rowOf(version: ObjSchema): VersionRow {
  const aliases = version.aliases ?? [];
  return {
    digest: version.digest,
    versionIndex: version.version_index,
    createdAt: version.created_at,
    isLatest: version.is_latest === 1 || aliases.includes('latest'),
    aliases: aliases.filter((alias) => alias !== 'latest'),
    tags: version.tags ?? [],
  };
}

/**
 * The versions of one name, newest first. `current` is the version the page read on its own: its
 * labels are the freshest, and it joins the list even when the list was read before it existed.
 */
export function versionRows(listed: readonly ObjSchema[], current?: ObjSchema): VersionRow[] {
  const byDigest = new Map<string, VersionRow>();
  for (const version of listed) {
    if (version.deleted_at) continue;
    byDigest.set(version.digest, rowOf(version));
  }
  if (current && !current.deleted_at) {
    const fresh = rowOf(current);
    if (fresh.isLatest) for (const row of byDigest.values()) row.isLatest = false;
    byDigest.set(current.digest, fresh);
  }
  return [...byDigest.values()].sort((a, b) => b.versionIndex - a.versionIndex);
}

/** The version before `digest` in the list (the natural one to diff against), if there is one. */
export function previousVersion(rows: readonly VersionRow[], digest: string): VersionRow | undefined {
  const at = rows.findIndex((row) => row.digest === digest);
  return at === -1 ? undefined : rows[at + 1];
}

/** The version of `rows` that `name` (a digest, `latest` or `v<N>`) names, if listed. */
export function findVersion(rows: readonly VersionRow[], name: string): VersionRow | undefined {
  if (name === 'latest') return rows.find((row) => row.isLatest);
  const index = /^v(\d+)$/.exec(name);
  if (index) return rows.find((row) => row.versionIndex === Number(index[1]));
  return rows.find((row) => row.digest === name || row.aliases.includes(name));
}

export interface ObjectSummary {
  objectId: string;
  /** The latest live version (its digest opens the name's page). */
  latest: ObjSchema;
  versionCount: number;
  /** The class shown in lists: the leaf class, else the base class, else none. */
  className: string | null;
}

/**
 * One entry per name from a list of versions (all kinds given must be one kind), newest update
 * first. The latest is the version marked `is_latest`, else the highest index seen.
 */
export function summariseObjects(versions: readonly ObjSchema[]): ObjectSummary[] {
  const byName = new Map<string, ObjectSummary>();
  for (const version of versions) {
    if (version.deleted_at) continue;
    const known = byName.get(version.object_id);
    if (!known) {
      byName.set(version.object_id, {
        objectId: version.object_id,
        latest: version,
        versionCount: 1,
        className: version.leaf_object_class ?? version.base_object_class,
      });
      continue;
    }
    known.versionCount += 1;
    const newer =
      version.is_latest === 1 ||
      (known.latest.is_latest !== 1 && version.version_index > known.latest.version_index);
    if (newer) {
      known.latest = version;
      known.className = version.leaf_object_class ?? version.base_object_class;
    }
  }
  return [...byName.values()].sort(
    (a, b) =>
      Date.parse(b.latest.created_at) - Date.parse(a.latest.created_at) ||
      a.objectId.localeCompare(b.objectId),
  );
}

/** The distinct classes of a list, for its class filter, sorted. */
export function classesOf(summaries: readonly ObjectSummary[]): string[] {
  const classes = new Set<string>();
  for (const summary of summaries) if (summary.className) classes.add(summary.className);
  return [...classes].sort((a, b) => a.localeCompare(b));
}
