/**
 * The GraphQL request the Python SDK sends to `<WANDB_BASE_URL>/graphql` at `weave.init`
 * (docs/protocol.md, "GraphQL"): a document, its variables, optionally the operation to run.
 */
import { type Static, Type } from '@sinclair/typebox';
import { JsonObject, Nullable } from './schema-helpers.js';

/** Far above any document a client sends; bounds what the parser is asked to read. */
export const MAX_GRAPHQL_DOCUMENT_LENGTH = 64 * 1024;

export const GraphqlReq = Type.Object({
  query: Type.String({ minLength: 1, maxLength: MAX_GRAPHQL_DOCUMENT_LENGTH }),
  variables: Type.Optional(Nullable(JsonObject)),
  operationName: Type.Optional(Nullable(Type.String())),
});
export type GraphqlReq = Static<typeof GraphqlReq>;

/** GraphQL's response: errors travel in the body, with a 200, as clients of `application/json` expect. */
export interface GraphqlRes {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; path?: ReadonlyArray<string | number> }>;
}
