/** The SDK's voice: warnings go to stderr, each kind at most once per process unless it says otherwise. */
const warned = new Set<string>();

export function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  console.warn(`weft: ${message}`);
}

export function warn(message: string): void {
  console.warn(`weft: ${message}`);
}
