/** Sizes on the command line: `500MB`, `20GB`, `1.5TiB` or plain bytes. */

const MULTIPLIERS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/**
 * Bytes for a size text, in binary units whichever way they are written (1GB = 1GiB = 2^30
 * bytes: what `ls -h` and `du -h` show); undefined for anything else.
 */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?) ?([KMGT]?)(?:i?B)?$/i.exec(text.trim());
  if (!match) return undefined;
  return Math.floor(Number(match[1]) * (MULTIPLIERS[(match[2] ?? '').toUpperCase()] as number));
}
