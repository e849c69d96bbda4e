/**
 * Dotted field paths (`inputs.messages.0.content`): a dot separates parts, a backslash escapes the
 * next character (`inputs.a\.b` is the key "a.b"), and a part of digits only indexes a list
 * (docs/query-language.md, "Fields").
 */
import { InvalidRequest } from '../errors.js';

/** Splits a dotted path into its parts, with escapes resolved. Empty parts are refused. */
export function splitFieldPath(path: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < path.length; i++) {
    const char = path[i];
    if (char === '\\') {
      const next = path[i + 1];
      if (next === undefined)
        throw new InvalidRequest(`field path ${JSON.stringify(path)} ends with a lone backslash`);
      current += next;
      i += 1;
    } else if (char === '.') {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  if (parts.some((part) => part.length === 0)) {
    throw new InvalidRequest(`field path ${JSON.stringify(path)} has an empty part`);
  }
  return parts;
}

/** Path parts inside a JSON value: digit-only parts become list indexes. */
export function jsonPathParts(parts: readonly string[]): Array<string | number> {
  return parts.map((part) => (/^\d+$/.test(part) && part.length <= 9 ? Number(part) : part));
}

/** The inverse of splitFieldPath: joins keys into a dotted path, escaping dots and backslashes. */
export function joinFieldPath(parts: ReadonlyArray<string | number>): string {
  return parts.map((part) => String(part).replace(/[\\.]/g, (char) => `\\${char}`)).join('.');
}
