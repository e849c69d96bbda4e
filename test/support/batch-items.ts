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
  /**
   * A UUID unique across processes (the server refuses other ids, docs/protocol.md §1.2). The
   * prefix picks the second group, so ids of one kind share it; the last group counts up.
   */
  uniqueId(prefix: string): string;
  start(id: string, overrides?: Record<string, unknown>): StartItem;
  end(id: string, overrides?: Record<string, unknown>): EndItem;
  /** A `/v2/.../calls/complete` item: the start and the end above in one record. */
  complete(id: string, overrides?: Record<string, unknown>): Record<string, unknown>;
}

/**
 * A UUID for tests: this process in the first group, `prefix` hashed into the second, `sequence`
 * in the last, so ids are unique across processes and readable in a failure.
 */
export function testId(prefix: string, sequence: number): string {
  let hash = 0;
  for (const char of prefix) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  const pid = process.pid.toString(16).padStart(8, '0').slice(-8);
  const kind = (hash & 0xffff).toString(16).padStart(4, '0');
  return `${pid}-${kind}-4000-8000-${sequence.toString(16).padStart(12, '0')}`;
}

/**
 * Readable names for ids in a test: `id('c1')` is the same UUID every time in this process, so a
 * test can keep writing and asserting `c1` (`name(uuid)` reads it back).
 */
export function namedIds(): { id(name: string): string; name(id: string): string } {
  const byName = new Map<string, string>();
  const byId = new Map<string, string>();
  return {
    id(name) {
      let id = byName.get(name);
      if (id === undefined) {
        id = testId(`named:${name}`, byName.size + 1);
        byName.set(name, id);
        byId.set(id, name);
      }
      return id;
    },
    name: (id) => byId.get(id) ?? id,
  };
}

/** The trace id the builders give a call by default: its id as 32 hex digits (an OTel trace id). */
export function traceIdOf(id: string): string {
  return id.replaceAll('-', '');
}

/** A start at 00:00:00.000 and an end at 00:00:01.250 (latency 1250 ms), op `step`. */
export function batchItemBuilders(project: string): BatchItemBuilders {
  let sequence = 0;
  const builders: BatchItemBuilders = {
    uniqueId(prefix) {
      sequence += 1;
      return testId(prefix, sequence);
    },
    start(id, overrides = {}) {
      return {
        mode: 'start',
        req: {
          start: {
            project_id: project,
            id,
            trace_id: traceIdOf(id),
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
