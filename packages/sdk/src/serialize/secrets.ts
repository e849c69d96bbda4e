/**
 * Which recorded keys hold secrets (docs/architecture.md, "Secrets"): values under them are
 * replaced by a marker wherever they appear in inputs, outputs, attributes and summaries, and an
 * object that holds one itself (a provider client with its `apiKey`) is recorded as its class
 * name alone, since the rest of it (headers, options) may carry the same secret.
 */

export const REDACTED = '[REDACTED]';

/** Cheap test first: most keys contain none of these, and are never normalised. */
export const MAY_BE_SECRET = /key|token|secret|pass|auth|cookie|credential/i;

/** Whole names (lower case, without `_`, `-` and spaces). `token` alone, never `max_tokens`. */
const SECRET_NAMES = new Set([
  'token',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'authtoken',
  'bearertoken',
  'sessiontoken',
  'apitoken',
  'credentials',
  'credential',
]);

/**
 * Endings that name a secret whatever comes before (`openai_api_key`, `client_secret`,
 * `db_password`). Tokenizer settings such as `eos_token` are not secrets and do not match.
 */
const SECRET_ENDINGS = [
  'apikey',
  'secret',
  'secretkey',
  'password',
  'passwd',
  'privatekey',
  'secretaccesskey',
];

export function isSecretKey(key: string): boolean {
  if (key.length > 64 || !MAY_BE_SECRET.test(key)) return false;
  const name = key.toLowerCase().replace(/[-_\s.]/g, '');
  if (SECRET_NAMES.has(name)) return true;
  for (const ending of SECRET_ENDINGS) if (name.endsWith(ending)) return true;
  return false;
}

/** True when an object has an own enumerable key that holds a secret. */
export function holdsSecret(value: object): boolean {
  for (const key in value) if (Object.hasOwn(value, key) && isSecretKey(key)) return true;
  return false;
}
