/**
 * The fields of a call that queries and sorts can name (docs/query-language.md, "Fields"), resolved to what
 * a backend reads: a column, a JSON path inside one of the JSON columns, or a derived field.
 */
import { InvalidFieldError, NotImplemented } from '../errors.js';
import type { QueryField } from './ast.js';
import { jsonPathParts, splitFieldPath } from './field-path.js';

const COLUMN_TYPES: ReadonlyMap<string, 'text' | 'number' | 'datetime'> = new Map([
  ['id', 'text'],
  ['project_id', 'text'],
  ['trace_id', 'text'],
  ['parent_id', 'text'],
  ['thread_id', 'text'],
  ['turn_id', 'text'],
  ['op_name', 'text'],
  // An empty display name reads as null, as it does in responses.
  ['display_name', 'text'],
  ['exception', 'text'],
  ['wb_user_id', 'text'],
  ['wb_run_id', 'text'],
  ['wb_run_step', 'number'],
  ['wb_run_step_end', 'number'],
  ['started_at', 'datetime'],
  ['ended_at', 'datetime'],
  ['deleted_at', 'datetime'],
]);

export const CALL_JSON_COLUMNS: ReadonlySet<string> = new Set(['inputs', 'output', 'attributes', 'summary']);

/**
 * `summary.weave.*` fields computed on read (docs/protocol.md §4.2), and weft's two for usage
 * (§17.5): the call's tokens over all models and its priced cost.
 */
const DERIVED: ReadonlyMap<string, 'text' | 'number'> = new Map([
  ['status', 'text'],
  ['latency_ms', 'number'],
  ['trace_name', 'text'],
  ['total_tokens', 'number'],
  ['total_cost', 'number'],
]);

/** What a feedback field may read of the feedback row, besides `payload.<path>`. */
const FEEDBACK_ROW_FIELDS: ReadonlySet<string> = new Set([
  'runnable_ref',
  'trigger_ref',
  'call_ref',
  'annotation_ref',
  'creator',
  'wb_user_id',
]);

/**
 * `feedback.[<type>].payload.<path>` and `feedback.[<type>].runnable_ref` (docs/query-language.md,
 * "Feedback"): the bracketed type is taken whole, dots included; `*` is any type.
 */
function resolveFeedbackField(path: string): QueryField {
  const close = path.indexOf(']', 'feedback.['.length);
  const feedbackType = close < 0 ? '' : path.slice('feedback.['.length, close);
  const rest = close < 0 ? '' : path.slice(close + 1);
  if (!feedbackType || !rest.startsWith('.')) {
    throw new InvalidFieldError(
      `${JSON.stringify(path)} is not a feedback field: write feedback.[<type>].payload.<path> or feedback.[<type>].runnable_ref`,
    );
  }
  const [first, ...inner] = splitFieldPath(rest.slice(1)) as [string, ...string[]];
  if (first === 'payload') {
    return { kind: 'json', column: 'feedback', feedbackType, path: ['payload', ...jsonPathParts(inner)] };
  }
  if (inner.length === 0 && FEEDBACK_ROW_FIELDS.has(first)) {
    return { kind: 'json', column: 'feedback', feedbackType, path: [first] };
  }
  throw new InvalidFieldError(
    `${JSON.stringify(path)}: a feedback field reads payload.<path> or one of ${[...FEEDBACK_ROW_FIELDS].join(', ')}`,
  );
}

/** Resolves a call field path, or throws: 422 for unknown fields, 501 for ones weft lacks yet. */
export function resolveCallField(path: string): QueryField {
  if (path.startsWith('feedback.[')) return resolveFeedbackField(path);
  const parts = splitFieldPath(path);
  const [root, ...rest] = parts as [string, ...string[]];
  if (rest.length === 0) {
    const type = COLUMN_TYPES.get(root);
    if (type) return { kind: 'column', column: root, type };
  }
  if (CALL_JSON_COLUMNS.has(root)) {
    if (root === 'summary' && rest[0] === 'weave') {
      const derivedType = rest.length === 2 ? DERIVED.get(rest[1] as string) : undefined;
      if (!derivedType) {
        throw new InvalidFieldError(
          `${JSON.stringify(path)} is not a field: the derived fields are summary.weave.status, summary.weave.latency_ms, summary.weave.trace_name, summary.weave.total_tokens and summary.weave.total_cost`,
        );
      }
      return { kind: 'derived', name: rest[1] as string, type: derivedType };
    }
    return { kind: 'json', column: root, path: jsonPathParts(rest) };
  }
  if (root === 'storage_size_bytes' || root === 'total_storage_size_bytes') {
    throw new InvalidFieldError(`${root} cannot be used in queries or sorting`);
  }
  if (root === 'annotation_queue_items') {
    throw new NotImplemented(`querying ${JSON.stringify(path)} is not supported by this server yet`);
  }
  throw new InvalidFieldError(`unknown call field ${JSON.stringify(path)}`);
}
