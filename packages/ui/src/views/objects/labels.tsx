/** A version's labels: `latest`, the aliases pointing at it and its tags (docs/protocol.md §9). */
import type { VersionRow } from './versions';

export function VersionLabels({ row }: { row: Pick<VersionRow, 'isLatest' | 'aliases' | 'tags'> }) {
  return (
    <span className="labels">
      {row.isLatest && <span className="label label-latest">latest</span>}
      {row.aliases.map((alias) => (
        <span key={`alias:${alias}`} className="label label-alias" title={`alias ${alias}`}>
          {alias}
        </span>
      ))}
      {row.tags.map((tag) => (
        <span key={`tag:${tag}`} className="label label-tag" title={`tag ${tag}`}>
          #{tag}
        </span>
      ))}
    </span>
  );
}

/** The first characters of a digest, as lists show it (the full digest is in the title). */
export function ShortDigest({ digest }: { digest: string }) {
  return (
    <code className="digest" title={digest}>
      {digest.slice(0, 8)}
    </code>
  );
}
