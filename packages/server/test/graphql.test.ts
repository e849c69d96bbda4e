/**
 * `POST /graphql` as the Python SDK's `weave.init` uses it, on the real `weft serve`: the
 * documents it sends (re-printed, as its GraphQL client does), projects registered on first
 * mention and echoed exactly, the default entity from `--default-entity`, and the GraphQL way of
 * answering what weft does not serve.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  postJson,
  removeDataDir,
  SERVERS_ON_CHDB,
  startWeftServer,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';
import { SqliteTraceStore } from '../src/storage/sqlite/sqlite-trace-store.js';

let server: WeftServerProcess;

interface GraphqlResponse {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: Array<{ message: string }>; reason?: string };
}

function graphql(body: unknown, options: { contentType?: string | null } = {}) {
  return postJson(server.url, '/graphql', body, options) as Promise<GraphqlResponse>;
}

// The documents of the Python SDK (weave 0.54), laid out differently from its source, as its
// GraphQL client prints them.
const DEFAULT_ENTITY = `query DefaultEntity {
  viewer {
    username
    defaultEntity {
      name
    }
  }
}`;
const PROJECT =
  'query Project($name: String!, $entityName: String!) { project(name: $name, entityName: $entityName) { name } }';
const UPSERT_MODEL = `mutation UpsertModel(
  $name: String!
  $id: String
  $entity: String!
  $description: String
  $repo: String
) {
  upsertModel(
    input: {id: $id, name: $name, entityName: $entity, description: $description, repo: $repo}
  ) {
    model {
      name
      description
    }
  }
}`;

beforeAll(async () => {
  server = await startWeftServer({ args: ['--default-entity', 'my-team'] });
});

afterAll(async () => {
  await server.stop();
  removeDataDir(server.dataDir);
});

describe('the operations of weave.init', () => {
  it('DefaultEntity answers the viewer and the entity given by --default-entity', async () => {
    expect(await graphql({ query: DEFAULT_ENTITY })).toEqual({
      status: 200,
      body: { data: { viewer: { username: 'local', defaultEntity: { name: 'my-team' } } } },
    });
  });

  it('Project creates an unknown project and echoes its name exactly', async () => {
    const name = 'Mixed Case – ünïcode';
    const res = await graphql({ query: PROJECT, variables: { name, entityName: 'acme' } });
    expect(res).toEqual({ status: 200, body: { data: { project: { name } } } });
    // Asked again, the same project: still the same answer.
    expect(await graphql({ query: PROJECT, variables: { name, entityName: 'acme' } })).toEqual(res);
  });

  it('UpsertModel creates the project and answers the fields the client reads', async () => {
    const res = await graphql({
      query: UPSERT_MODEL,
      variables: { name: 'made-by-upsert', entity: 'acme', description: null },
    });
    expect(res).toEqual({
      status: 200,
      body: { data: { upsertModel: { model: { name: 'made-by-upsert', description: null } } } },
    });
  });

  it('accepts a body without a Content-Type', async () => {
    const res = await graphql({ query: '{ viewer { username } }' }, { contentType: null });
    expect(res).toEqual({ status: 200, body: { data: { viewer: { username: 'local' } } } });
  });

  it('picks the operation named by operationName from a document with several', async () => {
    const res = await graphql({
      query: `${DEFAULT_ENTITY}\n${PROJECT}`,
      variables: { name: 'picked', entityName: 'acme' },
      operationName: 'Project',
    });
    expect(res).toEqual({ status: 200, body: { data: { project: { name: 'picked' } } } });
  });
});

describe('what weft does not serve', () => {
  it('answers an unknown operation with 200 and errors', async () => {
    const res = await graphql({ query: 'query ServerInfo { serverInfo { frontendHost } }' });
    expect(res.status).toBe(200);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]?.message).toMatch(/serverInfo/);
  });

  it('answers a document that does not parse with 200 and errors', async () => {
    const res = await graphql({ query: 'query {' });
    expect(res.status).toBe(200);
    expect(res.body.errors?.[0]?.message).toMatch(/Syntax Error/);
  });

  it('answers a project name with a slash with an error for that field', async () => {
    const res = await graphql({ query: PROJECT, variables: { name: 'a/b', entityName: 'acme' } });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ project: null });
    expect(res.body.errors?.[0]?.message).toBe('project name must not contain "/": "a/b"');
  });

  it('refuses a malformed body with 400 and a reason', async () => {
    for (const body of [
      '{"query": 42}',
      '{}',
      '[1]',
      'not json',
      '{"query": "{ viewer { username } }", "variables": 3}',
    ]) {
      const res = await graphql(body);
      expect(res.status, body).toBe(400);
      expect(typeof res.body.reason, body).toBe('string');
    }
  });

  it('refuses a document of too many tokens without reading it whole', async () => {
    const res = await graphql({ query: `{ ${'viewer { username } '.repeat(2000)}}` });
    expect(res.status).toBe(200);
    expect(res.body.errors?.[0]?.message).toMatch(/more that 2000 tokens/);
  });
});

describe('the projects table', () => {
  // Reads the SQLite file after the server stops; the projects contract covers ClickHouse.
  it.skipIf(SERVERS_ON_CHDB)(
    'registers every project named over GraphQL, once, with its entity',
    async () => {
      await graphql({ query: PROJECT, variables: { name: 'bare', entityName: 'my-team' } });
      await server.stop();
      const store = SqliteTraceStore.open(`${server.dataDir}/weft.db`);
      try {
        const projects = await store.listProjects();
        expect(projects.map((project) => `${project.entity}/${project.name}`)).toEqual([
          'acme/Mixed Case – ünïcode',
          'acme/made-by-upsert',
          'acme/picked',
          'my-team/bare',
        ]);
        for (const project of projects) expect(project.created_at).toBeGreaterThan(0);
      } finally {
        await store.close();
      }
    },
  );
});
