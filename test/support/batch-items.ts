/**
 * `/call/upsert_batch` items for tests of one project: a start and an end with every required
 * field, overridable, and ids unique across processes.
 */

export interface StartItem {
  mode: 'start';
  req: { start: Record<string, unknown> };
}
export interface EndItem {
  mode: 'end';
  req: { end: Record<string, unknown> };
}

export interface BatchItemBuilders {
  uniqueId(prefix: string): string;
  start(id: string, overrides?: Record<string, unknown>): StartItem;
  end(id: string, overrides?: Record<string, unknown>): EndItem;
  /** A `/v2/.../calls/complete` item: the start and the end above in one record. */
  complete(id: string, overrides?: Record<string, unknown>): Record<string, unknown>;
}

/** A start at 00:00:00.000 and an end at 00:00:01.250 (latency 1250 ms), op `step`. */
export function batchItemBuilders(project: string): BatchItemBuilders {
  let sequence = 0;
  const builders: BatchItemBuilders = {
    uniqueId(prefix) {
      sequence += 1;
      return `${prefix}-${process.pid}-${sequence}`;
    },
    start(id, overrides = {}) {
      return {
        mode: 'start',
        req: {
          start: {
            project_id: project,
            id,
            trace_id: `trace-${id}`,
            op_name: `weave:///${project}/op/step:abc`,
            started_at: '2026-01-01T00:00:00.000Z',
            attributes: {},
            inputs: { x: 1 },
            ...overrides,
          },
        },
      };
    },
    end(id, overrides = {}) {
      return {
        mode: 'end',
        req: {
          end: {
            project_id: project,
            id,
            ended_at: '2026-01-01T00:00:01.250Z',
            output: 'done',
            summary: {},
            ...overrides,
          },
        },
      };
    },
    complete(id, overrides = {}) {
      const { project_id, ...end } = builders.end(id).req.end;
      return { ...builders.start(id).req.start, ...end, project_id, ...overrides };
    },
  };
  return builders;
}
