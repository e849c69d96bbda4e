/**
 * Generates a project of calls for differential tests: trees in a few traces, failing, running and
 * renamed calls, descendant errors, deletions, parts arriving in any order, and JSON full of the
 * corners the Query language has rules for (numbers as text, unicode, awkward keys, nulls, lists).
 * It returns the upserts to write and, independently, the live calls the store should then hold,
 * as the reference evaluator reads them.
 */
import type { CallEndPart, CallStartPart, CallUpsert } from '../../storage/trace-store.js';
import type { Random } from './random.js';
import { type ReferenceCall, withFailedDescendants } from './reference-call.js';

export const GENERATED_PROJECT = 'differential/main';
/** Shares ids and trace ids with the main project; none of its calls may ever show up there. */
export const NEIGHBOUR_PROJECT = 'differential/neighbour';

/** 2026-01-01T00:00:00Z in µs. */
export const T0 = Date.UTC(2026, 0, 1) * 1000;
const MS = 1000;
const SECOND = 1000 * MS;

const PLAIN_KEYS = [
  'a',
  'b',
  'model',
  'prompt',
  'temperature',
  'count',
  'flag',
  'text',
  'score',
  'tags',
  'value',
];

/** Keys that path escaping and SQL/JSON-path building must survive. */
export const AWKWARD_KEYS = [
  'a.b',
  "it's",
  'say "hi"',
  'back\\slash',
  'with space',
  '123',
  '0',
  '1234567890',
  'é',
  'Ünïcödé',
  '日本語',
  '😀',
  '$',
  '[0]',
  '*',
  'semi;colon--',
  'constructor',
  'toString',
  '',
];

const NUMBERS = [
  0,
  1,
  -1,
  2,
  5,
  -5,
  5.5,
  -0.25,
  0.1,
  1e-7,
  42,
  1000,
  3.25,
  123456789012345,
  2 ** 53 - 1,
  -(2 ** 53 - 1),
  // Beyond 2^53 JSON.stringify writes a rounded decimal that SQLite reads as an exact integer.
  2 ** 60,
  // Integers past 64 bits, written as plain digits: some JSON parsers refuse the whole document.
  1e20,
  -1e19,
];

/** Text that reads as numbers, bools, both or neither. */
const NUMERIC_TEXT = [
  '5',
  '5.5',
  ' 5',
  '5 ',
  '1e3',
  '-2',
  '+7',
  '.5',
  '5.',
  '0x10',
  'Infinity',
  'NaN',
  '1e999',
  '007',
  '-0',
];
const BOOLISH_TEXT = ['true', 'false', 'TRUE', 'True', '1', '0', 'yes', 'null', ''];

export const UNICODE_TEXT = [
  'é',
  'É',
  'école',
  'ÉCOLE',
  'Straße',
  'STRASSE',
  'İstanbul',
  'ΣΊΣΥΦΟΣ',
  'σίσυφος',
  '日本語テキスト',
  '😀 grin',
  'x😀y',
  '\uFFFF',
  '\uFFFD',
  '\uE000 private use',
  '\u{10000}',
  '\u{10FFFF}',
  'ǅ',
  'ﬁ ligature',
];

const OTHER_TEXT = [
  'abc',
  'hello world',
  'Hello World',
  'HELLO',
  'gpt-4o',
  'gpt-4o-mini',
  'claude',
  'a"b',
  "a'b",
  'back\\slash',
  'line\nbreak',
  'tab\there',
  '100%',
  '50_50',
  '[]',
  '{}',
  '[1,2,3]',
  '{"a":1}',
  '2026-01-01T00:00:00Z',
];

const TEXT = [...NUMERIC_TEXT, ...BOOLISH_TEXT, ...UNICODE_TEXT, ...OTHER_TEXT];

const SCALARS: readonly unknown[] = [null, true, false, ...NUMBERS, ...TEXT];

const COMPOSITES: readonly unknown[] = [
  [],
  {},
  [1, 2, 3],
  ['a', 'b'],
  [null],
  [true, 'x', 1.5],
  [{ a: 1 }, { a: 2 }],
  [[1], [2]],
  { a: 1 },
  { 'a.b': 'dot' },
  { x: { y: 'z' } },
];

const OP_NAMES = [
  'weave:///ent/proj/op/generate:abc123',
  'weave:///ent/proj/op/summarize:def456',
  'weave:///ent/proj/op/my%20op:v1',
  'weave:///ent/proj/op/évaluer:v2',
  'weave:///ent/proj/op/日本:v1',
  'weave:///ent/proj/op/😀:v1',
  'weave:///ent/proj/op/with:colon:v3',
  'weave:///ent/proj/op/bad%ZZ:v1',
  'weave:///ent/proj/object/not-an-op:v1',
  'plain_op_name',
  'Zeta-op',
];

const DISPLAY_NAMES = [
  'My Call',
  'my call',
  'Évaluation',
  '評価',
  '😀 run',
  'zeta',
  'Alpha',
  'alpha',
  ' leading space',
  '\uFFFF name',
];

const EXCEPTIONS = [
  'ValueError: boom',
  'KeyError: "é"',
  'RuntimeError: 日本',
  '',
  "Error: it's; DROP TABLE calls; --",
];

/** Ids that sort differently by code point than by UTF-16 unit, or by case. */
const SPECIAL_IDS = [
  'Z-call',
  'a-call',
  'é-call',
  '日本-call',
  '😀-call',
  '\uFFFF-call',
  '\uE000-call',
  'call with space',
  "call'quote",
  'CALL-upper',
  '0-call',
];

export interface DatasetOptions {
  /** Calls in the main project, started ones and a few that never start. */
  calls: number;
  traces: number;
  neighbourCalls: number;
}

export interface GeneratedDataset {
  project: string;
  /** Applied in order with `upsertCalls`. */
  batches: CallUpsert[][];
  /** Applied after the batches with `updateDisplayName`. */
  renames: Array<{ id: string; name: string }>;
  /** Applied after the renames with `deleteCalls`, each list at `deletedAt`. */
  deletions: string[][];
  deletedAt: number;
  /** The main project's live calls once everything above is applied. */
  calls: ReferenceCall[];
}

interface ModelCall {
  project: string;
  id: string;
  start?: CallStartPart;
  end?: CallEndPart;
  rename?: string;
}

function jsonValue(random: Random, depth: number): unknown {
  const kind =
    depth >= 3
      ? 'scalar'
      : random.weighted([
          [60, 'scalar'],
          [14, 'list'],
          [16, 'object'],
          [10, 'composite'],
        ] as const);
  switch (kind) {
    case 'scalar':
      return random.pick(SCALARS);
    case 'composite':
      return random.pick(COMPOSITES);
    case 'list':
      return Array.from({ length: random.int(0, 4) }, () => jsonValue(random, depth + 1));
    case 'object':
      return jsonObject(random, depth + 1, random.int(0, 4));
  }
}

function jsonObject(random: Random, depth: number, keys: number): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (let index = 0; index < keys; index++) {
    const key = random.chance(0.6) ? random.pick(PLAIN_KEYS) : random.pick(AWKWARD_KEYS);
    object[key] = jsonValue(random, depth);
  }
  return object;
}

function inputs(random: Random): Record<string, unknown> {
  const object = jsonObject(random, 1, random.int(1, 5));
  if (random.chance(0.7)) {
    object.model = random.pick<unknown>(['gpt-4o', 'gpt-4o-mini', 'claude', 'GPT-4O', '', 5, null, true]);
  }
  if (random.chance(0.6)) {
    object.temperature = random.pick<unknown>([0, 0.5, 0.7, 1, 2, '0.7', ' 1', 'hot', null, false]);
  }
  if (random.chance(0.5)) {
    object.messages = Array.from({ length: random.int(0, 3) }, () => ({
      role: random.pick(['user', 'assistant', 'system', 'USER']),
      content: random.pick([...UNICODE_TEXT, ...OTHER_TEXT]),
    }));
  }
  if (random.chance(0.5)) object.prompt = random.pick(TEXT);
  return object;
}

function attributes(random: Random): Record<string, unknown> {
  const object = jsonObject(random, 1, random.int(0, 3));
  object.weave = { source: random.pick(['python', 'js', 'otel', 'Python']) };
  if (random.chance(0.5)) object.env = random.pick<unknown>(['prod', 'dev', 'PROD', 1, null]);
  return object;
}

function summary(random: Random): Record<string, unknown> {
  const object = jsonObject(random, 1, random.int(0, 2));
  if (random.chance(0.6)) {
    const usage: Record<string, unknown> = {};
    for (let models = random.int(1, 2); models > 0; models--) {
      const entry: Record<string, unknown> = {
        requests: random.int(1, 3),
        prompt_tokens: random.int(0, 5000),
      };
      // Without total_tokens the total is prompt + completion; a count that is not a number is none.
      if (random.chance(0.6)) entry.total_tokens = random.int(0, 9000);
      if (random.chance(0.4))
        entry.completion_tokens = random.pick<unknown>([random.int(0, 900), '12', -1, 2.5]);
      usage[random.pick(['gpt-4o', 'claude', 'a.b', '😀'])] = random.chance(0.95) ? entry : 'not counts';
    }
    object.usage = usage;
  }
  if (random.chance(0.3)) {
    object.status_counts = {
      success: random.int(0, 5),
      error: random.pick<unknown>([0, 0, 1, 3, '3', null]),
    };
  }
  // Clients may send their own summary.weave; queries must read the derived fields instead.
  if (random.chance(0.1)) {
    object.weave = { status: 'bogus', latency_ms: 'stale', trace_name: 'stored name', custom: 1 };
  }
  return object;
}

/** The rule the service applies to a client's summary (docs/protocol.md §4.2). */
function reportsError(summaryObject: Record<string, unknown>): boolean {
  const counts = summaryObject.status_counts;
  if (typeof counts !== 'object' || counts === null) return false;
  const errors = (counts as Record<string, unknown>).error;
  return typeof errors === 'number' && errors > 0;
}

function duration(random: Random): number {
  return random.weighted([
    [5, 0],
    [5, 500],
    [5, 999],
    [5, 1000],
    [5, 1001],
    [5, 1500],
    [5, 123_456],
    [2, -1500],
    [1, -1000],
    [60, random.int(0, 120 * SECOND)],
  ]);
}

function endPart(random: Random, startedAt: number, fails: boolean): CallEndPart {
  const summaryObject = summary(random);
  let output: string | null;
  if (fails) output = random.chance(0.85) ? null : JSON.stringify(jsonValue(random, 0));
  else
    output = random.weighted([
      [10, null],
      [10, 'null'],
      [40, JSON.stringify(jsonValue(random, 0))],
      [40, JSON.stringify(jsonObject(random, 1, random.int(1, 4)))],
    ]);
  return {
    ended_at: startedAt + duration(random),
    exception: fails ? random.pick(EXCEPTIONS) : null,
    output_json: output,
    summary_json: JSON.stringify(summaryObject),
    summary_reports_error: reportsError(summaryObject),
    wb_run_step_end: random.chance(0.5) ? null : random.pick([0, 1, 2, 5, -1, 1_000_000]),
    display_name: random.weighted([
      [85, null],
      [10, random.pick(DISPLAY_NAMES)],
      [5, ''],
    ]),
  };
}

function startPart(
  random: Random,
  traceId: string,
  parentId: string | null,
  startedAt: number,
): CallStartPart {
  return {
    trace_id: traceId,
    parent_id: parentId,
    op_name: random.pick(OP_NAMES),
    display_name: random.weighted([
      [70, null],
      [20, random.pick(DISPLAY_NAMES)],
      [10, ''],
    ]),
    thread_id: random.pick([null, null, 'thread-1', 'thread-2', 'thread-é']),
    turn_id: random.chance(0.7) ? null : `turn-${random.int(1, 5)}`,
    started_at: startedAt,
    attributes_json: JSON.stringify(attributes(random)),
    inputs_json: JSON.stringify(inputs(random)),
    otel_dump_json: null,
    wb_user_id: random.pick([null, null, 'user-1', 'user-2', 'ユーザー']),
    wb_run_id: random.pick([null, 'run-a', 'run-b']),
    wb_run_step: random.chance(0.5) ? null : random.pick([0, 1, 2, 5, 17, -1, 1_000_000]),
  };
}

function uniqueIds(random: Random, count: number): string[] {
  const ids = new Set<string>(random.sample(SPECIAL_IDS, Math.min(SPECIAL_IDS.length, count)));
  while (ids.size < count) ids.add(random.int(0, 0xffffffff).toString(16).padStart(8, '0'));
  return random.shuffle([...ids]);
}

/** Trees: each call's parent is an earlier call of its trace, or none. */
function mainProjectCalls(random: Random, options: DatasetOptions): ModelCall[] {
  const traces = Array.from({ length: options.traces }, (_, index) => ({
    id: index === 1 ? 'trace-é' : `trace-${index}`,
    startedAt: T0 + index * 3600 * SECOND + random.int(0, 59) * SECOND,
    calls: [] as ModelCall[],
  }));
  const calls: ModelCall[] = [];
  for (const id of uniqueIds(random, options.calls)) {
    const trace = random.pick(traces);
    const parent =
      trace.calls.length === 0 || random.chance(0.15)
        ? undefined
        : random.pick(trace.calls.slice(-Math.max(3, Math.floor(trace.calls.length / 3))));
    let startedAt: number;
    const earlier = calls.at(random.int(0, Math.max(calls.length - 1, 0)));
    if (earlier?.start && random.chance(0.1)) startedAt = earlier.start.started_at;
    else if (parent?.start) startedAt = parent.start.started_at + random.int(0, 10 * SECOND);
    else startedAt = trace.startedAt + random.int(0, 60 * SECOND);
    if (random.chance(0.05)) startedAt -= startedAt % SECOND;
    const parentId = parent ? parent.id : random.chance(0.01) ? 'never-started-parent' : null;
    const call: ModelCall = {
      project: GENERATED_PROJECT,
      id,
      start: startPart(random, trace.id, parentId, startedAt),
    };
    const outcome = random.weighted([
      [10, 'running'],
      [12, 'fails'],
      [78, 'succeeds'],
    ] as const);
    if (outcome !== 'running') call.end = endPart(random, startedAt, outcome === 'fails');
    trace.calls.push(call);
    calls.push(call);
  }
  // Calls whose start never arrives are not live and never show up.
  for (let index = 0; index < 5; index++) {
    calls.push({
      project: GENERATED_PROJECT,
      id: `never-started-${index}`,
      end: endPart(random, T0 + index * SECOND, random.chance(0.5)),
    });
  }
  return calls;
}

/** Reuses the main project's ids, mostly failing, to catch anything that leaks across projects. */
function neighbourCalls(random: Random, mainCalls: readonly ModelCall[], count: number): ModelCall[] {
  const calls: ModelCall[] = [];
  for (const template of random.sample(mainCalls, count)) {
    if (!template.start) continue;
    const parent = calls.length > 0 && random.chance(0.7) ? random.pick(calls) : undefined;
    const start = startPart(random, template.start.trace_id, parent?.id ?? null, template.start.started_at);
    calls.push({
      project: NEIGHBOUR_PROJECT,
      id: template.id,
      start,
      end: endPart(random, start.started_at, random.chance(0.5)),
    });
  }
  return calls;
}

/** Starts and ends in separate upserts or together, shuffled into batches of varied size. */
function batchesOf(random: Random, calls: readonly ModelCall[]): CallUpsert[][] {
  const upserts: CallUpsert[] = [];
  for (const call of calls) {
    const base = { project_id: call.project, id: call.id };
    if (call.start && call.end && random.chance(0.65)) {
      upserts.push({ ...base, start: call.start, end: call.end });
      continue;
    }
    if (call.start) upserts.push({ ...base, start: call.start });
    if (call.end) upserts.push({ ...base, end: call.end });
  }
  const shuffled = random.shuffle(upserts);
  const batches: CallUpsert[][] = [];
  for (let index = 0; index < shuffled.length; ) {
    const size = random.int(1, 60);
    batches.push(shuffled.slice(index, index + size));
    index += size;
  }
  return batches;
}

function descendantsOf(calls: readonly ModelCall[], roots: readonly string[]): Set<string> {
  const found = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const call of calls) {
      const parent = call.start?.parent_id;
      if (parent != null && found.has(parent) && !found.has(call.id)) {
        found.add(call.id);
        grew = true;
      }
    }
  }
  return found;
}

/** The name a call ends up with: a rename beats the end part, which beats the start part. */
function finalDisplayName(call: ModelCall): string | null {
  if (call.rename !== undefined) return call.rename === '' ? null : call.rename;
  return call.end?.display_name ?? call.start?.display_name ?? null;
}

function referenceCall(
  call: ModelCall & { start: CallStartPart },
): Omit<ReferenceCall, 'has_failed_descendant'> {
  const { start, end } = call;
  return {
    id: call.id,
    project_id: call.project,
    op_name: start.op_name,
    display_name: finalDisplayName(call),
    trace_id: start.trace_id,
    parent_id: start.parent_id,
    thread_id: start.thread_id,
    turn_id: start.turn_id,
    started_at: start.started_at,
    ended_at: end?.ended_at ?? null,
    deleted_at: null,
    exception: end?.exception ?? null,
    inputs: start.inputs_json,
    output: end?.output_json ?? null,
    attributes: start.attributes_json,
    summary: end?.summary_json ?? null,
    wb_user_id: start.wb_user_id,
    wb_run_id: start.wb_run_id,
    wb_run_step: start.wb_run_step,
    wb_run_step_end: end?.wb_run_step_end ?? null,
  };
}

export function generateDataset(random: Random, options: DatasetOptions): GeneratedDataset {
  const mainCalls = mainProjectCalls(random, options);
  const started = mainCalls.filter((call): call is ModelCall & { start: CallStartPart } => !!call.start);
  const renames: Array<{ id: string; name: string }> = [];
  for (const call of started) {
    if (!random.chance(0.08)) continue;
    call.rename = random.chance(0.25) ? '' : random.pick(DISPLAY_NAMES);
    renames.push({ id: call.id, name: call.rename });
  }
  // One deletion takes a failure away from its ancestors, the other a whole subtree.
  const failing = started.filter((call) => call.end?.exception != null && call.start.parent_id !== null);
  const parents = started.filter((call) => started.some((child) => child.start.parent_id === call.id));
  const deletions = [failing, parents].flatMap((pool) => (pool.length > 0 ? [[random.pick(pool).id]] : []));
  const deleted = descendantsOf(started, deletions.flat());
  const live = started.filter((call) => !deleted.has(call.id)).map(referenceCall);
  return {
    project: GENERATED_PROJECT,
    batches: batchesOf(random, [...mainCalls, ...neighbourCalls(random, mainCalls, options.neighbourCalls)]),
    renames,
    deletions,
    deletedAt: T0 + 30 * 24 * 3600 * SECOND,
    calls: withFailedDescendants(live),
  };
}
