/**
 * The table's state turned into what `/calls/stream_query` and `/calls/query_stats` take: a
 * CallsFilter (ops, trace roots), a Query (status, time range, conditions, quick search; all ANDed)
 * and a sort (docs/protocol.md §4.5–§4.7, docs/query-language.md).
 */
import type { CallsFilter, Query, SortBy } from '@weft/protocol';
import { encodeRefPart } from '@weft/protocol/refs';
import type { ProjectRef } from '../../routes';
import type { CallsViewState, Condition, SortTerm } from './view-state';

/** A Query node as it goes on the wire. */
export type QueryNode = Record<string, unknown>;

const field = (path: string): QueryNode => ({ $getField: path });
const literal = (value: unknown): QueryNode => ({ $literal: value });

/**
 * How an op's name may appear inside its refs: percent-encoded, as weft's and the Python SDK write
 * refs, and as it is, as the npm SDK writes them.
 */
function opNameForms(opName: string): string[] {
  const encoded = encodeRefPart(opName);
  return encoded === opName ? [opName] : [encoded, opName];
}

/** Every `op_name` ref of an op, any version (§4.6's `:*`). */
export function opRefPatterns(project: ProjectRef, opName: string): string[] {
  const prefix = `weave:///${project.entity}/${project.project}/op/`;
  return opNameForms(opName).map((name) => `${prefix}${name}:*`);
}

export function buildCallsFilter(state: CallsViewState, project: ProjectRef): CallsFilter {
  const filter: CallsFilter = {};
  if (state.ops.length > 0) filter.op_names = state.ops.flatMap((op) => opRefPatterns(project, op));
  if (state.rootsOnly) filter.trace_roots_only = true;
  return filter;
}

/** Columns the server stores as text: what the user typed is compared as text, never as a number. */
const TEXT_FIELDS = new Set([
  'id',
  'project_id',
  'trace_id',
  'parent_id',
  'thread_id',
  'turn_id',
  'op_name',
  'display_name',
  'exception',
  'wb_user_id',
  'wb_run_id',
  'summary.weave.status',
  'summary.weave.trace_name',
]);
const TIME_FIELDS = new Set(['started_at', 'ended_at', 'deleted_at']);
const NUMBER_PATTERN = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The literal a typed value stands for. A value in double quotes is always text. Time fields take a
 * date in any form `Date.parse` reads (sent as ISO-8601) or unix seconds. Text columns keep text.
 * Elsewhere (JSON fields such as `summary.score`, numeric columns) numbers and `true`/`false` are
 * typed, so `summary.tokens > 100` compares numbers (a JSON field casts itself to the literal's type).
 */
export function typedLiteral(fieldPath: string, raw: string): unknown {
  const text = raw.trim();
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    try {
      return JSON.parse(text) as string;
    } catch {
      return text.slice(1, -1);
    }
  }
  if (TIME_FIELDS.has(fieldPath)) {
    if (NUMBER_PATTERN.test(text)) return Number(text);
    const time = Date.parse(text);
    return Number.isNaN(time) ? text : new Date(time).toISOString();
  }
  if (TEXT_FIELDS.has(fieldPath)) return text;
  if (NUMBER_PATTERN.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}

/** The items of an `in` value: comma-separated, each typed like a single value. */
export function listItems(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function exists(path: string): QueryNode {
  return { $eq: [{ $convert: { input: field(path), to: 'exists' } }, literal(true)] };
}

/** One condition as a Query operation. */
export function conditionNode(condition: Condition): QueryNode {
  const { field: path, operator, value } = condition;
  const left = field(path);
  switch (operator) {
    case 'eq':
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return { [`$${operator}`]: [left, literal(typedLiteral(path, value))] };
    case 'neq':
      return { $not: [{ $eq: [left, literal(typedLiteral(path, value))] }] };
    case 'contains':
      return { $contains: { input: left, substr: literal(value), case_insensitive: true } };
    case 'in':
      return { $in: [left, listItems(value).map((item) => literal(typedLiteral(path, item)))] };
    case 'exists':
      return exists(path);
    case 'missing':
      return { $not: [exists(path)] };
  }
}

/**
 * The quick search: case-insensitive, over the name a row shows (`summary.weave.trace_name`: the
 * display name when the call has one, else its op's name) and over the op's name itself, for the
 * project's ops whose names contain the text (`matchingOps`, found by the caller in the op list),
 * so a renamed call is still found by its op. Not over inputs or outputs: that would scan every
 * call's payload; a `contains` condition on `inputs.…` does that on purpose.
 */
export function searchNode(text: string, matchingOps: readonly string[]): QueryNode {
  const byName: QueryNode = {
    $contains: { input: field('summary.weave.trace_name'), substr: literal(text), case_insensitive: true },
  };
  const byOp = matchingOps.flatMap((op) =>
    opNameForms(op).map((name) => ({
      // `/op/<name>:` and nothing more, so `foo` does not also match `foobar`.
      $contains: { input: field('op_name'), substr: literal(`/op/${name}:`) },
    })),
  );
  return byOp.length === 0 ? byName : { $or: [byName, ...byOp] };
}

/** Which op names the quick search also matches: those containing the text, any case. */
export function opsMatchingSearch(ops: readonly string[], text: string): string[] {
  const needle = text.trim().toLowerCase();
  if (needle.length === 0) return [];
  return ops.filter((op) => op.toLowerCase().includes(needle));
}

/** Status, time range, conditions and search, ANDed; undefined when nothing narrows. */
export function buildQuery(state: CallsViewState, matchingOps: readonly string[] = []): Query | undefined {
  const clauses: QueryNode[] = [];
  if (state.statuses.length > 0) {
    clauses.push({ $in: [field('summary.weave.status'), state.statuses.map(literal)] });
  }
  if (state.startedAfter) clauses.push({ $gte: [field('started_at'), literal(state.startedAfter)] });
  if (state.startedBefore) clauses.push({ $lt: [field('started_at'), literal(state.startedBefore)] });
  for (const condition of state.conditions) clauses.push(conditionNode(condition));
  const search = state.search.trim();
  if (search) clauses.push(searchNode(search, matchingOps));
  if (clauses.length === 0) return undefined;
  return { $expr: clauses.length === 1 ? (clauses[0] as QueryNode) : { $and: clauses } };
}

/**
 * The server's sort. By start time the id breaks ties in the same direction, which is what key
 * paging continues from (paging.ts); other sorts get the server's ascending id tie-breaker.
 */
export function buildSortBy(sort: SortTerm): SortBy[] {
  if (sort.field === 'started_at') {
    return [
      { field: 'started_at', direction: sort.direction },
      { field: 'id', direction: sort.direction },
    ];
  }
  return [{ field: sort.field, direction: sort.direction }];
}
