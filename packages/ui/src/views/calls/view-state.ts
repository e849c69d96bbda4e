/**
 * What the calls table shows, as one value: sort, filters and chosen columns. It lives in the URL's
 * search params (so a view can be shared, and back/forward step through filter changes); this
 * module reads and writes that form and knows nothing of React or the server.
 *
 *   sort=-started_at          one sort term; a leading "-" means descending
 *   op=<op name>              repeated: calls of any of these ops
 *   status=error              repeated: success, error, running, descendant_error
 *   after=<ISO>, before=<ISO> started at or after / before
 *   where=["field","op","v"]  repeated: one Query condition each, as a JSON triple
 *   q=<text>                  the quick search
 *   scope=all                 every call; without it, trace roots only
 *   col=<column id>           repeated: the visible columns, when the user chose them
 */
import type { TraceStatus } from '@weft/protocol';

export type SortDirection = 'asc' | 'desc';

export interface SortTerm {
  /** A field path the server sorts by (docs/query-language.md, "Sorting"). */
  field: string;
  direction: SortDirection;
}

/** The operators the filter builder offers; `neq` and `missing` are negations the Query language spells with `$not`. */
export const CONDITION_OPERATORS = [
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'contains',
  'in',
  'exists',
  'missing',
] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

/** One "field operator value" filter, the value kept as the user typed it (typed when the Query is built). */
export interface Condition {
  field: string;
  operator: ConditionOperator;
  value: string;
}

export const TRACE_STATUSES: readonly TraceStatus[] = ['success', 'error', 'running', 'descendant_error'];

/** How filters name a status in words (the table's cells use components/status.tsx). */
export const STATUS_WORDS: Record<TraceStatus, string> = {
  success: 'success',
  error: 'error',
  running: 'running',
  descendant_error: 'child failed',
};

export interface CallsViewState {
  sort: SortTerm;
  ops: string[];
  statuses: TraceStatus[];
  /** ISO-8601; calls started at or after it. */
  startedAfter: string | undefined;
  /** ISO-8601; calls started before it. */
  startedBefore: string | undefined;
  conditions: Condition[];
  search: string;
  rootsOnly: boolean;
  /** The visible columns in the user's choice, or undefined for the default set. */
  columns: string[] | undefined;
}

/** Newest first, as every tracing UI opens. */
export const DEFAULT_SORT: SortTerm = { field: 'started_at', direction: 'desc' };

export const DEFAULT_VIEW_STATE: CallsViewState = {
  sort: DEFAULT_SORT,
  ops: [],
  statuses: [],
  startedAfter: undefined,
  startedBefore: undefined,
  conditions: [],
  search: '',
  rootsOnly: true,
  columns: undefined,
};

function parseSort(text: string | null): SortTerm {
  if (!text || text === '-') return DEFAULT_SORT;
  return text.startsWith('-')
    ? { field: text.slice(1), direction: 'desc' }
    : { field: text, direction: 'asc' };
}

function formatSort(sort: SortTerm): string {
  return sort.direction === 'desc' ? `-${sort.field}` : sort.field;
}

function isStatus(text: string): text is TraceStatus {
  return (TRACE_STATUSES as readonly string[]).includes(text);
}

function isOperator(text: unknown): text is ConditionOperator {
  return typeof text === 'string' && (CONDITION_OPERATORS as readonly string[]).includes(text);
}

/** A `where` param, or undefined when it is not a well-formed triple (a hand-edited URL, say). */
export function parseCondition(text: string): Condition | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length < 2 || parsed.length > 3) return undefined;
  const [field, operator, value = ''] = parsed as unknown[];
  if (typeof field !== 'string' || field.length === 0 || !isOperator(operator) || typeof value !== 'string') {
    return undefined;
  }
  return { field, operator, value };
}

export function formatCondition(condition: Condition): string {
  const { field, operator, value } = condition;
  return JSON.stringify(
    operator === 'exists' || operator === 'missing' ? [field, operator] : [field, operator, value],
  );
}

/** A time param, kept only when it reads as a date. */
function parseTime(text: string | null): string | undefined {
  if (!text) return undefined;
  return Number.isNaN(Date.parse(text)) ? undefined : text;
}

export function parseViewState(params: URLSearchParams): CallsViewState {
  const columns = params.getAll('col').filter((column) => column.length > 0);
  return {
    sort: parseSort(params.get('sort')),
    ops: params.getAll('op').filter((op) => op.length > 0),
    statuses: params.getAll('status').filter(isStatus),
    startedAfter: parseTime(params.get('after')),
    startedBefore: parseTime(params.get('before')),
    conditions: params
      .getAll('where')
      .map(parseCondition)
      .filter((condition): condition is Condition => condition !== undefined),
    search: params.get('q') ?? '',
    rootsOnly: params.get('scope') !== 'all',
    columns: columns.length > 0 ? columns : undefined,
  };
}

/** The search params for a state, defaults left out, in a fixed order so equal states give equal URLs. */
export function toSearchParams(state: CallsViewState): URLSearchParams {
  const params = new URLSearchParams();
  const { sort } = state;
  if (sort.field !== DEFAULT_SORT.field || sort.direction !== DEFAULT_SORT.direction) {
    params.set('sort', formatSort(sort));
  }
  for (const op of state.ops) params.append('op', op);
  for (const status of state.statuses) params.append('status', status);
  if (state.startedAfter) params.set('after', state.startedAfter);
  if (state.startedBefore) params.set('before', state.startedBefore);
  for (const condition of state.conditions) params.append('where', formatCondition(condition));
  if (state.search) params.set('q', state.search);
  if (!state.rootsOnly) params.set('scope', 'all');
  for (const column of state.columns ?? []) params.append('col', column);
  return params;
}

/** Whether anything narrows the calls (sort and columns do not). */
export function hasFilters(state: CallsViewState): boolean {
  return (
    state.ops.length > 0 ||
    state.statuses.length > 0 ||
    state.startedAfter !== undefined ||
    state.startedBefore !== undefined ||
    state.conditions.length > 0 ||
    state.search.trim().length > 0
  );
}

/** The state with every filter cleared; sort, scope and columns stay as the user set them. */
export function withoutFilters(state: CallsViewState): CallsViewState {
  return {
    ...state,
    ops: [],
    statuses: [],
    startedAfter: undefined,
    startedBefore: undefined,
    conditions: [],
    search: '',
  };
}
