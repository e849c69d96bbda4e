/**
 * Small builders the contract suite uses to write and read calls through any TraceStore. Timestamps
 * are integer µs since the epoch; JSON fields are JSON text, as the interface carries them.
 */
import {
  CALL_COLUMNS,
  type CallEndPart,
  type CallStartPart,
  type CallsQuery,
  type CallsStatsQuery,
  type CallUpsert,
  type StoredCall,
  type StoredFeedback,
  type TraceStore,
} from '../trace-store.js';

/** The store a contract test runs against; a fresh one per test. */
export interface StoreUnderTest {
  readonly store: TraceStore;
}

export const PROJECT = 'contract/alpha';
export const OTHER_PROJECT = 'contract/beta';

export const MS = 1_000;
export const SECOND = 1_000 * MS;
/** 2026-01-01T00:00:00Z in µs. */
export const T0 = Date.UTC(2026, 0, 1) * MS;

export function opRef(name: string, version = 'v1', project = PROJECT): string {
  return `weave:///${project}/op/${name}:${version}`;
}

export function startPart(id: string, overrides: Partial<CallStartPart> = {}): CallStartPart {
  return {
    trace_id: 'trace-1',
    parent_id: null,
    op_name: opRef('step'),
    display_name: null,
    thread_id: null,
    turn_id: null,
    started_at: T0,
    attributes_json: '{"weave":{"source":"contract"}}',
    inputs_json: JSON.stringify({ call: id }),
    otel_dump_json: null,
    wb_user_id: null,
    wb_run_id: null,
    wb_run_step: null,
    ...overrides,
  };
}

export function endPart(overrides: Partial<CallEndPart> = {}): CallEndPart {
  return {
    ended_at: T0 + SECOND,
    exception: null,
    output_json: '"done"',
    summary_json: '{}',
    summary_reports_error: false,
    wb_run_step_end: null,
    display_name: null,
    ...overrides,
  };
}

/** A call's start part alone. */
export function started(id: string, start: Partial<CallStartPart> = {}, project = PROJECT): CallUpsert {
  return { project_id: project, id, start: startPart(id, start) };
}

/** A call's end part alone. */
export function ended(id: string, end: Partial<CallEndPart> = {}, project = PROJECT): CallUpsert {
  return { project_id: project, id, end: endPart(end) };
}

/** Both parts of a call in one upsert; it ends a second after it starts unless told otherwise. */
export function finished(
  id: string,
  start: Partial<CallStartPart> = {},
  end: Partial<CallEndPart> = {},
  project = PROJECT,
): CallUpsert {
  const startedAt = start.started_at ?? T0;
  return {
    project_id: project,
    id,
    start: startPart(id, { started_at: startedAt, ...start }),
    end: endPart({ ended_at: startedAt + SECOND, ...end }),
  };
}

/** A failing end part's fields. */
export const FAILS: Partial<CallEndPart> = { exception: 'ValueError: boom', output_json: null };

export function callsQuery(overrides: Partial<CallsQuery> = {}): CallsQuery {
  return {
    project_id: PROJECT,
    filter: {},
    query: null,
    sort_by: [{ field: 'started_at', direction: 'asc' }],
    limit: null,
    offset: 0,
    columns: CALL_COLUMNS,
    ...overrides,
  };
}

export function countQuery(overrides: Partial<CallsStatsQuery> = {}): CallsStatsQuery {
  return { project_id: PROJECT, filter: {}, query: null, limit: null, ...overrides };
}

export async function collect(store: TraceStore, overrides: Partial<CallsQuery> = {}): Promise<StoredCall[]> {
  const calls: StoredCall[] = [];
  for await (const call of store.queryCalls(callsQuery(overrides))) calls.push(call);
  return calls;
}

export async function idsOf(store: TraceStore, overrides: Partial<CallsQuery> = {}): Promise<string[]> {
  return (await collect(store, overrides)).map((call) => call.id);
}

export function readFull(store: TraceStore, id: string, project = PROJECT): Promise<StoredCall | undefined> {
  return store.readCall(project, id, CALL_COLUMNS);
}

/** `id → has_failed_descendant` for every live call of the project. */
export async function failedDescendantFlags(
  store: TraceStore,
  project = PROJECT,
): Promise<Record<string, boolean>> {
  const flags: Record<string, boolean> = {};
  for (const call of await collect(store, { project_id: project })) {
    flags[call.id] = call.has_failed_descendant === true;
  }
  return flags;
}

/**
 * A tree with a sibling beside each level:
 * root ─┬─ a ─┬─ b ─┬─ c
 *       │     │     └─ c-sibling
 *       │     └─ b-sibling
 *       └─ a-sibling
 * Listed parents first; started_at grows down the list.
 */
export const TREE: ReadonlyArray<readonly [id: string, parent: string | null]> = [
  ['root', null],
  ['a', 'root'],
  ['a-sibling', 'root'],
  ['b', 'a'],
  ['b-sibling', 'a'],
  ['c', 'b'],
  ['c-sibling', 'b'],
];

function treeStart(id: string, parent: string | null): Partial<CallStartPart> {
  const index = TREE.findIndex(([treeId]) => treeId === id);
  return { trace_id: 'tree', parent_id: parent, started_at: T0 + Math.max(index, 0) * MS };
}

/** The tree's calls, each finished in one upsert; the listed calls fail. */
export function finishedTree(failing: readonly string[] = []): CallUpsert[] {
  return TREE.map(([id, parent]) => treeCall(id, parent, failing.includes(id)));
}

export function treeCall(id: string, parent: string | null, fails = false): CallUpsert {
  return finished(id, treeStart(id, parent), fails ? FAILS : {});
}

export function treeStarted(id: string, parent: string | null): CallUpsert {
  return started(id, treeStart(id, parent));
}

export function parseJson(text: string | null | undefined): unknown {
  return text == null ? text : JSON.parse(text);
}

/** A note on a call of PROJECT, as a client's `wandb.note.1` feedback row is stored. */
export function note(id: string, callId: string): StoredFeedback {
  return {
    project_id: PROJECT,
    id,
    weave_ref: `weave:///${PROJECT}/call/${callId}`,
    call_id: callId,
    creator: null,
    feedback_type: 'wandb.note.1',
    payload_json: '{"note":"n"}',
    annotation_ref: null,
    runnable_ref: null,
    call_ref: null,
    trigger_ref: null,
    wb_user_id: null,
    created_at: T0,
  };
}
