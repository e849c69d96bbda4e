/**
 * Contract: a backend's query compiler, run by the real store, against the reference evaluator (query/reference/): thousands of
 * seeded random queries and sorts over a generated project must return the same calls in the same
 * order, and count the same. A disagreement is minimized and printed with the seed; rerun one with
 * `WEFT_DIFFERENTIAL_SEED=<seed> npx vitest run packages/server/src/storage`.
 */
import { ProtocolError, parseQuery, type QueryExpr, resolveCallField } from '@weft/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateQuery } from '../../query/reference/evaluate.js';
import { type GeneratedDataset, generateDataset } from '../../query/reference/generate.js';
import { QueryGenerator } from '../../query/reference/generate-query.js';
import { Random } from '../../query/reference/random.js';
import {
  derivedStatus,
  type JsonColumn,
  type ReferenceCall,
  type ReferenceCallColumn,
  readColumn,
  readDerived,
  readJson,
} from '../../query/reference/reference-call.js';
import { referenceQuery } from '../../query/reference/reference-query.js';
import { type PagedSort, shrinkQuery, shrinkSort } from '../../query/reference/shrink.js';
import { CALL_COLUMNS, type StoredCall, type TraceStore } from '../trace-store.js';
import type { OpenTraceStore } from './trace-store-contract.js';

const SEED = Number(process.env.WEFT_DIFFERENTIAL_SEED ?? 20_260_101);
/** How many random cases every backend runs (WEFT_DIFFERENTIAL_FILTERS / _SORTS override them). */
const SIZE = {
  filters: Number(process.env.WEFT_DIFFERENTIAL_FILTERS ?? 2500),
  sorts: Number(process.env.WEFT_DIFFERENTIAL_SORTS ?? 800),
};
/** Disagreements minimized and printed in full; the rest are only counted. */
const REPORTED = 3;
/**
 * Cases per test. A chunk takes ~3 s on SQLite and ~40 s on chdb (a query ~25 ms, serial, on a
 * loaded 2-core CI machine); the timeout's margin covers slower machines and minimizing a failure.
 */
const CHUNK = 500;
const TIMEOUT_MS = 180_000;

type CaseSource = (random: Random, generator: QueryGenerator, count: number) => Generator<Case>;

/** `count` cases drawn from `seed`, checked in tests of CHUNK cases each. */
function describeCases(
  names: { kind: string; title: string },
  count: number,
  source: { seed: number; cases: CaseSource },
): void {
  for (let first = 0; first < count; first += CHUNK) {
    const last = Math.min(count, first + CHUNK);
    it(
      `${names.title} ${first + 1}–${last} of ${count}`,
      async () => {
        const random = new Random(source.seed);
        const result = await checkCases(
          source.cases(random, new QueryGenerator(random, dataset.calls), last),
          first,
        );
        console.info(
          `differential ${names.kind}s: ${result.run} run, ${result.refused} refused by the parser`,
        );
        expect(result.disagreements, failureMessage(names.kind, result)).toBe(0);
      },
      TIMEOUT_MS,
    );
  }
}

interface Case extends PagedSort {
  label: string;
  wire: { $expr: unknown } | null;
  /** A `filter.trace_ids`, which the store ANDs with the query; null for none. */
  traceIds: string[] | null;
}

/** The page's ids, how many calls match, and that count capped at the case's limit. */
type Outcome = { ids: string[]; count: number; cappedCount: number } | { error: string };

let store: TraceStore;
let dataset: GeneratedDataset;

async function openAndFill(openStore: OpenTraceStore): Promise<void> {
  store = await openStore();
  dataset = generateDataset(new Random(SEED), { calls: 420, traces: 8, neighbourCalls: 40 });
  for (const batch of dataset.batches) await store.upsertCalls(batch);
  for (const { id, name } of dataset.renames) await store.updateDisplayName(dataset.project, id, name);
  for (const ids of dataset.deletions) await store.deleteCalls(dataset.project, ids, dataset.deletedAt);
}

/** A generated wire query parsed as a store gets it; 'refused' when the parser says 400. */
export function parseWireQuery(wire: { $expr: unknown } | null): QueryExpr | null | 'refused' {
  if (wire === null) return null;
  try {
    return parseQuery(wire, resolveCallField);
  } catch (error) {
    if (error instanceof ProtocolError) return 'refused';
    throw error;
  }
}

async function runStore(query: QueryExpr | null, testCase: Case): Promise<Outcome> {
  const filter = testCase.traceIds ? { trace_ids: testCase.traceIds } : {};
  try {
    const ids: string[] = [];
    for await (const call of store.queryCalls({
      project_id: dataset.project,
      filter,
      query,
      sort_by: testCase.sortBy,
      limit: testCase.limit,
      offset: testCase.offset,
      columns: CALL_COLUMNS,
    })) {
      ids.push(call.id);
    }
    const project_id = dataset.project;
    const count = await store.countCalls({ project_id, filter, query, limit: null });
    const cappedCount =
      testCase.limit === null
        ? count
        : await store.countCalls({ project_id, filter, query, limit: testCase.limit });
    return { ids, count, cappedCount };
  } catch (error) {
    return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

function runReference(query: QueryExpr | null, testCase: Case): Outcome {
  const { traceIds } = testCase;
  const calls = traceIds ? dataset.calls.filter((call) => traceIds.includes(call.trace_id)) : dataset.calls;
  const page = referenceQuery(calls, { query, ...testCase });
  const count = referenceQuery(calls, { query, sortBy: [], limit: null, offset: 0 }).length;
  const cappedCount = testCase.limit === null ? count : Math.min(count, testCase.limit);
  return { ids: page.map((call) => call.id), count, cappedCount };
}

/** Null when the store and the reference agree (or the parser refuses the case). */
async function disagreement(testCase: Case): Promise<{ expected: Outcome; actual: Outcome } | null> {
  const query = parseWireQuery(testCase.wire);
  if (query === 'refused') return null;
  const expected = runReference(query, testCase);
  const actual = await runStore(query, testCase);
  if (
    'ids' in actual &&
    'ids' in expected &&
    actual.count === expected.count &&
    actual.cappedCount === expected.cappedCount &&
    // Without sort keys calls come oldest first (docs/protocol.md §4.7): the order counts too.
    JSON.stringify(actual.ids) === JSON.stringify(expected.ids)
  ) {
    return null;
  }
  return { expected, actual };
}

/** Takes the first smaller case that still disagrees until none does. */
async function minimize(testCase: Case): Promise<Case> {
  let current = testCase;
  for (let round = 0; round < 200; round++) {
    const candidates: Case[] = [
      ...(current.wire
        ? shrinkQuery(current.wire.$expr).map((expr) => ({ ...current, wire: { $expr: expr } }))
        : []),
      ...(current.wire ? [{ ...current, wire: null }] : []),
      ...(current.traceIds ? [{ ...current, traceIds: null }] : []),
      ...shrinkSort(current).map((paged) => ({ ...current, ...paged })),
    ];
    let smaller: Case | undefined;
    for (const candidate of candidates) {
      if (await disagreement(candidate)) {
        smaller = candidate;
        break;
      }
    }
    if (!smaller) return current;
    current = smaller;
  }
  return current;
}

/** JSON with everything outside printable ASCII escaped, so invisible characters show and paste back. */
function show(value: unknown): string {
  return JSON.stringify(value).replace(
    /[^\x20-\x7e]/g,
    (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function fieldPaths(wire: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(wire)) for (const item of wire) fieldPaths(item, found);
  else if (typeof wire === 'object' && wire !== null) {
    for (const [key, value] of Object.entries(wire)) {
      if (key === '$getField' && typeof value === 'string') found.add(value);
      else if (key !== '$literal') fieldPaths(value, found);
    }
  }
  return found;
}

/** What the reference reads from one call for each field the case names. */
function readings(call: ReferenceCall, paths: Iterable<string>): string {
  const lines: string[] = [];
  for (const path of paths) {
    const field = resolveCallField(path);
    const value =
      field.kind === 'json'
        ? readJson(call, field.column as JsonColumn, field.path)
        : field.kind === 'column'
          ? readColumn(call, field.column as ReferenceCallColumn)
          : readDerived(call, field.name);
    lines.push(`      ${path} = ${show(value)}`);
  }
  return lines.join('\n');
}

function report(testCase: Case, expected: Outcome, actual: Outcome): string {
  const lines = [
    `  ${testCase.label} (seed ${SEED})`,
    `    query:   ${show(testCase.wire)}`,
    `    sort_by: ${show(testCase.sortBy)} limit ${testCase.limit} offset ${testCase.offset}`,
    `    filter:  ${show(testCase.traceIds ? { trace_ids: testCase.traceIds } : {})}`,
  ];
  if ('error' in actual) {
    lines.push(`    the store failed: ${actual.error}`);
    return lines.join('\n');
  }
  const expectedIds = 'ids' in expected ? expected.ids : [];
  lines.push(
    `    count: reference ${'count' in expected ? expected.count : '?'}, store ${actual.count}`,
    `    count up to the limit: reference ${'ids' in expected ? expected.cappedCount : '?'}, store ${actual.cappedCount}`,
    `    reference ids (${expectedIds.length}): ${show(expectedIds.slice(0, 30))}`,
    `    store ids     (${actual.ids.length}): ${show(actual.ids.slice(0, 30))}`,
  );
  const onlyStore = actual.ids.filter((id) => !expectedIds.includes(id));
  const onlyReference = expectedIds.filter((id) => !actual.ids.includes(id));
  let involved = [...onlyStore, ...onlyReference];
  if (onlyStore.length > 0) lines.push(`    only the store returned: ${show(onlyStore.slice(0, 10))}`);
  if (onlyReference.length > 0)
    lines.push(`    only the reference returned: ${show(onlyReference.slice(0, 10))}`);
  if (involved.length === 0) {
    const position = expectedIds.findIndex((id, index) => actual.ids[index] !== id);
    lines.push(`    first difference in order at position ${position}`);
    involved = [expectedIds[position], actual.ids[position]].filter((id): id is string => id !== undefined);
  }
  const paths = new Set([...fieldPaths(testCase.wire), ...testCase.sortBy.map(({ field }) => field)]);
  const query = parseWireQuery(testCase.wire);
  for (const id of involved.slice(0, 3)) {
    const call = dataset.calls.find((candidate) => candidate.id === id);
    if (!call) {
      lines.push(`    call ${show(id)} is not a live call of the project`);
      continue;
    }
    const verdict = query && query !== 'refused' ? evaluateQuery(query, call) : 'no query';
    lines.push(`    call ${show(id)}: reference says ${verdict}`, readings(call, paths));
  }
  return lines.join('\n');
}

interface CheckResult {
  run: number;
  refused: number;
  disagreements: number;
  /** The first few disagreements, minimized and explained. */
  failures: string[];
}

/**
 * Checks the cases from index `from` on. The ones before it are generated and passed over, so a
 * chunk's cases are the same whichever chunks run (the generator draws them one after another).
 */
async function checkCases(cases: Iterable<Case>, from: number): Promise<CheckResult> {
  let run = 0;
  let refused = 0;
  const failing: Case[] = [];
  let index = 0;
  for (const testCase of cases) {
    if (index++ < from) continue;
    if (parseWireQuery(testCase.wire) === 'refused') {
      refused++;
      continue;
    }
    run++;
    if (await disagreement(testCase)) failing.push(testCase);
  }
  const failures: string[] = [];
  for (const testCase of failing.slice(0, REPORTED)) {
    const smallest = await minimize(testCase);
    const outcome = await disagreement(smallest);
    if (outcome) failures.push(report(smallest, outcome.expected, outcome.actual));
  }
  if (failing.length > REPORTED) failures.push(`  ... and ${failing.length - REPORTED} more disagreements`);
  return { run, refused, disagreements: failing.length, failures };
}

function* filterCases(random: Random, generator: QueryGenerator, count: number): Generator<Case> {
  for (let index = 0; index < count; index++) {
    yield {
      label: `filter case ${index}`,
      wire: generator.query(),
      sortBy: [{ field: 'id', direction: random.pick(['asc', 'desc'] as const) }],
      limit: null,
      offset: 0,
      traceIds: null,
    };
  }
}

function* sortCases(random: Random, generator: QueryGenerator, count: number): Generator<Case> {
  const traceIds = [...new Set(dataset.calls.map((call) => call.trace_id)), 'no-such-trace'];
  for (let index = 0; index < count; index++) {
    const sortBy = generator.sortBy();
    const paged = sortBy.length > 0 && random.chance(0.5);
    yield {
      label: `sort case ${index}`,
      wire: random.chance(0.4) ? generator.query() : null,
      sortBy,
      limit: paged ? random.int(1, 60) : null,
      offset: paged && random.chance(0.6) ? random.int(0, 120) : 0,
      traceIds: random.chance(0.2) ? random.sample(traceIds, random.int(1, 3)) : null,
    };
  }
}

function failureMessage(kind: string, result: CheckResult): string {
  return `${result.disagreements} ${kind} disagreement(s) in ${result.run} cases, seed ${SEED}:\n${result.failures.join('\n\n')}`;
}

/**
 * Part of the TraceStore contract: every backend's queries must agree with the reference
 * evaluator. Runs on one store, filled once, for all its cases.
 */
export function describeQueryDifferential(openStore: OpenTraceStore): void {
  describe(`queries against the reference evaluator (seed ${SEED})`, () => {
    beforeAll(() => openAndFill(openStore));
    afterAll(() => store?.close());

    it('the store holds the calls the generator modelled', async () => {
      const stored: StoredCall[] = [];
      for await (const call of store.queryCalls({
        project_id: dataset.project,
        filter: {},
        query: null,
        sort_by: [{ field: 'id', direction: 'asc' }],
        limit: null,
        offset: 0,
        columns: CALL_COLUMNS,
      })) {
        stored.push(call);
      }
      const view = (call: {
        id: string;
        display_name?: string | null;
        ended_at?: number | null;
        exception?: string | null;
        status: string;
      }) => ({
        id: call.id,
        display_name: call.display_name || null,
        ended_at: call.ended_at ?? null,
        exception: call.exception ?? null,
        status: call.status,
      });
      const storedStatus = (call: StoredCall) =>
        call.exception != null
          ? 'error'
          : call.ended_at == null
            ? 'running'
            : call.has_failed_descendant || call.summary_reports_error
              ? 'descendant_error'
              : 'success';
      const byId = (left: { id: string }, right: { id: string }) => (left.id < right.id ? -1 : 1);
      expect(stored.map((call) => view({ ...call, status: storedStatus(call) })).sort(byId)).toEqual(
        dataset.calls.map((call) => view({ ...call, status: derivedStatus(call) })).sort(byId),
      );
    });

    describeCases({ kind: 'filter', title: 'filters and counts agree on random queries' }, SIZE.filters, {
      seed: SEED + 1,
      cases: filterCases,
    });
    describeCases({ kind: 'sort', title: 'sorts and pages agree on random sorts' }, SIZE.sorts, {
      seed: SEED + 2,
      cases: sortCases,
    });
  });
}
