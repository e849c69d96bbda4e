/**
 * The frame of every page: the header with the project and its sections, and the page below it,
 * which fills the rest of the window (tables and trees scroll inside it, not the page).
 */
import { Link, NavLink, Outlet, useParams } from 'react-router';
import { type ProjectRef, paths } from '../routes';

export function Layout() {
  const { entity, project } = useParams();
  const current = entity !== undefined && project !== undefined ? { entity, project } : undefined;
  return (
    <div className="app">
      <header className="app-header">
        <Link to={paths.projects()} className="brand" aria-label="weft: all projects">
          <img src="/favicon.svg" alt="" width={20} height={20} />
          weft
        </Link>
        {current && <ProjectNav project={current} />}
      </header>
      <main className="app-main">
        <Outlet />
      </main>
    </div>
  );
}

function ProjectNav({ project }: { project: ProjectRef }) {
  const sections: Array<[string, string]> = [
    ['Traces', paths.traces(project)],
    ['Evaluations', paths.evaluations(project)],
    ['Ops', paths.ops(project)],
    ['Datasets', paths.datasets(project)],
    ['Objects', paths.objects(project)],
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
          <NavLink key={label} to={to} className={({ isActive }) => (isActive ? 'active' : undefined)}>
            {label}
          </NavLink>
        ))}
      </nav>
    </>
  );
}
