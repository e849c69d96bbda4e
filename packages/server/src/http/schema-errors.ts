/**
 * Words for schema errors that Ajv would word as a regular expression. A client that sends
 * `"id": "call-1"` should read what an id is, not `must match pattern "^(?:[0-9a-fA-F]{8}-…"`.
 */

import { ID_DESCRIPTION, ID_PATTERN, PROJECT_ID_PATTERN } from '@weft/protocol';

interface SchemaError {
  keyword: string;
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** What a value failing `error` should have been, when weft knows a better word than Ajv's. */
export function schemaErrorMessage(error: SchemaError): string | undefined {
  if (error.keyword === 'pattern' && error.params?.pattern === ID_PATTERN) return `must be ${ID_DESCRIPTION}`;
  if (error.keyword === 'pattern' && error.params?.pattern === PROJECT_ID_PATTERN) {
    return 'must be "entity/project"';
  }
  return error.message;
}

/** Fastify's `schemaErrorFormatter`: its default text, with the messages above. */
export function formatSchemaErrors(errors: readonly SchemaError[], dataVar: string): Error {
  const text = errors
    .map((error) => `${dataVar}${error.instancePath} ${schemaErrorMessage(error)}`)
    .join(', ');
  return new Error(text);
}
