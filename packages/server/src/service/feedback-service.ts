/**
 * The feedback routes (docs/protocol.md §18): rows attached to a call (or an object) by its ref,
 * validated by type (reactions, notes, scorer results, annotations, and free custom types),
 * stored with the id and time the client chose, listed, replaced and purged within a project.
 */
import {
  ANNOTATION_PREFIX,
  type FeedbackBatchCreateReq,
  type FeedbackBatchCreateRes,
  type FeedbackBatchError,
  type FeedbackCreateReq,
  type FeedbackCreateRes,
  type FeedbackPurgeReq,
  type FeedbackQueryReq,
  type FeedbackReplaceReq,
  type FeedbackRow,
  formatTimestampMicros,
  InvalidRequest,
  NOTE_TYPE,
  NotFound,
  ProtocolError,
  parseQuery,
  parseRef,
  parseTimestampMicros,
  REACTION_TYPE,
  RUNNABLE_PREFIX,
  resolveFeedbackField,
  type WeaveRef,
} from '@weft/protocol';
import { uuidv7 } from 'uuidv7';
import type { StoredFeedback, TraceStore } from '../storage/trace-store.js';
import { purgeIds } from './id-query.js';
import { jsonDocument, offsetPages, renderPages, requestLimit } from './paged-answers.js';
import { normalizeReaction } from './reactions.js';

/** Weave's limits: a payload of at most 1 MiB as JSON, a note of 1 to 1,024 characters. */
const MAX_PAYLOAD_BYTES = 1024 * 1024;
const MAX_NOTE_CHARS = 1024;
/** Rows a query returns when it names no limit (iterating a call's feedback names none). */
const DEFAULT_LIMIT = 10_000;

export class FeedbackService {
  constructor(private readonly store: TraceStore) {}

  async create(req: FeedbackCreateReq): Promise<FeedbackCreateRes> {
    const [stored] = await this.store.createFeedback([feedbackRow(req, Date.now() * 1000)]);
    return createRes(stored as StoredFeedback);
  }

  /**
   * Stores a batch's good items in one transaction; bad ones are reported in `errors` rather than
   * failing the batch, as for calls: the Python client drops a refused batch whole.
   */
  async batchCreate(req: FeedbackBatchCreateReq): Promise<FeedbackBatchCreateRes> {
    const now = Date.now() * 1000;
    const rows: StoredFeedback[] = [];
    const errors: FeedbackBatchError[] = [];
    req.batch.forEach((item, index) => {
      try {
        rows.push(feedbackRow(item, now));
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        errors.push({ index, id: item.id ?? null, reason: error.message });
      }
    });
    const stored = await this.store.createFeedback(rows);
    const res = stored.map(createRes);
    return errors.length === 0 ? { res } : { res, errors };
  }

  /**
   * `{"result": [row, ...]}` as JSON text, read and rendered a page at a time (docs/protocol.md
   * §1.5), each page continued by offset in a snapshot of its own.
   */
  query(req: FeedbackQueryReq): AsyncIterable<string> {
    for (const term of req.sort_by ?? []) resolveFeedbackField(term.field);
    for (const field of req.fields ?? []) resolveFeedbackField(field);
    const query = {
      project_id: req.project_id,
      query: req.query == null ? null : parseQuery(req.query, resolveFeedbackField),
      sort_by: req.sort_by ?? [],
    };
    const fields = req.fields && req.fields.length > 0 ? req.fields : null;
    const pages = offsetPages(
      (limit, offset) => this.store.queryFeedback({ ...query, limit, offset }),
      requestLimit(req.limit) ?? DEFAULT_LIMIT,
      req.offset ?? 0,
    );
    return jsonDocument(
      '{"result":[',
      renderPages(pages, (row) => JSON.stringify(pick(feedbackRowJson(row), fields))),
      ']}',
    );
  }

  async purge(req: FeedbackPurgeReq): Promise<Record<string, never>> {
    await this.store.purgeFeedback(req.project_id, purgeIds(req.query, 'feedback'));
    return {};
  }

  /** Deletes `feedback_id` and stores the new row under a new id, as Weave does. */
  async replace(req: FeedbackReplaceReq): Promise<FeedbackCreateRes> {
    const { feedback_id, ...create } = req;
    const row = feedbackRow({ ...create, id: null }, Date.now() * 1000);
    if (!(await this.store.replaceFeedback(req.project_id, feedback_id, row))) {
      throw new NotFound(`feedback ${JSON.stringify(feedback_id)} not found in project ${req.project_id}`);
    }
    return createRes(row);
  }
}

function createRes(row: StoredFeedback): FeedbackCreateRes {
  return {
    id: row.id,
    created_at: formatTimestampMicros(row.created_at),
    wb_user_id: row.wb_user_id,
    payload: JSON.parse(row.payload_json) as Record<string, unknown>,
  };
}

/** A stored row as the query route answers it. */
export function feedbackRowJson(row: StoredFeedback): FeedbackRow {
  return {
    id: row.id,
    project_id: row.project_id,
    weave_ref: row.weave_ref,
    creator: row.creator,
    feedback_type: row.feedback_type,
    payload: JSON.parse(row.payload_json) as Record<string, unknown>,
    annotation_ref: row.annotation_ref,
    runnable_ref: row.runnable_ref,
    call_ref: row.call_ref,
    trigger_ref: row.trigger_ref,
    wb_user_id: row.wb_user_id,
    created_at: formatTimestampMicros(row.created_at),
  };
}

/** The requested fields: columns, or paths inside the payload (`payload.output.score`). */
function pick(row: FeedbackRow, fields: readonly string[] | null): Record<string, unknown> {
  if (!fields) return row as unknown as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const field of fields) {
    const resolved = resolveFeedbackField(field);
    if (resolved.kind === 'json') {
      // The same path rules as in queries: escaped dots, digits indexing lists.
      let value: unknown = row.payload;
      for (const key of resolved.path) {
        value =
          typeof value === 'object' && value !== null
            ? (value as Record<string | number, unknown>)[key]
            : undefined;
      }
      picked[field] = value ?? null;
    } else picked[field] = row[field as keyof FeedbackRow];
  }
  return picked;
}

function refIn(projectId: string, uri: string, what: string): WeaveRef {
  let ref: WeaveRef;
  try {
    ref = parseRef(uri);
  } catch (error) {
    throw new InvalidRequest(
      `${what} is not a weave:/// ref: ${error instanceof Error ? error.message : ''}`,
    );
  }
  if (`${ref.entity}/${ref.project}` !== projectId) {
    throw new InvalidRequest(`${what} ${JSON.stringify(uri)} is not in project ${projectId}`);
  }
  return ref;
}

/** Only these types may carry these refs (docs/protocol.md §18.2). */
function forbid(req: FeedbackCreateReq, fields: ReadonlyArray<keyof FeedbackCreateReq>): void {
  for (const field of fields) {
    if (req[field] != null)
      throw new InvalidRequest(`${field} is not allowed on ${req.feedback_type} feedback`);
  }
}

/** The payload as stored, after the checks of its type; a 400 names what is wrong. */
function checkedPayload(req: FeedbackCreateReq): Record<string, unknown> {
  const type = req.feedback_type;
  const payload = req.payload;
  if (type === REACTION_TYPE) {
    forbid(req, ['annotation_ref', 'runnable_ref', 'call_ref', 'trigger_ref']);
    return { ...normalizeReaction(payload.emoji) };
  }
  if (type === NOTE_TYPE) {
    forbid(req, ['annotation_ref', 'runnable_ref', 'call_ref', 'trigger_ref']);
    const note = payload.note;
    if (typeof note !== 'string' || note.length === 0 || note.length > MAX_NOTE_CHARS) {
      throw new InvalidRequest(
        `a wandb.note.1 payload needs "note": text of 1 to ${MAX_NOTE_CHARS} characters`,
      );
    }
    return { note };
  }
  if (type.startsWith(RUNNABLE_PREFIX)) {
    forbid(req, ['annotation_ref']);
    const name = type.slice(RUNNABLE_PREFIX.length);
    if (!req.runnable_ref) throw new InvalidRequest(`${type} feedback needs runnable_ref: the scorer's ref`);
    const runnable = refIn(req.project_id, req.runnable_ref, 'runnable_ref');
    if (runnable.kind !== 'op' && runnable.kind !== 'object') {
      throw new InvalidRequest('runnable_ref must name an op or an object');
    }
    if (runnable.name !== name) {
      throw new InvalidRequest(
        `runnable_ref names ${JSON.stringify(runnable.name)}, but the type names ${JSON.stringify(name)}`,
      );
    }
    if (runnable.kind === 'op' && !req.call_ref) {
      throw new InvalidRequest(`${type} feedback from an op needs call_ref: the scorer's call`);
    }
    if (req.call_ref && refIn(req.project_id, req.call_ref, 'call_ref').kind !== 'call') {
      throw new InvalidRequest('call_ref must name a call');
    }
    if (!Object.hasOwn(payload, 'output'))
      throw new InvalidRequest(`a ${type} payload is {"output": <the score>}`);
    return payload;
  }
  if (type.startsWith(ANNOTATION_PREFIX)) {
    forbid(req, ['runnable_ref', 'call_ref', 'trigger_ref']);
    const name = type.slice(ANNOTATION_PREFIX.length);
    if (!req.annotation_ref) throw new InvalidRequest(`${type} feedback needs annotation_ref`);
    const spec = refIn(req.project_id, req.annotation_ref, 'annotation_ref');
    if (spec.kind !== 'object' || spec.name !== name) {
      throw new InvalidRequest(`annotation_ref must name the object ${JSON.stringify(name)}`);
    }
    if (!Object.hasOwn(payload, 'value')) throw new InvalidRequest(`a ${type} payload is {"value": ...}`);
    return payload;
  }
  if (type.startsWith('wandb.')) {
    throw new InvalidRequest(
      `feedback types starting with "wandb." are reserved: ${REACTION_TYPE}, ${NOTE_TYPE}, ${RUNNABLE_PREFIX}<name> and ${ANNOTATION_PREFIX}<name>`,
    );
  }
  forbid(req, ['annotation_ref', 'runnable_ref', 'call_ref', 'trigger_ref']);
  return payload;
}

/** A request checked and made into the row to store. */
export function feedbackRow(req: FeedbackCreateReq, now: number): StoredFeedback {
  const target = refIn(req.project_id, req.weave_ref, 'weave_ref');
  const payload = checkedPayload(req);
  const payloadJson = JSON.stringify(payload);
  if (Buffer.byteLength(payloadJson, 'utf8') > MAX_PAYLOAD_BYTES) {
    throw new InvalidRequest(`a feedback payload may be at most ${MAX_PAYLOAD_BYTES} bytes of JSON`);
  }
  let createdAt = now;
  if (req.created_at != null) {
    const given = parseTimestampMicros(req.created_at);
    if (given === undefined)
      throw new InvalidRequest(`created_at is not an ISO-8601 timestamp: ${req.created_at}`);
    createdAt = given;
  }
  return {
    project_id: req.project_id,
    id: req.id ?? uuidv7(),
    weave_ref: req.weave_ref,
    call_id: target.kind === 'call' ? target.id : null,
    creator: req.creator ?? null,
    feedback_type: req.feedback_type,
    payload_json: payloadJson,
    annotation_ref: req.annotation_ref ?? null,
    runnable_ref: req.runnable_ref ?? null,
    call_ref: req.call_ref ?? null,
    trigger_ref: req.trigger_ref ?? null,
    wb_user_id: req.wb_user_id ?? null,
    created_at: createdAt,
  };
}
