/**
 * `/:e/:p/weave/ops/:name/versions/:digest`: one op version's code, highlighted, or its diff with
 * another version (`?diff=<digest>&layout=split|unified`, so a diff can be shared); its versions;
 * and the calls that used it.
 */
import { useQuery } from '@tanstack/react-query';
import type { ObjSchema } from '@weft/protocol';
import { useMemo } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { Empty, Failure, Loading } from '../../components/states';
import { type ProjectRef, paths } from '../../routes';
import { readFileText, readObjectVersion } from './api';
import { CodeDiffView, type DiffLayout } from './code-diff-view';
import { CodeView } from './code-view';
import { OpCalls } from './op-calls';
import { detectSourceLanguage, LANGUAGE_NAMES } from './source-language';
import { dedentFunctionSource } from './source-layout';
import { useVersion, useVersionParams } from './use-version';
import { VersionHeader } from './version-header';
import { VersionList } from './version-list';
import { previousVersion, type VersionRow, versionName } from './versions';
import './objects.css';

/** The file Weave's SDKs store an op's source in (docs/protocol.md §8.3). */
const SOURCE_FILE = 'obj.py';

/** The digest of the op's source file: `obj.py`, else the only file it lists. */
export function sourceFileDigest(val: unknown): string | undefined {
  if (val === null || typeof val !== 'object') return undefined;
  const files = (val as { files?: unknown }).files;
  if (files === null || typeof files !== 'object') return undefined;
  const named = (files as Record<string, unknown>)[SOURCE_FILE];
  if (typeof named === 'string') return named;
  const first = Object.values(files as Record<string, unknown>).find((digest) => typeof digest === 'string');
  return typeof first === 'string' ? first : undefined;
}

function useSource(project: ProjectRef, obj: ObjSchema | undefined) {
  const digest = obj ? sourceFileDigest(obj.val) : undefined;
  return useQuery({
    queryKey: ['objects', 'file', project, digest],
    queryFn: ({ signal }) => readFileText(project, digest ?? '', signal),
    // Shown as its author laid it out (source-layout.ts); both sides of a diff alike.
    select: dedentFunctionSource,
    enabled: digest !== undefined,
    staleTime: Number.POSITIVE_INFINITY,
  });
}

export function OpVersionPage() {
  const { project, name, requested } = useVersionParams();
  const { version, rows, labels } = useVersion(project, name, requested, 'op');
  const [params] = useSearchParams();
  const diffWith = params.get('diff') ?? undefined;
  const layout: DiffLayout = params.get('layout') === 'unified' ? 'unified' : 'split';

  if (version.isPending) return <Loading what="the op" />;
  if (version.isError) return <Failure error={version.error} what={`Op ${name} version ${requested}`} />;
  const obj = version.data;
  // `/obj/read` names no kind: a shared name may resolve to the object; its page shows it.
  if (obj.kind !== 'op')
    return <Navigate to={paths.objectVersion(project, obj.object_id, obj.digest)} replace />;

  const linkTo = (digest: string) => paths.opVersion(project, name, digest);
  const diffLink = (digest: string, nextLayout = layout) =>
    `${linkTo(obj.digest)}?diff=${encodeURIComponent(digest)}&layout=${nextLayout}`;
  const previous = previousVersion(rows, obj.digest);

  return (
    <div className="page version-page">
      <VersionHeader
        section={{ label: 'Ops', to: paths.ops(project) }}
        obj={obj}
        labels={labels}
        requested={requested}
      />
      <div className="version-layout">
        <div className="version-main">
          <OpCode
            project={project}
            obj={obj}
            rows={rows}
            diffWith={diffWith}
            layout={layout}
            previous={previous}
            diffLink={diffLink}
            codeLink={linkTo(obj.digest)}
          />
        </div>
        <aside className="version-side">
          <VersionList
            rows={rows}
            currentDigest={obj.digest}
            linkTo={linkTo}
            compare={{ digest: diffWith, linkTo: (digest) => diffLink(digest) }}
          />
          <OpCalls project={project} name={obj.object_id} digest={obj.digest} />
        </aside>
      </div>
    </div>
  );
}

function OpCode({
  project,
  obj,
  rows,
  diffWith,
  layout,
  previous,
  diffLink,
  codeLink,
}: {
  project: ProjectRef;
  obj: ObjSchema;
  rows: readonly VersionRow[];
  diffWith: string | undefined;
  layout: DiffLayout;
  previous: VersionRow | undefined;
  diffLink: (digest: string, layout?: DiffLayout) => string;
  codeLink: string;
}) {
  const source = useSource(project, obj);
  const other = useQuery({
    queryKey: ['objects', 'version', project, obj.object_id, diffWith],
    queryFn: ({ signal }) => readObjectVersion(project, obj.object_id, diffWith ?? '', signal),
    enabled: diffWith !== undefined,
  });
  const otherSource = useSource(project, diffWith !== undefined ? other.data : undefined);
  const language = useMemo(() => detectSourceLanguage(source.data ?? ''), [source.data]);

  const toolbar = (
    <div className="code-toolbar">
      <span className="muted">{sourceFileDigest(obj.val) ? LANGUAGE_NAMES[language] : 'No source'}</span>
      <span className="toolbar-space" />
      {diffWith === undefined ? (
        previous && (
          <Link to={diffLink(previous.digest)} className="button-link">
            Diff with {versionName(previous.versionIndex)}
          </Link>
        )
      ) : (
        <>
          <span className="segmented">
            <Link to={diffLink(diffWith, 'split')} className="button-link" aria-pressed={layout === 'split'}>
              Side by side
            </Link>
            <Link
              to={diffLink(diffWith, 'unified')}
              className="button-link"
              aria-pressed={layout === 'unified'}
            >
              Unified
            </Link>
          </span>
          <Link to={codeLink} className="button-link">
            Close diff
          </Link>
        </>
      )}
      {rows.length > 1 && (
        <CompareSelect rows={rows} current={obj.digest} diffWith={diffWith} diffLink={diffLink} />
      )}
    </div>
  );

  if (!sourceFileDigest(obj.val)) {
    return (
      <>
        {toolbar}
        <Empty title="No source stored">
          <p>This op version lists no source file, so there is no code to show.</p>
        </Empty>
      </>
    );
  }
  if (source.isPending)
    return (
      <>
        {toolbar}
        <Loading what="the code" />
      </>
    );
  if (source.isError)
    return (
      <>
        {toolbar}
        <Failure error={source.error} what="the op's source file" />
      </>
    );
  if (diffWith === undefined)
    return (
      <>
        {toolbar}
        <CodeView text={source.data} language={language} />
      </>
    );

  if (other.isPending || (other.isSuccess && otherSource.isPending && sourceFileDigest(other.data.val))) {
    return (
      <>
        {toolbar}
        <Loading what="the other version" />
      </>
    );
  }
  if (other.isError)
    return (
      <>
        {toolbar}
        <Failure error={other.error} what={`Version ${diffWith}`} />
      </>
    );
  if (otherSource.isError)
    return (
      <>
        {toolbar}
        <Failure error={otherSource.error} what="the other version's source" />
      </>
    );
  const otherObj = other.data;
  if (!otherObj)
    return (
      <>
        {toolbar}
        <Loading what="the other version" />
      </>
    );
  // The older version is always on the left, whichever one the URL names first.
  const currentIsNewer = obj.version_index >= otherObj.version_index;
  const oldSide = currentIsNewer
    ? { obj: otherObj, text: otherSource.data ?? '' }
    : { obj, text: source.data };
  const newSide = currentIsNewer
    ? { obj, text: source.data }
    : { obj: otherObj, text: otherSource.data ?? '' };
  return (
    <>
      {toolbar}
      <CodeDiffView
        oldText={oldSide.text}
        newText={newSide.text}
        language={language}
        layout={layout}
        oldLabel={versionName(oldSide.obj.version_index)}
        newLabel={versionName(newSide.obj.version_index)}
      />
    </>
  );
}

function CompareSelect({
  rows,
  current,
  diffWith,
  diffLink,
}: {
  rows: readonly VersionRow[];
  current: string;
  diffWith: string | undefined;
  diffLink: (digest: string) => string;
}) {
  const navigate = useNavigate();
  return (
    <label className="toolbar-field">
      Diff with
      <select
        value={diffWith ?? ''}
        onChange={(event) => {
          if (event.target.value) navigate(diffLink(event.target.value));
        }}
      >
        <option value="">Choose a version…</option>
        {rows
          .filter((row) => row.digest !== current)
          .map((row) => (
            <option key={row.digest} value={row.digest}>
              {versionName(row.versionIndex)} · {row.digest.slice(0, 8)}
              {row.isLatest ? ' · latest' : ''}
            </option>
          ))}
      </select>
    </label>
  );
}
