/**
 * The frame of every page: the header with the project and its sections, and the page below it,
 * which fills the rest of the window (tables and trees scroll inside it, not the page).
 *
 * The section a page belongs to comes from its URL (routes.ts, `sectionOfPath`), except where only
 * the page knows: a Dataset's version lives under /objects/ but belongs to Datasets, so the page
 * says so with `useNavSection`.
 */
import { createContext, useContext, useEffect, useState } from 'react';
import { Link, Outlet, useLocation, useParams } from 'react-router';
import { type NavSection, type ProjectRef, paths, sectionOfPath } from '../routes';

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
  const current = entity !== undefined && project !== undefined ? { entity, project } : undefined;
  return (
    <div className="app">
      <header className="app-header">
        <Link to={paths.projects()} className="brand" aria-label="weft: all projects">
          <img src="/favicon.svg" alt="" width={20} height={20} />
          weft
        </Link>
        {current && <ProjectNav project={current} active={override ?? sectionOfPath(pathname)} />}
      </header>
      <main className="app-main">
        <SectionOverride.Provider value={setOverride}>
          <Outlet />
        </SectionOverride.Provider>
      </main>
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
