/**
 * A call's feedback as the UI reads it (docs/protocol.md §18): the rows `include_feedback` puts in
 * `summary.weave.feedback`, read leniently (a row missing its id or type is skipped), and sorted
 * into what the detail pane and the calls table show: reactions grouped by emoji, notes, scorer
 * results (`wandb.runnable.<scorer>`), annotations and the user's own types.
 *
 * Whose feedback is whose (the Viewer): the UI writes its reactions and notes without a
 * `wb_user_id`, and the server decides what is stored (docs/protocol.md §19).
 * - On a server with API keys, the server stamps the key's user on every row, whatever the client
 *   sent; the viewer's own rows are those naming the user of the key in use (`/weft/session`).
 * - On a server without keys every request comes from the one local user and the server keeps the
 *   null the UI sent, so the rows without a user are the local user's.
 * Rows naming someone else came from another key, or from elsewhere (a W&B export, a client that
 * set the field), and are left alone. Scorer results, annotations and custom types are written by
 * code, not by this UI, and are never offered for removal.
 */
import type { CallSchema, SessionRes } from '@weft/protocol';
import { ANNOTATION_PREFIX, NOTE_TYPE, REACTION_TYPE, RUNNABLE_PREFIX } from '../../api/feedback';
import { cellText } from '../calls/summary-fields';

/** The emoji offered for a quick reaction; any other is accepted by the server too. */
export const COMMON_REACTIONS = ['👍', '👎', '🎉', '❤️', '🤔', '👀', '🚀', '😂', '😕', '🔥'] as const;

export interface FeedbackEntry {
  id: string;
  feedback_type: string;
  payload: Record<string, unknown>;
  creator: string | null;
  wb_user_id: string | null;
  created_at: string;
  runnable_ref: string | null;
  call_ref: string | null;
  annotation_ref: string | null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function entryOf(raw: unknown): FeedbackEntry | undefined {
  if (!isPlainObject(raw)) return undefined;
  const { id, feedback_type: type } = raw;
  if (typeof id !== 'string' || typeof type !== 'string' || id.length === 0 || type.length === 0) {
    return undefined;
  }
  return {
    id,
    feedback_type: type,
    payload: isPlainObject(raw.payload) ? raw.payload : {},
    creator: text(raw.creator),
    wb_user_id: text(raw.wb_user_id),
    created_at: text(raw.created_at) ?? '',
    runnable_ref: text(raw.runnable_ref),
    call_ref: text(raw.call_ref),
    annotation_ref: text(raw.annotation_ref),
  };
}

const NONE: readonly FeedbackEntry[] = [];
/** A table re-reads a row's feedback for every cell; each list is parsed once. */
const parsed = new WeakMap<readonly unknown[], readonly FeedbackEntry[]>();

/** The rows of a list as `/feedback/query` or `summary.weave.feedback` has them, oldest first as sent. */
export function feedbackEntries(rows: unknown): readonly FeedbackEntry[] {
  if (!Array.isArray(rows)) return NONE;
  let entries = parsed.get(rows);
  if (!entries) {
    entries = rows.map(entryOf).filter((entry): entry is FeedbackEntry => entry !== undefined);
    parsed.set(rows, entries);
  }
  return entries;
}

/** A call's feedback rows (`summary.weave.feedback`), or none when it was read without them. */
export function callFeedback(call: Pick<CallSchema, 'summary'>): readonly FeedbackEntry[] {
  return feedbackEntries(call.summary?.weave?.feedback);
}

/** The call's oldest row of a type: the one calls queries filter and sort by (docs/query-language.md). */
export function firstOfType(entries: readonly FeedbackEntry[], type: string): FeedbackEntry | undefined {
  return entries.find((entry) => entry.feedback_type === type);
}

/** Who looks at the feedback, as far as ownership goes (see the top of this file). */
export interface Viewer {
  /** The `wb_user_id` of the viewer's own rows: the key's user, or null on a server without keys. */
  userId: string | null;
}

/** The viewer a session describes: the key's user when a key is in use, else the keyless local user. */
export function viewerOf(session: Pick<SessionRes, 'user' | 'key_id'>): Viewer {
  return { userId: session.key_id !== null ? session.user : null };
}

/** Whether the UI may remove a row: a reaction or note of the viewer's (see the top of this file). */
export function isOwnFeedback(entry: FeedbackEntry, viewer: Viewer): boolean {
  return (
    (entry.feedback_type === REACTION_TYPE || entry.feedback_type === NOTE_TYPE) &&
    entry.wb_user_id === viewer.userId
  );
}

export interface ReactionGroup {
  emoji: string;
  count: number;
  /** The emoji's CLDR name as the server stored it (`:thumbs_up:`), for a tooltip. */
  alias: string | undefined;
  /** The viewer's reactions with this emoji, oldest first: what un-reacting removes. */
  ownIds: string[];
}

/**
 * Reactions by emoji, in the order each emoji first appeared. Without a viewer (the calls table,
 * which only counts), no reaction is anyone's own.
 */
export function groupReactions(entries: readonly FeedbackEntry[], viewer?: Viewer): ReactionGroup[] {
  const groups = new Map<string, ReactionGroup>();
  for (const entry of entries) {
    if (entry.feedback_type !== REACTION_TYPE) continue;
    const emoji = text(entry.payload.emoji);
    if (!emoji) continue;
    let group = groups.get(emoji);
    if (!group) {
      group = { emoji, count: 0, alias: text(entry.payload.alias) ?? undefined, ownIds: [] };
      groups.set(emoji, group);
    }
    group.count += 1;
    if (viewer && isOwnFeedback(entry, viewer)) group.ownIds.push(entry.id);
  }
  return [...groups.values()];
}

/** Reaction groups as one line of text: `👍 2  👎 1`. */
export function reactionsText(groups: readonly ReactionGroup[]): string {
  return groups
    .map((group) => (group.count === 1 ? group.emoji : `${group.emoji} ${group.count}`))
    .join('  ');
}

export interface ScoreEntry {
  entry: FeedbackEntry;
  /** What follows `wandb.runnable.`. */
  scorer: string;
  output: unknown;
}

export interface AnnotationEntry {
  entry: FeedbackEntry;
  /** What follows `wandb.annotation.`. */
  name: string;
  value: unknown;
}

export interface SortedFeedback {
  reactions: ReactionGroup[];
  notes: FeedbackEntry[];
  scores: ScoreEntry[];
  annotations: AnnotationEntry[];
  /** The user's own types (and reserved ones this UI does not know), shown as JSON. */
  other: FeedbackEntry[];
}

/** A call's feedback by kind, each kind oldest first, the reactions marked with the viewer's own. */
export function sortFeedback(entries: readonly FeedbackEntry[], viewer: Viewer): SortedFeedback {
  const sorted: SortedFeedback = {
    reactions: groupReactions(entries, viewer),
    notes: [],
    scores: [],
    annotations: [],
    other: [],
  };
  for (const entry of entries) {
    const type = entry.feedback_type;
    if (type === REACTION_TYPE) continue;
    if (type === NOTE_TYPE && typeof entry.payload.note === 'string') sorted.notes.push(entry);
    else if (type.startsWith(RUNNABLE_PREFIX) && type.length > RUNNABLE_PREFIX.length) {
      sorted.scores.push({ entry, scorer: type.slice(RUNNABLE_PREFIX.length), output: entry.payload.output });
    } else if (type.startsWith(ANNOTATION_PREFIX) && type.length > ANNOTATION_PREFIX.length) {
      sorted.annotations.push({
        entry,
        name: type.slice(ANNOTATION_PREFIX.length),
        value: entry.payload.value,
      });
    } else sorted.other.push(entry);
  }
  return sorted;
}

/** At most this many keys of an object result are spelled out; the rest is "…". */
const COMPACT_KEYS = 8;

/**
 * A scorer's result on one line: an object as `key: value` pairs (nested values as JSON), anything
 * else as a table cell shows it. `{"correct": true, "score": 0.5}` reads `correct: true, score: 0.5`.
 */
export function compactValue(value: unknown): string {
  if (value === undefined) return '—';
  if (!isPlainObject(value)) return cellText(value);
  const keys = Object.keys(value);
  if (keys.length === 0) return '{}';
  const parts = keys.slice(0, COMPACT_KEYS).map((key) => `${key}: ${cellText(value[key])}`);
  if (keys.length > COMPACT_KEYS) parts.push('…');
  return cellText(parts.join(', '));
}
