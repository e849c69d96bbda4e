/**
 * The versions of one op or object, newest first, each with its index, digest, age and labels.
 * Virtualised: a name may have thousands of versions. The current version is marked; on an op's
 * page each other version offers to be diffed against it.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import { Link } from 'react-router';
import { formatRelative, formatTime } from '../../format';
import { ShortDigest, VersionLabels } from './labels';
import { type VersionRow, versionName } from './versions';

const ROW_HEIGHT = 54;
const VISIBLE_ROWS = 9;

export interface VersionListProps {
  rows: readonly VersionRow[];
  currentDigest: string;
  linkTo: (digest: string) => string;
  /** On op pages: the version being diffed against, and how to choose one. */
  compare?: { digest: string | undefined; linkTo: (digest: string) => string };
}

export function VersionList({ rows, currentDigest, linkTo, compare }: VersionListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });
  return (
    <section className="side-section" aria-label="Versions">
      <h2>
        Versions <span className="muted">{rows.length}</span>
      </h2>
      <div
        ref={scroller}
        className="version-list"
        style={{ height: Math.min(rows.length, VISIBLE_ROWS) * ROW_HEIGHT + 2 }}
      >
        <ol style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            const current = row.digest === currentDigest;
            const compared = row.digest === compare?.digest;
            return (
              <li
                key={row.digest}
                className={`version-row${current ? ' version-current' : ''}${compared ? ' version-compared' : ''}`}
                style={{ height: item.size, transform: `translateY(${item.start}px)` }}
                aria-current={current ? 'page' : undefined}
              >
                <div className="version-line">
                  <Link to={linkTo(row.digest)} className="version-name">
                    {versionName(row.versionIndex)}
                  </Link>
                  <ShortDigest digest={row.digest} />
                  <time className="muted" dateTime={row.createdAt} title={formatTime(row.createdAt)}>
                    {formatRelative(row.createdAt)}
                  </time>
                  {compare && !current && (
                    <Link
                      to={compare.linkTo(row.digest)}
                      className="version-diff"
                      aria-pressed={compared}
                      title={`Diff with ${versionName(row.versionIndex)}`}
                    >
                      {compared ? 'diffing' : 'diff'}
                    </Link>
                  )}
                </div>
                <VersionLabels row={row} />
              </li>
            );
          })}
        </ol>
      </div>
    </section>
  );
}
