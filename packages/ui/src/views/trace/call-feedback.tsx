/**
 * The detail pane's "Feedback" (docs/protocol.md §18): reactions grouped by emoji with their
 * counts, notes with their times, scorer results with the scorer's name and its output on one
 * line, annotations, and the user's own types as JSON. The viewer adds reactions and notes here
 * and removes their own (views/feedback/feedback-rows.ts says whose are whose, from the session:
 * the API key's user, or the local user of a server without keys); each change is followed by
 * reading the call's feedback again, so what shows is what the server holds.
 *
 * The feedback is read on its own, with the call's id and summary only (`include_feedback`): a
 * change re-reads that small answer, never the call's inputs and output.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type MouseEvent, useMemo, useState } from 'react';
import { Link } from 'react-router';
import {
  createFeedback,
  MAX_NOTE_CHARS,
  type NewFeedback,
  noteRequest,
  purgeFeedback,
  reactionRequest,
  readCallFeedback,
} from '../../api/feedback';
import { JsonView } from '../../components/json-view';
import { useSession } from '../../components/use-session';
import { formatTime } from '../../format';
import { type ProjectRef, refPath } from '../../routes';
import { afterFeedbackChange } from '../calls/calls-data';
import { Popover } from '../calls/popover';
import {
  COMMON_REACTIONS,
  compactValue,
  type FeedbackEntry,
  feedbackEntries,
  isOwnFeedback,
  type ReactionGroup,
  sortFeedback,
  type Viewer,
  viewerOf,
} from '../feedback/feedback-rows';

/** Read when the session failed (not for want of a key: that shows the prompt): a server without keys. */
const NO_SESSION = { user: null, key_id: null } as const;

export function callFeedbackKey(projectId: string, callId: string) {
  return ['trace-view', 'feedback', projectId, callId] as const;
}

type Change = { add: NewFeedback } | { remove: string };

export function CallFeedback({
  project,
  projectId,
  callId,
}: {
  project: ProjectRef;
  projectId: string;
  callId: string;
}) {
  const queryClient = useQueryClient();
  const key = callFeedbackKey(projectId, callId);
  const feedback = useQuery({
    queryKey: key,
    queryFn: ({ signal }) => readCallFeedback(projectId, callId, signal),
    staleTime: 10_000,
  });
  const { session, pending: sessionPending } = useSession();
  const viewer = useMemo(() => viewerOf(session ?? NO_SESSION), [session]);
  const sorted = useMemo(() => sortFeedback(feedbackEntries(feedback.data), viewer), [feedback.data, viewer]);
  const change = useMutation({
    mutationFn: async (change: Change) => {
      if ('add' in change) await createFeedback(change.add);
      else await purgeFeedback(projectId, change.remove);
    },
    onSuccess: (_done, change) => afterFeedbackChange(queryClient, project, 'add' in change),
    // Pending until the feedback is read again, so the controls wait for what the server holds.
    onSettled: () => queryClient.invalidateQueries({ queryKey: key }),
  });
  const busy = change.isPending;

  function toggleReaction(emoji: string): void {
    const own = sorted.reactions.find((group) => group.emoji === emoji)?.ownIds;
    const last = own?.[own.length - 1];
    change.mutate(last ? { remove: last } : { add: reactionRequest(projectId, callId, emoji) });
  }

  // Until the session says who is looking, no reaction can be shown as the viewer's own.
  if (feedback.isPending || sessionPending) return <p className="muted">Loading feedback…</p>;
  if (feedback.isError) {
    return (
      <p className="feedback-error" role="alert">
        Could not load the feedback: {feedback.error.message}
      </p>
    );
  }
  const { reactions, notes, scores, annotations, other } = sorted;
  return (
    <div className="call-feedback" aria-busy={busy}>
      <Reactions groups={reactions} busy={busy} onToggle={toggleReaction} />
      {change.isError && (
        <p className="feedback-error" role="alert">
          Could not save the change: {change.error.message}
        </p>
      )}
      {scores.length > 0 && (
        <FeedbackGroup title="Scores">
          <table className="plain feedback-table">
            <tbody>
              {scores.map(({ entry, scorer, output }) => (
                <tr key={entry.id} data-feedback-id={entry.id}>
                  <th scope="row">
                    <RefName name={scorer} uri={entry.runnable_ref} what="the scorer" />
                  </th>
                  <td title={JSON.stringify(output) ?? ''} className="feedback-value">
                    {compactValue(output)}
                  </td>
                  <td className="feedback-when">
                    {entry.call_ref && refPath(entry.call_ref) ? (
                      <Link to={refPath(entry.call_ref) ?? ''} title="The scorer's own call">
                        scorer call
                      </Link>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </FeedbackGroup>
      )}
      {annotations.length > 0 && (
        <FeedbackGroup title="Annotations">
          <table className="plain feedback-table">
            <tbody>
              {annotations.map(({ entry, name, value }) => (
                <tr key={entry.id} data-feedback-id={entry.id}>
                  <th scope="row">
                    <RefName name={name} uri={entry.annotation_ref} what="the annotation spec" />
                  </th>
                  <td title={JSON.stringify(value) ?? ''} className="feedback-value">
                    {compactValue(value)}
                  </td>
                  <td className="feedback-when">{byline(entry)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </FeedbackGroup>
      )}
      <FeedbackGroup title="Notes">
        {notes.length > 0 && (
          <ul className="feedback-notes">
            {notes.map((entry) => (
              <Note
                key={entry.id}
                entry={entry}
                viewer={viewer}
                busy={busy}
                onRemove={() => change.mutate({ remove: entry.id })}
              />
            ))}
          </ul>
        )}
        <NoteForm
          busy={busy}
          onAdd={(note) => change.mutateAsync({ add: noteRequest(projectId, callId, note) })}
        />
      </FeedbackGroup>
      {other.length > 0 && (
        <FeedbackGroup title="Other feedback">
          <ul className="feedback-other">
            {other.map((entry) => (
              <li key={entry.id} data-feedback-id={entry.id}>
                <div className="feedback-other-head">
                  <code>{entry.feedback_type}</code>
                  <span className="muted">{byline(entry)}</span>
                </div>
                <JsonView value={entry.payload} collapsed={1} />
              </li>
            ))}
          </ul>
        </FeedbackGroup>
      )}
    </div>
  );
}

function FeedbackGroup({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <section className="feedback-group" aria-label={title}>
      <h4>{title}</h4>
      {children}
    </section>
  );
}

/** When, and by whom when the row says. */
function byline(entry: FeedbackEntry): string {
  const who = entry.creator ?? entry.wb_user_id;
  const when = entry.created_at ? formatTime(entry.created_at) : '';
  return who ? `${when} · ${who}` : when;
}

/** A scorer or annotation name, linked to its op or object when the ref opens a page. */
function RefName({ name, uri, what }: { name: string; uri: string | null; what: string }) {
  const to = uri ? refPath(uri) : undefined;
  return to ? (
    <Link to={to} title={`Open ${what}`}>
      {name}
    </Link>
  ) : (
    <span>{name}</span>
  );
}

function closePopover(event: MouseEvent<HTMLElement>): void {
  event.currentTarget.closest('details')?.removeAttribute('open');
}

function Reactions({
  groups,
  busy,
  onToggle,
}: {
  groups: readonly ReactionGroup[];
  busy: boolean;
  onToggle: (emoji: string) => void;
}) {
  const mine = new Set(groups.filter((group) => group.ownIds.length > 0).map((group) => group.emoji));
  return (
    // biome-ignore lint/a11y/useSemanticElements: a row of toggle buttons, as the toolbar's segmented control
    <div className="feedback-reactions" role="group" aria-label="Reactions">
      {groups.map((group) => {
        const own = group.ownIds.length > 0;
        return (
          <button
            key={group.emoji}
            type="button"
            className="reaction-chip"
            aria-pressed={own}
            aria-label={`${group.emoji} ${group.count}`}
            disabled={busy}
            title={`${group.alias ?? group.emoji} ×${group.count}: ${own ? 'click to remove yours' : 'click to add yours'}`}
            onClick={() => onToggle(group.emoji)}
          >
            <span className="reaction-emoji">{group.emoji}</span>
            <span className="reaction-number">{group.count}</span>
          </button>
        );
      })}
      <Popover label="+ React" className="reaction-picker">
        <div className="reaction-palette">
          {COMMON_REACTIONS.map((emoji) => (
            <button
              key={emoji}
              type="button"
              aria-pressed={mine.has(emoji)}
              aria-label={mine.has(emoji) ? `Remove your ${emoji}` : `React with ${emoji}`}
              disabled={busy}
              onClick={(event) => {
                closePopover(event);
                onToggle(emoji);
              }}
            >
              {emoji}
            </button>
          ))}
        </div>
      </Popover>
    </div>
  );
}

/** Notes longer than this show their start until opened. */
const LONG_NOTE = 600;

function Note({
  entry,
  viewer,
  busy,
  onRemove,
}: {
  entry: FeedbackEntry;
  viewer: Viewer;
  busy: boolean;
  onRemove: () => void;
}) {
  const [open, setOpen] = useState(false);
  const note = String(entry.payload.note);
  const cut = !open && note.length > LONG_NOTE;
  return (
    <li data-feedback-id={entry.id}>
      <p className="feedback-note-text">{cut ? `${note.slice(0, LONG_NOTE)}…` : note}</p>
      <div className="feedback-note-meta muted">
        <time dateTime={entry.created_at}>{byline(entry)}</time>
        {cut && (
          <button type="button" className="link-button" onClick={() => setOpen(true)}>
            show all
          </button>
        )}
        {isOwnFeedback(entry, viewer) && (
          <button
            type="button"
            className="link-button"
            disabled={busy}
            aria-label={`Remove the note “${note.length > 40 ? `${note.slice(0, 40)}…` : note}”`}
            onClick={onRemove}
          >
            Remove
          </button>
        )}
      </div>
    </li>
  );
}

function NoteForm({ busy, onAdd }: { busy: boolean; onAdd: (note: string) => Promise<unknown> }) {
  const [text, setText] = useState('');
  const note = text.trim();
  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (note.length === 0 || busy) return;
    try {
      await onAdd(note);
      setText('');
    } catch {
      // The section says why; the text stays to be tried again.
    }
  }
  return (
    <form className="feedback-note-form" onSubmit={submit} aria-label="Add a note">
      <textarea
        value={text}
        aria-label="Note"
        placeholder="Add a note about this call"
        maxLength={MAX_NOTE_CHARS}
        rows={2}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          // Ctrl/⌘+Enter sends, as in most comment boxes; Enter alone is a new line.
          if (event.key === 'Enter' && (event.metaKey || event.ctrlKey)) void submit(event);
        }}
      />
      <div className="feedback-note-actions">
        <span className="muted">
          {text.length > MAX_NOTE_CHARS - 100 ? `${text.length} / ${MAX_NOTE_CHARS}` : ''}
        </span>
        <button type="submit" disabled={busy || note.length === 0}>
          Add note
        </button>
      </div>
    </form>
  );
}
