/**
 * The selected call in full: what it was (op, name, status, times), what went in and came out
 * (as a conversation when chat-shaped, else JSON), how it failed, what people and scorers said of
 * it (feedback, with reactions and notes to add), what it used and cost per model, and links to
 * its op version and every object its values refer to.
 */
import type { CallSchema } from '@weft/protocol';
import { forwardRef, type ReactNode, useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { JsonView } from '../../components/json-view';
import { Failure, Loading } from '../../components/states';
import { Status } from '../../components/status';
import { formatCount, formatDuration, formatTime } from '../../format';
import { type ProjectRef, paths, refPath } from '../../routes';
import { modelUsages } from '../costs/usage-breakdown';
import { isEvaluationCall } from '../evaluations/evaluation-calls';
import { customSummary, opNameOf, refsOf } from './call-facts';
import { CallFeedback } from './call-feedback';
import { type Conversation, conversationFromInputs, conversationFromOutput } from './chat';
import { ChatView } from './chat-view';
import type { TraceCall } from './trace-tree';
import { UsageCost } from './usage-cost';
import { useFullCall } from './use-trace';

/** Exceptions longer than this are cut until "show all" is pressed. */
const LONG_EXCEPTION = 20_000;

interface CallDetailProps {
  project: ProjectRef;
  projectId: string;
  callId: string;
  /** The call as the tree has it, so the header shows before the full read arrives. */
  treeCall: TraceCall | undefined;
  /** The parent, when it is in the loaded tree. */
  parentCall: TraceCall | undefined;
  /** The call has calls inside it in the loaded tree (its usage includes theirs). */
  hasChildren: boolean;
  nowMs: number;
}

export const CallDetail = forwardRef<HTMLElement, CallDetailProps>(function CallDetail(
  { project, projectId, callId, treeCall, parentCall, hasChildren, nowMs },
  ref,
) {
  const full = useFullCall(projectId, callId);
  // The tree's copy is polled, so it is the fresher one for status and times.
  const call: TraceCall | undefined = treeCall ?? full.data;

  useEffect(() => {
    if (full.data?.id === callId) performance.mark('weft:detail-ready');
  }, [full.data, callId]);

  return (
    <section ref={ref} className="call-detail" tabIndex={-1} aria-label="Selected call">
      {call ? (
        <CallHeader call={call} project={project} parentCall={parentCall} nowMs={nowMs} />
      ) : (
        full.isPending && <Loading what="the call" />
      )}
      {full.error ? (
        <Failure error={full.error} what="this call" />
      ) : full.data ? (
        <CallBody call={full.data} project={project} projectId={projectId} hasChildren={hasChildren} />
      ) : (
        call && <Loading what="inputs and output" />
      )}
    </section>
  );
});

function CallHeader({
  call,
  project,
  parentCall,
  nowMs,
}: {
  call: TraceCall;
  project: ProjectRef;
  parentCall: TraceCall | undefined;
  nowMs: number;
}) {
  const opName = opNameOf(call.op_name);
  const opLink = refPath(call.op_name);
  const status = call.exception
    ? 'error'
    : (call.summary?.weave?.status ?? (call.ended_at ? 'success' : 'running'));
  const started = Date.parse(call.started_at);
  const ended = call.ended_at ? Date.parse(call.ended_at) : undefined;
  return (
    <header className="call-detail-head">
      <div className="call-title">
        <h2>{call.display_name ?? opName}</h2>
        <Status status={status} />
        {isEvaluationCall(call) && (
          <Link to={paths.evaluation(project, call.id)} className="call-title-link">
            Open as evaluation
          </Link>
        )}
      </div>
      <dl className="call-facts">
        <dt>Op</dt>
        <dd>
          {opLink ? (
            <Link to={opLink} title="Open this op version">
              {opName}
            </Link>
          ) : (
            <code>{call.op_name}</code>
          )}
        </dd>
        <dt>Started</dt>
        <dd>{formatTime(call.started_at)}</dd>
        <dt>{ended === undefined ? 'Running for' : 'Latency'}</dt>
        <dd>{formatDuration((ended ?? nowMs) - started)}</dd>
        {call.ended_at && (
          <>
            <dt>Ended</dt>
            <dd>{formatTime(call.ended_at)}</dd>
          </>
        )}
        {call.parent_id && (
          <>
            <dt>Parent</dt>
            <dd>
              {parentCall ? (
                <Link to={paths.call(project, parentCall.id)} replace>
                  {opNameOf(parentCall.op_name)}
                </Link>
              ) : (
                <span className="muted">not loaded</span>
              )}
            </dd>
          </>
        )}
        <dt>Call id</dt>
        <dd>
          <code>{call.id}</code>
        </dd>
      </dl>
    </header>
  );
}

function CallBody({
  call,
  project,
  projectId,
  hasChildren,
}: {
  call: CallSchema;
  project: ProjectRef;
  projectId: string;
  hasChildren: boolean;
}) {
  const inputsChat = useMemo(() => conversationFromInputs(call.inputs), [call.inputs]);
  const outputChat = useMemo(() => conversationFromOutput(call.output), [call.output]);
  const refs = useMemo(() => refsOf(call.inputs, call.output), [call.inputs, call.output]);
  const usages = useMemo(() => modelUsages(call.summary), [call.summary]);
  const summary = useMemo(() => customSummary(call.summary), [call.summary]);
  return (
    <>
      {call.exception && (
        <DetailSection title="Exception">
          <ExceptionText text={call.exception} />
        </DetailSection>
      )}
      <ValueSection title="Inputs" value={call.inputs} conversation={inputsChat} />
      <ValueSection
        title="Output"
        value={call.output}
        conversation={outputChat}
        empty={
          call.exception
            ? 'No output: the call failed.'
            : call.ended_at
              ? 'No output.'
              : 'The call is still running.'
        }
      />
      <DetailSection title="Feedback">
        <CallFeedback project={project} projectId={projectId} callId={call.id} />
      </DetailSection>
      {usages.length > 0 && (
        <DetailSection title="Usage & cost">
          <UsageCost
            usages={usages}
            summary={call.summary}
            includesChildren={hasChildren}
            project={project}
          />
        </DetailSection>
      )}
      {refs.length > 0 && (
        <DetailSection title={`Refs (${formatCount(refs.length)})`}>
          <ul className="ref-list">
            {refs.map((ref) => {
              const to = refPath(ref);
              return (
                <li key={ref}>
                  {to ? (
                    <Link to={to}>{ref}</Link>
                  ) : (
                    <code title="No page shows this kind of ref">{ref}</code>
                  )}
                </li>
              );
            })}
          </ul>
        </DetailSection>
      )}
      {Object.keys(summary).length > 0 && (
        <DetailSection title="Summary">
          <JsonView value={summary} />
        </DetailSection>
      )}
      {Object.keys(call.attributes ?? {}).length > 0 && (
        <DetailSection title="Attributes">
          <JsonView value={call.attributes} collapsed={1} />
        </DetailSection>
      )}
    </>
  );
}

function DetailSection({
  title,
  actions,
  children,
}: {
  title: string;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section className="detail-section">
      <div className="detail-section-head">
        <h3>{title}</h3>
        {actions}
      </div>
      {children}
    </section>
  );
}

/** Inputs or output: a conversation when chat-shaped (with a JSON toggle), else JSON. */
function ValueSection({
  title,
  value,
  conversation,
  empty = 'None.',
}: {
  title: string;
  value: unknown;
  conversation: Conversation | undefined;
  empty?: string;
}) {
  const [raw, setRaw] = useState(false);
  const isEmpty =
    value === null ||
    value === undefined ||
    (typeof value === 'object' && Object.keys(value as object).length === 0);
  const actions = conversation ? (
    <div className="view-toggle">
      <button type="button" aria-pressed={!raw} onClick={() => setRaw(false)}>
        Conversation
      </button>
      <button type="button" aria-pressed={raw} onClick={() => setRaw(true)}>
        JSON
      </button>
    </div>
  ) : undefined;
  return (
    <DetailSection title={title} actions={actions}>
      {isEmpty ? (
        <p className="muted">{empty}</p>
      ) : conversation && !raw ? (
        <ChatView conversation={conversation} />
      ) : (
        <JsonView value={value} />
      )}
    </DetailSection>
  );
}

function ExceptionText({ text }: { text: string }) {
  const [showAll, setShowAll] = useState(false);
  const cut = !showAll && text.length > LONG_EXCEPTION;
  return (
    <>
      <pre className="call-exception">{cut ? `${text.slice(0, LONG_EXCEPTION)}…` : text}</pre>
      {cut && (
        <button type="button" className="link-button" onClick={() => setShowAll(true)}>
          show all ({text.length.toLocaleString()} characters)
        </button>
      )}
    </>
  );
}
