/**
 * SQL injection through every way a request reaches SQL: literal values, field path keys, op
 * names, filter ids, sort fields and directions, and `columns` entries. Each hostile string must
 * either work (and find the right rows: a key containing `'` is a key like any other) or be
 * refused with a 4xx ProtocolError; it must never surface an SQL error. Afterwards the schema and
 * the calls are exactly as they were.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CallsQueryReq,
  foldCase,
  joinFieldPath,
  ProtocolError,
  type ProtocolErrorType,
  parseQuery,
  resolveCallField,
} from '@weft/protocol';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallsService } from '../service/calls-service.js';
import { SqliteTraceStore } from '../storage/sqlite/sqlite-trace-store.js';
import { CALL_COLUMNS, type CallColumn, type CallsQuery, type CallUpsert } from '../storage/trace-store.js';

const PROJECT = 'injection/project';
/** 2026-01-01T00:00:00Z in µs. */
const T0 = Date.UTC(2026, 0, 1) * 1000;

const HOSTILE = [
  "'",
  '"',
  '\\',
  "\\'",
  "''",
  '--',
  ';',
  "'; --",
  "'); DROP TABLE calls; --",
  '"); DROP TABLE calls; --',
  "x' OR '1'='1",
  'OR 1=1',
  'SELECT * FROM calls',
  'NUL\u0000inside',
  '\u0000',
  '$',
  '$.a',
  '$[0]',
  '[0]',
  '[',
  ']',
  '*',
  '"quoted"',
  'a"]',
  "a']",
  '#',
  '%',
  '_',
  '100%',
  '/* comment */',
  '`tick`',
  '?',
  '?1',
  ':name',
  '@name',
  '$name',
  'line\nbreak',
  'é',
  '😀',
];

/** Kinds a refusal may have: the client's mistake (4xx); 501 only for fields weft lacks. */
const REFUSALS: ReadonlySet<ProtocolErrorType> = new Set(['InvalidRequest', 'InvalidFieldError', 'NotFound']);

const opRef = (name: string) => `weave:///e/p/op/${name}:v1`;
const childOf = (id: string) => `child of ${id}`;

let directory: string;
let databasePath: string;
let store: SqliteTraceStore;
let service: CallsService;
let schemaBefore: unknown[];
let callsBefore: number;

/** Each hostile string is a call's id, trace, names, and an inputs key and value; each has a child. */
function seedCalls(): CallUpsert[] {
  return HOSTILE.flatMap((hostile, index): CallUpsert[] => {
    const start = {
      trace_id: hostile,
      parent_id: null,
      op_name: opRef(hostile),
      display_name: hostile,
      thread_id: hostile,
      turn_id: hostile,
      started_at: T0 + index * 1000,
      attributes_json: '{}',
      inputs_json: JSON.stringify({ plain: hostile, [hostile]: 'found', obj: { [hostile]: hostile } }),
      otel_dump_json: null,
      wb_user_id: hostile,
      wb_run_id: hostile,
      wb_run_step: index,
    };
    const end = {
      ended_at: T0 + index * 1000 + 500,
      exception: null,
      output_json: JSON.stringify(hostile),
      summary_json: JSON.stringify({ [hostile]: index }),
      summary_reports_error: false,
      wb_run_step_end: null,
      display_name: null,
    };
    return [
      { project_id: PROJECT, id: hostile, start, end },
      {
        project_id: PROJECT,
        id: childOf(hostile),
        start: {
          ...start,
          parent_id: hostile,
          op_name: opRef('child'),
          display_name: null,
          thread_id: null,
          turn_id: null,
          wb_user_id: null,
          wb_run_id: null,
          inputs_json: '{}',
        },
        end: { ...end, output_json: '"child"', summary_json: '{}' },
      },
    ];
  });
}

function readSchema(): { schema: unknown[]; calls: number } {
  const connection = new Database(databasePath, { readonly: true });
  try {
    return {
      schema: connection
        .prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name')
        .all(),
      calls: connection.prepare('SELECT COUNT(*) FROM calls').pluck().get() as number,
    };
  } finally {
    connection.close();
  }
}

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'weft-injection-'));
  databasePath = join(directory, 'calls.db');
  store = SqliteTraceStore.open(databasePath);
  service = new CallsService(store);
  await store.upsertCalls(seedCalls());
  ({ schema: schemaBefore, calls: callsBefore } = readSchema());
});

afterAll(async () => {
  await store?.close();
  rmSync(directory, { recursive: true, force: true });
});

/** The ids the store returns, sorted (by JS order, so tests compare sets). */
async function storeIds(query: unknown, overrides: Partial<CallsQuery> = {}): Promise<string[]> {
  const ids: string[] = [];
  for await (const call of store.queryCalls({
    project_id: PROJECT,
    filter: {},
    query: query === null ? null : parseQuery(query, resolveCallField),
    sort_by: [{ field: 'id', direction: 'asc' }],
    limit: null,
    offset: 0,
    columns: CALL_COLUMNS,
    ...overrides,
  })) {
    ids.push(call.id);
  }
  return ids.sort();
}

/** The ids the service returns for a request, in its order. */
async function serviceIds(request: Omit<CallsQueryReq, 'project_id'>): Promise<string[]> {
  const ids: string[] = [];
  for await (const chunk of service.queryJsonLines({ project_id: PROJECT, ...request })) {
    for (const line of chunk.split('\n')) if (line) ids.push((JSON.parse(line) as { id: string }).id);
  }
  return ids;
}

/** Runs something that may be refused: a 4xx ProtocolError is fine, any other error is not. */
async function succeedsOrIsRefused<T>(run: () => Promise<T>): Promise<T | 'refused'> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ProtocolError && REFUSALS.has(error.errorType)) return 'refused';
    throw error;
  }
}

/** What SQLite says when handed text it was meant to treat as data. */
const SQL_ERROR =
  /SQLITE_|syntax error|unrecognized token|no such (column|table|function)|bad JSON path|malformed JSON|incomplete input/i;

/**
 * For inputs that break the store's own types (the service checks them first): the store may throw
 * any error of its own, but the text must never have reached SQLite.
 */
async function neverReachesSql(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ProtocolError && REFUSALS.has(error.errorType)) return;
    const described = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    expect(described).not.toMatch(SQL_ERROR);
    expect(error).not.toHaveProperty('code', expect.stringMatching(/^SQLITE_/));
  }
}

const field = (path: string) => ({ $getField: path });
const literal = (value: unknown) => ({ $literal: value });
const inputsKey = (key: string) => `inputs.${joinFieldPath([key])}`;
const cases = HOSTILE.map((hostile, index) => [index, JSON.stringify(hostile), hostile] as const);

describe('hostile strings reach SQL only as data', () => {
  it.each(cases)('%i %s as a literal value finds its call', async (_, __, hostile) => {
    expect(await storeIds({ $expr: { $eq: [field('inputs.plain'), literal(hostile)] } })).toEqual([hostile]);
    expect(await storeIds({ $expr: { $eq: [field('display_name'), literal(hostile)] } })).toEqual([hostile]);
    expect(await storeIds({ $expr: { $eq: [field('output'), literal(hostile)] } })).toEqual([hostile]);
    expect(await storeIds({ $expr: { $in: [field('wb_user_id'), [literal(hostile)]] } })).toEqual([hostile]);
    expect(
      await storeIds({ $expr: { $eq: [field('inputs.obj'), literal({ [hostile]: hostile })] } }),
    ).toEqual([hostile]);
  });

  it.each(cases)('%i %s as a $contains substring is literal text, not a pattern', async (_, __, hostile) => {
    const contains = (caseInsensitive: boolean) => ({
      $expr: {
        $contains: {
          input: field('inputs.plain'),
          substr: literal(hostile),
          case_insensitive: caseInsensitive,
        },
      },
    });
    expect(await storeIds(contains(false))).toEqual(
      HOSTILE.filter((value) => value.includes(hostile)).sort(),
    );
    expect(await storeIds(contains(true))).toEqual(
      HOSTILE.filter((value) => foldCase(value).includes(foldCase(hostile))).sort(),
    );
  });

  it.each(cases)('%i %s as a field path key finds its call', async (_, __, hostile) => {
    expect(await storeIds({ $expr: { $eq: [field(inputsKey(hostile)), literal('found')] } })).toEqual([
      hostile,
    ]);
    expect(
      await storeIds({ $expr: { $convert: { input: field(inputsKey(hostile)), to: 'exists' } } }),
    ).toEqual([hostile]);
    expect(
      await storeIds({
        $expr: { $eq: [field(`summary.${joinFieldPath([hostile])}`), literal(HOSTILE.indexOf(hostile))] },
      }),
    ).toEqual([hostile]);
  });

  it.each(cases)('%i %s unescaped in a field path works or is refused', async (_, __, hostile) => {
    for (const path of [hostile, `inputs.${hostile}`, `inputs.${hostile}.x`, `summary.weave.${hostile}`]) {
      const result = await succeedsOrIsRefused(() =>
        storeIds({ $expr: { $eq: [field(path), literal('found')] } }),
      );
      if (result !== 'refused') {
        // Unescaped, the path may name another key (`\'` is `'`) or go deeper (`$.a`).
        const resolved = resolveCallField(path);
        const key = resolved.kind === 'json' && resolved.column === 'inputs' ? resolved.path : [];
        const holder = key.length === 1 && HOSTILE.find((other) => other === key[0]);
        expect(result, path).toEqual(holder === undefined || holder === false ? [] : [holder]);
      }
    }
  });

  it.each(cases)('%i %s as an op name, exact or with :*, matches only that op', async (_, __, hostile) => {
    expect(await storeIds(null, { filter: { op_names: [opRef(hostile)] } })).toEqual([hostile]);
    const prefix = `weave:///e/p/op/${hostile}:`;
    expect(await storeIds(null, { filter: { op_names: [`${prefix}*`] } })).toEqual(
      HOSTILE.filter((other) => opRef(other).startsWith(prefix)).sort(),
    );
    expect(await storeIds({ $expr: { $eq: [field('op_name'), literal(opRef(hostile))] } })).toEqual([
      hostile,
    ]);
  });

  it.each(cases)('%i %s as a filter id finds its call', async (_, __, hostile) => {
    expect(await storeIds(null, { filter: { call_ids: [hostile] } })).toEqual([hostile]);
    expect(await storeIds(null, { filter: { trace_ids: [hostile] } })).toEqual(
      [hostile, childOf(hostile)].sort(),
    );
    expect(await storeIds(null, { filter: { parent_ids: [hostile] } })).toEqual([childOf(hostile)]);
    expect(await storeIds(null, { filter: { thread_ids: [hostile] } })).toEqual([hostile]);
    expect(await storeIds(null, { filter: { turn_ids: [hostile] } })).toEqual([hostile]);
    expect(await storeIds(null, { filter: { wb_user_ids: [hostile] } })).toEqual([hostile]);
    expect(await storeIds(null, { filter: { wb_run_ids: [hostile] } })).toEqual([hostile]);
    const count = await store.countCalls({
      project_id: PROJECT,
      filter: { call_ids: [hostile] },
      query: parseQuery({ $expr: { $eq: [field('inputs.plain'), literal(hostile)] } }, resolveCallField),
      limit: null,
    });
    expect(count).toBe(1);
  });

  it.each(cases)('%i %s as a sort field key sorts by that key', async (_, __, hostile) => {
    for (const direction of ['asc', 'desc'] as const) {
      const ids = await serviceIds({ sort_by: [{ field: inputsKey(hostile), direction }], limit: 1 });
      // The one call holding the key comes first in both directions: existing values sort first.
      expect(ids).toEqual([hostile]);
    }
  });

  it.each(cases)('%i %s as a raw sort field works or is refused', async (_, __, hostile) => {
    for (const path of [hostile, `id ${hostile}`, `inputs.${hostile}`, `started_at, ${hostile}`]) {
      for (const direction of ['asc', 'desc'] as const) {
        await succeedsOrIsRefused(() => serviceIds({ sort_by: [{ field: path, direction }] }));
        // The store is also safe when handed fields the service did not check.
        await neverReachesSql(() => storeIds(null, { sort_by: [{ field: path, direction }] }));
      }
    }
  });

  it.each(cases)(
    '%i %s in a sort direction handed to the store works or is refused',
    async (_, __, hostile) => {
      const direction = `asc ${hostile}` as 'asc';
      await neverReachesSql(() => storeIds(null, { sort_by: [{ field: 'started_at', direction }] }));
    },
  );

  it.each(cases)('%i %s as a columns entry works or is refused', async (_, __, hostile) => {
    for (const columns of [
      [hostile],
      ['id', hostile],
      [`inputs.${hostile}`],
      [`${hostile}, sqlite_version()`],
    ]) {
      const result = await succeedsOrIsRefused(() =>
        serviceIds({ columns, sort_by: [{ field: 'id', direction: 'asc' }] }),
      );
      if (result !== 'refused') expect(result).toHaveLength(HOSTILE.length * 2);
      // The store takes checked column names; handed unchecked ones it must still not run them.
      await neverReachesSql(() => storeIds(null, { columns: [...CALL_COLUMNS, hostile as CallColumn] }));
    }
  });

  it('left the schema and the calls as they were', () => {
    const { schema, calls } = readSchema();
    expect(schema).toEqual(schemaBefore);
    expect(calls).toBe(callsBefore);
    expect(calls).toBe(HOSTILE.length * 2);
  });
});
