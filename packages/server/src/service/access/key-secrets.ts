/**
 * What an API key's text is and how its secret is kept (docs/protocol.md §19.1). A key reads
 * `weft_` + a 12-character id + a 43-character secret: the id finds the stored row without
 * trying every hash; the secret (256 random bits) is kept only as an scrypt hash, so a copy of the
 * database gives no working key. scrypt is node's own (OpenSSL's), with a salt per key.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const PREFIX = 'weft_';
const ID_CHARS = 12;
const SECRET_CHARS = 43;
export const KEY_TEXT_LENGTH = PREFIX.length + ID_CHARS + SECRET_CHARS;
const KEY_TEXT = /^weft_([0-9a-f]{12})([A-Za-z0-9_-]{43})$/;

/**
 * OWASP's scrypt minimum (N=2^17, r=8, p=1) costs 128 MiB and ~0.3 s per check; a key is 256
 * random bits, not a password, so guessing is hopeless either way and the hash only has to make a
 * stolen database useless. 2^15 (32 MiB, tens of ms) keeps the first request of a key quick.
 */
const COST: ScryptCost = { N: 2 ** 15, r: 8, p: 1 };
/** A stored hash asking for more than this (a tampered database) is not computed. */
const MAX_N = 2 ** 20;

interface ScryptCost {
  N: number;
  r: number;
  p: number;
}
const HASH_BYTES = 32;
const SALT_BYTES = 16;

export interface KeyText {
  id: string;
  secret: string;
}

/** A new key: its text (shown once) and its parts. */
export function newKeyText(): KeyText & { text: string } {
  const id = randomBytes(ID_CHARS / 2).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, text: `${PREFIX}${id}${secret}` };
}

/** The parts of a key's text; undefined for text that cannot be a weft key. */
export function parseKeyText(text: string): KeyText | undefined {
  const match = KEY_TEXT.exec(text);
  return match ? { id: match[1] as string, secret: match[2] as string } : undefined;
}

function scryptAsync(secret: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem must exceed 128·N·r bytes (32 MiB at this cost); node's default is exactly 32 MiB.
    scrypt(secret, salt, HASH_BYTES, { ...cost, maxmem: 256 * cost.N * cost.r }, (error, hash) =>
      error ? reject(error) : resolve(hash),
    );
  });
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url: the parameters travel with the hash. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(secret, salt, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Whether the secret is the one hashed; false for a hash in a form this code does not know. */
export async function secretMatches(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  if (![cost.N, cost.r, cost.p].every((n) => Number.isSafeInteger(n) && n > 0)) return false;
  if (cost.N > MAX_N || cost.r > 32 || cost.p > 16) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scryptAsync(secret, Buffer.from(salt, 'base64url'), cost);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
