/**
 * Read-side benchmarks: what a UI's list view, filters, counts and trace view cost against a
 * large database. The dataset (query-dataset.ts) is written in-process, then the built
 * `weft serve` is started on it and each query is timed over HTTP, whole body read, on one
 * keep-alive connection as a browser would hold it.
 */
import { spawnSync } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import {
  CLI_PATH,
  removeDataDir,
  startWeftServer,
  type WeftServerProcess,
} from '../test/support/weft-server.js';
import {
  BIG_TRACE_CALLS,
  BIG_TRACE_OP,
  type DatasetFacts,
  type LoadStats,
  MEASURED_PROJECT,
  MODELS,
  prepareDataset,
} from './query-dataset.js';
import { elapsedMs, nowNs, percentile } from './stats.js';

/** The targets apply to a database of this many calls. */
export const TARGET_CALLS = 1_000_000;
export const FIRST_PAGE_TARGET_MS = 10;
export const TRACE_TARGET_MS = 200;

const PAGE = 50;
/**
 * The model and op the filters look for: the least used model (about 0.5% of calls: the case an
 * index is for) and a common op (about 1 call in 10).
 */
const MODEL = MODELS[MODELS.length - 1] as string;
const OP = 'openai.chat.completions.create';
/** What a list view asks for: everything it shows in its columns, not inputs or output. */
const LIST_COLUMNS = [
  'id',
  'trace_id',
  'parent_id',
  'op_name',
  'display_name',
  'started_at',
  'ended_at',
  'exception',
  'summary',
  'thread_id',
  'wb_user_id',
  'wb_run_id',
];
const NEWEST_FIRST = [{ field: 'started_at', direction: 'desc' }];
/**
 * Time a row's repetitions may take, judged from its first answer; a slow row gets fewer
 * repetitions (never under MIN_REPS) so one slow plan cannot stretch the run by minutes.
 */
const ROW_BUDGET_MS = 20_000;
const MIN_REPS = 10;
const BASELINE_LABEL = 'first page, all columns';
export const SCORE_SORT_LABEL =
  'sorted by a score (`feedback.[wandb.runnable.judge].payload.output.score`), first page';
/** The issue's target for sorting by a score field at 1,000,000 calls. */
const SCORE_SORT_TARGET_MS = 50;
export const COSTS_LABEL = 'first page, all columns, with costs (`include_costs`)';

function hasUsage(call: Call): boolean {
  const usage = (call.summary as { usage?: unknown } | null | undefined)?.usage;
  return typeof usage === 'object' && usage !== null && Object.keys(usage).length > 0;
}

function hasCosts(call: Call): boolean {
  const costs = (call.summary as { weave?: { costs?: unknown } } | null | undefined)?.weave?.costs;
  return typeof costs === 'object' && costs !== null && Object.keys(costs).length > 0;
}

/** The with-index row is measured last (after a restart) but reported beside this one. */
const NO_INDEX_LABEL = '`inputs.model` filter, first page, no index';

export interface QueryMeasurement {
  label: string;
  /** The p50 this row should stay under at TARGET_CALLS calls, if it has a target. */
  targetMs?: number;
  p50Ms?: number;
  p95Ms?: number;
  /** Timed requests behind p50 and p95. */
  reps?: number;
  /** Rows (streams) or the count (query_stats) of the last answer. */
  rows?: number;
  bytes?: number;
  /** The request failed (the status and the server's reason), so it was not timed. */
  failure?: string;
  /** It answered, but not what the dataset says it should. */
  problem?: string;
}

export interface QueryBenchResult {
  facts: DatasetFacts;
  load: LoadStats;
  warmups: number;
  reps: number;
  traceReps: number;
  /** How `weft index add inputs.model` went. */
  index: { available: boolean; ms?: number; note?: string };
  model: string;
  op: string;
  measurements: QueryMeasurement[];
}

interface Answer {
  status: number;
  body: Buffer;
  ms: number;
}

/** POSTs over one kept-alive connection; times from sending to the last byte of the body. */
class Client {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });

  constructor(private readonly url: string) {}

  post(path: string, body: unknown): Promise<Answer> {
    const payload = Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const start = nowNs();
      const request = httpRequest(
        `${this.url}${path}`,
        {
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': payload.length },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks), ms: elapsedMs(start) }),
          );
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function describeFailure(answer: Answer): string {
  const text = answer.body.toString('utf8');
  try {
    const body = JSON.parse(text) as { reason?: string; error_type?: string };
    return `HTTP ${answer.status} ${body.error_type ?? ''}: ${body.reason ?? text}`.slice(0, 300);
  } catch {
    return `HTTP ${answer.status}: ${text.slice(0, 200)}`;
  }
}

type Call = {
  id: string;
  started_at: string;
  op_name: string;
  parent_id?: string | null;
  inputs?: { model?: string };
  exception?: unknown;
  summary?: unknown;
};

function parseLines(body: Buffer): Call[] {
  return body
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Call);
}

/** Checks a stream's answer (untimed, once); returns what is wrong with it, if anything. */
type Check = (calls: Call[]) => string | undefined;

function sortedBy(direction: 'asc' | 'desc'): Check {
  return (calls) => {
    for (let i = 1; i < calls.length; i++) {
      const a = (calls[i - 1] as Call).started_at;
      const b = (calls[i] as Call).started_at;
      if (direction === 'desc' ? a < b : a > b) return `not sorted by started_at ${direction} at row ${i}`;
    }
    return undefined;
  };
}

function all(...checks: Check[]): Check {
  return (calls) => {
    for (const check of checks) {
      const problem = check(calls);
      if (problem) return problem;
    }
    return undefined;
  };
}

function rowCount(expected: number): Check {
  return (calls) =>
    calls.length === expected ? undefined : `expected ${expected} rows, got ${calls.length}`;
}

function every(what: string, test: (call: Call) => boolean): Check {
  return (calls) => {
    const index = calls.findIndex((call) => !test(call));
    return index < 0 ? undefined : `row ${index} is not ${what}`;
  };
}

export interface Spec {
  label: string;
  path: '/calls/stream_query' | '/calls/query_stats';
  body: Record<string, unknown>;
  targetMs?: number;
  /** For streams: checks the calls. For query_stats: the expected count. */
  check?: Check;
  expectedCount?: number;
  reps: number;
  warmups: number;
}

/** Times one query; a failure of any kind ends up in the row, never ends the run. */
async function measure(client: Client, spec: Spec): Promise<QueryMeasurement> {
  const result: QueryMeasurement = { label: spec.label };
  if (spec.targetMs !== undefined) result.targetMs = spec.targetMs;
  try {
    await measureInto(result, client, spec);
  } catch (error) {
    delete result.p50Ms;
    result.failure = `request failed: ${(error as Error).message}`;
  }
  return result;
}

async function measureInto(result: QueryMeasurement, client: Client, spec: Spec): Promise<void> {
  let answer = await client.post(spec.path, spec.body);
  if (answer.status !== 200) {
    result.failure = describeFailure(answer);
    return;
  }
  if (spec.path === '/calls/stream_query') {
    const calls = parseLines(answer.body);
    result.rows = calls.length;
    const problem = spec.check?.(calls);
    if (problem) result.problem = problem;
  } else {
    const { count } = JSON.parse(answer.body.toString('utf8')) as { count: number };
    result.rows = count;
    if (spec.expectedCount !== undefined && count !== spec.expectedCount) {
      result.problem = `expected count ${spec.expectedCount}, got ${count}`;
    }
  }
  const reps = Math.max(MIN_REPS, Math.min(spec.reps, Math.floor(ROW_BUDGET_MS / answer.ms)));
  const warmups = reps < spec.reps ? 1 : spec.warmups;
  for (let i = 1; i < warmups; i++) await client.post(spec.path, spec.body);
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    answer = await client.post(spec.path, spec.body);
    if (answer.status !== 200) {
      result.failure = `${describeFailure(answer)} (on repetition ${i + 1})`;
      return;
    }
    times.push(answer.ms);
  }
  result.p50Ms = percentile(times, 0.5);
  result.p95Ms = percentile(times, 0.95);
  result.reps = reps;
  result.bytes = answer.body.length;
}

function log(measurement: QueryMeasurement): void {
  const numbers =
    measurement.p50Ms === undefined
      ? `FAILED: ${measurement.failure}`
      : `p50 ${measurement.p50Ms.toFixed(2)} ms, p95 ${measurement.p95Ms?.toFixed(2)} ms (${measurement.reps} requests), ${measurement.rows} rows, ${measurement.bytes} bytes`;
  console.log(
    `  ${measurement.label}: ${numbers}${measurement.problem ? ` — WRONG ANSWER: ${measurement.problem}` : ''}`,
  );
}

/** `weft index add inputs.model` on the stopped server's data folder. */
function addModelIndex(dataDir: string): QueryBenchResult['index'] {
  const start = nowNs();
  const run = spawnSync(process.execPath, [CLI_PATH, 'index', 'add', 'inputs.model', '--data', dataDir], {
    encoding: 'utf8',
    timeout: 30 * 60_000,
  });
  const ms = elapsedMs(start);
  if (run.status === 0) return { available: true, ms };
  const said = `${run.stderr ?? ''}${run.stdout ?? ''}`.trim().split('\n')[0] ?? '';
  const why = run.error ? run.error.message : `exit ${run.status}${said ? `: ${said}` : ''}`;
  return { available: false, note: `\`weft index add\` not available (${why.slice(0, 200)})` };
}

export interface QuerySizes {
  reps: number;
  warmups: number;
  traceReps: number;
}

/** The query set, each with its check, for the dataset `facts` describes. */
export function querySpecs(facts: DatasetFacts, options: QuerySizes): Spec[] {
  const project_id = MEASURED_PROJECT;
  const opRef = facts.opRefs[OP] as string;
  const byModel = { $expr: { $eq: [{ $getField: 'inputs.model' }, { $literal: MODEL }] } };
  const failed = { $expr: { $eq: [{ $getField: 'summary.weave.status' }, { $literal: 'error' }] } };
  const firstPage = all(rowCount(PAGE), sortedBy('desc'));
  const { reps, warmups } = options;
  const page = { reps, warmups, targetMs: FIRST_PAGE_TARGET_MS, path: '/calls/stream_query' } as const;
  const byModelSpec = (label: string): Spec => ({
    ...page,
    label,
    body: { project_id, query: byModel, sort_by: NEWEST_FIRST, limit: PAGE },
    check: all(
      firstPage,
      every(`inputs.model = ${MODEL}`, (call) => call.inputs?.model === MODEL),
    ),
  });

  // An op only one call has: what the op picker of a UI leads to for an evaluation's op.
  const rareRef = facts.opRefs[BIG_TRACE_OP] as string;
  return [
    {
      ...page,
      label: 'first page, list columns',
      body: { project_id, sort_by: NEWEST_FIRST, limit: PAGE, columns: LIST_COLUMNS },
      check: firstPage,
    },
    {
      ...page,
      label: BASELINE_LABEL,
      body: { project_id, sort_by: NEWEST_FIRST, limit: PAGE },
      check: firstPage,
    },
    {
      ...page,
      label: COSTS_LABEL,
      body: { project_id, sort_by: NEWEST_FIRST, limit: PAGE, include_costs: true },
      check: all(
        firstPage,
        every('priced where it used a model', (call) => !hasUsage(call) || hasCosts(call)),
      ),
    },
    {
      reps,
      warmups,
      label: 'roots only, sorted by cost (`summary.weave.total_cost`), first page',
      path: '/calls/stream_query',
      body: {
        project_id,
        filter: { trace_roots_only: true },
        sort_by: [{ field: 'summary.weave.total_cost', direction: 'desc' }],
        limit: PAGE,
        columns: LIST_COLUMNS,
      },
      check: all(
        rowCount(PAGE),
        every('a root', (call) => call.parent_id == null),
      ),
    },
    {
      ...page,
      label: SCORE_SORT_LABEL,
      targetMs: SCORE_SORT_TARGET_MS,
      body: {
        project_id,
        sort_by: [{ field: 'feedback.[wandb.runnable.judge].payload.output.score', direction: 'desc' }],
        limit: PAGE,
        columns: LIST_COLUMNS,
      },
      check: rowCount(PAGE),
    },
    {
      ...page,
      label:
        'filter by a score (`feedback.[wandb.runnable.judge].payload.output.correct = true`), first page',
      body: {
        project_id,
        query: {
          $expr: {
            $eq: [
              { $getField: 'feedback.[wandb.runnable.judge].payload.output.correct' },
              { $literal: true },
            ],
          },
        },
        sort_by: NEWEST_FIRST,
        limit: PAGE,
        columns: LIST_COLUMNS,
      },
      check: rowCount(PAGE),
    },
    {
      ...page,
      label: `op filter (\`${OP}\`), first page`,
      body: { project_id, filter: { op_names: [opRef] }, sort_by: NEWEST_FIRST, limit: PAGE },
      check: all(
        firstPage,
        every(OP, (call) => call.op_name === opRef),
      ),
    },
    {
      ...page,
      label: `op filter, an op with ${facts.measuredByOp[BIG_TRACE_OP]} call (\`${BIG_TRACE_OP}\`), first page`,
      body: { project_id, filter: { op_names: [rareRef] }, sort_by: NEWEST_FIRST, limit: PAGE },
      check: all(
        rowCount(Math.min(PAGE, facts.measuredByOp[BIG_TRACE_OP] ?? 0)),
        every(BIG_TRACE_OP, (call) => call.op_name === rareRef),
      ),
    },
    byModelSpec(NO_INDEX_LABEL),
    {
      ...page,
      label: 'status = error, first page',
      body: { project_id, query: failed, sort_by: NEWEST_FIRST, limit: PAGE },
      check: all(
        firstPage,
        every('failed', (call) => call.exception != null),
      ),
    },
    {
      reps,
      warmups,
      label: 'count, whole project',
      path: '/calls/query_stats',
      body: { project_id },
      expectedCount: facts.measuredCalls,
    },
    {
      reps,
      warmups,
      label: 'count, status = error',
      path: '/calls/query_stats',
      body: { project_id, query: failed },
      expectedCount: facts.measuredErrors,
    },
    {
      reps: options.traceReps,
      warmups: Math.min(warmups, 3),
      targetMs: TRACE_TARGET_MS,
      label: `whole trace of ${BIG_TRACE_CALLS.toLocaleString('en-US')} calls, all columns`,
      path: '/calls/stream_query',
      body: {
        project_id,
        filter: { trace_ids: [facts.bigTraceId] },
        sort_by: [{ field: 'started_at', direction: 'asc' }],
      },
      check: all(rowCount(BIG_TRACE_CALLS), sortedBy('asc')),
    },
  ];
}

/** The `inputs.model` filter (the one row measured again once the field is indexed). */
function modelFilterSpec(facts: DatasetFacts, options: QuerySizes, label: string): Spec {
  const spec = querySpecs(facts, options).find((each) => each.label === NO_INDEX_LABEL);
  if (!spec) throw new Error('the query set has no inputs.model filter');
  return { ...spec, label };
}

/** Each query of `specs` timed against the server at `url`, after one untimed pass over all. */
export async function measureSpecs(url: string, specs: readonly Spec[]): Promise<QueryMeasurement[]> {
  const client = new Client(url);
  try {
    // The untimed pass: the server's read thread starts and its code warms up on whatever comes
    // first, which would otherwise be charged to the first row.
    for (const spec of specs) await client.post(spec.path, spec.body).catch(() => undefined);
    const measurements: QueryMeasurement[] = [];
    for (const spec of specs) {
      const measurement = await measure(client, spec);
      log(measurement);
      measurements.push(measurement);
    }
    return measurements;
  } finally {
    client.close();
  }
}

/** Logs how the dataset was made. */
export function logDataset(facts: DatasetFacts, load: LoadStats): void {
  console.log(
    `  ${facts.calls.toLocaleString('en-US')} calls (${facts.measuredCalls.toLocaleString('en-US')} in the measured project), ` +
      `${load.reused ? 'copied from the cache' : `loaded in ${(load.totalMs / 1000).toFixed(1)} s`}, ` +
      `${(load.dbBytes / 2 ** 20).toFixed(0)} MiB`,
  );
}

export async function measureQueries(
  options: QuerySizes & { calls: number; cacheDir?: string },
): Promise<QueryBenchResult> {
  const dataset = await prepareDataset({
    calls: options.calls,
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
  });
  const { facts, load } = dataset;
  logDataset(facts, load);
  const { reps, warmups } = options;
  let server: WeftServerProcess | undefined = await startWeftServer({ dataDir: dataset.dataDir });
  let index: QueryBenchResult['index'];
  let measurements: QueryMeasurement[];
  try {
    measurements = await measureSpecs(server.url, querySpecs(facts, options));
    // Costs may take at most twice what the same page takes without them (the issue's target).
    const baseline = measurements.find((row) => row.label === BASELINE_LABEL);
    const withCosts = measurements.find((row) => row.label === COSTS_LABEL);
    if (baseline?.p50Ms !== undefined && withCosts)
      withCosts.targetMs = Number((2 * baseline.p50Ms).toFixed(1));

    // The index is added the way a user would: server stopped, CLI run on its data folder.
    await server.stop();
    server = undefined;
    index = addModelIndex(dataset.dataDir);
    let withIndex: QueryMeasurement;
    const label = '`inputs.model` filter, first page, with index';
    const withIndexAt = measurements.findIndex((row) => row.label === NO_INDEX_LABEL) + 1;
    if (index.available) {
      console.log(`  \`weft index add inputs.model\` took ${((index.ms ?? 0) / 1000).toFixed(1)} s`);
      server = await startWeftServer({ dataDir: dataset.dataDir });
      [withIndex = { label, failure: 'not measured' }] = await measureSpecs(server.url, [
        modelFilterSpec(facts, options, label),
      ]);
    } else {
      withIndex = { label, targetMs: FIRST_PAGE_TARGET_MS, failure: index.note ?? 'not available' };
    }
    if (!index.available) log(withIndex);
    measurements.splice(withIndexAt, 0, withIndex);
  } finally {
    await server?.stop();
    removeDataDir(dataset.dataDir);
  }
  return {
    facts,
    load,
    warmups,
    reps,
    traceReps: options.traceReps,
    index,
    model: MODEL,
    op: OP,
    measurements,
  };
}
