/**
 * The SDK's added cost per traced call: the same trivial function called plainly and through
 * op(), the plain loop's time subtracted. Measured with the client connected to a real server, so
 * the background sender runs as it would in an application; the per-call CPU the process spends
 * including that sending is reported next to the inline cost.
 */
import { init, op, resetClient } from 'weft';
import { collectGarbage, elapsedMs, median, nowNs } from './stats.js';

export interface OverheadResult {
  syncUs: number;
  asyncUs: number;
  /** CPU µs per traced call in this process, including serialization and HTTP of the batches. */
  syncCpuWithSendingUs: number;
  callsPerRound: number;
  rounds: number;
}

export async function measureSdkOverhead(
  serverUrl: string,
  options: { calls: number; rounds: number },
): Promise<OverheadResult> {
  const client = init('bench/overhead', { serverUrl, batch: { maxQueueItems: 4 * options.calls + 10 } });
  const plainSync = (x: number) => x + 1;
  const tracedSync = op(function tracedSync(x: number) {
    return x + 1;
  });
  const plainAsync = async (x: number) => x + 1;
  const tracedAsync = op(async function tracedAsync(x: number) {
    return x + 1;
  });
  let sink = 0;
  const syncLoop = (fn: (x: number) => number, n: number) => {
    const start = nowNs();
    for (let i = 0; i < n; i++) sink += fn(i);
    return elapsedMs(start);
  };
  const asyncLoop = async (fn: (x: number) => Promise<number>, n: number) => {
    const start = nowNs();
    for (let i = 0; i < n; i++) sink += await fn(i);
    return elapsedMs(start);
  };

  // Warm up both paths so the JIT has settled before anything is timed.
  syncLoop(plainSync, options.calls);
  syncLoop(tracedSync, options.calls);
  await asyncLoop(plainAsync, options.calls);
  await asyncLoop(tracedAsync, options.calls);
  await client.flush();

  const sync: number[] = [];
  const asyncCosts: number[] = [];
  const cpuWithSending: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    collectGarbage();
    const plainMs = syncLoop(plainSync, options.calls);
    const cpuBefore = process.cpuUsage();
    const tracedMs = syncLoop(tracedSync, options.calls);
    await client.flush();
    const cpu = process.cpuUsage(cpuBefore);
    sync.push(((tracedMs - plainMs) * 1000) / options.calls);
    cpuWithSending.push((cpu.user + cpu.system) / options.calls - (plainMs * 1000) / options.calls);

    collectGarbage();
    const plainAsyncMs = await asyncLoop(plainAsync, options.calls);
    const tracedAsyncMs = await asyncLoop(tracedAsync, options.calls);
    await client.flush();
    asyncCosts.push(((tracedAsyncMs - plainAsyncMs) * 1000) / options.calls);
  }
  if (sink === 42) console.log('');
  if (client.stats.droppedItems > 0)
    throw new Error(`the overhead run dropped ${client.stats.droppedItems} items`);
  resetClient();
  return {
    syncUs: median(sync),
    asyncUs: median(asyncCosts),
    syncCpuWithSendingUs: median(cpuWithSending),
    callsPerRound: options.calls,
    rounds: options.rounds,
  };
}
