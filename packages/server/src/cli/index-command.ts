/**
 * `weft index add|drop|list`: manages indexes on JSON fields that queries filter on often
 * (docs/query-language.md, "Indexes for JSON fields"). Works on the data folder directly, with or
 * without a running server; a running server uses a new index from its next query.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_DATA_DIR } from '../server.js';
import { SqliteTraceStore } from '../storage/sqlite/sqlite-trace-store.js';

export const INDEX_USAGE = `Usage: weft index add <field> [--data ${DEFAULT_DATA_DIR}]
       weft index drop <field> [--data ${DEFAULT_DATA_DIR}]
       weft index list [--data ${DEFAULT_DATA_DIR}]

Indexes a JSON field of calls (for example inputs.model or attributes.env) so that filters on it
do not read every call. Equality, $in and text comparisons on the field use the index. Building
an index holds the database's write lock (about 3 s per million calls): a running server's
ingestion waits, and clients retry if it takes longer than 5 s.`;

/** Returns what to print; throws an Error whose message is for the user on bad usage. */
export async function runIndexCommand(args: string[]): Promise<string> {
  const { values, positionals } = parseArgs({
    args,
    options: { data: { type: 'string', default: process.env.WEFT_DATA ?? DEFAULT_DATA_DIR } },
    allowPositionals: true,
    strict: true,
  });
  const [action, field, ...extra] = positionals;
  const needsField = action === 'add' || action === 'drop';
  if (!action || !['add', 'drop', 'list'].includes(action) || (needsField && !field) || extra.length > 0) {
    throw new IndexUsageError(INDEX_USAGE);
  }
  const path = join(resolve(values.data), 'weft.db');
  // Opening would create an empty database; a mistyped --data should say so instead.
  if (!existsSync(path)) {
    throw new IndexUsageError(`no weft database at ${path}: pass the --data folder weft serve uses`);
  }
  const store = SqliteTraceStore.open(path);
  try {
    if (action === 'list') {
      const fields = store.listFieldIndexes();
      return fields.length === 0 ? 'no indexed fields' : fields.join('\n');
    }
    if (action === 'add') {
      return store.addFieldIndex(field as string) ? `indexed ${field}` : `${field} was already indexed`;
    }
    return store.dropFieldIndex(field as string)
      ? `dropped the index on ${field}`
      : `${field} was not indexed`;
  } finally {
    await store.close();
  }
}

export class IndexUsageError extends Error {}
