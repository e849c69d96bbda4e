/**
 * `/:e/:p/weave/objects/:name/versions/:digest`: one object version. A Dataset shows its rows as
 * a table (`?tab=json` shows the object itself); any other object shows as collapsible JSON with
 * refs as links, and the ops it holds (a Model's methods, an Evaluation's scorers) are listed.
 */
import type { ObjSchema } from '@weft/protocol';
import { useMemo } from 'react';
import { Link, Navigate, useSearchParams } from 'react-router';
import { JsonView } from '../../components/json-view';
import { useNavSection } from '../../components/layout';
import { Failure, Loading } from '../../components/states';
import { paths, refPath } from '../../routes';
import { DatasetRows } from './dataset-rows';
import { findOpRefs, tryParseRef } from './refs';
import { useVersion, useVersionParams } from './use-version';
import { VersionHeader } from './version-header';
import { VersionList } from './version-list';
import './objects.css';

/** The digest of a Dataset's rows table (`rows: "weave:///e/p/table/<digest>"`), if it is one. */
export function datasetTableDigest(obj: ObjSchema): string | undefined {
  const val = obj.val;
  if (val === null || typeof val !== 'object') return undefined;
  const isDataset = obj.base_object_class === 'Dataset' || (val as { _type?: unknown })._type === 'Dataset';
  const rows = (val as { rows?: unknown }).rows;
  if (!isDataset || typeof rows !== 'string') return undefined;
  const ref = tryParseRef(rows);
  return ref?.kind === 'table' ? ref.digest : undefined;
}

export function ObjectVersionPage() {
  const { project, name, requested } = useVersionParams();
  const { version, rows, labels } = useVersion(project, name, requested, 'object');
  const [params] = useSearchParams();
  useNavSection(version.data && datasetTableDigest(version.data) !== undefined ? 'Datasets' : undefined);

  if (version.isPending) return <Loading what="the object" />;
  if (version.isError) return <Failure error={version.error} what={`Object ${name} version ${requested}`} />;
  const obj = version.data;
  if (obj.kind === 'op') return <Navigate to={paths.opVersion(project, obj.object_id, obj.digest)} replace />;

  const tableDigest = datasetTableDigest(obj);
  const isDataset = tableDigest !== undefined;
  const tab = isDataset && params.get('tab') !== 'json' ? 'rows' : 'json';
  const linkTo = (digest: string) => paths.objectVersion(project, name, digest);
  const section = isDataset
    ? { label: 'Datasets', to: paths.datasets(project) }
    : { label: 'Objects', to: paths.objects(project) };

  return (
    <div className={`page version-page${tab === 'rows' ? ' version-page-fill' : ''}`}>
      <VersionHeader section={section} obj={obj} labels={labels} requested={requested} />
      <div className="version-layout">
        <div className="version-main">
          {isDataset && (
            <div className="tabs" role="tablist" aria-label="Dataset view">
              <Link to={linkTo(obj.digest)} role="tab" aria-selected={tab === 'rows'} replace>
                Rows
              </Link>
              <Link to={`${linkTo(obj.digest)}?tab=json`} role="tab" aria-selected={tab === 'json'} replace>
                Object
              </Link>
            </div>
          )}
          {tab === 'rows' && tableDigest ? (
            <DatasetRows project={project} tableDigest={tableDigest} />
          ) : (
            <div className="object-json">
              <JsonView value={obj.val} collapsed={3} />
            </div>
          )}
        </div>
        <aside className="version-side">
          <VersionList rows={rows} currentDigest={obj.digest} linkTo={linkTo} />
          <HeldOps value={obj.val} />
        </aside>
      </div>
    </div>
  );
}

/** The ops a value holds by ref (a Model's `predict`, an Evaluation's scorers), linked. */
function HeldOps({ value }: { value: unknown }) {
  const ops = useMemo(() => findOpRefs(value), [value]);
  if (ops.length === 0) return null;
  return (
    <section className="side-section" aria-label="Ops">
      <h2>Ops</h2>
      <ul className="held-ops">
        {ops.map((op) => {
          const to = refPath(op.ref);
          return (
            <li key={`${op.path}:${op.ref}`}>
              <span className="muted held-op-path">{op.path}</span>
              {to ? <Link to={to}>{op.name}</Link> : op.name}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
