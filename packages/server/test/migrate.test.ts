/**
 * `weft migrate` as a real process (the built CLI): 100,000 varied calls, a generated differential
 * dataset and a project's objects, tables, files, feedback, prices, retention and API keys copied
 * from SQLite to ClickHouse (chdb). The first run is killed part-way through the calls and a
 * second run with the same arguments continues it; then both stores must hold the same data and
 * answer a few hundred random queries alike. SQLite to SQLite, one project is copied with --project,
 * and a target that holds more than the source fails the count check.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SortBy } from '@weft/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_PATH, removeDataDir } from '../../../test/support/weft-server.js';
import {
  type GeneratedDataset,
  generateDataset,
  NEIGHBOUR_PROJECT,
} from '../src/query/reference/generate.js';
import { QueryGenerator } from '../src/query/reference/generate-query.js';
import { Random } from '../src/query/reference/random.js';
import { callToJson } from '../src/storage/call-json.js';
import { ClickHouseTraceStore } from '../src/storage/clickhouse/clickhouse-trace-store.js';
import { parseWireQuery } from '../src/storage/contract/query-differential-contract.js';
import { SqliteTraceStore } from '../src/storage/sqlite/sqlite-trace-store.js';
import {
  CALL_COLUMNS,
  type CallsQuery,
  type CallUpsert,
  type StoredFeedback,
  type StoredPrice,
  type TraceStore,
} from '../src/storage/trace-store.js';

const SEED = Number(process.env.WEFT_MIGRATE_SEED ?? 20_260_314);
const BIG = 'migrate/big';
const ASSETS = 'migrate/assets';
const BIG_CALLS = 100_000;
const MS = 1000;
const T0 = Date.UTC(2026, 0, 1) * MS;
/** The first run is killed once this many calls are copied. */
const KILL_AFTER_CALLS = 20_000;

const dir = mkdtempSync(join(tmpdir(), 'weft-migrate-'));
const SOURCE = join(dir, 'source');
const CHDB = `chdb:${join(dir, 'chdb')}`;
let dataset: GeneratedDataset;

afterAll(() => removeDataDir(dir));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `weft migrate` in `dir`; `watch` may kill it (it is given the process every 50 ms). */
function migrate(args: string[], watch?: (child: ChildProcess) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, 'migrate', ...args], { cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = watch ? setInterval(() => watch(child), 50) : undefined;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The verification table's rows: project, what, from, to. */
function countsIn(stdout: string): Array<[string, string, number, number]> {
  return stdout
    .split('\n')
    .slice(1)
    .map((line) => line.split(/ {2,}/))
    .filter((cells) => cells.length >= 4 && /^\d+$/.test(cells[2] ?? ''))
    .map(([project, what, from, to]) => [project ?? '', what ?? '', Number(from), Number(to)]);
}

const callId = (n: number) =>
  `0193a000-${(n >>> 16).toString(16).padStart(4, '0')}-7000-8000-${n.toString(16).padStart(12, '0')}`;

/**
 * 100,000 calls of one project in traces of up to 30 calls: failures, running calls, renames at
 * start, end and after, usage, attributes, threads, refs, otel dumps, the client's error roll-up;
 * some subtrees deleted and some ends without a start, neither of which is copied.
 */
function bigCalls(random: Random): { batches: CallUpsert[][]; renames: string[]; deleted: string[] } {
  const batches: CallUpsert[][] = [];
  const renames: string[] = [];
  const roots: string[] = [];
  let batch: CallUpsert[] = [];
  let trace: string[] = [];
  let traceId = '';
  for (let n = 0; n < BIG_CALLS; n++) {
    const id = callId(n);
    if (trace.length === 0 || random.chance(1 / 12)) {
      trace = [];
      traceId = `trace-${n}`;
      roots.push(id);
    }
    const parent = trace.length === 0 ? null : random.pick(trace);
    trace.push(id);
    const startedAt = T0 + n * 10 * MS + random.int(0, 9) * MS;
    const llm = random.chance(0.4);
    const fails = random.chance(0.03);
    const usage = llm
      ? {
          [random.pick(['gpt-4o', 'gpt-4o-mini', 'claude-3-5-sonnet'])]: {
            requests: 1,
            prompt_tokens: random.int(1, 5000),
            completion_tokens: random.int(1, 900),
          },
        }
      : undefined;
    const call: CallUpsert = {
      project_id: BIG,
      id,
      start: {
        trace_id: traceId,
        parent_id: parent,
        op_name: llm
          ? 'openai.chat.completions.create'
          : `weave:///${BIG}/op/${random.pick(['agent', 'tool', 'plan'])}:v${random.int(1, 3)}`,
        display_name: random.chance(0.05) ? `step ${n % 17}` : null,
        thread_id: random.chance(0.3) ? `thread-${n % 50}` : null,
        turn_id: random.chance(0.2) ? `turn-${n % 7}` : null,
        started_at: startedAt,
        attributes_json: JSON.stringify({
          weave: { client_version: '0.51.0' },
          env: random.pick(['prod', 'dev']),
        }),
        inputs_json: JSON.stringify({
          prompt: `question ${n}`,
          temperature: random.pick([0, 0.5, 1]),
          k: n % 10,
        }),
        input_refs_json: random.chance(0.05)
          ? JSON.stringify([`weave:///${ASSETS}/object/dataset:v${n % 3}`])
          : null,
        otel_dump_json: random.chance(0.02) ? JSON.stringify({ span: { name: `span-${n}` } }) : null,
        wb_user_id: random.pick([null, 'user-1', 'user-2']),
        wb_run_id: random.chance(0.1) ? 'run-1' : null,
        wb_run_step: random.chance(0.1) ? n % 100 : null,
      },
    };
    if (!random.chance(0.01)) {
      const reportsError = random.chance(0.02);
      call.end = {
        ended_at: startedAt + random.int(0, 5000) * MS,
        exception: fails ? 'ValueError: no answer' : null,
        output_json: fails ? null : JSON.stringify({ answer: `answer ${n}`, score: random.next() }),
        output_refs_json: random.chance(0.02) ? JSON.stringify([`weave:///${ASSETS}/object/model:v0`]) : null,
        summary_json: JSON.stringify({
          ...(usage ? { usage } : {}),
          ...(reportsError ? { status_counts: { error: 1 } } : {}),
        }),
        summary_reports_error: reportsError,
        wb_run_step_end: null,
        display_name: random.chance(0.02) ? `ended ${n % 5}` : null,
      };
    }
    if (random.chance(0.005)) renames.push(id);
    batch.push(call);
    if (random.chance(0.0005))
      batch.push({
        project_id: BIG,
        id: `orphan-${n}`,
        end: {
          ...(call.end ?? {
            ended_at: startedAt,
            exception: null,
            output_json: null,
            summary_json: '{}',
            summary_reports_error: false,
            wb_run_step_end: null,
            display_name: null,
          }),
        },
      });
    if (batch.length === 2000) {
      batches.push(batch);
      batch = [];
    }
  }
  if (batch.length > 0) batches.push(batch);
  return { batches, renames, deleted: random.sample(roots, 20) };
}

function feedbackRow(id: string, callIdentifier: string, createdAt: number): StoredFeedback {
  return {
    project_id: BIG,
    id,
    weave_ref: `weave:///${BIG}/call/${callIdentifier}`,
    call_id: callIdentifier,
    creator: null,
    feedback_type: id.endsWith('0') ? 'wandb.reaction.1' : 'wandb.runnable.judge',
    payload_json: JSON.stringify({ score: Number(id.slice(-2)) / 100, note: `n${id}` }),
    annotation_ref: null,
    runnable_ref: null,
    call_ref: null,
    trigger_ref: null,
    wb_user_id: 'ada',
    created_at: createdAt,
  };
}

function price(id: string, llm: string): StoredPrice {
  return {
    id,
    pricing_level: 'project',
    pricing_level_id: BIG,
    provider_id: 'openai',
    llm_id: llm,
    effective_date: T0 - 86_400_000_000,
    prompt_token_cost: 0.000_002_5,
    completion_token_cost: 0.000_01,
    cache_read_input_token_cost: null,
    cache_creation_input_token_cost: null,
    prompt_token_cost_unit: 'USD',
    completion_token_cost_unit: 'USD',
    created_by: 'ada',
    created_at: T0,
  };
}

async function fillSource(): Promise<void> {
  const random = new Random(SEED);
  const store = SqliteTraceStore.open(join(SOURCE, 'weft.db'));
  try {
    for (const project of [BIG, ASSETS, dataset.project]) {
      const [entity = '', name = ''] = project.split('/');
      await store.ensureProject({ entity, name, created_at: T0 });
    }
    const big = bigCalls(random);
    for (const batch of big.batches) await store.upsertCalls(batch);
    for (const id of big.renames) await store.updateDisplayName(BIG, id, `renamed ${id.slice(-4)}`);
    await store.deleteCalls(BIG, big.deleted, T0 + 86_400_000_000);
    // The generated dataset, as the query differential writes it (its neighbour is not registered).
    for (const batch of dataset.batches) await store.upsertCalls(batch);
    for (const { id, name } of dataset.renames) await store.updateDisplayName(dataset.project, id, name);
    for (const ids of dataset.deletions) await store.deleteCalls(dataset.project, ids, dataset.deletedAt);

    const feedback = Array.from({ length: 3000 }, (_, n) =>
      feedbackRow(
        `fb-${String(n).padStart(5, '0')}`,
        callId(random.int(0, BIG_CALLS - 1)),
        T0 + random.int(0, 99) * MS,
      ),
    );
    await store.createFeedback(feedback);
    await store.createPrices([price('price-1', 'gpt-4o'), price('price-2', 'gpt-4o-mini')]);
    await store.setRetention(ASSETS, 30);
    await store.createApiKey({
      id: 'key-a',
      user: 'ada',
      projects: null,
      read_only: false,
      secret_hash: 'hash-a',
      created_at: T0,
      revoked_at: null,
    });
    await store.createApiKey({
      id: 'key-b',
      user: 'bob',
      projects: [ASSETS],
      read_only: true,
      secret_hash: 'hash-b',
      created_at: T0 + 1,
      revoked_at: T0 + 2,
    });

    const object = (object_id: string, digest: string, at: number, kind: 'op' | 'object' = 'object') => ({
      project_id: ASSETS,
      object_id,
      digest,
      kind,
      base_object_class: kind === 'op' ? null : 'Dataset',
      leaf_object_class: kind === 'op' ? null : 'Dataset',
      val_json: JSON.stringify({ digest, rows: `weave:///${ASSETS}/table/t-${digest}` }),
      created_at: at,
      wb_user_id: 'ada',
    });
    for (const [index, digest] of ['d0', 'd1', 'd2', 'd3'].entries())
      await store.createObject(object('dataset', digest, T0 + index));
    await store.deleteObjectVersions(ASSETS, 'dataset', [{ digest: 'd3' }, { digest: 'd1' }], T0 + 10);
    await store.createObject(object('dataset', 'd1', T0 + 11));
    await store.createObject(object('agent', 'op0', T0 + 12, 'op'));
    await store.createObject(object('model', 'm0', T0 + 13));
    await store.addObjectTags(ASSETS, 'dataset', { digest: 'd0' }, ['gold'], T0 + 20);
    await store.setObjectAliases(ASSETS, 'dataset', { digest: 'd1' }, ['production'], T0 + 21);
    const rows = Array.from({ length: 2500 }, (_, n) => ({
      digest: `row-${String(n).padStart(5, '0')}`,
      val_json: JSON.stringify({ n, text: `row ${n}` }),
    }));
    await store.createTable(
      ASSETS,
      't-all',
      rows.map((row) => row.digest),
      rows,
    );
    await store.createTable(
      ASSETS,
      't-half',
      rows
        .slice(0, 1250)
        .reverse()
        .map((row) => row.digest),
      [],
    );
    for (const n of [1, 2, 3])
      await store.createFile(
        ASSETS,
        `file-${n}`,
        `f${n}.bin`,
        new Uint8Array(Array.from({ length: 1000 * n }, (_, i) => (i * n) % 256)),
      );
  } finally {
    await store.close();
  }
}

function stateFile(run: Run): string {
  const match = /\(state: (.+\.json)\)/.exec(run.stderr);
  if (!match?.[1]) throw new Error(`no state file named in:\n${run.stderr}`);
  return match[1];
}

/** Every call a store exports for a project, all pages. */
async function exportAll(store: TraceStore, project: string): Promise<CallUpsert[]> {
  const calls: CallUpsert[] = [];
  for (let after: string | null = null; ; ) {
    const page = await store.exportCalls(project, { after, limit: 5000 });
    const last = page[page.length - 1];
    if (!last) return calls;
    calls.push(...page);
    after = last.id;
  }
}

async function ids(store: TraceStore, query: CallsQuery): Promise<string[]> {
  const found: string[] = [];
  for await (const call of store.queryCalls(query)) found.push(call.id);
  return found;
}

async function rendered(store: TraceStore, query: CallsQuery): Promise<string[]> {
  const found: string[] = [];
  for await (const call of store.queryCalls(query)) found.push(callToJson(call));
  return found;
}

describe('weft migrate', () => {
  beforeAll(async () => {
    dataset = generateDataset(new Random(SEED), { calls: 420, traces: 8, neighbourCalls: 40 });
    const started = performance.now();
    await fillSource();
    console.info(
      `migrate test: the SQLite source filled in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }, 120_000);

  it('copies SQLite to chdb, killed part-way and continued, and both stores answer alike', async () => {
    const args = ['--from', `sqlite:${SOURCE}`, '--to', CHDB];
    let started = performance.now();
    const first = await migrate(args, (child) => {
      const name = readdirSync(dir).find((file) => /^weft-migrate-[0-9a-f]+\.json$/.test(file));
      if (name === undefined) return;
      const state = JSON.parse(readFileSync(join(dir, name), 'utf8'));
      if ((state.projects?.[BIG]?.calls?.copied ?? 0) >= KILL_AFTER_CALLS) child.kill('SIGKILL');
    });
    const firstSeconds = (performance.now() - started) / 1000;
    expect(first.signal, first.stderr).toBe('SIGKILL');
    const path = stateFile(first);
    const stopped = JSON.parse(readFileSync(path, 'utf8'));
    expect(stopped.projects[BIG].calls.done).toBe(false);
    expect(stopped.projects[BIG].calls.copied).toBeGreaterThanOrEqual(KILL_AFTER_CALLS);
    expect(stopped.projects[BIG].calls.copied).toBeLessThan(BIG_CALLS);

    started = performance.now();
    const second = await migrate(args);
    const secondSeconds = (performance.now() - started) / 1000;
    console.info(
      `migrate test: first run killed after ${firstSeconds.toFixed(1)} s (${stopped.projects[BIG].calls.copied} calls copied), the second finished in ${secondSeconds.toFixed(1)} s`,
    );
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/^continuing 4 project\(s\)/);
    expect(second.stderr).toContain(`${BIG}: calls: `);
    expect(existsSync(path)).toBe(false);
    const counts = countsIn(second.stdout);
    expect(counts.filter(([, , from, to]) => from !== to)).toEqual([]);
    expect(counts.map(([project]) => project)).toEqual(
      expect.arrayContaining([BIG, ASSETS, dataset.project, NEIGHBOUR_PROJECT, '(all)']),
    );
    expect(second.stdout).toContain('counts verified');

    const sqlite = SqliteTraceStore.open(join(SOURCE, 'weft.db'));
    const clickhouse = await ClickHouseTraceStore.open(CHDB);
    try {
      // Every stored field of every call, and no call twice.
      const exported = await exportAll(sqlite, BIG);
      const copied = await exportAll(clickhouse, BIG);
      expect(new Set(copied.map((call) => call.id)).size).toBe(copied.length);
      expect(copied.length).toBeGreaterThan(BIG_CALLS * 0.9);
      expect(copied).toEqual(exported);
      const random = new Random(SEED + 1);
      const base: CallsQuery = {
        project_id: BIG,
        filter: {},
        query: null,
        sort_by: [{ field: 'started_at', direction: 'asc' }],
        limit: null,
        offset: 0,
        columns: CALL_COLUMNS,
      };
      // Rendered as clients read them (derived status, names, costs, feedback), a sample.
      const sample = {
        ...base,
        filter: {
          call_ids: random.sample(
            exported.map((call) => call.id),
            300,
          ),
        },
        include_costs: true,
        include_feedback: true,
      };
      expect(await rendered(clickhouse, sample)).toEqual(await rendered(sqlite, sample));
      for (const filter of [
        { trace_roots_only: true },
        { op_names: ['openai.chat.completions.create'] },
        { thread_ids: ['thread-7'] },
      ]) {
        const query = {
          ...base,
          filter,
          limit: 50,
          sort_by: [{ field: 'started_at', direction: 'desc' as const }],
        };
        expect(await ids(clickhouse, query)).toEqual(await ids(sqlite, query));
        const stats = { project_id: BIG, filter, query: null, limit: null };
        expect(await clickhouse.countCalls(stats)).toBe(await sqlite.countCalls(stats));
      }

      // A few hundred random filters and sorts over the generated dataset, as the differential builds them.
      const generator = new QueryGenerator(random, dataset.calls);
      const traceIds = [...new Set(dataset.calls.map((call) => call.trace_id))];
      let compared = 0;
      for (let index = 0; index < 300; index++) {
        const filterCase = index < 200;
        const sortBy: SortBy[] = filterCase
          ? [{ field: 'id', direction: random.pick(['asc', 'desc'] as const) }]
          : generator.sortBy();
        const wire = filterCase || random.chance(0.4) ? generator.query() : null;
        const query = parseWireQuery(wire);
        if (query === 'refused') continue;
        const paged = !filterCase && sortBy.length > 0 && random.chance(0.5);
        const filter = !filterCase && random.chance(0.2) ? { trace_ids: random.sample(traceIds, 2) } : {};
        const request: CallsQuery = {
          ...base,
          project_id: dataset.project,
          filter,
          query,
          sort_by: sortBy,
          limit: paged ? random.int(1, 60) : null,
          offset: paged && random.chance(0.6) ? random.int(0, 120) : 0,
        };
        const label = JSON.stringify({ wire, sortBy, filter, limit: request.limit, offset: request.offset });
        expect(await ids(clickhouse, request), label).toEqual(await ids(sqlite, request));
        const stats = { project_id: dataset.project, filter, query, limit: null };
        expect(await clickhouse.countCalls(stats), label).toBe(await sqlite.countCalls(stats));
        compared++;
      }
      expect(compared).toBeGreaterThan(250);
      const whole = {
        ...base,
        project_id: dataset.project,
        sort_by: [{ field: 'id', direction: 'asc' as const }],
      };
      expect(await rendered(clickhouse, whole)).toEqual(await rendered(sqlite, whole));

      // What is not calls.
      const objects = {
        project_id: ASSETS,
        sort_by: [],
        limit: null,
        offset: 0,
        include_tags_and_aliases: true,
      };
      expect(await clickhouse.queryObjects(objects)).toEqual(await sqlite.queryObjects(objects));
      const versions = { after: null, limit: 100 };
      expect(await clickhouse.exportObjectVersions(ASSETS, versions)).toEqual(
        await sqlite.exportObjectVersions(ASSETS, versions),
      );
      for (const digest of ['t-all', 't-half']) {
        expect(await clickhouse.tableRowDigests(ASSETS, digest)).toEqual(
          await sqlite.tableRowDigests(ASSETS, digest),
        );
      }
      const table = {
        project_id: ASSETS,
        digest: 't-half',
        row_digests: null,
        sort_by: [{ path: ['n'], direction: 'desc' as const }],
        limit: 20,
        offset: 3,
      };
      const page = async (store: TraceStore) => {
        const rows = [];
        for await (const chunk of store.queryTable(table)) rows.push(...chunk);
        return rows;
      };
      expect(await page(clickhouse)).toEqual(await page(sqlite));
      const file = async (store: TraceStore, digest: string) => {
        const found = await store.readFile(ASSETS, digest);
        return found && { name: found.name, content: Buffer.from(found.content).toString('base64') };
      };
      expect(await file(sqlite, 'file-3')).toMatchObject({ name: 'f3.bin' });
      for (const n of [1, 2, 3]) {
        expect(await file(clickhouse, `file-${n}`)).toEqual(await file(sqlite, `file-${n}`));
      }
      const feedback = { project_id: BIG, query: null, sort_by: [], limit: null, offset: 0 };
      expect(await clickhouse.queryFeedback(feedback)).toEqual(await sqlite.queryFeedback(feedback));
      const prices = { project_id: BIG, query: null, sort_by: [], limit: null, offset: 0 };
      expect(await clickhouse.queryPrices(prices)).toEqual(await sqlite.queryPrices(prices));
      expect(await clickhouse.listRetention()).toEqual(await sqlite.listRetention());
      expect(await clickhouse.listApiKeys()).toEqual(await sqlite.listApiKeys());
      expect(await clickhouse.listProjects()).toEqual(await sqlite.listProjects());
    } finally {
      await sqlite.close();
      await clickhouse.close();
    }
  }, 300_000);

  it('copies back from chdb to SQLite what the first copy stored there', async () => {
    const back = join(dir, 'back');
    for (const project of [dataset.project, ASSETS]) {
      const run = await migrate(['--from', CHDB, '--to', `sqlite:${back}/`, '--project', project]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('counts verified');
    }
    const source = SqliteTraceStore.open(join(SOURCE, 'weft.db'));
    const copy = SqliteTraceStore.open(join(back, 'weft.db'));
    try {
      // ClickHouse reads an empty display name as none (clients see null either way).
      const named = (calls: CallUpsert[]) =>
        calls.map((call) =>
          call.start?.display_name === '' ? { ...call, start: { ...call.start, display_name: null } } : call,
        );
      expect(await exportAll(copy, dataset.project)).toEqual(named(await exportAll(source, dataset.project)));
      const whole: CallsQuery = {
        project_id: dataset.project,
        filter: {},
        query: null,
        sort_by: [{ field: 'started_at', direction: 'desc' }],
        limit: null,
        offset: 0,
        columns: CALL_COLUMNS,
      };
      expect(await rendered(copy, whole)).toEqual(await rendered(source, whole));
      const versions = { after: null, limit: 100 };
      expect(await copy.exportObjectVersions(ASSETS, versions)).toEqual(
        await source.exportObjectVersions(ASSETS, versions),
      );
      expect(await copy.exportTableRows(ASSETS, { after: null, limit: 5000 })).toHaveLength(2500);
      expect(await copy.countProjectContents(ASSETS)).toEqual(await source.countProjectContents(ASSETS));
    } finally {
      await source.close();
      await copy.close();
    }
  }, 120_000);

  it('copies one project with --project, and fails the check when the target holds more', async () => {
    const project = dataset.project;
    const copy = join(dir, 'one-project');
    const run = await migrate([
      '--from',
      `sqlite:${SOURCE}/`,
      '--to',
      `sqlite:${copy}/`,
      '--project',
      project,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(countsIn(run.stdout).map(([name, what]) => `${name} ${what}`)).toEqual([
      `${project} calls`,
      `${project} object versions`,
      `${project} tables`,
      `${project} table rows`,
      `${project} files`,
      `${project} feedback`,
      `${project} prices`,
    ]);
    const source = SqliteTraceStore.open(join(SOURCE, 'weft.db'));
    let target = SqliteTraceStore.open(join(copy, 'weft.db'));
    try {
      const whole: CallsQuery = {
        project_id: project,
        filter: {},
        query: null,
        sort_by: [{ field: 'id', direction: 'asc' }],
        limit: null,
        offset: 0,
        columns: CALL_COLUMNS,
      };
      expect((await rendered(target, whole)).length).toBe(dataset.calls.length);
      expect(await rendered(target, whole)).toEqual(await rendered(source, whole));
      // Only that project, and no API keys.
      expect((await target.projectSummaries()).map((summary) => summary.project_id)).toEqual([project]);
      expect(await target.listApiKeys()).toEqual([]);

      // A call the source does not have: the copy cannot be verified.
      const [first] = await exportAll(source, project);
      await target.upsertCalls([{ ...(first as CallUpsert), id: 'only-in-the-target' }]);
      await target.close();
      const again = await migrate([
        '--from',
        `sqlite:${SOURCE}`,
        '--to',
        `sqlite:${copy}`,
        '--project',
        project,
      ]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('the counts differ in 1 place(s)');
      expect(countsIn(again.stdout).find(([, what]) => what === 'calls')).toEqual([
        project,
        'calls',
        dataset.calls.length,
        dataset.calls.length + 1,
      ]);
      expect(again.stdout).toMatch(/calls +\d+ +\d+ +DIFFERS/);
      expect(existsSync(stateFile(again))).toBe(true);
      target = SqliteTraceStore.open(join(copy, 'weft.db'));
      expect(await target.countCalls({ project_id: project, filter: {}, query: null, limit: null })).toBe(
        dataset.calls.length + 1,
      );
    } finally {
      await source.close();
      await target.close();
    }
  }, 120_000);

  it('refuses to copy a store onto itself, and a source that does not exist', async () => {
    const same = await migrate(['--from', `sqlite:${SOURCE}`, '--to', `sqlite:${join(SOURCE, 'weft.db')}`]);
    expect(same.code).toBe(2);
    expect(same.stderr).toContain('--from and --to name the same store');
    const missing = await migrate([
      '--from',
      `sqlite:${join(dir, 'nothing-here')}/`,
      '--to',
      `sqlite:${join(dir, 'x')}/`,
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no weft database at');
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });
});
