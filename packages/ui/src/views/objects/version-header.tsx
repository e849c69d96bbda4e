/** The top of a version page: where it sits, its name and version, labels, digest and age. */
import type { ObjSchema } from '@weft/protocol';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { formatRelative, formatTime } from '../../format';
import { VersionLabels } from './labels';
import { type VersionRow, versionName } from './versions';

export function VersionHeader({
  section,
  obj,
  labels,
  requested,
  children,
}: {
  section: { label: string; to: string };
  obj: ObjSchema;
  labels: Pick<VersionRow, 'isLatest' | 'aliases' | 'tags'>;
  /** The version as the URL named it (`latest`, `v2`, an alias or the digest). */
  requested: string;
  children?: ReactNode;
}) {
  const className = obj.leaf_object_class ?? obj.base_object_class;
  return (
    <header className="version-header">
      <nav className="version-crumbs" aria-label="Breadcrumb">
        <Link to={section.to}>{section.label}</Link>
        <span className="muted"> / {obj.object_id}</span>
      </nav>
      <div className="version-title">
        <h1>{obj.object_id}</h1>
        <span className="version-index">{versionName(obj.version_index)}</span>
        <VersionLabels row={labels} />
      </div>
      <dl className="version-meta">
        <div>
          <dt>Digest</dt>
          <dd>
            <code className="digest-full">{obj.digest}</code>
            {requested !== obj.digest && (
              <span className="muted">
                {' '}
                (opened as <code>{requested}</code>)
              </span>
            )}
          </dd>
        </div>
        {className && (
          <div>
            <dt>Class</dt>
            <dd>{className}</dd>
          </div>
        )}
        <div>
          <dt>Created</dt>
          <dd>
            <time dateTime={obj.created_at} title={formatTime(obj.created_at)}>
              {formatRelative(obj.created_at)}
            </time>
          </dd>
        </div>
        {children}
      </dl>
    </header>
  );
}
