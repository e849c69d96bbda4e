/**
 * The columns of a dataset's rows and how a cell reads. Rows are JSON objects whose keys may
 * differ from row to row (docs/protocol.md §10.2), so columns are the union of the keys seen so
 * far, in order of first appearance: columns found in later pages join at the end, and a column
 * never moves once shown.
 */
import { isWeaveRef } from './refs';

/** At most this many columns are shown; the rest of a row is in its detail view. */
export const MAX_COLUMNS = 40;

export interface DiscoveredColumns {
  keys: readonly string[];
  /** Keys seen beyond MAX_COLUMNS (their count only: a hostile row may have a million). */
  overflow: number;
}

export const NO_COLUMNS: DiscoveredColumns = { keys: [], overflow: 0 };

/**
 * `known` grown by the keys of `rows` it lacks. Returns `known` itself when nothing is new, so a
 * memoised table does not rebuild its columns for every page that arrives.
 */
export function discoverColumns(known: DiscoveredColumns, rows: Iterable<unknown>): DiscoveredColumns {
  let keys: string[] | undefined;
  let overflow = known.overflow;
  const seen = new Set(known.keys);
  const overflowSeen = new Set<string>();
  for (const row of rows) {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) continue;
    for (const key of Object.keys(row)) {
      if (seen.has(key)) continue;
      if (seen.size < MAX_COLUMNS) {
        seen.add(key);
        keys ??= [...known.keys];
        keys.push(key);
      } else if (!overflowSeen.has(key)) {
        overflowSeen.add(key);
      }
    }
  }
  // Overflow counts only keys found in this call; earlier calls' overflow is kept as a floor.
  overflow = Math.max(overflow, overflowSeen.size);
  if (!keys && overflow === known.overflow) return known;
  return { keys: keys ?? known.keys, overflow };
}

export type CellKind = 'string' | 'number' | 'boolean' | 'null' | 'ref' | 'json' | 'missing';

export interface CellPreview {
  kind: CellKind;
  /** At most PREVIEW_LENGTH characters; `truncated` says when more exist. */
  text: string;
  truncated: boolean;
}

export const PREVIEW_LENGTH = 300;

function clip(text: string): { text: string; truncated: boolean } {
  return text.length > PREVIEW_LENGTH
    ? { text: `${text.slice(0, PREVIEW_LENGTH)}…`, truncated: true }
    : { text, truncated: false };
}

/** Stringify at most a bounded amount of a nested value: a giant cell never costs more than a peek. */
function compactJson(value: unknown): string {
  let budget = PREVIEW_LENGTH + 1;
  const parts: string[] = [];
  const write = (text: string) => {
    parts.push(text);
    budget -= text.length;
  };
  const walk = (node: unknown): void => {
    if (budget <= 0) return;
    if (node === null || typeof node !== 'object') {
      write(JSON.stringify(node) ?? 'null');
      return;
    }
    const isArray = Array.isArray(node);
    write(isArray ? '[' : '{');
    let first = true;
    for (const [key, child] of isArray ? node.entries() : Object.entries(node)) {
      if (budget <= 0) return;
      if (!first) write(', ');
      first = false;
      if (!isArray) write(`${JSON.stringify(key)}: `);
      walk(child);
    }
    write(isArray ? ']' : '}');
  };
  walk(value);
  return parts.join('');
}

/** How one cell reads in the table: one line of text, its kind for styling, refs recognised. */
export function cellPreview(value: unknown): CellPreview {
  if (value === undefined) return { kind: 'missing', text: '', truncated: false };
  if (value === null) return { kind: 'null', text: 'null', truncated: false };
  if (typeof value === 'string') {
    return { kind: isWeaveRef(value) ? 'ref' : 'string', ...clip(value.replace(/\s+/g, ' ')) };
  }
  if (typeof value === 'number' || typeof value === 'bigint')
    return { kind: 'number', ...clip(String(value)) };
  if (typeof value === 'boolean') return { kind: 'boolean', text: String(value), truncated: false };
  return { kind: 'json', ...clip(compactJson(value)) };
}
