/**
 * What the call routes do, independent of HTTP and of the database: normalize requests, apply
 * the protocol's rules (docs/protocol.md §3, §4 and §6), and render results.
 */
import {
  type CallCreateBatchRes,
  type CallEndReq,
  type CallReadReq,
  type CallStartReq,
  type CallStartRes,
  type CallsCompleteRes,
  type CallsDeleteReq,
  type CallsDeleteRes,
  CallsFilter,
  type CallsQueryReq,
  type CallsQueryStatsReq,
  type CallsQueryStatsRes,
  type CallUpdateReq,
  InvalidRequest,
  NotFound,
  parseQuery,
  type Query,
  type QueryExpr,
  resolveCallField,
} from '@weft/protocol';
import { resolveColumns } from '../query/calls-fields.js';
import { callToJson } from '../storage/call-json.js';
import { DEFAULT_CALLS_ORDER } from '../storage/paging.js';
import type { CallsQuery, ReadOptions, TraceStore } from '../storage/trace-store.js';
import {
  type BatchEntry,
  type CompleteEntry,
  mergeBatch,
  mergeCompleteBatch,
  normalizeEnd,
  normalizeStart,
} from './call-parts.js';
import { jsonDocument, requestLimit } from './paged-answers.js';

export class CallsService {
  constructor(private readonly store: TraceStore) {}

  async start(req: CallStartReq): Promise<CallStartRes> {
    const start = normalizeStart(req.start);
    await this.store.upsertCalls([{ project_id: start.project_id, id: start.id, start: start.part }]);
    return { id: start.id, trace_id: start.part.trace_id };
  }

  async end(req: CallEndReq): Promise<Record<string, never>> {
    await this.store.upsertCalls([
      { project_id: req.end.project_id, id: req.end.id, end: normalizeEnd(req.end) },
    ]);
    return {};
  }

  /**
   * Stores the batch's good items in one transaction and reports the bad ones in `errors` instead
   * of refusing the batch (see CallBatchItemError): Weave's SDKs resend or drop a refused batch
   * whole, so one bad item would cost every call sent with it.
   */
  async upsertBatch(items: readonly BatchEntry[]): Promise<CallCreateBatchRes> {
    const { upserts, results, errors } = mergeBatch(items);
    await this.store.upsertCalls(upserts);
    return errors.length === 0 ? { res: results } : { res: results, errors };
  }

  /**
   * Stores the finished calls of a `/v2/{entity}/{project}/calls/complete` batch in one
   * transaction; items that cannot be stored (or name another project) are reported in `errors`.
   */
  async complete(projectId: string, items: readonly CompleteEntry[]): Promise<CallsCompleteRes> {
    const { upserts, errors } = mergeCompleteBatch(projectId, items);
    await this.store.upsertCalls(upserts);
    return errors.length === 0 ? {} : { errors };
  }

  /** The eager v2 start: a v1 start whose project must be the route's. */
  startInProject(projectId: string, req: CallStartReq): Promise<CallStartRes> {
    requireProject(projectId, req.start.project_id, 'start');
    return this.start(req);
  }

  /** The eager v2 end: a v1 end whose project must be the route's. */
  endInProject(projectId: string, req: CallEndReq): Promise<Record<string, never>> {
    requireProject(projectId, req.end.project_id, 'end');
    return this.end(req);
  }

  /** `{"call": CallSchema}` as JSON text, rendered once (not parsed back and encoded again). */
  async read(req: CallReadReq): Promise<string> {
    const call = await this.store.readCall(req.project_id, req.id, resolveColumns(null), {
      includeCosts: req.include_costs ?? false,
      includeFeedback: req.include_feedback ?? false,
    });
    if (!call) throw new NotFound(`call ${JSON.stringify(req.id)} not found in project ${req.project_id}`);
    return `{"call":${callToJson(call)}}`;
  }

  /**
   * The calls as JSON lines, a page of whole lines per chunk, rendered by the store. The request
   * is checked before the first row is produced, so a bad one fails before a response begins.
   */
  queryJsonLines(req: CallsQueryReq, options: ReadOptions = {}): AsyncIterable<string> {
    return this.store.queryCallsJsonLines(this.toCallsQuery(req), options);
  }

  /**
   * The same calls as one JSON document, `{"calls": [...]}` (`/calls/query`), in the same chunks:
   * never built whole (docs/protocol.md §4.5).
   */
  queryDocument(req: CallsQueryReq, options: ReadOptions = {}): AsyncIterable<string> {
    return jsonDocument('{"calls":[', linesAsElements(this.queryJsonLines(req, options)), ']}');
  }

  async queryStats(req: CallsQueryStatsReq, options: ReadOptions = {}): Promise<CallsQueryStatsRes> {
    const query = parseCallsQuery(req.query);
    const limit = requestLimit(req.limit);
    // Count one past the limit to know whether more calls match than were counted.
    const count = await this.store.countCalls(
      {
        project_id: req.project_id,
        filter: filterOf(req.filter),
        query,
        limit: limit === null ? null : limit + 1,
      },
      options,
    );
    if (limit === null) return { count, has_more: false };
    return { count: Math.min(count, limit), has_more: count > limit };
  }

  async delete(req: CallsDeleteReq): Promise<CallsDeleteRes> {
    const numDeleted = await this.store.deleteCalls(req.project_id, req.call_ids, Date.now() * 1000);
    return { num_deleted: numDeleted };
  }

  async update(req: CallUpdateReq): Promise<Record<string, never>> {
    const updated = await this.store.updateDisplayName(req.project_id, req.call_id, req.display_name);
    if (!updated)
      throw new NotFound(`call ${JSON.stringify(req.call_id)} not found in project ${req.project_id}`);
    return {};
  }

  private toCallsQuery(req: CallsQueryReq): CallsQuery {
    const query = parseCallsQuery(req.query);
    const sortBy = req.sort_by ?? DEFAULT_CALLS_ORDER;
    for (const term of sortBy) resolveCallField(term.field);
    return {
      project_id: req.project_id,
      filter: filterOf(req.filter),
      query,
      sort_by: [...sortBy],
      limit: requestLimit(req.limit),
      offset: req.offset ?? 0,
      columns: resolveColumns(
        withSummaryForDerived(req.columns, (req.include_costs ?? false) || (req.include_feedback ?? false)),
      ),
      include_costs: req.include_costs ?? false,
      include_feedback: req.include_feedback ?? false,
    };
  }
}

/** A v2 route names its project in the path; a body for another project is refused, not moved. */
/** Costs and feedback are returned in `summary.weave`, so asking for them selects the summary. */
function withSummaryForDerived(
  columns: readonly string[] | null | undefined,
  asked: boolean,
): readonly string[] | null | undefined {
  return asked && columns && columns.length > 0 ? [...columns, 'summary'] : columns;
}

function requireProject(routeProject: string, bodyProject: string, part: 'start' | 'end'): void {
  if (bodyProject !== routeProject) {
    throw new InvalidRequest(
      `${part}.project_id ${JSON.stringify(bodyProject)} is not the project of the route (${JSON.stringify(routeProject)})`,
    );
  }
}

const FILTER_KEYS = Object.keys(CallsFilter.properties) as Array<keyof CallsFilter>;

/**
 * The filter's own fields: unknown keys are accepted on the wire (docs/protocol.md §1.1) but go no
 * further, so hostile ones (nested past any depth) are never copied to a read worker.
 */
function filterOf(filter: CallsFilter | null | undefined): CallsFilter {
  const known: Partial<Record<keyof CallsFilter, unknown>> = {};
  for (const key of FILTER_KEYS) if (filter?.[key] != null) known[key] = filter[key];
  return known as CallsFilter;
}

/** JSON lines as comma-separated elements: a newline can only separate lines, never sit inside one. */
async function* linesAsElements(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  for await (const chunk of chunks) yield chunk.slice(0, -1).replaceAll('\n', ',');
}

function parseCallsQuery(query: Query | null | undefined): QueryExpr | null {
  return query == null ? null : parseQuery(query, resolveCallField);
}
