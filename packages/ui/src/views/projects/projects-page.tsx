/** Every project with calls or objects (those the API key may use), newest activity first. */
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { listProjects } from '../../api/projects';
import { ApiKeyHint } from '../../components/key-prompt';
import { Empty, Failure, Loading } from '../../components/states';
import { useSession } from '../../components/use-session';
import { formatCount, formatRelative, formatTime } from '../../format';
import { paths } from '../../routes';

export function ProjectsPage() {
  const projects = useQuery({ queryKey: ['projects'], queryFn: ({ signal }) => listProjects(signal) });
  const { session } = useSession();
  if (projects.isPending) return <Loading what="projects" />;
  if (projects.isError) return <Failure error={projects.error} what="the projects" />;
  if (projects.data.length === 0) {
    const limited = session?.projects;
    return (
      <Empty title="No projects yet">
        <p>
          {limited
            ? `This API key may use ${limited.join(', ')}; none of them has calls or objects yet.`
            : "Log a call with weft's SDK or Weave's own, and its project appears here."}
        </p>
        <pre className="snippet">{`import { init, op } from 'weft';\ninit('my-team/my-project');\nconst hello = op((name: string) => \`Hello, \${name}\`);\nhello('weft');`}</pre>
        {session?.key_id ? <ApiKeyHint /> : null}
      </Empty>
    );
  }
  return (
    <div className="page">
      <h1>Projects</h1>
      <table className="plain projects">
        <thead>
          <tr>
            <th>Project</th>
            <th className="number">Calls</th>
            <th className="number">Objects</th>
            <th>Last activity</th>
          </tr>
        </thead>
        <tbody>
          {projects.data.map((summary) => {
            const project = { entity: summary.entity, project: summary.name };
            return (
              <tr key={summary.project_id}>
                <td>
                  <Link to={paths.traces(project)}>
                    <span className="crumb-entity">{summary.entity}/</span>
                    {summary.name}
                  </Link>
                </td>
                <td className="number">{formatCount(summary.calls)}</td>
                <td className="number">{formatCount(summary.objects)}</td>
                <td title={summary.last_activity ? formatTime(summary.last_activity) : undefined}>
                  {summary.last_activity ? formatRelative(summary.last_activity) : '—'}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
