import { randomFillSync } from 'node:crypto';

/**
 * UUIDv7 ids (RFC 9562) for calls and traces, as Weave clients send them. The 12 `rand_a` bits
 * carry the sub-millisecond fraction (RFC 9562 §6.2, method 3), so ids from one process sort in
 * the order their calls started; the 62 random bits come from a pooled CSPRNG buffer.
 *
 * An id is written as ASCII into a scratch buffer and read out as one flat string: no string
 * concatenation, so a queued call holds one small string per id rather than a tree of pieces.
 */
const HEX = Buffer.from('0123456789abcdef');
const scratch = Buffer.from('00000000-0000-7000-8000-000000000000', 'latin1');
const RANDOM_POOL_BYTES = 8192;
const randomPool = Buffer.allocUnsafe(RANDOM_POOL_BYTES);
let randomOffset = RANDOM_POOL_BYTES;

let lastMs = -1;
let lastSub = -1;

function writeHex(value: number, position: number): void {
  scratch[position] = HEX[value >> 4] as number;
  scratch[position + 1] = HEX[value & 0xf] as number;
}

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
  if (ms !== lastMs) {
    // 48-bit big-endian milliseconds: xxxxxxxx-xxxx-
    const high = Math.floor(ms / 0x10000);
    const low = ms % 0x10000;
    writeHex((high >>> 24) & 0xff, 0);
    writeHex((high >>> 16) & 0xff, 2);
    writeHex((high >>> 8) & 0xff, 4);
    writeHex(high & 0xff, 6);
    writeHex(low >>> 8, 9);
    writeHex(low & 0xff, 11);
    // Stored only when it changes: a module variable holding a number this large is a heap
    // object, and storing it on every id would make one each time.
    lastMs = ms;
  }
  lastSub = sub;
  // version 7, then the sub-millisecond fraction: 7xxx
  scratch[15] = HEX[sub >> 8] as number;
  writeHex(sub & 0xff, 16);
  if (randomOffset + 8 > RANDOM_POOL_BYTES) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  // variant 10, then 62 random bits: Vxxx-xxxxxxxxxxxx
  writeHex(0x80 | ((randomPool[randomOffset] as number) & 0x3f), 19);
  writeHex(randomPool[randomOffset + 1] as number, 21);
  let position = 24;
  for (let index = 2; index < 8; index++, position += 2)
    writeHex(randomPool[randomOffset + index] as number, position);
  randomOffset += 8;
  return scratch.toString('latin1', 0, 36);
}
