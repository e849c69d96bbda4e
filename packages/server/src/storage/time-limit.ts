/**
 * What a client is told when a query runs past the server's time limit (`--query-timeout`), on
 * any store: how long the limit is, and what would make the query fit.
 */

/** `weft serve --query-timeout` when not given: 30 s for one page of results or one count. */
export const DEFAULT_QUERY_TIMEOUT_MS = 30_000;

function formatDuration(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(3))} s` : `${Number(ms.toFixed(3))} ms`;
}

/** What a read worker's request reads: each gets its own advice when it runs too long. */
export type ReadKind = 'calls' | 'table' | 'projects' | 'rowDigests';

const TIME_LIMIT_ADVICE: Record<ReadKind, string> = {
  calls: 'narrow the filter (op_names, trace_ids, a started_at range) or filter and sort on an indexed field',
  table: 'read the table a page at a time (limit, offset) or pick rows with filter.row_digests',
  // Nothing in the request can narrow it: only a longer limit helps.
  projects: 'the projects list counts the calls of every project; raise weft serve --query-timeout',
  rowDigests:
    'every row digest of a table made from digests is looked up in one read; raise weft serve --query-timeout',
};

/** What a client is told when its query ran past the time limit, wherever that was noticed. */
export function timeLimitMessage(timeoutMs: number, of: ReadKind = 'calls'): string {
  return `the query took longer than the server's time limit of ${formatDuration(timeoutMs)}; ${TIME_LIMIT_ADVICE[of]}`;
}
