/**
 * Pages sorted by a feedback field are read from kept sort keys (feedback-sort-keys.ts,
 * scored-sort.ts). These tests compare every such page with the general plan's answer (the
 * compiler's SQL run on a connection of its own) over feedback of every shape, through writes that
 * change which row is a call's oldest, purges and deleted calls, and check which plan ran.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseQuery, resolveCallField, type SortBy } from '@weft/protocol';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callsSelect, compileWithinLimits } from '../../query/calls-query.js';
import { sqliteBindings, sqliteCallsDialect } from '../../query/dialects/sqlite.js';
import { callsQuery, finished, MS, PROJECT, T0 } from '../contract/call-fixtures.js';
import type { CallsQuery, StoredFeedback } from '../trace-store.js';
import { SortKeyCoverage } from './feedback-key-reads.js';
import { CLEAR_KEYS_SQL, MAX_TEXT_CHARS } from './feedback-sort-keys.js';
import { registerQueryFunctions } from './query-functions.js';
import { planScoredSort } from './scored-sort.js';
import { SqliteTraceStore } from './sqlite-trace-store.js';

const JUDGE = 'wandb.runnable.judge';
const NOTE = 'wandb.note.1';
const CALLS = 60;
const callId = (index: number) => `call-${String(index).padStart(2, '0')}`;

let directory: string;
let path: string;
let store: SqliteTraceStore;
let feedbackCount = 0;

function feedbackOn(call: string, type: string, payload: unknown, createdAt: number): StoredFeedback {
  feedbackCount += 1;
  return {
    project_id: PROJECT,
    id: `fb-${String(feedbackCount).padStart(4, '0')}`,
    weave_ref: `weave:///${PROJECT}/call/${call}`,
    call_id: call,
    creator: null,
    feedback_type: type,
    payload_json: JSON.stringify(payload),
    annotation_ref: null,
    runnable_ref: type === JUDGE ? `weave:///${PROJECT}/op/judge:v${feedbackCount % 3}` : null,
    call_ref: null,
    trigger_ref: null,
    wb_user_id: 'ada',
    created_at: createdAt,
  };
}

/** Scores of every kind a scorer gives, and ties, so both the number and the text order matter. */
function judged(index: number): unknown {
  const kinds: unknown[] = [
    index / 7,
    -index,
    3,
    `${index}`,
    'not a number',
    index % 2 === 0,
    null,
    '',
    1e300,
    `${index}.5e1`,
  ];
  return { output: { score: kinds[index % kinds.length], correct: index % 3 === 0, tags: [index % 4, 'x'] } };
}

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'weft-scored-sort-'));
  path = join(directory, 'weft.db');
  store = SqliteTraceStore.open(path);
  await store.upsertCalls(
    Array.from({ length: CALLS }, (_, index) =>
      finished(callId(index), {
        started_at: T0 + ((index * 7) % 13) * MS,
        parent_id: index % 5 === 4 ? callId(index - 1) : null,
      }),
    ),
  );
  const rows: StoredFeedback[] = [];
  // Two thirds of the calls are judged; every fourth of those twice, the later row not counting.
  for (let index = 0; index < CALLS; index++) {
    if (index % 3 === 2) continue;
    rows.push(feedbackOn(callId(index), JUDGE, judged(index), T0 + index * MS));
    if (index % 4 === 0)
      rows.push(feedbackOn(callId(index), JUDGE, judged(index + 1), T0 + (index + 100) * MS));
  }
  for (let index = 0; index < CALLS; index += 2) {
    rows.push(feedbackOn(callId(index), NOTE, { note: `note ${index % 9}` }, T0 + index * MS));
  }
  await store.createFeedback(rows);
});

afterAll(async () => {
  await store?.close();
  rmSync(directory, { recursive: true, force: true });
});

/** The page as the general plan reads it: the compiler's SQL straight on the calls table. */
function generalPlanIds(query: CallsQuery): string[] {
  const db = new Database(path, { readonly: true });
  try {
    registerQueryFunctions(db);
    const compiled = compileWithinLimits(
      callsSelect(query, { dialect: sqliteCallsDialect }),
      sqliteCallsDialect,
    );
    return db
      .prepare(compiled.text)
      .all(sqliteBindings(compiled.params))
      .map((row) => (row as { id: string }).id);
  } finally {
    db.close();
  }
}

/** Whether the store reads this query's page from the sort keys. */
function usesSortKeys(query: CallsQuery): boolean {
  const db = new Database(path, { readonly: true });
  try {
    return planScoredSort(query, { dialect: sqliteCallsDialect }, new SortKeyCoverage(db)) !== undefined;
  } finally {
    db.close();
  }
}

/** The SQL the store runs for a query's filter, with the keys it keeps. */
function storeSql(query: CallsQuery): string {
  const db = new Database(path, { readonly: true });
  try {
    const context = {
      dialect: sqliteCallsDialect,
      feedbackKeys: new SortKeyCoverage(db).readsFor(query.project_id),
    };
    return compileWithinLimits(callsSelect(query, context), sqliteCallsDialect).text;
  } finally {
    db.close();
  }
}

async function storeIds(query: CallsQuery): Promise<string[]> {
  const found: string[] = [];
  for await (const call of store.queryCalls(query)) found.push(call.id);
  return found;
}

const SCORE = `feedback.[${JUDGE}].payload.output.score`;
const PAGES: ReadonlyArray<{ limit: number | null; offset: number }> = [
  { limit: null, offset: 0 },
  { limit: 5, offset: 0 },
  { limit: 7, offset: 35 },
  { limit: 10, offset: 36 },
  { limit: 50, offset: 20 },
  { limit: 4, offset: 55 },
  { limit: 10, offset: 100 },
];

/** Every page of every sort in `sorts`, through the store and through the general plan. */
async function expectSamePages(sorts: ReadonlyArray<SortBy[]>, extra: Partial<CallsQuery> = {}) {
  for (const sort_by of sorts) {
    for (const page of PAGES) {
      const query = callsQuery({ sort_by, ...page, ...extra });
      const expected = generalPlanIds(query);
      expect(await storeIds(query), JSON.stringify({ sort_by, ...page })).toEqual(expected);
    }
  }
}

const bothWays = (field: string): SortBy[][] => [
  [{ field, direction: 'desc' }],
  [{ field, direction: 'asc' }],
];

/** `{a: {a: ... 1}}`, `depth` levels deep. */
function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let level = 0; level < depth; level++) value = { a: value };
  return value;
}

describe('pages sorted by a feedback field', () => {
  it('are read from the sort keys, and match the general plan page by page', async () => {
    const fields = [
      SCORE,
      `feedback.[${JUDGE}].payload.output.correct`,
      `feedback.[${JUDGE}].payload.output.tags.0`,
      `feedback.[${JUDGE}].runnable_ref`,
      `feedback.[${NOTE}].payload.note`,
      `feedback.[${JUDGE}].payload.output.missing`,
    ];
    for (const field of fields) {
      expect(usesSortKeys(callsQuery({ sort_by: [{ field, direction: 'desc' }] })), field).toBe(true);
    }
    await expectSamePages(fields.flatMap(bothWays));
  });

  it('match it with more sort keys after the feedback field, a filter and a query', async () => {
    const sorts: SortBy[][] = [
      [
        { field: SCORE, direction: 'desc' },
        { field: 'started_at', direction: 'desc' },
      ],
      [
        { field: SCORE, direction: 'asc' },
        { field: 'op_name', direction: 'asc' },
        { field: 'started_at', direction: 'asc' },
      ],
      // A second feedback field sorts through its keys as well.
      [
        { field: `feedback.[${JUDGE}].payload.output.correct`, direction: 'desc' },
        { field: `feedback.[${NOTE}].payload.note`, direction: 'asc' },
      ],
    ];
    await expectSamePages(sorts);
    await expectSamePages(bothWays(SCORE), { filter: { trace_roots_only: true } });
    const correct = {
      $eq: [{ $getField: `feedback.[${JUDGE}].payload.output.correct` }, { $literal: true }],
    };
    const noted = {
      $contains: { input: { $getField: `feedback.[${NOTE}].payload.note` }, substr: { $literal: '3' } },
    };
    const correctOrNoted = parseQuery({ $expr: { $or: [correct, noted] } }, resolveCallField);
    await expectSamePages(bothWays(SCORE), { query: correctOrNoted, include_feedback: true });
  });

  it('filter by feedback fields through the keys, with the general plan’s answers', async () => {
    const field = (name: string) => ({ $getField: name });
    const literal = (value: unknown) => ({ $literal: value });
    const filters: Array<{ keyed: boolean; expr: Record<string, unknown> }> = [
      { keyed: true, expr: { $eq: [field(SCORE), literal(3)] } },
      { keyed: true, expr: { $gt: [field(SCORE), literal(0.5)] } },
      { keyed: true, expr: { $eq: [field(SCORE), literal('3')] } },
      { keyed: true, expr: { $not: [{ $eq: [field(SCORE), literal('')] }] } },
      // Missing, null and empty text all read as ''.
      { keyed: true, expr: { $eq: [field(SCORE), literal('')] } },
      { keyed: true, expr: { $in: [field(SCORE), [literal(3), literal('not a number'), literal(true)]] } },
      { keyed: true, expr: { $eq: [field(`feedback.[${JUDGE}].payload.output.correct`), literal(true)] } },
      {
        keyed: true,
        expr: { $gte: [{ $convert: { input: field(SCORE), to: 'double' } }, literal(2)] },
      },
      {
        keyed: true,
        expr: { $convert: { input: field(`feedback.[${JUDGE}].payload.output.tags.1`), to: 'exists' } },
      },
      {
        keyed: true,
        expr: {
          $contains: {
            input: field(`feedback.[${NOTE}].payload.note`),
            substr: literal('NOTE 3'),
            case_insensitive: true,
          },
        },
      },
      {
        keyed: true,
        expr: {
          $eq: [field(`feedback.[${JUDGE}].runnable_ref`), literal(`weave:///${PROJECT}/op/judge:v1`)],
        },
      },
      // get_calls(scored_by=name): the output is an object, read as its JSON text.
      { keyed: true, expr: { $not: [{ $eq: [field(`feedback.[${JUDGE}].payload.output`), literal('')] }] } },
      {
        keyed: true,
        expr: {
          $contains: { input: field(`feedback.[${JUDGE}].payload.output.tags`), substr: literal('[2,') },
        },
      },
    ];
    for (const { keyed, expr } of filters) {
      const query = callsQuery({ query: parseQuery({ $expr: expr }, resolveCallField) });
      expect(storeSql(query).includes('feedback_sort_keys'), JSON.stringify(expr)).toBe(keyed);
      const expected = generalPlanIds(query);
      expect(await storeIds(query), JSON.stringify(expr)).toEqual(expected);
    }
  });

  it('are kept by writes that touch one call’s keys, through the primary key', () => {
    const db = new Database(path, { readonly: true });
    try {
      const plan = db
        .prepare(`EXPLAIN QUERY PLAN ${CLEAR_KEYS_SQL}`)
        .all(PROJECT, callId(1), JUDGE)
        .map((row) => (row as { detail: string }).detail);
      expect(plan).toEqual([
        'SEARCH feedback_sort_keys USING PRIMARY KEY (project_id=? AND call_id=? AND feedback_type=?)',
      ]);
    } finally {
      db.close();
    }
  });

  it('follow writes: an older row written later, a purged oldest row, a deleted call', async () => {
    const target = callId(10);
    const older = feedbackOn(target, JUDGE, { output: { score: 1e308 } }, T0 - 1_000 * MS);
    await store.createFeedback([older]);
    const top = await storeIds(callsQuery({ sort_by: [{ field: SCORE, direction: 'desc' }], limit: 1 }));
    expect(top).toEqual([target]);
    await expectSamePages(bothWays(SCORE));

    await store.purgeFeedback(PROJECT, [older.id]);
    expect(
      await storeIds(callsQuery({ sort_by: [{ field: SCORE, direction: 'desc' }], limit: 1 })),
    ).not.toEqual([target]);
    await expectSamePages(bothWays(SCORE));

    await store.deleteCalls(PROJECT, [callId(0), callId(3)], T0 + 1_000 * MS);
    const db = new Database(path, { readonly: true });
    try {
      const keysLeft = db
        .prepare('SELECT COUNT(*) FROM feedback_sort_keys WHERE project_id = ? AND call_id IN (?, ?, ?)')
        .pluck()
        .get(PROJECT, callId(0), callId(3), callId(4));
      expect(keysLeft).toBe(0);
    } finally {
      db.close();
    }
    await expectSamePages(bothWays(SCORE));
  });

  it('take the general plan for paths the keys cannot answer for, with the same answers', async () => {
    const noted = callId(1);
    await store.createFeedback([
      feedbackOn(noted, 'custom', { value: { nested: 1 }, long: 'y'.repeat(MAX_TEXT_CHARS + 1) }, T0),
      feedbackOn(callId(2), 'custom', { value: 5, long: 'short' }, T0),
      feedbackOn(callId(5), 'deep', nested(20), T0),
    ]);
    const gaps = [
      // Too long to keep in one row: the text itself, and the payload around it.
      'feedback.[custom].payload.long',
      'feedback.[custom].payload',
      // Too deep: the whole type.
      'feedback.[deep].payload.a',
      'feedback.[deep].runnable_ref',
    ];
    for (const field of gaps) {
      expect(usesSortKeys(callsQuery({ sort_by: [{ field, direction: 'asc' }] })), field).toBe(false);
    }
    const kept = [
      // An object in one row, a number in another: the object sorts by its JSON text.
      'feedback.[custom].payload.value',
      'feedback.[custom].wb_user_id',
      // Lists and objects of a scorer's output.
      `feedback.[${JUDGE}].payload.output`,
      `feedback.[${JUDGE}].payload.output.tags`,
    ];
    for (const field of kept) {
      expect(usesSortKeys(callsQuery({ sort_by: [{ field, direction: 'asc' }] })), field).toBe(true);
    }
    await expectSamePages([...gaps, ...kept].flatMap(bothWays));
    // Filters on those paths read the rows too.
    for (const gap of gaps) {
      const query = callsQuery({
        query: parseQuery({ $expr: { $eq: [{ $getField: gap }, { $literal: '' }] } }, resolveCallField),
      });
      expect(storeSql(query).includes('feedback_sort_keys'), gap).toBe(false);
      expect(await storeIds(query), gap).toEqual(generalPlanIds(query));
    }
  });
});
