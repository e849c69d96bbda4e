/**
 * What an id of a call, trace, parent or feedback row is (docs/protocol.md §1.2): a UUID of any
 * version in its 8-4-4-4-12 form (Weave's clients send UUIDv7), or an OpenTelemetry span id (16
 * hex digits) or trace id (32), either case. Anything else is a client mistake, refused with
 * `ID_DESCRIPTION`. No imports: the SDK and the web UI check ids with this module alone.
 */
export const ID_PATTERN =
  '^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{16}|[0-9a-fA-F]{32})$';

export const ID_DESCRIPTION = 'a UUID (8-4-4-4-12 hex digits) or an OpenTelemetry id (16 or 32 hex digits)';

const ID_REGEX = new RegExp(ID_PATTERN);

/** Whether `value` is an id as `ID_PATTERN` defines it. */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_REGEX.test(value);
}
