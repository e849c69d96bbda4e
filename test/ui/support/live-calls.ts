/**
 * Calls logged over HTTP while a page is open, for the tests of live updates: a project of its
 * own, a trace whose root is left running, and the requests that end it and add to it.
 */
import { expect } from 'vitest';
import { batchItemBuilders } from '../../support/batch-items.js';
import { postJson } from '../../support/weft-server.js';

export interface LiveProject {
  entity: string;
  project: string;
  /** The root, started and not ended. */
  rootId: string;
  /** A child of the root that has finished. */
  firstChildId: string;
  /** Ends the root and adds a child that started after the page was opened (`laterChildId`). */
  finish(): Promise<void>;
  laterChildId: string;
  /** Logs a new finished trace, newer than the running one; returns its root's id. */
  addTrace(): Promise<string>;
}

export async function startLiveProject(serverUrl: string, name: string): Promise<LiveProject> {
  const entity = 'ui-tests';
  const projectId = `${entity}/${name}`;
  const { uniqueId, start, end, complete } = batchItemBuilders(projectId);
  const t0 = Date.now() - 60_000;
  const at = (ms: number) => new Date(t0 + ms).toISOString();
  const op = (opName: string) => `weave:///${projectId}/op/${opName}:live0digest`;
  const rootId = uniqueId('live-root');
  const traceId = uniqueId('live-trace');
  const firstChildId = uniqueId('live-child');
  const laterChildId = uniqueId('live-later-child');
  const send = async (path: string, body: unknown) => {
    const res = await postJson(serverUrl, path, body);
    expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
  };
  const child = (id: string, startMs: number) =>
    complete(id, {
      trace_id: traceId,
      parent_id: rootId,
      op_name: op('live_step'),
      started_at: at(startMs),
      ended_at: at(startMs + 500),
    });
  await send('/call/upsert_batch', {
    batch: [start(rootId, { trace_id: traceId, op_name: op('live_job'), started_at: at(0) })],
  });
  await send(`/v2/${projectId}/calls/complete`, { batch: [child(firstChildId, 1_000)] });
  return {
    entity,
    project: name,
    rootId,
    firstChildId,
    laterChildId,
    async finish() {
      await send(`/v2/${projectId}/calls/complete`, { batch: [child(laterChildId, 30_000)] });
      await send('/call/upsert_batch', { batch: [end(rootId, { ended_at: at(45_000), output: 'done' })] });
    },
    async addTrace() {
      const id = uniqueId('live-new-root');
      await send(`/v2/${projectId}/calls/complete`, {
        batch: [
          complete(id, {
            trace_id: uniqueId('live-new-trace'),
            op_name: op('live_job'),
            started_at: at(50_000),
            ended_at: at(51_000),
          }),
        ],
      });
      return id;
    },
  };
}
