import { randomUUID } from 'node:crypto';

/**
 * UUIDv7 ids (RFC 9562) for calls and traces, as Weave clients send them. The 12 `rand_a` bits
 * carry the sub-millisecond fraction (RFC 9562 §6.2, method 3), so ids from one process sort in
 * the order their calls started; the random tail comes from node's pooled randomUUID(), which is
 * about ten times cheaper than generating the random bytes per id.
 */
let lastMs = 0;
let lastSub = -1;

export function newId(timeMs: number): string {
  let ms = Math.floor(timeMs);
  let sub = Math.floor((timeMs - ms) * 4096);
  if (ms < lastMs || (ms === lastMs && sub <= lastSub)) {
    ms = lastMs;
    sub = lastSub + 1;
    if (sub > 0xfff) {
      ms += 1;
      sub = 0;
    }
  }
  lastMs = ms;
  lastSub = sub;
  const time = ms.toString(16).padStart(12, '0');
  // randomUUID(): xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx; keep its variant and random tail.
  return `${time.slice(0, 8)}-${time.slice(8)}-7${sub.toString(16).padStart(3, '0')}${randomUUID().slice(18)}`;
}
