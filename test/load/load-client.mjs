// One client of the load run (test/load/run-load.ts): logs traces through the built `weft` SDK
// (a parent op with four children, every tenth child failing) until it has made its number of
// calls or its time is up, flushes, and prints what it made and what its client counted. It makes
// calls as fast as the server takes them: past a backlog of unsent parts it waits for the backlog
// to shrink, as an application that must not lose traces would (the SDK drops, and counts, what
// does not fit its bounded queue).
import { init, op } from 'weft';

const maxCalls = Number(process.env.WEFT_LOAD_CALLS);
const until = Date.now() + Number(process.env.WEFT_LOAD_SECONDS) * 1000;
const client = init(process.env.WEFT_LOAD_PROJECT, { serverUrl: process.env.WEFT_LOAD_URL });

let made = 0;
const child = op(function step(n) {
  if (n % 10 === 9) throw new Error(`step ${n} failed`);
  return { n, text: `result of step ${n}` };
});
const trace = op(async function handleRequest(request) {
  for (let i = 0; i < 4; i++) {
    try {
      child(request * 4 + i);
    } catch {
      // A failing step is part of the load.
    }
  }
  return { request, ok: true };
});

const BACKLOG_HIGH = 20_000;
const BACKLOG_LOW = 5_000;
while (made + 5 <= maxCalls && Date.now() < until) {
  await trace(made);
  made += 5;
  // Yield to the event loop now and then, as a real application does between requests.
  if (made % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
  if (client.stats.pendingItems > BACKLOG_HIGH) {
    while (client.stats.pendingItems > BACKLOG_LOW) await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
await client.flush();
console.log(JSON.stringify({ made, stats: client.stats }));
