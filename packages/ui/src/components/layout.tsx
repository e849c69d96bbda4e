/**
 * The frame of every page: the header with the project and its sections, and the page below it,
 * which fills the rest of the window (tables and trees scroll inside it, not the page).
 *
 * The section a page belongs to comes from its URL (routes.ts, `sectionOfPath`), except where only
 * the page knows: a Dataset's version lives under /objects/ but belongs to Datasets, so the page
 * says so with `useNavSection`.
 *
 * While the server wants an API key, the key prompt takes the page's place under the same URL, so
 * that the page shows once a key is given; while a key is in use, the header names its user and
 * offers to forget it.
 */
import { useQueryClient } from '@tanstack/react-query';
import type { SessionRes } from '@weft/protocol';
import { createContext, useContext, useEffect, useState } from 'react';
import { Link, Outlet, useLocation, useParams } from 'react-router';
import { type NavSection, type ProjectRef, paths, sectionOfPath } from '../routes';
import { KeyPrompt } from './key-prompt';
import { forgetKey, useSession } from './use-session';

const SectionOverride = createContext<(section: NavSection | undefined) => void>(() => undefined);

/** Marks the page as belonging to `section` while it is shown (undefined: its URL decides). */
export function useNavSection(section: NavSection | undefined): void {
  const setOverride = useContext(SectionOverride);
  useEffect(() => {
    setOverride(section);
    return () => setOverride(undefined);
  }, [section, setOverride]);
}

export function Layout() {
  const { entity, project } = useParams();
  const { pathname } = useLocation();
  const [override, setOverride] = useState<NavSection | undefined>();
  const { session, keyNeeded } = useSession();
  const current = entity !== undefined && project !== undefined ? { entity, project } : undefined;
  return (
    <div className="app">
      <header className="app-header">
        <Link to={paths.projects()} className="brand" aria-label="weft: all projects">
          <img src="/favicon.svg" alt="" width={20} height={20} />
          weft
        </Link>
        {current && <ProjectNav project={current} active={override ?? sectionOfPath(pathname)} />}
        {!keyNeeded && session !== undefined && session.key_id !== null && <SessionBadge session={session} />}
      </header>
      <main className="app-main">
        {keyNeeded ? (
          <KeyPrompt needed={keyNeeded} />
        ) : (
          <SectionOverride.Provider value={setOverride}>
            <Outlet />
          </SectionOverride.Provider>
        )}
      </main>
    </div>
  );
}

/** The key's user (and its limits, on hover), and the way to stop using the key. */
function SessionBadge({ session }: { session: SessionRes }) {
  const queryClient = useQueryClient();
  const scope = session.projects === null ? 'every project' : session.projects.join(', ');
  const limits = `API key ${session.key_id}: ${scope}${session.read_only ? ', read-only' : ''}`;
  return (
    <div className="session-badge">
      <span className="session-user" title={limits}>
        {session.user}
      </span>
      {session.read_only && <span className="session-tag">read-only</span>}
      <button type="button" onClick={() => forgetKey(queryClient)}>
        Forget key
      </button>
    </div>
  );
}

function ProjectNav({ project, active }: { project: ProjectRef; active: NavSection | undefined }) {
  const sections: Array<[NavSection, string]> = [
    ['Traces', paths.traces(project)],
    ['Evaluations', paths.evaluations(project)],
    ['Ops', paths.ops(project)],
    ['Datasets', paths.datasets(project)],
    ['Objects', paths.objects(project)],
    ['Prices', paths.prices(project)],
  ];
  return (
    <>
      <span className="crumb" title={`${project.entity}/${project.project}`}>
        <span className="crumb-entity">{project.entity}</span>
        <span className="crumb-sep">/</span>
        <span className="crumb-project">{project.project}</span>
      </span>
      <nav className="sections" aria-label="Project sections">
        {sections.map(([label, to]) => (
          <Link
            key={label}
            to={to}
            className={label === active ? 'active' : undefined}
            aria-current={label === active ? 'page' : undefined}
          >
            {label}
          </Link>
        ))}
      </nav>
    </>
  );
}
