/**
 * `POST /graphql`: the part of W&B's GraphQL API that the Python SDK needs at `weave.init`
 * (docs/protocol.md, "GraphQL"): the viewer and its default entity, and projects looked up or
 * created by name. The client re-prints its documents, so they are parsed and executed against
 * a small schema rather than matched as text; anything the schema lacks is answered the GraphQL
 * way, a 200 whose `errors` say what is unknown.
 */
import { Forbidden, GraphqlReq, type GraphqlRes, ProtocolError } from '@weft/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  buildSchema,
  execute,
  type GraphQLError,
  GraphQLError as GraphQLErrorClass,
  parse,
  Source,
  validate,
} from 'graphql';
import type { ProjectsService } from '../../service/projects-service.js';
import { requireProject } from '../access/access-control.js';

const SCHEMA = buildSchema(`
  type Query {
    "The caller: the API key's user, or the local user of a server without keys."
    viewer: User
    "A project by name, registered on first mention. entityName defaults to the server's default entity."
    project(name: String!, entityName: String): Project
  }

  type Mutation {
    "Creates the project if needed (W&B calls projects models here)."
    upsertModel(input: UpsertModelInput!): UpsertModelPayload
  }

  type User {
    id: ID!
    username: String!
    name: String!
    defaultEntity: Entity!
  }

  type Entity {
    id: ID!
    name: String!
  }

  type Project {
    id: ID!
    name: String!
    entityName: String!
    description: String
    createdAt: String!
  }

  input UpsertModelInput {
    id: String
    name: String
    entityName: String
    description: String
    repo: String
  }

  type UpsertModelPayload {
    model: Project
    inserted: Boolean
  }
`);

/** Documents longer than this many tokens are refused before they are parsed whole. */
const MAX_TOKENS = 2_000;

interface ProjectArgs {
  name: string;
  entityName?: string | null;
}

interface UpsertModelArgs {
  input: { name?: string | null; entityName?: string | null };
}

export function registerGraphqlRoutes(app: FastifyInstance, projects: ProjectsService): void {
  const projectView = async (request: FastifyRequest, entity: string | null | undefined, name: string) => {
    const owner = projects.entityOf(entity, request.principal);
    // Checked before the project is looked up or registered: the answer tells nothing about it.
    requireProject(request, `${owner}/${name}`, 'read');
    const project = await projects.ensureProject(owner, name);
    return {
      id: `${project.entity}/${project.name}`,
      name: project.name,
      entityName: project.entity,
      description: null,
      createdAt: new Date(project.created_at / 1000).toISOString(),
    };
  };
  const rootValue = {
    viewer: (_args: unknown, request: FastifyRequest) => {
      const viewer = projects.viewer(request.principal);
      return {
        id: viewer.username,
        username: viewer.username,
        name: viewer.username,
        defaultEntity: { id: viewer.defaultEntity, name: viewer.defaultEntity },
      };
    },
    project: (args: ProjectArgs, request: FastifyRequest) => projectView(request, args.entityName, args.name),
    upsertModel: async (args: UpsertModelArgs, request: FastifyRequest) => {
      const { name, entityName } = args.input;
      if (!name) throw new GraphQLErrorClass('upsertModel needs input.name');
      return { model: await projectView(request, entityName, name), inserted: true };
    },
  };

  app.post<{ Body: GraphqlReq }>(
    '/graphql',
    { schema: { body: GraphqlReq } },
    async (request): Promise<GraphqlRes> => {
      const { query, variables, operationName } = request.body;
      let document: ReturnType<typeof parse>;
      try {
        document = parse(new Source(query, 'request'), { maxTokens: MAX_TOKENS });
      } catch (error) {
        return { errors: [errorView(error as GraphQLError)] };
      }
      const invalid = validate(SCHEMA, document);
      if (invalid.length > 0) return { errors: invalid.map(errorView) };
      const result = await execute({
        schema: SCHEMA,
        document,
        rootValue,
        contextValue: request,
        variableValues: variables ?? null,
        operationName: operationName ?? null,
      });
      // A project the key may not use is the request's 403, as on every other route, not a
      // GraphQL error beside partial data.
      const forbidden = result.errors?.find((error) => error.originalError instanceof Forbidden);
      if (forbidden) throw forbidden.originalError;
      return {
        data: (result.data as Record<string, unknown> | null | undefined) ?? null,
        ...(result.errors ? { errors: result.errors.map(errorView) } : {}),
      };
    },
  );
}

/** A resolver's protocol error keeps its reason; GraphQL's own errors keep their message and path. */
function errorView(error: GraphQLError): { message: string; path?: ReadonlyArray<string | number> } {
  const original = error.originalError;
  const message = original instanceof ProtocolError ? original.message : error.message;
  return error.path ? { message, path: error.path } : { message };
}
