/**
 * SQL functions the SQLite dialect's queries call (`query/dialects/sqlite.ts`). They are the
 * Query language's own conversion rules from `@weft/protocol/query/values`, so SQL and the
 * reference evaluator share one definition. Registered on every connection that runs queries;
 * never used in the schema, so the database file stays readable by any SQLite.
 */

import { formatTimestampMicros } from '@weft/protocol/datetime';
import {
  foldCase,
  numberText,
  parseBoolOrNull,
  parseDoubleOrNull,
  parseIntOrNull,
} from '@weft/protocol/query/values';
import type Database from 'better-sqlite3';
import { totalTokensOf } from '../../costs/call-costs.js';
import type { ReadKind } from '../time-limit.js';
import type { ReadRequest } from './read-worker.js';

type SqlValue = string | number | bigint | Buffer | null;

function textOrNull(value: SqlValue): string | null {
  return typeof value === 'string' ? value : null;
}

/** What a request reads, for the time limit's message. */
export function readOf(request: ReadRequest): ReadKind {
  if (request.type === 'missingRow') return 'rowDigests';
  return request.type === 'table' || request.type === 'projects' ? request.type : 'calls';
}

/** Thrown inside SQLite by `weft_within_time_limit()` to stop a query past its time limit. */
export class QueryTimeLimitExceeded extends Error {
  constructor() {
    super('the query ran past its time limit');
    this.name = 'QueryTimeLimitExceeded';
  }
}

/**
 * The client that asked for a query went away (docs/protocol.md §4.5): its read worker stops the
 * query rather than finish an answer nobody will read.
 */
export class QueryAbandoned extends Error {
  constructor() {
    super('the client went away; the query was stopped');
    this.name = 'QueryAbandoned';
  }
}

/** Why a running query must stop now, if it must. */
export type StopReason = 'time-limit' | 'abandoned' | undefined;

/**
 * `stopReason` is asked now and then while a query scans (the dialect's interruptCheck); the read
 * worker answers from its current deadline and whether the request was abandoned. Connections
 * without one never stop a query.
 */
export function registerQueryFunctions(
  db: Database.Database,
  stopReason: () => StopReason = () => undefined,
  /** A call's priced cost, for connections that answer call queries (the read workers). */
  callCost: (summaryJson: string | null, startedAt: number) => number | null = () => {
    throw new Error('calls are priced on the read workers only');
  },
): void {
  // Not deterministic: SQLite must call it every time, never fold it to a constant.
  db.function('weft_within_time_limit', { directOnly: true }, () => {
    const reason = stopReason();
    if (reason === 'time-limit') throw new QueryTimeLimitExceeded();
    if (reason === 'abandoned') throw new QueryAbandoned();
    return 1;
  });
  const options = { deterministic: true, directOnly: true } as const;
  db.function('weft_to_int', options, (value: SqlValue) => {
    const text = textOrNull(value);
    return text === null ? null : parseIntOrNull(text);
  });
  db.function('weft_to_double', options, (value: SqlValue) => {
    const text = textOrNull(value);
    return text === null ? null : parseDoubleOrNull(text);
  });
  db.function('weft_to_bool', options, (value: SqlValue) => {
    const text = textOrNull(value);
    if (text === null) return null;
    const parsed = parseBoolOrNull(text);
    return parsed === null ? null : parsed ? 1 : 0;
  });
  db.function('weft_number_text', options, (value: SqlValue) =>
    typeof value === 'number' ? numberText(value) : typeof value === 'bigint' ? value.toString() : null,
  );
  db.function('weft_timestamp_text', options, (value: SqlValue) =>
    typeof value === 'number' ? formatTimestampMicros(value) : null,
  );
  db.function('weft_usage_tokens', options, (value: SqlValue) => totalTokensOf(textOrNull(value)));
  // Not deterministic: prices change between queries.
  db.function('weft_call_cost', { directOnly: true }, (summary: SqlValue, startedAt: SqlValue) =>
    typeof startedAt === 'number' ? callCost(textOrNull(summary), startedAt) : null,
  );
  db.function('weft_fold_case', options, (value: SqlValue) => {
    const text = textOrNull(value);
    return text === null ? null : foldCase(text);
  });
  // $contains with a long needle (dialects/sqlite.ts): V8's string search stays near linear where
  // SQLite's instr compares the needle at every position.
  db.function('weft_contains', options, (haystack: SqlValue, needle: SqlValue) => {
    const text = textOrNull(haystack);
    const part = textOrNull(needle);
    return text === null || part === null ? null : text.includes(part) ? 1 : 0;
  });
}
