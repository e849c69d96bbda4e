/**
 * `GET /weft/projects` (docs/protocol.md §13.1) on the real `weft serve`: projects written to
 * through the trace routes or registered over GraphQL, with live counts, newest activity first.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { batchItemBuilders } from '../../../test/support/batch-items.js';
import {
  postJson,
  removeDataDir,
  startWeftServer,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';

let server: WeftServerProcess;

beforeAll(async () => {
  server = await startWeftServer();
});

afterAll(async () => {
  await server?.stop();
  removeDataDir(server?.dataDir);
});

async function writeCalls(project: string, startedAt: readonly string[]): Promise<string[]> {
  const { uniqueId, start, end } = batchItemBuilders(project);
  const ids = startedAt.map(() => uniqueId('call'));
  const batch = ids.flatMap((id, index) => [start(id, { started_at: startedAt[index] }), end(id)]);
  const res = await postJson(server.url, '/call/upsert_batch', { batch });
  expect(res.status).toBe(200);
  return ids;
}

it('lists each project with its live calls and objects, newest activity first', async () => {
  // Calls in the far future are newer than any object created now, and calls long past older.
  await writeCalls('acme/newest', ['2099-01-01T00:00:00Z', '2098-06-01T00:00:00Z']);
  await writeCalls('acme/with-object', ['2020-01-01T00:00:00Z']);
  const created = await postJson(server.url, '/obj/create', {
    obj: { project_id: 'acme/with-object', object_id: 'prompt', val: { text: 'hi' } },
  });
  expect(created.status).toBe(200);
  // Its newest call is deleted: neither counted nor its activity.
  const [, deleted] = await writeCalls('beta/deletions', ['2021-01-01T00:00:00Z', '2098-12-31T00:00:00Z']);
  const removed = await postJson(server.url, '/calls/delete', {
    project_id: 'beta/deletions',
    call_ids: [deleted],
  });
  expect(removed.status).toBe(200);
  // Known only because weave.init named it over GraphQL.
  const registered = await postJson(server.url, '/graphql', {
    query:
      'query Project($name: String!, $entityName: String!) { project(name: $name, entityName: $entityName) { name } }',
    variables: { name: 'registered-only', entityName: 'gamma' },
  });
  expect(registered.status).toBe(200);

  const res = await fetch(`${server.url}/weft/projects`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const { projects } = (await res.json()) as { projects: Array<Record<string, unknown>> };
  expect(projects.map((project) => project.project_id)).toEqual([
    'acme/newest',
    'acme/with-object',
    'beta/deletions',
    'gamma/registered-only',
  ]);
  expect(projects[0]).toEqual({
    project_id: 'acme/newest',
    entity: 'acme',
    name: 'newest',
    calls: 2,
    objects: 0,
    last_activity: '2099-01-01T00:00:00.000000Z',
  });
  expect(projects[1]).toMatchObject({ entity: 'acme', name: 'with-object', calls: 1, objects: 1 });
  // The object's creation, stamped by the server just now, is the project's newest activity.
  const objectCreated = Date.parse(projects[1]?.last_activity as string);
  expect(Math.abs(objectCreated - Date.now())).toBeLessThan(60_000);
  expect(projects[2]).toEqual({
    project_id: 'beta/deletions',
    entity: 'beta',
    name: 'deletions',
    calls: 1,
    objects: 0,
    last_activity: '2021-01-01T00:00:00.000000Z',
  });
  expect(projects[3]).toEqual({
    project_id: 'gamma/registered-only',
    entity: 'gamma',
    name: 'registered-only',
    calls: 0,
    objects: 0,
    last_activity: null,
  });
});
