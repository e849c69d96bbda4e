/**
 * Weave's "Use Call summary" example in weft: write custom metrics into a call's summary while it
 * runs, then read them back with getCall and with getCalls filtered by op.
 *
 *   npm start                                  # in another terminal: the trace server
 *   npx tsx examples/summary-metrics.ts
 *
 * The server is http://127.0.0.1:6345 unless WF_TRACE_SERVER_URL says otherwise.
 */
import * as weft from 'weft';

const client = weft.init('my-team/my-project');

const myOp = weft.op(function myOp(x: number) {
  const result = x * 2;
  const call = weft.getCurrentCall();
  if (call) {
    // Custom keys sit at the top level of the summary.
    call.summary.accuracy = 0.95;
    call.summary.num_retries = 2;
  }
  return result;
});

const [result, liveCall] = myOp.invoke(21);
console.log('result', result);

// Fetch a single call by id.
const call = await client.getCall(liveCall!.id);
const weaveSummary = (call.summary.weave ?? {}) as Record<string, unknown>;
console.log('status', weaveSummary.status); // success, error, running or descendant_error
console.log('latency_ms', weaveSummary.latency_ms); // null while the call is still running
console.log('costs', weaveSummary.costs); // per-model costs once prices are known
console.log('usage', call.summary.usage); // raw token counts from LLM providers
console.log('accuracy', call.summary.accuracy);

// Iterate over calls with server-side filtering: every version of myOp.
for await (const c of client.getCalls({ filter: { op_names: ['weave:///my-team/my-project/op/myOp:*'] } })) {
  const summary = c.summary;
  const weave = (summary.weave ?? {}) as Record<string, unknown>;
  console.log(c.id, weave.status, weave.latency_ms, summary.accuracy, summary.num_retries);
}
