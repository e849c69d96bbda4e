/**
 * What the calls table reads out of a call's feedback (`summary.weave.feedback`, present when the
 * page was read with `include_feedback`): reactions and notes, which have columns of their own,
 * and scorer results, which become one column per scorer found on the loaded calls (per key when a
 * scorer's output is an object), like the custom summary columns. A column's id is the field the
 * server filters and sorts by, `feedback.[<type>].payload.<path>` (docs/query-language.md,
 * "Feedback"), which reads the call's oldest row of the type; so do the cells.
 */
import type { CallSchema } from '@weft/protocol';
import { joinFieldPath, splitFieldPath } from '@weft/protocol/query/field-path';
import { NOTE_TYPE, REACTION_TYPE, RUNNABLE_PREFIX } from '../../api/feedback';
import { callFeedback, firstOfType } from '../feedback/feedback-rows';
import { collectPaths, type FoundKey, MAX_CUSTOM_KEYS } from './summary-fields';

const FEEDBACK_PREFIX = 'feedback.[';

/** The field of a payload path in a feedback type's oldest row. */
export function feedbackField(feedbackType: string, payloadParts: readonly string[]): string {
  const path = joinFieldPath(['payload', ...payloadParts]);
  return `${FEEDBACK_PREFIX}${feedbackType}].${path}`;
}

/** Sorted by the first reaction's emoji; filters compare it (`= "👍"`). */
export const REACTIONS_COLUMN = feedbackField(REACTION_TYPE, ['emoji']);
/** Sorted by the first note's text. */
export const NOTES_COLUMN = feedbackField(NOTE_TYPE, ['note']);

/** Whether a column or field reads feedback (and so needs the calls read with `include_feedback`). */
export function isFeedbackField(id: string): boolean {
  return id.startsWith(FEEDBACK_PREFIX);
}

export interface FeedbackKey {
  /** The Query/sort field: `feedback.[<type>].payload.<escaped parts>`. */
  field: string;
  feedbackType: string;
  /** The path inside the row's payload, unescaped (`['output', 'correct']`). */
  parts: string[];
  /** What the column header says: `my_scorer.correct`. */
  label: string;
  /** Every value found is a number (the column is right-aligned). */
  numeric: boolean;
}

function labelOf(feedbackType: string, parts: readonly string[]): string {
  if (feedbackType.startsWith(RUNNABLE_PREFIX) && parts[0] === 'output') {
    return [feedbackType.slice(RUNNABLE_PREFIX.length), ...parts.slice(1)].join('.');
  }
  return [feedbackType, ...parts].join('.');
}

function keyOf(feedbackType: string, parts: string[], numeric: boolean): FeedbackKey {
  return {
    field: feedbackField(feedbackType, parts),
    feedbackType,
    parts,
    label: labelOf(feedbackType, parts),
    numeric,
  };
}

/**
 * A `feedback.[<type>].payload.<path>` field read back into its type and payload path, or
 * undefined for anything else (a column named in a hand-edited URL, say).
 */
export function parseFeedbackField(field: string): FeedbackKey | undefined {
  if (!field.startsWith(FEEDBACK_PREFIX)) return undefined;
  const close = field.indexOf(']', FEEDBACK_PREFIX.length);
  if (close < 0) return undefined;
  const feedbackType = field.slice(FEEDBACK_PREFIX.length, close);
  const rest = field.slice(close + 1);
  if (feedbackType.length === 0 || !rest.startsWith('.')) return undefined;
  let parts: string[];
  try {
    parts = splitFieldPath(rest.slice(1));
  } catch {
    return undefined;
  }
  if (parts[0] !== 'payload') return undefined;
  return keyOf(feedbackType, parts.slice(1), false);
}

/** A scorer named with `]` cannot be written inside the brackets; a digits-only key reads as a list index. */
function addressable(feedbackType: string, parts: readonly string[]): boolean {
  return !feedbackType.includes(']') && !parts.some((part) => /^\d{1,9}$/.test(part));
}

type ScorerScan = Map<string, Map<string, FoundKey>>;

/** Each scorer's output paths on one page of calls, from each call's first result of the scorer. */
function scanScores(calls: readonly CallSchema[]): ScorerScan {
  const found: ScorerScan = new Map();
  for (const call of calls) {
    const seen = new Set<string>();
    for (const entry of callFeedback(call)) {
      const type = entry.feedback_type;
      if (!type.startsWith(RUNNABLE_PREFIX) || type.length === RUNNABLE_PREFIX.length || seen.has(type))
        continue;
      seen.add(type);
      let paths = found.get(type);
      if (!paths) {
        paths = new Map();
        found.set(type, paths);
      }
      collectPaths(entry.payload.output, ['output'], paths);
    }
  }
  return found;
}

/** Pages do not change once fetched (live updates replace a page), so each is scanned once. */
const scannedPages = new WeakMap<readonly CallSchema[], ScorerScan>();

/**
 * The scorers' result keys on the given pages, scorers in the order first seen: one key per
 * scorer whose output is a plain value, one per leaf when it is an object (`{"correct": true}`
 * gives `my_scorer.correct`).
 */
export function scoreKeys(pages: readonly (readonly CallSchema[])[]): FeedbackKey[] {
  const merged: ScorerScan = new Map();
  let total = 0;
  for (const page of pages) {
    let scan = scannedPages.get(page);
    if (!scan) {
      scan = scanScores(page);
      scannedPages.set(page, scan);
    }
    for (const [type, paths] of scan) {
      let known = merged.get(type);
      if (!known) {
        known = new Map();
        merged.set(type, known);
      }
      for (const [path, key] of paths) {
        const held = known.get(path);
        if (held) held.numeric &&= key.numeric;
        else if (total < MAX_CUSTOM_KEYS) {
          known.set(path, { ...key });
          total += 1;
        }
      }
    }
  }
  const keys: FeedbackKey[] = [];
  for (const [type, paths] of merged) {
    for (const key of paths.values()) {
      if (addressable(type, key.parts)) keys.push(keyOf(type, key.parts, key.numeric));
    }
  }
  return keys;
}

/** Keys found now, then the ones found before that are not among them (by field). */
export function mergeFeedbackKeys(
  found: readonly FeedbackKey[],
  before: readonly FeedbackKey[],
): FeedbackKey[] {
  const fields = new Set(found.map((key) => key.field));
  return [...found, ...before.filter((key) => !fields.has(key.field))];
}

/** The value at a key in the call's oldest row of its type, or undefined (no such row, or no such path). */
export function feedbackValue(
  call: Pick<CallSchema, 'summary'>,
  key: Pick<FeedbackKey, 'feedbackType' | 'parts'>,
): unknown {
  const row = firstOfType(callFeedback(call), key.feedbackType);
  if (!row) return undefined;
  let value: unknown = row.payload;
  for (const part of key.parts) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Whether any loaded call has feedback of a type (for the default columns). */
export function anyFeedbackOfType(calls: readonly CallSchema[], type: string): boolean {
  return calls.some((call) => firstOfType(callFeedback(call), type) !== undefined);
}
