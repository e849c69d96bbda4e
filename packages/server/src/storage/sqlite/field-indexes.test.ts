import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidRequest, parseQuery, resolveCallField } from '@weft/protocol';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callsSelect } from '../../query/calls-query.js';
import { sqliteBindings, sqliteCallsDialect } from '../../query/dialects/sqlite.js';
import { compileSql } from '../../query/sql.js';
import { callsQuery, started } from '../contract/call-fixtures.js';
import { CALL_COLUMNS } from '../trace-store.js';
import { QueryContextCache } from './field-indexes.js';
import { registerQueryFunctions } from './query-functions.js';
import { SqliteTraceStore } from './sqlite-trace-store.js';

let directory: string;
let path: string;
let store: SqliteTraceStore;

const MODELS = ['gpt-4o', 'claude', 'llama', "it's"];
const byModel = (model: string) =>
  parseQuery({ $expr: { $eq: [{ $getField: 'inputs.model' }, { $literal: model }] } }, resolveCallField);

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'weft-field-indexes-'));
  path = join(directory, 'weft.db');
  store = SqliteTraceStore.open(path);
  await store.upsertCalls(
    Array.from({ length: 200 }, (_, index) =>
      started(`call-${String(index).padStart(3, '0')}`, {
        started_at: 1_700_000_000_000_000 + index,
        inputs_json: JSON.stringify({ model: MODELS[index % MODELS.length], "it's": index }),
      }),
    ),
  );
});

afterAll(async () => {
  await store?.close();
  rmSync(directory, { recursive: true, force: true });
});

async function ids(model: string): Promise<string[]> {
  const found: string[] = [];
  for await (const call of store.queryCalls(callsQuery({ query: byModel(model), columns: CALL_COLUMNS }))) {
    found.push(call.id);
  }
  return found;
}

/** The query plan the compiler's SQL gets on a fresh connection (which loads the registry). */
function plan(model: string): string {
  const db = new Database(path, { readonly: true });
  try {
    registerQueryFunctions(db);
    const context = new QueryContextCache(db).current();
    const compiled = compileSql(
      callsSelect(
        callsQuery({ query: byModel(model), sort_by: [{ field: 'started_at', direction: 'desc' }] }),
        context,
      ),
      sqliteCallsDialect.placeholder,
    );
    const rows = db
      .prepare(`EXPLAIN QUERY PLAN ${compiled.text}`)
      .all(sqliteBindings(compiled.params)) as Array<{
      detail: string;
    }>;
    return rows.map((row) => row.detail).join('\n');
  } finally {
    db.close();
  }
}

describe('indexed JSON fields', () => {
  it('gives the same answers with and without the index, and the plan uses it', async () => {
    const before = await ids('claude');
    expect(before).toHaveLength(50);
    expect(plan('claude')).not.toMatch(/field_index/);

    expect(store.addFieldIndex('inputs.model')).toBe(true);
    expect(store.addFieldIndex('inputs.model')).toBe(false);
    expect(store.listFieldIndexes()).toEqual(['inputs.model']);

    // The running store's read workers notice the schema change on their next query.
    expect(await ids('claude')).toEqual(before);
    expect(await ids("it's")).toHaveLength(50);
    expect(plan('claude')).toMatch(/USING INDEX calls_field_index_1/);
  });

  it('indexes keys with quotes, and drops an index again', async () => {
    expect(store.addFieldIndex("inputs.it's")).toBe(true);
    expect(store.listFieldIndexes()).toEqual(["inputs.it's", 'inputs.model']);
    expect(store.dropFieldIndex('inputs.model')).toBe(true);
    expect(store.dropFieldIndex('inputs.model')).toBe(false);
    expect(plan('claude')).not.toMatch(/field_index/);
    expect(await ids('claude')).toHaveLength(50);
  });

  it('refuses fields that are not JSON paths, with a clear reason', () => {
    for (const field of ['id', 'inputs', 'summary.weave.status']) {
      expect(() => store.addFieldIndex(field)).toThrow(InvalidRequest);
    }
    expect(() => store.addFieldIndex('nonsense')).toThrow(/unknown call field/);
  });

  it('indexes keys with control characters and SQL syntax in them', () => {
    for (const field of ['inputs.a\nb', "inputs.x'); DROP TABLE calls; --", 'inputs.q"\\\\"']) {
      expect(store.addFieldIndex(field)).toBe(true);
      expect(store.dropFieldIndex(field)).toBe(true);
    }
    expect(store.listFieldIndexes()).toEqual(["inputs.it's"]);
  });
});
