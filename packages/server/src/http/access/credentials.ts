/**
 * The API key a request carries (docs/protocol.md §19.2): HTTP Basic with the key as password,
 * as both official SDKs send it (`api:<key>`; any user name is taken), or `Bearer <key>`.
 */
import { Unauthorized } from '@weft/protocol';

/** The key in an Authorization header; undefined without one; Unauthorized when it is malformed. */
export function keyOfAuthorization(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const value = space < 0 ? '' : header.slice(space + 1).trim();
  if (scheme === 'bearer' && value !== '') return value;
  if (scheme === 'basic' && value !== '') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0 && colon < decoded.length - 1) return decoded.slice(colon + 1);
  }
  throw new Unauthorized(
    'the Authorization header must be "Basic" with base64 of "api:<key>" or "Bearer <key>"',
  );
}
