/**
 * Weave's content digests (research doc §5, "Digests"): base64url(sha256(bytes)) with `-` → `X`,
 * `_` → `Y` and no padding, giving 43 characters from [A-Za-z0-9].
 */
import { createHash } from 'node:crypto';

export function bytesDigest(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('base64url').replace(/-/g, 'X').replace(/_/g, 'Y');
}
