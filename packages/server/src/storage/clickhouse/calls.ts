/**
 * Calls on ClickHouse: each part inserted as it arrives into `call_parts`, merged by id in
 * `calls` (calls-schema.ts), read through the merged view (calls-read.ts) with the same query
 * builder as SQLite and ClickHouse's dialect.
 *
 * Deletes are parts too (a `deleted_at`), for the call and every call below it. A call whose
 * start arrives under a call already deleted is deleted as it arrives, with the calls below it
 * that came before it, as on SQLite: a deleted subtree stays deleted whatever arrives later.
 */

import { opDisplayName } from '@weft/protocol/refs';
import { CallCostCalculator, type PriceSource } from '../../costs/call-costs.js';
import {
  afterKeyCondition,
  callsCount,
  callsSelect,
  compileWithinLimits,
  type PagePlan,
  startPartConditions,
} from '../../query/calls-query.js';
import { clickHouseCallsDialect, clickHouseParams } from '../../query/dialects/clickhouse.js';
import type { UsagePrices } from '../../query/dialects/clickhouse-usage.js';
import type { QueryCompileContext } from '../../query/query-expr.js';
import { type CompiledSql, type Sql, sql } from '../../query/sql.js';
import { readCallBy } from '../call-by-id.js';
import { callToJson } from '../call-json.js';
import {
  type CallKey,
  type CallsPageRead,
  CallsPager,
  type KeysetOrder,
  keysetOrder,
  MAX_PAGE_CHARS,
  type PageResult,
} from '../paging.js';
import type {
  CallColumn,
  CallsQuery,
  CallsStatsQuery,
  CallUpsert,
  ReadOptions,
  StoredCall,
  TraceStore,
} from '../trace-store.js';
import { pruneCalls, removeOrphans } from './calls-cleanup.js';
import { usagePricesOf } from './calls-costs.js';
import {
  FailedAncestors,
  feedbackFieldsOf,
  flaggedAmongTracesOf,
  MAX_TREE_DEPTH,
  MERGED_VIEW_SETTINGS,
  mergedCalls,
  readsDerivedField,
  type ViewNeeds,
} from './calls-read.js';
import { NAME_RANK } from './calls-schema.js';
import { MIN_WINDOW, WINDOW_GROWTH, windowBound, windowConditions, withinBound } from './calls-window.js';
import type { ClickHouseContext } from './context.js';
import { deleteFeedbackOfCalls, feedbackLists } from './feedback.js';
import { insertRows, withinTimeLimit } from './query-helpers.js';

export type CallsMethods = Pick<
  TraceStore,
  | 'upsertCalls'
  | 'readCall'
  | 'queryCalls'
  | 'queryCallsJsonLines'
  | 'countCalls'
  | 'deleteCalls'
  | 'updateDisplayName'
  | 'removeOrphans'
  | 'pruneCalls'
>;

type PartRow = Record<string, string | number | null>;

const QUERY_CONTEXT: QueryCompileContext = { dialect: clickHouseCallsDialect };

interface RawCall extends Omit<StoredCall, 'has_failed_descendant' | 'summary_reports_error'> {
  has_failed_descendant?: boolean | number;
  summary_reports_error?: boolean | number | null;
}

/** The prices that price a project's calls, read when a query needs them (prices.ts). */
export type ProjectPriceSource = (projectId: string) => Promise<PriceSource>;

/**
 * What one query's reads share: the failure flags of its pages' traces (`false` for reads of keys
 * alone, which need none), and the project's prices for cost fields, read once for all of its
 * pages and windows.
 */
interface QueryReadOptions extends ReadOptions {
  failures?: FailedAncestors | false;
  prices?: () => Promise<UsagePrices>;
}

export class ClickHouseCalls implements CallsMethods {
  constructor(
    readonly context: ClickHouseContext,
    private readonly priceSource: ProjectPriceSource,
  ) {}

  async upsertCalls(batch: readonly CallUpsert[]): Promise<void> {
    if (batch.length === 0) return;
    const arrivedAt = Date.now() * 1000;
    const rows: PartRow[] = [];
    const underDeleted = await this.startsUnderDeletedCalls(batch);
    for (const upsert of batch) {
      const deletedAt = underDeleted.get(`${upsert.project_id}\n${upsert.id}`) ?? null;
      if (upsert.start) {
        const start = upsert.start;
        rows.push({
          project_id: upsert.project_id,
          id: upsert.id,
          trace_id: start.trace_id,
          parent_id: start.parent_id,
          op_name: start.op_name,
          op_short_name: opDisplayName(start.op_name),
          thread_id: start.thread_id,
          turn_id: start.turn_id,
          started_at: start.started_at,
          attributes_dump: start.attributes_json,
          inputs_dump: start.inputs_json,
          input_refs_dump: start.input_refs_json ?? null,
          otel_dump: start.otel_dump_json,
          wb_user_id: start.wb_user_id,
          wb_run_id: start.wb_run_id,
          wb_run_step: start.wb_run_step,
          display_name: start.display_name,
          display_name_rank: Number(NAME_RANK.start),
          deleted_at: deletedAt,
          arrived_at: arrivedAt,
        });
      }
      if (upsert.end) {
        const end = upsert.end;
        rows.push({
          project_id: upsert.project_id,
          id: upsert.id,
          ended_at: end.ended_at,
          exception: end.exception,
          output_dump: end.output_json,
          output_refs_dump: end.output_refs_json ?? null,
          summary_dump: end.summary_json,
          summary_reports_error: end.summary_reports_error ? 1 : 0,
          wb_run_step_end: end.wb_run_step_end,
          display_name: end.display_name,
          display_name_rank: Number(NAME_RANK.end),
          arrived_at: arrivedAt,
        });
      }
    }
    await this.insertParts(rows);
    // Calls below a call that arrived deleted, which came before it, go with it.
    for (const [key, deletedAt] of underDeleted) {
      const [projectId = '', id = ''] = key.split('\n');
      await this.deleteSubtrees(projectId, [id], deletedAt, { includeDeleted: true });
    }
  }

  /**
   * The starts in `batch` whose parent is deleted (or is itself such a start in this batch), with
   * the time their parent was deleted, keyed `project\nid`.
   */
  private async startsUnderDeletedCalls(batch: readonly CallUpsert[]): Promise<Map<string, number>> {
    const parentsByProject = new Map<string, Set<string>>();
    for (const upsert of batch) {
      const parent = upsert.start?.parent_id;
      if (!parent) continue;
      const parents = parentsByProject.get(upsert.project_id) ?? new Set<string>();
      parents.add(parent);
      parentsByProject.set(upsert.project_id, parents);
    }
    const deleted = new Map<string, number>();
    for (const [projectId, parents] of parentsByProject) {
      const result = await this.context.client.query({
        query: `SELECT id, max(deleted_at) AS parent_deleted_at FROM ${this.context.table('calls')}
          WHERE project_id = {project:String} AND has({ids:Array(String)}, id)
          GROUP BY id HAVING parent_deleted_at IS NOT NULL`,
        query_params: { project: projectId, ids: [...parents] },
        format: 'JSONEachRow',
      });
      for (const row of await result.json<{ id: string; parent_deleted_at: number }>()) {
        deleted.set(`${projectId}\n${row.id}`, row.parent_deleted_at);
      }
    }
    const under = new Map<string, number>();
    // Within the batch a deleted parent's child may be another call's parent: to a fixed point.
    for (let changed = deleted.size > 0; changed; ) {
      changed = false;
      for (const upsert of batch) {
        const key = `${upsert.project_id}\n${upsert.id}`;
        const parent = upsert.start?.parent_id;
        if (!parent || under.has(key)) continue;
        const deletedAt =
          deleted.get(`${upsert.project_id}\n${parent}`) ?? under.get(`${upsert.project_id}\n${parent}`);
        if (deletedAt !== undefined) {
          under.set(key, deletedAt);
          changed = true;
        }
      }
    }
    return under;
  }

  private insertParts(rows: readonly PartRow[]): Promise<void> {
    return insertRows(this.context, 'call_parts', rows);
  }

  readCall(
    projectId: string,
    id: string,
    columns: readonly CallColumn[],
    options: { includeCosts?: boolean; includeFeedback?: boolean } = {},
  ): Promise<StoredCall | undefined> {
    return readCallBy((query) => this.queryCalls(query), projectId, id, columns, options);
  }

  /**
   * The calls of a query a page at a time (storage/paging.ts): each page is a query of its own,
   * of at most MAX_PAGE_ROWS calls and about MAX_PAGE_CHARS of text, continued after the last
   * call's key in the keyset orders and through groups of ids in the others, as on SQLite. A
   * consumer that stops pulling holds one page and no query open.
   */
  async *queryCalls(query: CallsQuery, options: ReadOptions = {}): AsyncIterable<StoredCall> {
    for await (const page of this.pages(query, options)) yield* page;
  }

  /** The same calls as CallSchema JSON lines (storage/call-json.ts), a page per chunk. */
  async *queryCallsJsonLines(query: CallsQuery, options: ReadOptions = {}): AsyncIterable<string> {
    for await (const page of this.pages(query, options)) {
      let chunk = '';
      for (const call of page) chunk += `${callToJson(call)}\n`;
      if (chunk !== '') yield chunk;
    }
  }

  private async *pages(query: CallsQuery, readOptions: ReadOptions): AsyncIterable<StoredCall[]> {
    const options: QueryReadOptions = {
      ...readOptions,
      failures: new FailedAncestors(this.context, query.project_id),
      prices: this.pricesOnce(query.project_id),
    };
    // Costs asked for are priced here, a page at a time, at prices read once for the query.
    const costs = query.include_costs
      ? new CallCostCalculator(await this.priceSource(query.project_id))
      : undefined;
    const pager = new CallsPager(query);
    for (let more = true; more; ) {
      const read = pager.read();
      if (read.kind === 'ids') {
        const ids = (
          await this.readRows(
            { ...read.query, columns: ['id'], include_feedback: false },
            {},
            { ...options, failures: false },
          )
        ).map((row) => row.id);
        more = pager.advance({ count: 0, last: null, cut: false, ids });
        continue;
      }
      const page = await this.readPage(read, options);
      if (costs) {
        for (const call of page.calls) {
          const priced = costs.costsOf(call.summary_json, call.started_at);
          if (priced) call.costs = priced;
        }
      }
      more = pager.advance(page);
      if (page.calls.length > 0) yield page.calls;
    }
  }

  /**
   * One page: the query after a key, or the picked calls in their group's order.
   *
   * Most pages are found before they are read: first the keys of their calls, from the merged
   * view of only the columns the filter and sort name (in a keyset order, of only the calls in a
   * start window, calls-window.ts); then those calls whole, merged by id. Merging every matching
   * call's inputs and outputs to keep fifty of them is what made a first page slow. A filter that
   * names the calls, their traces or their parents merges only those calls anyway, and is read in
   * one step.
   */
  private async readPage(
    read: Exclude<CallsPageRead, { kind: 'ids' }>,
    options: QueryReadOptions,
  ): Promise<PageResult & { calls: StoredCall[] }> {
    let found: CallKey[] | null = null;
    let rows: RawCall[];
    if (read.kind === 'picked') {
      // Read again through the query's filter, for any call that changed since its group was sorted.
      rows = await this.readPicked(read.query, read.ids, options, { refilter: true });
    } else {
      const order = keysetOrder(read.query.sort_by);
      const afterKey =
        read.after && order ? afterKeyCondition(order, read.after, clickHouseCallsDialect) : null;
      const plan: PagePlan = afterKey ? { where: [afterKey] } : {};
      if (mergesNamedCalls(read.query.filter)) {
        // The key is on what starts carry too: later pages merge only the calls after it.
        const started = startPartConditions(read.query.filter, clickHouseCallsDialect);
        rows = await this.readRows(read.query, plan, options, afterKey ? [...started, afterKey] : started);
      } else {
        found = await this.pageKeys(read.query, { order, afterKey, plan }, options);
        const ids = found.map((key) => key.id);
        rows = await this.readPicked(read.query, ids, options, { refilter: false });
      }
    }
    const calls: StoredCall[] = [];
    let chars = 0;
    let cut = false;
    for (const row of rows) {
      const call = storedCall(row);
      calls.push(call);
      for (const value of Object.values(call)) if (typeof value === 'string') chars += value.length;
      if (chars >= MAX_PAGE_CHARS) {
        cut = true;
        break;
      }
    }
    // A call deleted between finding the page and reading it leaves a gap, not the end.
    const lastKey = cut || !found ? calls[calls.length - 1] : found[found.length - 1];
    const last = lastKey ? { started_at: lastKey.started_at, id: lastKey.id } : null;
    return { calls, count: cut || !found ? calls.length : found.length, last, cut };
  }

  /**
   * The calls with these ids whole, in this order; with `refilter`, only those that still meet
   * the query's filter (the keys of a page were found a moment ago, by that filter).
   */
  private async readPicked(
    query: CallsQuery,
    ids: readonly string[],
    options: QueryReadOptions,
    { refilter }: { refilter: boolean },
  ): Promise<RawCall[]> {
    if (ids.length === 0) return [];
    const picked: CallsQuery = refilter
      ? { ...query, filter: { ...query.filter, call_ids: [...ids] }, sort_by: [] }
      : { ...query, filter: { call_ids: [...ids] }, query: null, sort_by: [] };
    const plan: PagePlan = { order: sql`indexOf(${ids}, calls.id)` };
    return this.readRows({ ...picked, limit: null, offset: 0 }, plan, options);
  }

  /**
   * The keys of a page's calls in the query's order: in a keyset order from windows of start
   * parts (calls-window.ts), each read again wider until it holds the page or reaches the end.
   */
  private async pageKeys(
    query: CallsQuery,
    place: { order: KeysetOrder | null; afterKey: Sql | null; plan: PagePlan },
    options: QueryReadOptions,
  ): Promise<CallKey[]> {
    const { order, afterKey, plan } = place;
    const keys = { ...query, columns: ['id'], include_feedback: false } satisfies CallsQuery;
    const byKey = (rows: RawCall[]) => rows.map((row) => ({ id: row.id, started_at: row.started_at }));
    const within = { ...options, failures: false } as const;
    if (!order || query.limit === null) return byKey(await this.readRows(keys, plan, within));
    const conditions = windowConditions(query.filter, afterKey);
    for (let size = Math.max(MIN_WINDOW, 4 * (query.limit + query.offset)); ; size *= WINDOW_GROWTH) {
      const bound = await windowBound(this.context, query.project_id, order, conditions, size, options);
      const window = bound === null ? conditions : [...conditions, withinBound(order, bound)];
      const rows = await this.readRows(keys, plan, within, window);
      if (bound === null || rows.length >= query.limit) return byKey(rows);
    }
  }

  /**
   * A page's rows; `has_failed_descendant` of each is found in the query or right after it, and
   * so is their feedback (`include_feedback`): read by key for the page's calls (feedback.ts).
   * `startConditions` narrow the calls merged, in place of the filter's own (calls-window.ts).
   */
  private async readRows(
    query: CallsQuery,
    plan: PagePlan,
    options: QueryReadOptions,
    startConditions?: readonly Sql[],
  ): Promise<RawCall[]> {
    // Calls picked by id come in the order given: only the filter's fields count.
    const needs = await this.viewNeeds(
      query.project_id,
      plan.order ? { query: query.query } : query,
      query.filter,
      { prices: options.prices, startConditions },
    );
    const statement = compileWithinLimits(
      callsSelect({ ...query, include_feedback: false }, QUERY_CONTEXT, {
        ...plan,
        from: mergedCalls(this.context, query.project_id, needs),
      }),
      clickHouseCallsDialect,
    );
    const flags = needs.flags;
    const rows = await this.select<RawCall>(statement, options);
    if (flags === 'later' && options.failures !== false) {
      const failures = options.failures ?? new FailedAncestors(this.context, query.project_id);
      const flagged = await failures.among(rows);
      for (const row of rows) row.has_failed_descendant = flagged.has(row.id);
    }
    if (query.include_feedback) {
      const lists = await feedbackLists(
        this.context,
        query.project_id,
        rows.map((row) => row.id),
      );
      for (const row of rows) row.feedback_json = lists.get(row.id) ?? '[]';
    }
    return rows;
  }

  /**
   * What the merged view must hold for a query's filter and sort (calls-read.ts): the failure
   * flags when they read the status (found first when start conditions narrow the calls merged), the feedback fields they name, the project's prices
   * when they read the cost, and the conditions on start parts (the filter's, unless given),
   * which narrow the calls merged.
   */
  private async viewNeeds(
    projectId: string,
    query: { query: unknown; sort_by?: CallsQuery['sort_by'] },
    filter: CallsQuery['filter'],
    given: {
      prices?: (() => Promise<UsagePrices>) | undefined;
      startConditions?: readonly Sql[] | undefined;
    } = {},
  ): Promise<ViewNeeds> {
    const prices = given.prices ?? this.pricesOnce(projectId);
    const startConditions = given.startConditions ?? startPartConditions(filter, clickHouseCallsDialect);
    let flags: ViewNeeds['flags'] = readsDerivedField(query, 'status') ? 'sql' : 'later';
    if (flags === 'sql' && startConditions.length > 0) {
      const ids = await flaggedAmongTracesOf(this.context, projectId, startConditions);
      if (ids) flags = { ids };
    }
    return {
      startConditions,
      flags,
      feedback: feedbackFieldsOf(query),
      prices: readsDerivedField(query, 'total_cost') ? await prices() : null,
    };
  }

  /**
   * The project's prices as the SQL binds them, read on first use and then kept: reading them
   * scans the model names the project's calls log (calls-costs.ts), once per query, not per page.
   */
  private pricesOnce(projectId: string): () => Promise<UsagePrices> {
    let read: Promise<UsagePrices> | undefined;
    return () => {
      read ??= this.priceSource(projectId).then((source) => usagePricesOf(this.context, projectId, source));
      return read;
    };
  }

  /** Rows of a compiled calls statement, read through the merged view. */
  private select<Row>(statement: CompiledSql, options: ReadOptions): Promise<Row[]> {
    return withinTimeLimit(this.context, 'calls', async (settings) => {
      const result = await this.context.client.query({
        query: statement.text,
        query_params: clickHouseParams(statement.params),
        format: 'JSONEachRow',
        clickhouse_settings: { ...settings, ...MERGED_VIEW_SETTINGS },
        ...(options.signal ? { abort_signal: options.signal } : {}),
      });
      return result.json<Row>();
    });
  }

  async countCalls(query: CallsStatsQuery, options: ReadOptions = {}): Promise<number> {
    const statement = compileWithinLimits(
      callsCount(query, QUERY_CONTEXT, {
        from: mergedCalls(
          this.context,
          query.project_id,
          await this.viewNeeds(query.project_id, query, query.filter),
        ),
      }),
      clickHouseCallsDialect,
    );
    const [row] = await this.select<{ count: number }>(statement, options);
    return Number(row?.count ?? 0);
  }

  async deleteCalls(projectId: string, ids: readonly string[], deletedAt: number): Promise<number> {
    if (ids.length === 0) return 0;
    return this.deleteSubtrees(projectId, ids, deletedAt, { includeDeleted: false });
  }

  /**
   * Marks `ids` and every call below them deleted at `deletedAt` (calls already deleted keep
   * their time). Returns how many live calls (started, not deleted) it deleted. `includeDeleted`
   * starts from `ids` even when they are deleted already (a call that arrived deleted).
   */
  private async deleteSubtrees(
    projectId: string,
    ids: readonly string[],
    deletedAt: number,
    options: { includeDeleted: boolean },
  ): Promise<number> {
    const table = this.context.table('calls');
    const result = await this.context.client.query({
      query: `WITH RECURSIVE tree AS (
          SELECT id, any(parent_id) AS parent_id, any(started_at) AS started_at, max(deleted_at) AS deleted_at
          FROM ${table} WHERE project_id = {project:String} GROUP BY id
        ), down AS (
          SELECT id, 1 AS depth FROM tree WHERE has({ids:Array(String)}, id) AND ({include_deleted:Bool} OR deleted_at IS NULL)
          UNION ALL
          SELECT tree.id AS id, down.depth + 1 AS depth FROM tree JOIN down ON tree.parent_id = down.id
          WHERE tree.deleted_at IS NULL AND down.depth < ${MAX_TREE_DEPTH}
        )
        SELECT DISTINCT tree.id AS id, tree.started_at IS NOT NULL AND tree.deleted_at IS NULL AS live
        FROM tree WHERE tree.id IN (SELECT id FROM down)`,
      query_params: { project: projectId, ids: [...ids], include_deleted: options.includeDeleted },
      format: 'JSONEachRow',
    });
    const found = await result.json<{ id: string; live: boolean | number }>();
    // Feedback goes with a call deleted on request (docs/protocol.md §18.1), as on SQLite. Before
    // the calls' parts: a delete interrupted between the two is done whole when asked again.
    if (!options.includeDeleted) {
      await deleteFeedbackOfCalls(
        this.context,
        projectId,
        found.map((row) => row.id),
      );
    }
    await this.insertParts(
      found.map((row) => ({
        project_id: projectId,
        id: row.id,
        deleted_at: deletedAt,
        display_name_rank: 0,
        arrived_at: Date.now() * 1000,
      })),
    );
    return found.filter((row) => Boolean(row.live)).length;
  }

  async updateDisplayName(projectId: string, id: string, displayName: string): Promise<boolean> {
    const live = await this.context.client.query({
      query: `SELECT count() AS live FROM (SELECT any(started_at) AS started_at, max(deleted_at) AS deleted_at
          FROM ${this.context.table('calls')} WHERE project_id = {project:String} AND id = {id:String} GROUP BY id)
        WHERE started_at IS NOT NULL AND deleted_at IS NULL`,
      query_params: { project: projectId, id },
      format: 'JSONEachRow',
    });
    const [row] = await live.json<{ live: number }>();
    if (!row || Number(row.live) === 0) return false;
    // Later renames rank above earlier ones: the rename's time in µs above the parts' ranks.
    const rank = NAME_RANK.renameBase + BigInt(Date.now()) * 1000n;
    await this.insertParts([
      {
        project_id: projectId,
        id,
        display_name: displayName,
        display_name_rank: rank.toString(),
        arrived_at: Date.now() * 1000,
      },
    ]);
    return true;
  }

  /** Orphans and waiting failures (calls-cleanup.ts), with the removed calls' feedback. */
  async removeOrphans(olderThan: number): Promise<{ calls: number; walks: number }> {
    const { calls, walks, removed } = await removeOrphans(this.context, olderThan);
    const byProject = new Map<string, string[]>();
    for (const call of removed)
      byProject.set(call.project_id, [...(byProject.get(call.project_id) ?? []), call.id]);
    for (const [projectId, ids] of byProject) await deleteFeedbackOfCalls(this.context, projectId, ids);
    return { calls, walks };
  }

  /** A project's calls started before `before` (calls-cleanup.ts), with their feedback. */
  async pruneCalls(projectId: string, before: number): Promise<number> {
    const { count, ids } = await pruneCalls(this.context, projectId, before);
    await deleteFeedbackOfCalls(this.context, projectId, ids);
    return count;
  }
}

/**
 * Whether a filter names the calls merged (their ids, traces or parents): it merges those calls
 * only (`startPartConditions`), so its pages need no window.
 */
function mergesNamedCalls(filter: CallsQuery['filter']): boolean {
  return [filter.call_ids, filter.trace_ids, filter.parent_ids].some(
    (values) => Array.isArray(values) && values.length > 0,
  );
}

function storedCall(row: RawCall): StoredCall {
  const call: StoredCall = { ...(row as StoredCall) };
  if (row.has_failed_descendant !== undefined)
    call.has_failed_descendant = Boolean(row.has_failed_descendant);
  if (row.summary_reports_error !== undefined)
    call.summary_reports_error = Boolean(row.summary_reports_error);
  return call;
}
