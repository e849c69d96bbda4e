/**
 * The read benchmarks' dataset: a deterministic (seeded) mix of projects and traces of realistic
 * shapes, plus one trace of exactly 10,000 calls, written into a weft data folder through the
 * same store the server opens (`SqliteTraceStore.upsertCalls`, batches of 5,000). Going around
 * HTTP and the SDK keeps the load of a million calls to well under a minute; ingestion has its
 * own benchmark.
 */
import { createHash } from 'node:crypto';
import {
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS } from '../packages/server/dist/storage/sqlite/migrations.js';
import { SqliteTraceStore } from '../packages/server/dist/storage/sqlite/sqlite-trace-store.js';
import type { CallUpsert, StoredFeedback } from '../packages/server/dist/storage/trace-store.js';
import { Random } from '../packages/server/src/query/reference/random.js';
import { elapsedMs, nowNs } from './stats.js';

/** Bump when the generator changes, so a cached dataset made by an older one is not reused. */
const GENERATOR_VERSION = 3;

export const MEASURED_PROJECT = 'bench-entity/measured';
const OTHER_PROJECTS = [
  'bench-entity/staging',
  'bench-entity/playground',
  'other-team/agents',
  'other-team/evals',
];
/** The measured project's share of the ordinary traces (the big trace is always in it too). */
const MEASURED_SHARE = 0.9;
export const BIG_TRACE_CALLS = 10_000;
const BATCH_SIZE = 5_000;
const FAILURE_RATE = 0.03;
/** Traces that start in this last fraction of the timeline may still be running. */
const RUNNING_TAIL = 0.005;

export const MODELS = [
  'gpt-4o',
  'gpt-4o-mini',
  'gpt-4.1',
  'gpt-4.1-mini',
  'gpt-4.1-nano',
  'o3',
  'o4-mini',
  'claude-sonnet-4',
  'claude-opus-4',
  'claude-3-5-haiku',
  'gemini-2.5-pro',
  'gemini-2.5-flash',
  'llama-3.3-70b',
  'llama-3.1-8b',
  'mistral-large',
  'mistral-small',
  'command-r-plus',
  'qwen-2.5-72b',
  'deepseek-v3',
  'deepseek-r1',
] as const;

/**
 * Model usage is skewed, as in real projects: the n-th model is used in proportion to n^-1.5, so
 * the first is in about 46% of calls and the last in about 0.5%.
 */
const MODEL_CUMULATIVE_WEIGHTS = (() => {
  const weights = MODELS.map((_, rank) => (rank + 1) ** -1.5);
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  let sum = 0;
  return weights.map((weight) => {
    sum += weight / total;
    return sum;
  });
})();

const ROOT_OPS = ['agent_run', 'rag_pipeline', 'chat_turn'] as const;
/** The big trace's root; ordinary traces never use it, so exactly one call has this op. */
export const BIG_TRACE_OP = 'Evaluation.evaluate';
const CHILD_OPS = [
  'openai.chat.completions.create',
  'anthropic.messages.create',
  'retrieve',
  'embed',
  'rerank',
  'tool_call',
  'parse_output',
  'summarize',
] as const;
export const OP_NAMES: readonly string[] = [...ROOT_OPS, BIG_TRACE_OP, ...CHILD_OPS];

const EXCEPTIONS = [
  'RateLimitError: Rate limit reached for requests per minute. Please try again in 20s.',
  'APITimeoutError: Request timed out after 30000 ms',
  'ValueError: could not parse the model output as JSON: Unexpected token } at position 212',
  "KeyError: 'choices'",
  'ToolError: search backend answered 503 Service Unavailable',
];

const WORDS = (
  'the a of to and in that is for on with as by at from this be are was it an or which have not ' +
  'model answer question context document summary retrieve token prompt user assistant system tool ' +
  'search result score relevant passage customer order refund policy shipping invoice account ' +
  'number date report quarterly revenue growth percent table chart explain compare list steps ' +
  'please carefully concise exact json format field value reason because therefore however'
).split(' ');

/** 2026-03-01T00:00:00Z, the end of the dataset's timeline (ms). */
const END_MS = Date.UTC(2026, 2, 1);
const SPAN_MS = 30 * 24 * 3600 * 1000;

/** What the queries should find, counted while generating (measured project only). */
export interface DatasetFacts {
  calls: number;
  measuredCalls: number;
  projects: number;
  traces: number;
  measuredErrors: number;
  measuredRunning: number;
  /** Roots of the measured project scored by the `judge` scorer (runnable feedback). */
  measuredScored: number;
  measuredByModel: Record<string, number>;
  measuredByOp: Record<string, number>;
  bigTraceId: string;
  /** Full refs of the measured project's ops, by op name. */
  opRefs: Record<string, string>;
}

export interface LoadStats {
  /** Generating and writing, from opening the store to closing it. */
  totalMs: number;
  /** Of which inside `upsertCalls`. */
  upsertMs: number;
  batchSize: number;
  dbBytes: number;
  /** The database came from the cache folder; the times are those of the run that built it. */
  reused: boolean;
}

export interface QueryDataset {
  /** A data folder of its own for this run: the benchmark may add indexes to it. */
  dataDir: string;
  facts: DatasetFacts;
  load: LoadStats;
}

/** The tests' seeded generator (mulberry32), with what the dataset needs on top. */
class DatasetRandom extends Random {
  /** An integer in [0, below). */
  below(below: number): number {
    return Math.floor(this.next() * below);
  }

  /** An index drawn with the given cumulative probabilities (the last one is 1). */
  weightedIndex(cumulative: readonly number[]): number {
    const draw = this.next();
    const index = cumulative.findIndex((bound) => draw < bound);
    return index < 0 ? cumulative.length - 1 : index;
  }

  hex32(): string {
    return this.below(2 ** 32)
      .toString(16)
      .padStart(8, '0');
  }

  /** A UUIDv7 for the given time, as the SDK makes them (ids sort roughly by time). */
  uuid7(ms: number): string {
    const time = Math.floor(ms).toString(16).padStart(12, '0');
    const a = this.hex32();
    const b = this.hex32();
    const c = this.hex32();
    const variant = (8 + this.below(4)).toString(16);
    return `${time.slice(0, 8)}-${time.slice(8)}-7${a.slice(0, 3)}-${variant}${a.slice(3, 6)}-${b}${c.slice(0, 4)}`;
  }
}

function opRef(project: string, name: string): string {
  const digest = createHash('sha256').update(`${project}/${name}`).digest('base64url');
  return `weave:///${project}/op/${name}:${digest}`;
}

/**
 * A random tree of `size` calls at most `levels` deep: each call after the root hangs under a
 * uniformly chosen earlier call that still has room below it. Returns parent indexes (root: -1).
 */
function treeShape(random: DatasetRandom, size: number, levels: number): Int32Array {
  const parents = new Int32Array(size);
  const depth = new Int32Array(size);
  parents[0] = -1;
  const open = [0];
  for (let i = 1; i < size; i++) {
    const parent = open[random.below(open.length)] as number;
    parents[i] = parent;
    depth[i] = (depth[parent] as number) + 1;
    if ((depth[i] as number) < levels - 1) open.push(i);
  }
  return parents;
}

interface TimedCall {
  index: number;
  /** The parent's index; -1 for the root. */
  parent: number;
  startUs: number;
  endUs: number;
}

/**
 * Lays the tree out in time, children one after another inside their parent, and lists it in
 * pre-order, which is also start order: parents are written before their children, as a client
 * sends them.
 */
function layOut(
  random: DatasetRandom,
  parents: Int32Array,
  startUs: number,
  durationUs: number,
): TimedCall[] {
  const children: number[][] = Array.from({ length: parents.length }, () => []);
  for (let i = 1; i < parents.length; i++) children[parents[i] as number]?.push(i);
  const ordered: TimedCall[] = [];
  const stack: TimedCall[] = [{ index: 0, parent: -1, startUs, endUs: startUs + durationUs }];
  while (stack.length > 0) {
    const call = stack.pop() as TimedCall;
    ordered.push(call);
    const kids = children[call.index] ?? [];
    const slot = (call.endUs - call.startUs) / (kids.length + 1);
    const timed = kids.map((index, k) => {
      const start = Math.floor(call.startUs + slot * (k + 0.5) + random.next() * 0.2 * slot) + 1;
      const duration = Math.max(1, Math.floor(slot * (0.3 + 0.4 * random.next())));
      return { index, parent: call.index, startUs: start, endUs: start + duration };
    });
    for (let k = timed.length - 1; k >= 0; k--) stack.push(timed[k] as TimedCall);
  }
  return ordered;
}

/**
 * Scores half the measured project's finished roots as a scorer would (`wandb.runnable.judge`,
 * `{output: {score, correct}}`), from a random stream of their own so the calls stay as they were.
 */
async function addScores(store: SqliteTraceStore, roots: readonly string[], seed: number): Promise<number> {
  const random = new DatasetRandom(seed + 1);
  const rows: StoredFeedback[] = [];
  let written = 0;
  for (const id of roots) {
    if (!random.chance(0.5)) continue;
    const score = Math.round(random.next() * 1000) / 1000;
    rows.push({
      project_id: MEASURED_PROJECT,
      id: random.uuid7(T_SCORES_MS + written),
      weave_ref: `weave:///${MEASURED_PROJECT}/call/${id}`,
      call_id: id,
      creator: null,
      feedback_type: 'wandb.runnable.judge',
      payload_json: JSON.stringify({ output: { score, correct: score > 0.5 } }),
      annotation_ref: null,
      runnable_ref: `weave:///${MEASURED_PROJECT}/op/judge:${'j'.repeat(43)}`,
      call_ref: `weave:///${MEASURED_PROJECT}/call/${random.uuid7(T_SCORES_MS + written)}`,
      trigger_ref: null,
      wb_user_id: null,
      created_at: (T_SCORES_MS + written) * 1000,
    });
    written++;
    if (rows.length >= BATCH_SIZE) await store.createFeedback(rows.splice(0));
  }
  if (rows.length > 0) await store.createFeedback(rows);
  return written;
}

/** When the scores were written: after the last call. */
const T_SCORES_MS = END_MS + 60_000;

/** Generates the dataset into `dbPath`; returns what it holds and how long writing took. */
export async function buildDataset(
  dbPath: string,
  options: { calls: number; seed: number },
): Promise<{ facts: DatasetFacts; load: LoadStats }> {
  const random = new DatasetRandom(options.seed);
  const corpus = Array.from({ length: 40_000 }, () => random.pick(WORDS)).join(' ');
  const text = (min: number, max: number) => {
    const length = min + random.below(max - min + 1);
    const at = random.below(corpus.length - length);
    return corpus.slice(at, at + length);
  };
  const refs = new Map<string, Record<string, string>>();
  for (const project of [MEASURED_PROJECT, ...OTHER_PROJECTS]) {
    refs.set(project, Object.fromEntries(OP_NAMES.map((name) => [name, opRef(project, name)])));
  }

  const facts: DatasetFacts = {
    calls: 0,
    measuredCalls: 0,
    projects: 1 + OTHER_PROJECTS.length,
    traces: 0,
    measuredErrors: 0,
    measuredRunning: 0,
    measuredScored: 0,
    measuredByModel: Object.fromEntries(MODELS.map((model) => [model, 0])),
    measuredByOp: Object.fromEntries(OP_NAMES.map((name) => [name, 0])),
    bigTraceId: '',
    opRefs: refs.get(MEASURED_PROJECT) as Record<string, string>,
  };

  const started = nowNs();
  const store = SqliteTraceStore.open(dbPath);
  /** Finished roots of the measured project: half of them get a score (see addScores). */
  const scorable: string[] = [];
  let upsertMs = 0;
  let batch: CallUpsert[] = [];
  const flush = async () => {
    const writeStart = nowNs();
    await store.upsertCalls(batch);
    upsertMs += elapsedMs(writeStart);
    batch = [];
  };

  const addTrace = async (project: string, size: number, big: boolean) => {
    const fraction = facts.calls / options.calls;
    const rootStartMs = END_MS - SPAN_MS + fraction * SPAN_MS + random.next() * 1000;
    const durationUs = big ? 20 * 60 * 1e6 : Math.floor((0.3 + random.next() * 15) * 1e6);
    const ordered = layOut(
      random,
      treeShape(random, size, big ? 5 : 4),
      Math.floor(rootStartMs * 1000),
      durationUs,
    );
    const running = !big && fraction > 1 - RUNNING_TAIL && random.chance(0.5);
    const traceId = random.uuid7(rootStartMs);
    if (big) facts.bigTraceId = traceId;
    const opRefs = refs.get(project) as Record<string, string>;
    const attributes = JSON.stringify({
      weave: { client_version: '0.1.0', source: 'js-sdk', sys_version: 'v20.20.2', os_name: 'Linux' },
      env: random.chance(0.8) ? 'production' : 'staging',
      user: `user-${random.below(500)}`,
    });
    const threadId = random.chance(0.3) ? `thread-${random.below(20_000)}` : null;
    const rootOp = big ? BIG_TRACE_OP : random.pick(ROOT_OPS);
    const ids: string[] = [];
    const measured = project === MEASURED_PROJECT;
    for (let position = 0; position < ordered.length; position++) {
      const call = ordered[position] as TimedCall;
      const id = call.index === 0 ? traceId : random.uuid7(call.startUs / 1000);
      ids[call.index] = id;
      const op = call.index === 0 ? rootOp : random.pick(CHILD_OPS);
      const model = MODELS[random.weightedIndex(MODEL_CUMULATIVE_WEIGHTS)] as string;
      const promptTokens = 20 + random.below(2000);
      const completionTokens = 5 + random.below(800);
      const upsert: CallUpsert = {
        project_id: project,
        id,
        start: {
          trace_id: traceId,
          parent_id: call.parent < 0 ? null : (ids[call.parent] as string),
          op_name: opRefs[op] as string,
          display_name: null,
          thread_id: threadId,
          turn_id: threadId ? traceId : null,
          started_at: call.startUs,
          attributes_json: attributes,
          inputs_json: JSON.stringify({
            model,
            prompt: text(100, 300),
            temperature: Math.round(random.next() * 120) / 100,
          }),
          otel_dump_json: null,
          wb_user_id: null,
          wb_run_id: null,
          wb_run_step: null,
        },
      };
      const stillRunning = running && (position === 0 || position === ordered.length - 1);
      const fails = !stillRunning && random.chance(FAILURE_RATE);
      if (!stillRunning) {
        upsert.end = {
          ended_at: call.endUs,
          exception: fails ? random.pick(EXCEPTIONS) : null,
          output_json: fails ? null : JSON.stringify({ text: text(100, 300), finish_reason: 'stop', model }),
          summary_json: JSON.stringify({
            usage: {
              [model]: {
                requests: 1,
                prompt_tokens: promptTokens,
                completion_tokens: completionTokens,
                total_tokens: promptTokens + completionTokens,
              },
            },
          }),
          summary_reports_error: false,
          wb_run_step_end: null,
          display_name: null,
        };
      }
      if (measured && call.index === 0 && !stillRunning && !fails) scorable.push(id);
      if (measured) {
        facts.measuredCalls++;
        if (fails) facts.measuredErrors++;
        if (stillRunning) facts.measuredRunning++;
        facts.measuredByModel[model] = (facts.measuredByModel[model] ?? 0) + 1;
        facts.measuredByOp[op] = (facts.measuredByOp[op] ?? 0) + 1;
      }
      facts.calls++;
      batch.push(upsert);
      if (batch.length >= BATCH_SIZE) await flush();
    }
    facts.traces++;
  };

  const bigTraceAt = options.calls >= 2 * BIG_TRACE_CALLS ? Math.floor(options.calls / 2) : Infinity;
  while (facts.calls < options.calls) {
    if (facts.calls >= bigTraceAt && facts.bigTraceId === '') {
      await addTrace(MEASURED_PROJECT, BIG_TRACE_CALLS, true);
      continue;
    }
    const remaining = options.calls - facts.calls - (facts.bigTraceId === '' ? BIG_TRACE_CALLS : 0);
    // Root plus 1–19 children, most traces small: about 7 calls on average.
    const size = Math.max(1, Math.min(remaining, 2 + Math.floor(random.next() ** 1.8 * 19)));
    const project = random.chance(MEASURED_SHARE) ? MEASURED_PROJECT : random.pick(OTHER_PROJECTS);
    await addTrace(project, size, false);
  }
  if (batch.length > 0) await flush();
  facts.measuredScored = await addScores(store, scorable, options.seed);
  await store.close();
  return {
    facts,
    load: {
      totalMs: elapsedMs(started),
      upsertMs,
      batchSize: BATCH_SIZE,
      dbBytes: statSync(dbPath).size,
      reused: false,
    },
  };
}

interface CacheEntry {
  fingerprint: string;
  facts: DatasetFacts;
  load: LoadStats;
}

/**
 * Builds the dataset in a fresh data folder. With `cacheDir`, a pristine copy is kept there and
 * reused by later runs of the same size, generator and schema (a copy, because the benchmark adds
 * an index to the database it measures).
 */
export async function prepareDataset(options: {
  calls: number;
  seed?: number;
  cacheDir?: string;
}): Promise<QueryDataset> {
  const seed = options.seed ?? 20260301;
  const dataDir = mkdtempSync(join(tmpdir(), 'weft-bench-queries-'));
  const dbPath = join(dataDir, 'weft.db');
  if (!options.cacheDir) return { dataDir, ...(await buildDataset(dbPath, { calls: options.calls, seed })) };

  const schema = createHash('sha256')
    .update(MIGRATIONS.map((migration) => migration.sql).join('\n'))
    .digest('hex')
    .slice(0, 12);
  const fingerprint = `v${GENERATOR_VERSION}-${options.calls}-${seed}-${schema}`;
  const cached = join(options.cacheDir, fingerprint);
  const metaPath = join(cached, 'dataset.json');
  const reused = existsSync(metaPath);
  if (!reused) {
    // Whatever an interrupted build left behind goes; the entry is written only when done.
    rmSync(cached, { recursive: true, force: true });
    mkdirSync(cached, { recursive: true });
    const built = await buildDataset(join(cached, 'weft.db'), { calls: options.calls, seed });
    writeFileSync(metaPath, JSON.stringify({ fingerprint, ...built } satisfies CacheEntry));
  }
  const entry = JSON.parse(readFileSync(metaPath, 'utf8')) as CacheEntry;
  copyFileSync(join(cached, 'weft.db'), dbPath, constants.COPYFILE_FICLONE);
  return { dataDir, facts: entry.facts, load: { ...entry.load, reused } };
}
