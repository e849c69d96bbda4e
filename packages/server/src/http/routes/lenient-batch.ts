import type { TSchema } from '@sinclair/typebox';
import { type CallBatchItemError, InvalidRequest } from '@weft/protocol';
import type { FastifyRequest } from 'fastify';
import type { RejectedBatchItem } from '../../service/call-parts.js';
import { MAX_JSON_NESTING, valueNestsDeeper } from '../json-nesting.js';
import { schemaErrorMessage } from '../schema-errors.js';

/** How a route names a dropped item's call and words its reason. */
export interface LenientBatchOptions {
  /** The call id a malformed item names, if it names one, so that its error can say which call. */
  idOf(item: unknown): string | undefined;
  /** A clearer reason than Ajv's for some errors; undefined keeps Ajv's. */
  reasonFor?(error: { keyword: string; instancePath: string }, where: string): string | undefined;
}

/**
 * The items of a `{"batch": [...]}` body whose schema check was deferred (`attachValidation`):
 * all of them when the body passed, else each item checked on its own, a bad one kept in its
 * place as the reason it was dropped (`batch[3].req.start must have required property 'op_name'`).
 * Weave's SDKs resend or drop a refused batch whole, so one bad item must not cost the others.
 * A body that is not a batch at all is a client mistake with nothing worth keeping: its
 * validation error is thrown.
 */
export function lenientBatchItems<T>(
  request: FastifyRequest,
  itemSchema: TSchema,
  options: LenientBatchOptions,
): ReadonlyArray<T | RejectedBatchItem> {
  const body: unknown = request.body;
  if (request.validationError === undefined && !request.nestsTooDeep) return (body as { batch: T[] }).batch;
  const batch = isObject(body) && Array.isArray(body.batch) ? (body.batch as unknown[]) : undefined;
  if (batch === undefined) throw request.validationError ?? new InvalidRequest('expected {"batch": [...]}');
  // The route's own validator: the same Ajv options, compiled once per route.
  const validate = request.compileValidationSchema(itemSchema);
  return batch.map((item, index): T | RejectedBatchItem => {
    // Only when the body as a whole nests too deeply (docs/protocol.md §1.5): then the items that do go.
    if (request.nestsTooDeep && valueNestsDeeper(item)) {
      const id = options.idOf(item);
      return {
        rejected: `batch[${index}] nests objects and arrays deeper than ${MAX_JSON_NESTING} levels`,
        ...(id ? { id } : {}),
      };
    }
    if (validate(item)) return item as T;
    const error = validate.errors?.[0];
    const where = `batch[${index}]${(error?.instancePath ?? '').replaceAll('/', '.')}`;
    const reason =
      (error && options.reasonFor?.(error, where)) ??
      `${where} ${(error && schemaErrorMessage(error)) ?? 'is not a valid batch item'}`;
    const id = options.idOf(item);
    return { rejected: reason, ...(id ? { id } : {}) };
  });
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Dropped items are the client's problem, but an operator wants to see them: a few, once. */
export function logDroppedItems(
  request: FastifyRequest,
  route: string,
  errors: readonly CallBatchItemError[] | undefined,
  of: number,
): void {
  if (!errors) return;
  request.log.warn(
    { dropped: errors.length, of, errors: errors.slice(0, 10) },
    `${route}: dropped invalid items, stored the rest`,
  );
}
