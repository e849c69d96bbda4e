/** The SDK's voice: warnings go to stderr, each kind at most once per process unless it says otherwise. */
const warned = new Set<string>();

export function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  console.warn(`weft: ${message}`);
}

const lastWarned = new Map<string, number>();

/**
 * For trouble that can repeat every few hundred milliseconds (a server that stays down): warn the
 * first time, then at most once per `intervalMs` for the same key.
 */
export function warnAtMostEvery(key: string, intervalMs: number, message: string): void {
  const now = Date.now();
  const last = lastWarned.get(key);
  if (last !== undefined && now - last < intervalMs) return;
  lastWarned.set(key, now);
  console.warn(`weft: ${message}`);
}
