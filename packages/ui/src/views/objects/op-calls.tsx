/** The newest calls of one op version, each linking to its trace, and a link to all of the op's calls. */
import { useQuery } from '@tanstack/react-query';
import { formatRef } from '@weft/protocol/refs';
import { Link } from 'react-router';
import { Failure } from '../../components/states';
import { Status } from '../../components/status';
import { durationMs, formatDuration, formatRelative, formatTime } from '../../format';
import { type ProjectRef, paths } from '../../routes';
import { queryCallsOfOp } from './api';

const SHOWN_CALLS = 20;

/**
 * The op's ref as calls carry it in `op_name`. Weave's Python SDK and weft percent-encode the
 * name; Weave's npm SDK writes it as is, so both spellings are asked for when they differ.
 */
function opRefForms(project: ProjectRef, name: string, digest: string): string[] {
  const encoded = formatRef({
    kind: 'op',
    entity: project.entity,
    project: project.project,
    name,
    digest,
    extra: [],
  });
  const raw = `weave:///${project.entity}/${project.project}/op/${name}:${digest}`;
  return encoded === raw ? [encoded] : [encoded, raw];
}

export function OpCalls({ project, name, digest }: { project: ProjectRef; name: string; digest: string }) {
  const refs = opRefForms(project, name, digest);
  const calls = useQuery({
    queryKey: ['objects', 'op-calls', project, name, digest],
    queryFn: async ({ signal }) => {
      const lists = await Promise.all(
        refs.map((ref) => queryCallsOfOp(project, ref, SHOWN_CALLS + 1, signal)),
      );
      return lists.flat().sort((a, b) => b.started_at.localeCompare(a.started_at));
    },
  });
  const shown = calls.data?.slice(0, SHOWN_CALLS) ?? [];
  return (
    <section className="side-section" aria-label="Calls of this version">
      <h2>Calls of this version</h2>
      {calls.isPending && <p className="muted">Loading calls…</p>}
      {calls.isError && <Failure error={calls.error} what="the calls of this version" />}
      {calls.isSuccess && shown.length === 0 && <p className="muted">No calls of this version yet.</p>}
      {shown.length > 0 && (
        <ul className="op-calls">
          {shown.map((call) => {
            const latency = durationMs(call.started_at, call.ended_at);
            return (
              <li key={call.id}>
                <Link to={paths.call(project, call.id)} className="op-call">
                  <Status status={call.summary?.weave?.status} />
                  <time
                    className="op-call-name"
                    dateTime={call.started_at}
                    title={formatTime(call.started_at)}
                  >
                    {call.display_name ?? formatRelative(call.started_at)}
                  </time>
                  <span className="muted number">
                    {latency === undefined ? '—' : formatDuration(latency)}
                  </span>
                  {/* The id's end: ids made by time share their start. */}
                  <code className="muted" title={call.id}>
                    …{call.id.slice(-6)}
                  </code>
                </Link>
              </li>
            );
          })}
        </ul>
      )}
      <p>
        <Link to={paths.callsOfOp(project, name)}>
          {(calls.data?.length ?? 0) > SHOWN_CALLS ? 'More calls of this op' : 'All calls of this op'} →
        </Link>
      </p>
    </section>
  );
}
