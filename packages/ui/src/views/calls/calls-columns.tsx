/**
 * The table's columns: the fixed ones (op, display name, status, output, started, latency, tokens,
 * cost, reactions, notes), one per scorer result key and one per custom summary key found on the
 * loaded calls. A column's id is the field path the server sorts it by, so sorting by a column is
 * `sort_by: [{field: id}]`; tokens and cost are weft's derived fields over every model a call used
 * (docs/protocol.md §17.5), feedback columns read the call's oldest row of their type (§18.5).
 */
import {
  type ColumnDef,
  columnSizingFeature,
  columnVisibilityFeature,
  rowSortingFeature,
  tableFeatures,
} from '@tanstack/react-table';
import type { CallSchema } from '@weft/protocol';
import { splitFieldPath } from '@weft/protocol/query/field-path';
import { opDisplayName } from '@weft/protocol/refs';
import { NOTE_TYPE } from '../../api/feedback';
import { Status } from '../../components/status';
import { formatCount, formatDuration, formatTime } from '../../format';
import { callCost, costText } from '../costs/call-cost';
import { callFeedback, groupReactions } from '../feedback/feedback-rows';
import {
  type FeedbackKey,
  feedbackValue,
  mergeFeedbackKeys,
  NOTES_COLUMN,
  parseFeedbackField,
  REACTIONS_COLUMN,
} from './feedback-fields';
import { cellText, type SummaryKey, summaryValue, tokenTotals } from './summary-fields';

export const tableFeaturesUsed = tableFeatures({
  rowSortingFeature,
  columnVisibilityFeature,
  columnSizingFeature,
});
export type CallColumnDef = ColumnDef<typeof tableFeaturesUsed, CallSchema>;

export const OP_COLUMN = 'op_name';
export const TOKENS_COLUMN = 'summary.weave.total_tokens';
export const COST_COLUMN = 'summary.weave.total_cost';
export const OUTPUT_COLUMN = 'output';
const BASE_COLUMN_IDS = [
  OP_COLUMN,
  'display_name',
  'summary.weave.status',
  OUTPUT_COLUMN,
  'started_at',
  'summary.weave.latency_ms',
];
/** Custom summary keys shown before the user picks columns; the rest are a click away. */
const DEFAULT_CUSTOM_COLUMNS = 6;
/** The same for scorer result keys. */
const DEFAULT_SCORE_COLUMNS = 6;

function Muted({ children }: { children: string }) {
  return <span className="muted">{children}</span>;
}

const baseColumns: CallColumnDef[] = [
  {
    id: OP_COLUMN,
    header: 'Op',
    size: 220,
    enableHiding: false,
    accessorFn: (call) => opDisplayName(call.op_name),
    cell: ({ row }) => {
      const name = opDisplayName(row.original.op_name);
      return <span title={row.original.op_name}>{cellText(name)}</span>;
    },
  },
  {
    id: 'display_name',
    header: 'Display name',
    size: 200,
    accessorFn: (call) => call.display_name ?? '',
    cell: ({ row }) => {
      const name = row.original.display_name;
      return name ? <span title={cellText(name)}>{cellText(name)}</span> : <Muted>—</Muted>;
    },
  },
  {
    id: 'summary.weave.status',
    header: 'Status',
    size: 120,
    accessorFn: (call) => call.summary?.weave?.status ?? 'running',
    cell: ({ row }) => <Status status={row.original.summary?.weave?.status} />,
  },
  {
    id: OUTPUT_COLUMN,
    header: 'Output',
    size: 260,
    // The server would sort outputs by their JSON text, which orders nothing a reader cares about.
    enableSorting: false,
    accessorFn: (call) => call.output,
    cell: ({ row }) => {
      const output = row.original.output;
      if (output === null || output === undefined) return <Muted>—</Muted>;
      const text = cellText(output);
      return <span title={text}>{text}</span>;
    },
  },
  {
    id: 'started_at',
    header: 'Started',
    size: 215,
    sortDescFirst: true,
    accessorFn: (call) => call.started_at,
    cell: ({ row }) => <span title={row.original.started_at}>{formatTime(row.original.started_at)}</span>,
  },
  {
    id: 'summary.weave.latency_ms',
    header: 'Latency',
    size: 100,
    sortDescFirst: true,
    accessorFn: (call) => call.summary?.weave?.latency_ms ?? null,
    cell: ({ row }) => {
      const latency = row.original.summary?.weave?.latency_ms;
      return typeof latency === 'number' ? formatDuration(latency) : <Muted>running</Muted>;
    },
  },
];

/** Why a column cannot be sorted, or what it means, for its header's tooltip. */
const COLUMN_NOTES: Record<string, string> = {
  [TOKENS_COLUMN]:
    'Tokens of every model the call used, including the calls inside it (a trace’s root: the whole trace).',
  [COST_COLUMN]:
    'What the call’s tokens cost at the prices in effect when it started, including the calls inside it ' +
    '(a trace’s root: the whole trace). “—”: no model it used has a price; “≥”: some have none. ' +
    'Sorted by the priced part; calls with no price last.',
  [REACTIONS_COLUMN]:
    'Reactions to the call, by emoji. Sorted by the emoji of its first reaction; calls without reactions last.',
  [NOTES_COLUMN]:
    'Notes on the call, the first one shown. Sorted by the first note; calls without notes last.',
};

/** Tokens add up every model in `summary.usage`; the server sorts by the same sum. */
const tokensColumn: CallColumnDef = {
  id: TOKENS_COLUMN,
  header: 'Tokens',
  size: 100,
  sortDescFirst: true,
  accessorFn: (call) => tokenTotals(call)?.total ?? null,
  cell: ({ row }) => {
    const totals = tokenTotals(row.original);
    if (!totals) return <Muted>—</Muted>;
    const detail = [
      `${formatCount(totals.input)} in, ${formatCount(totals.output)} out`,
      ...totals.byModel.map(({ model, total }) => `${model}: ${formatCount(total)}`),
    ].join('\n');
    return <span title={detail}>{formatCount(totals.total)}</span>;
  },
};

/**
 * The server prices `summary.usage` when the calls are read (`include_costs`) and sorts by the
 * same prices. Unpriced models make the cost unknown, never $0.
 */
const costColumn: CallColumnDef = {
  id: COST_COLUMN,
  header: 'Cost',
  size: 110,
  sortDescFirst: true,
  accessorFn: (call) => {
    const cost = callCost(call.summary);
    return cost?.totals[0]?.amount ?? null;
  },
  cell: ({ row }) => {
    const cost = callCost(row.original.summary);
    if (!cost) return <Muted>—</Muted>;
    const { text, title, state } = costText(cost);
    return (
      <span title={title} className={`cost cost-${state}`}>
        {text}
      </span>
    );
  },
};

/** Each emoji with its count (`👍 2  👎 1`); the tooltip names them. */
const reactionsColumn: CallColumnDef = {
  id: REACTIONS_COLUMN,
  header: 'Reactions',
  size: 120,
  sortDescFirst: false,
  accessorFn: (call) => groupReactions(callFeedback(call))[0]?.emoji ?? null,
  cell: ({ row }) => {
    const groups = groupReactions(callFeedback(row.original));
    if (groups.length === 0) return <Muted>—</Muted>;
    const title = groups.map((group) => `${group.emoji} ${group.alias ?? ''} ×${group.count}`).join('\n');
    return (
      <span className="reaction-cell" title={title}>
        {groups.map((group) => (
          <span key={group.emoji} className="reaction-count">
            {group.emoji}
            {group.count > 1 && <span className="reaction-number">{group.count}</span>}
          </span>
        ))}
      </span>
    );
  },
};

/** The first note, and how many more there are; the tooltip has them all. */
const notesColumn: CallColumnDef = {
  id: NOTES_COLUMN,
  header: 'Notes',
  size: 200,
  sortDescFirst: false,
  accessorFn: (call) => feedbackValue(call, { feedbackType: NOTE_TYPE, parts: ['note'] }) ?? null,
  cell: ({ row }) => {
    const notes = callFeedback(row.original).filter(
      (entry) => entry.feedback_type === NOTE_TYPE && typeof entry.payload.note === 'string',
    );
    const [first] = notes;
    if (!first) return <Muted>—</Muted>;
    const title = notes.map((note) => cellText(note.payload.note)).join('\n\n');
    return (
      <span title={title}>
        {cellText(first.payload.note)}
        {notes.length > 1 && <span className="muted"> +{notes.length - 1}</span>}
      </span>
    );
  },
};

/** A scorer's result (or one key of it), from the call's first result of that scorer. */
function feedbackColumn(key: FeedbackKey): CallColumnDef {
  return {
    id: key.field,
    header: key.label,
    size: 140,
    sortDescFirst: true,
    accessorFn: (call) => cellText(feedbackValue(call, key)),
    cell: ({ row }) => {
      const value = feedbackValue(row.original, key);
      if (value === undefined) return <Muted>—</Muted>;
      const text = cellText(value);
      return <span title={text}>{text}</span>;
    },
  };
}

function feedbackNote(key: FeedbackKey): string {
  return `${key.label}: the call’s first feedback of type ${key.feedbackType} (${key.field}). Calls without one sort last.`;
}

function summaryColumn(key: SummaryKey): CallColumnDef {
  return {
    id: key.field,
    header: key.label,
    size: 140,
    sortDescFirst: true,
    accessorFn: (call) => cellText(summaryValue(call, key.parts)),
    cell: ({ row }) => {
      const value = summaryValue(row.original, key.parts);
      if (value === undefined) return <Muted>—</Muted>;
      const text = cellText(value);
      return <span title={text}>{text}</span>;
    },
  };
}

export interface ColumnChoice {
  id: string;
  label: string;
  hideable: boolean;
}

export interface CallColumns {
  defs: CallColumnDef[];
  /** Every column the user can show or hide, in table order. */
  choices: ColumnChoice[];
  /** The columns shown when the URL does not say. */
  defaultVisible: string[];
  /** Columns whose cells are numbers, right-aligned. */
  numeric: ReadonlySet<string>;
  /** A header's tooltip where it has more to say than "sort by". */
  notes: Readonly<Record<string, string>>;
}

/** What the loaded calls' feedback offers as columns. */
export interface FeedbackColumnsFound {
  /** Scorer result keys found on the loaded calls: their columns are among the defaults. */
  scores: readonly FeedbackKey[];
  /** Scorer result keys seen earlier in the project: offered, not shown by default. */
  seenScores?: readonly FeedbackKey[];
  /** Some loaded call has a reaction, a note. */
  anyReactions: boolean;
  anyNotes: boolean;
}

const NO_FEEDBACK: FeedbackColumnsFound = { scores: [], anyReactions: false, anyNotes: false };

/**
 * The columns for the loaded calls. Custom keys and feedback fields named in the URL but absent
 * from the loaded calls still get a column, so a shared link shows what its author chose.
 */
export function callColumns(
  summaryKeys: readonly SummaryKey[],
  chosen: readonly string[] | undefined,
  anyTokens: boolean,
  feedback: FeedbackColumnsFound = NO_FEEDBACK,
): CallColumns {
  const keys = [...summaryKeys];
  const known = new Set(keys.map((key) => key.field));
  for (const id of chosen ?? []) {
    if (id.startsWith('summary.') && !id.startsWith('summary.weave.') && !known.has(id)) {
      let parts: string[];
      try {
        parts = splitFieldPath(id.slice('summary.'.length));
      } catch {
        continue; // A hand-edited column the server could not sort by either.
      }
      keys.push({ field: id, parts, label: parts.join('.'), numeric: false });
      known.add(id);
    }
  }
  const scores = mergeFeedbackKeys(feedback.scores, feedback.seenScores ?? []);
  const knownScores = new Set([REACTIONS_COLUMN, NOTES_COLUMN, ...scores.map((key) => key.field)]);
  for (const id of chosen ?? []) {
    const key = knownScores.has(id) ? undefined : parseFeedbackField(id);
    if (key) {
      scores.push(key);
      knownScores.add(id);
    }
  }
  const defs = [
    ...baseColumns,
    tokensColumn,
    costColumn,
    reactionsColumn,
    notesColumn,
    ...scores.map(feedbackColumn),
    ...keys.map(summaryColumn),
  ];
  return {
    defs,
    choices: defs.map((def) => ({
      id: def.id as string,
      label: typeof def.header === 'string' ? def.header : (def.id as string),
      hideable: def.enableHiding !== false,
    })),
    defaultVisible: [
      ...BASE_COLUMN_IDS,
      ...(anyTokens ? [TOKENS_COLUMN, COST_COLUMN] : []),
      ...(feedback.anyReactions ? [REACTIONS_COLUMN] : []),
      ...(feedback.anyNotes ? [NOTES_COLUMN] : []),
      ...feedback.scores.slice(0, DEFAULT_SCORE_COLUMNS).map((key) => key.field),
      ...summaryKeys.slice(0, DEFAULT_CUSTOM_COLUMNS).map((key) => key.field),
    ],
    numeric: new Set([
      'summary.weave.latency_ms',
      TOKENS_COLUMN,
      COST_COLUMN,
      ...scores.filter((key) => key.numeric).map((key) => key.field),
      ...keys.filter((key) => key.numeric).map((key) => key.field),
    ]),
    notes:
      scores.length === 0
        ? COLUMN_NOTES
        : { ...COLUMN_NOTES, ...Object.fromEntries(scores.map((key) => [key.field, feedbackNote(key)])) },
  };
}
