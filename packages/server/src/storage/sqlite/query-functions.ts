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

type SqlValue = string | number | bigint | Buffer | null;

function textOrNull(value: SqlValue): string | null {
  return typeof value === 'string' ? value : null;
}

export function registerQueryFunctions(db: Database.Database): void {
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
  db.function('weft_fold_case', options, (value: SqlValue) => {
    const text = textOrNull(value);
    return text === null ? null : foldCase(text);
  });
}
