import { formatTimestampMicros } from '@weft/protocol/datetime';
import { describe, expect, it } from 'vitest';
import { Call } from '../tracing/call.js';
import {
  asUpsertRequest,
  buildRequests,
  type CallRequest,
  refusedParts,
  splitRequest,
} from './call-requests.js';

const ATTRIBUTES = Object.freeze({
  weave: Object.freeze({ client_version: '0.1.0', source: 'weft-js-sdk' }),
});
const START = 1_764_720_000_123_456;

let serial = 0;

/** A call as the client leaves it in the queue: started, and ended unless `running`. */
function queued(
  options: { running?: boolean; project?: string; parent?: Call; output?: unknown } = {},
): Call {
  serial += 1;
  const id = `0190a000-0000-7000-8000-${String(serial).padStart(12, '0')}`;
  const call = new Call({
    id,
    project_id: options.project ?? 'tests/requests',
    op_name: 'weave:///tests/requests/op/step:abc',
    trace_id: options.parent?.trace_id ?? id,
    parent_id: options.parent?.id ?? null,
    display_name: serial % 2 === 0 ? `step "${serial}"` : null,
    attributes: ATTRIBUTES,
    inputs: { n: serial, text: 'ünïcödé' },
    startedAtMicros: START + serial,
  });
  if (!options.running) {
    call.output = options.output ?? { value: serial };
    call.summary = { status_counts: { success: 1, error: 0 } };
    call._endedAtMicros = START + serial + 500;
    call._endQueued = true;
  }
  return call;
}

const build = (calls: Call[], complete = true) =>
  buildRequests(calls, { complete, bytesHint: 0, onError: (error) => expect.fail(String(error)) });

const KIND_NAMES = ['complete', 'start', 'end'];
const kindsOf = (request: CallRequest) => Array.from(request.kinds, (kind) => KIND_NAMES[kind]);

const batchOf = (request: CallRequest) =>
  (JSON.parse(request.body.toString('utf8')) as { batch: Array<Record<string, unknown>> }).batch;

/** What a start and an end item hold, as objects. */
function startOf(call: Call) {
  return {
    project_id: call.project_id,
    id: call.id,
    trace_id: call.trace_id,
    op_name: call.op_name,
    started_at: formatTimestampMicros(call._startedAtMicros),
    ...(call.parent_id ? { parent_id: call.parent_id } : {}),
    ...(call.display_name ? { display_name: call.display_name } : {}),
    attributes: call.attributes,
    inputs: call.inputs,
  };
}

function endOf(call: Call) {
  return {
    project_id: call.project_id,
    id: call.id,
    ended_at: formatTimestampMicros(call._endedAtMicros as number),
    output: call.output,
    summary: call.summary,
  };
}

describe('buildRequests', () => {
  it('sends ended calls as complete items and running calls as starts, ends of earlier starts as ends', () => {
    const parent = queued({ running: true });
    const children = [queued({ parent }), queued({ parent })];
    const earlier = queued();
    earlier._startTaken = true; // its start went out in an earlier batch
    const requests = build([parent, ...children, earlier]);

    expect(requests.map((request) => [request.route, kindsOf(request), request.parts])).toEqual([
      ['upsert', ['start', 'end'], 2],
      ['complete', ['complete', 'complete'], 4],
    ]);
    const [upsert, complete] = requests as [CallRequest, CallRequest];
    expect(batchOf(upsert)).toEqual([
      { mode: 'start', req: { start: startOf(parent) } },
      { mode: 'end', req: { end: endOf(earlier) } },
    ]);
    expect(batchOf(complete)).toEqual(children.map((child) => ({ ...startOf(child), ...endOf(child) })));
    expect(complete.projectId).toBe('tests/requests');
    // Each part is taken once.
    expect([parent, ...children, earlier].every((call) => call._startTaken)).toBe(true);
    expect(build([parent, ...children, earlier])).toEqual([]);
  });

  it('makes one complete request per project', () => {
    const calls = [queued(), queued({ project: 'tests/other' }), queued()];
    const requests = build(calls);
    expect(requests.map((request) => [request.projectId, batchOf(request).map((item) => item.id)])).toEqual([
      ['tests/requests', [calls[0]?.id, calls[2]?.id]],
      ['tests/other', [calls[1]?.id]],
    ]);
  });

  it('skips a call that cannot be encoded and keeps the others whole', () => {
    const calls = [queued(), queued({ output: { big: 10n } }), queued()];
    const errors: unknown[] = [];
    const [request] = buildRequests(calls, {
      complete: true,
      bytesHint: 0,
      onError: (error) => errors.push(error),
    });
    expect(errors).toHaveLength(1);
    expect(request?.parts).toBe(4);
    expect(batchOf(request as CallRequest).map((item) => item.id)).toEqual([calls[0]?.id, calls[2]?.id]);
  });
});

describe('splitting and rewriting requests', () => {
  it('halves a request into requests with the same items and parts', () => {
    const [request] = build([queued(), queued(), queued(), queued(), queued()]) as [CallRequest];
    const halves = splitRequest(request) as CallRequest[];
    expect(halves.map((half) => half.count)).toEqual([3, 2]);
    expect(halves.flatMap(batchOf)).toEqual(batchOf(request));
    expect(halves.reduce((parts, half) => parts + half.parts, 0)).toBe(request.parts);
    // A half can be halved again, down to one item.
    const quarters = splitRequest(halves[0] as CallRequest) as CallRequest[];
    expect(quarters.flatMap(batchOf)).toEqual(batchOf(halves[0] as CallRequest));
  });

  it('splits a single complete item into its start and its end, as /call/upsert_batch items', () => {
    const call = queued();
    const [request] = build([call]) as [CallRequest];
    const [start, end] = splitRequest(request) as [CallRequest, CallRequest];
    expect([start.route, kindsOf(start), end.route, kindsOf(end)]).toEqual([
      'upsert',
      ['start'],
      'upsert',
      ['end'],
    ]);
    expect(batchOf(start)).toEqual([{ mode: 'start', req: { start: startOf(call) } }]);
    expect(batchOf(end)).toEqual([{ mode: 'end', req: { end: endOf(call) } }]);
    expect(splitRequest(start)).toBeUndefined();
  });

  it('rewrites a complete request as the bytes /call/upsert_batch would have been sent', () => {
    const calls = [queued(), queued(), queued()];
    const [complete] = build(calls) as [CallRequest];
    for (const call of calls) {
      call._startTaken = false;
      call._endTaken = false;
    }
    const [upsert] = build(calls, false) as [CallRequest];
    const rewritten = asUpsertRequest(complete);
    expect(rewritten.body.toString('utf8')).toBe(upsert.body.toString('utf8'));
    expect([kindsOf(rewritten), rewritten.parts]).toEqual([kindsOf(upsert), upsert.parts]);
  });
});

describe('refusedParts', () => {
  it('counts a refused complete item as two parts, a start or end as one', () => {
    const parent = queued({ running: true });
    const [upsert, complete] = build([parent, queued({ parent }), queued({ parent })]) as CallRequest[];
    expect(refusedParts(complete as CallRequest, [0, 1])).toBe(4);
    expect(refusedParts(upsert as CallRequest, [0])).toBe(1);
  });
});
