import { type TSchema, Type } from '@sinclair/typebox';
import { ID_PATTERN } from './ids.js';

export { ID_DESCRIPTION, ID_PATTERN, isId } from './ids.js';

/** `T | null`: Weave's optional fields are sent as null as often as they are left out. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Any JSON object (inputs, attributes, summary): validated as an object, typed as a record. */
export const JsonObject = Type.Unsafe<Record<string, unknown>>({ type: 'object' });

/** Any JSON value (outputs). */
export const JsonValue = Type.Unknown();

/** `entity/project`, the only project id form Weave clients send (docs/protocol.md §1.2). */
export const PROJECT_ID_PATTERN = '^[^/]+/[^/]+$';
export const ProjectId = Type.String({ minLength: 3, maxLength: 512, pattern: PROJECT_ID_PATTERN });

/** Call, trace, parent and feedback ids: UUIDs or OpenTelemetry ids (ids.ts). */
export const Id = Type.String({ pattern: ID_PATTERN });

/** An ISO-8601 timestamp; parsed (and rejected with a clear reason) by the server's ingestion. */
export const Timestamp = Type.String({ minLength: 1, maxLength: 64 });

/** Limits and offsets beyond this are refused rather than handed to the database as floats. */
export const MAX_PAGE_BOUND = 2 ** 31 - 1;

/**
 * A query's `limit`. Below 1 is refused by the server with a reason of its own (`limit must be at
 * least 1`, docs/protocol.md §1.5) rather than here, where the reason would be Ajv's words for a
 * failed union; Weave read 0 and below as "no limit", which made a typo read everything.
 */
export const PageLimit = Type.Integer({ maximum: MAX_PAGE_BOUND });

/** Weave's per-list cap for filters and deletes (docs/protocol.md §1.5). */
export const MAX_LIST_LENGTH = 1000;

export const IdList = Type.Array(Id, { maxItems: MAX_LIST_LENGTH });
export const StringList = Type.Array(Type.String(), { maxItems: MAX_LIST_LENGTH });
