/**
 * The SDK's added cost per traced call: a trivial function called plainly and through op(), the
 * plain time subtracted. The client is connected to a real server, so the background sender runs
 * as it would in an application.
 *
 * - Inline cost: bursts of calls, each timed; the queue is flushed between bursts (not timed).
 *   Median over many bursts. Also one large burst, where nothing can be sent until it ends.
 * - CPU with sending: the process's CPU time over a long run at a pace the server keeps up with
 *   (a burst every 50 ms), including the final flush, per call, minus the same run with plain
 *   calls: what tracing costs the host in total (JSON encoding and HTTP included).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { init, op, resetClient } from 'weft';
import { collectGarbage, median, nowNs } from './stats.js';

export interface OverheadResult {
  burst: number;
  bursts: number;
  syncUs: number;
  asyncUs: number;
  largeBurst: number;
  syncLargeBurstUs: number;
  cpuWithSendingUs: number;
}

let sink = 0;

function timeSync(fn: (x: number) => number, calls: number): number {
  const start = nowNs();
  for (let i = 0; i < calls; i++) sink += fn(i);
  return Number(nowNs() - start) / 1000;
}

async function timeAsync(fn: (x: number) => Promise<number>, calls: number): Promise<number> {
  const start = nowNs();
  for (let i = 0; i < calls; i++) sink += await fn(i);
  return Number(nowNs() - start) / 1000;
}

function cpuMicros(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}

export async function measureSdkOverhead(
  serverUrl: string,
  options: { burst: number; bursts: number; largeBurst: number },
): Promise<OverheadResult> {
  const client = init('bench/overhead', { serverUrl, batch: { maxQueueItems: 4 * options.largeBurst + 10 } });
  const plainSync = (x: number) => x + 1;
  const tracedSync = op(function tracedSync(x: number) {
    return x + 1;
  });
  const plainAsync = async (x: number) => x + 1;
  const tracedAsync = op(async function tracedAsync(x: number) {
    return x + 1;
  });

  // Warm up every path so the JIT has settled before anything is timed.
  for (let round = 0; round < 20; round++) {
    timeSync(plainSync, options.burst);
    timeSync(tracedSync, options.burst);
    await timeAsync(plainAsync, options.burst);
    await timeAsync(tracedAsync, options.burst);
    await client.flush();
  }

  const sync: number[] = [];
  const asyncCosts: number[] = [];
  for (let round = 0; round < options.bursts; round++) {
    sync.push((timeSync(tracedSync, options.burst) - timeSync(plainSync, options.burst)) / options.burst);
    await client.flush();
    const tracedAsyncUs = await timeAsync(tracedAsync, options.burst);
    const plainAsyncUs = await timeAsync(plainAsync, options.burst);
    asyncCosts.push((tracedAsyncUs - plainAsyncUs) / options.burst);
    await client.flush();
  }

  const large: number[] = [];
  for (let round = 0; round < 5; round++) {
    collectGarbage();
    const plainUs = timeSync(plainSync, options.largeBurst);
    const tracedUs = timeSync(tracedSync, options.largeBurst);
    large.push((tracedUs - plainUs) / options.largeBurst);
    await client.flush();
  }

  // CPU over a long run in which the sender works between bursts, as in an application.
  const PACE_MS = 50;
  const calls = options.burst * options.bursts;
  collectGarbage();
  let cpu = process.cpuUsage();
  for (let done = 0; done < calls; done += options.burst) {
    timeSync(plainSync, options.burst);
    await sleep(PACE_MS);
  }
  const plainCpu = cpuMicros(cpu);
  collectGarbage();
  cpu = process.cpuUsage();
  for (let done = 0; done < calls; done += options.burst) {
    timeSync(tracedSync, options.burst);
    await sleep(PACE_MS);
  }
  await client.flush();
  const tracedCpu = cpuMicros(cpu);

  if (client.stats.droppedItems > 0)
    throw new Error(`the overhead run dropped ${client.stats.droppedItems} items`);
  if (sink === 0.5) console.log('unreachable');
  resetClient();
  return {
    burst: options.burst,
    bursts: options.bursts,
    syncUs: median(sync),
    asyncUs: median(asyncCosts),
    largeBurst: options.largeBurst,
    syncLargeBurstUs: median(large),
    cpuWithSendingUs: (tracedCpu - plainCpu) / calls,
  };
}
