/**
 * What the table reads out of a call's `summary` besides `summary.weave`: token totals from
 * `summary.usage` (docs/protocol.md §4.3), and the user's own keys, which become columns.
 */
import type { CallSchema } from '@weft/protocol';
import { joinFieldPath } from '@weft/protocol/query/field-path';

/** Keys the SDKs write themselves; everything else in `summary` is the user's. */
const SDK_SUMMARY_KEYS = new Set(['weave', 'usage', 'status_counts']);

/** Nested objects are opened this deep, so `{"scores": {"f1": 0.9}}` gives a `scores.f1` column. */
const MAX_DEPTH = 3;
/** Beyond this many distinct keys the rest are left out of the column list (a hostile summary could have thousands). */
export const MAX_CUSTOM_KEYS = 100;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface FoundKey {
  parts: string[];
  numeric: boolean;
}

/**
 * The leaves under `value` into `into`, keyed by their escaped path: objects are opened until the
 * path is MAX_DEPTH parts long; a key is numeric while every value found under it is a number.
 */
export function collectPaths(value: unknown, prefix: string[], into: Map<string, FoundKey>): void {
  if (isPlainObject(value) && prefix.length < MAX_DEPTH && Object.keys(value).length > 0) {
    for (const [key, inner] of Object.entries(value)) collectPaths(inner, [...prefix, key], into);
    return;
  }
  const path = joinFieldPath(prefix);
  const found = into.get(path);
  const numeric = typeof value === 'number';
  if (found) found.numeric &&= numeric;
  else if (into.size < MAX_CUSTOM_KEYS) into.set(path, { parts: prefix, numeric });
}

function scanCalls(calls: readonly CallSchema[]): Map<string, FoundKey> {
  const found = new Map<string, FoundKey>();
  for (const call of calls) {
    const summary = call.summary;
    if (!summary) continue;
    for (const [key, value] of Object.entries(summary)) {
      if (!SDK_SUMMARY_KEYS.has(key)) collectPaths(value, [key], found);
    }
  }
  return found;
}

export interface SummaryKey {
  /** The Query/sort field path: `summary.<escaped parts>`. */
  field: string;
  /** The path inside `summary`, unescaped. */
  parts: string[];
  /** What the column header says. */
  label: string;
  /** Every value found is a number (the column is right-aligned). */
  numeric: boolean;
}

/** Pages do not change once fetched (live updates replace a page, not its rows), so each is scanned once. */
const scannedPages = new WeakMap<readonly CallSchema[], Map<string, FoundKey>>();

/**
 * The user's summary keys found on the given pages of calls, in the order first seen, nested
 * objects opened into their leaves. A key made only of digits reads as a list index in field
 * paths (docs/query-language.md), so such keys cannot be named and are left out.
 */
export function customSummaryKeys(pages: readonly (readonly CallSchema[])[]): SummaryKey[] {
  const merged = new Map<string, FoundKey>();
  for (const page of pages) {
    let scan = scannedPages.get(page);
    if (!scan) {
      scan = scanCalls(page);
      scannedPages.set(page, scan);
    }
    for (const [path, key] of scan) {
      const known = merged.get(path);
      if (known) known.numeric &&= key.numeric;
      else if (merged.size < MAX_CUSTOM_KEYS) merged.set(path, { ...key });
    }
  }
  return [...merged.entries()]
    .filter(([, key]) => !key.parts.some((part) => /^\d{1,9}$/.test(part)))
    .map(([path, key]) => ({
      field: `summary.${path}`,
      parts: key.parts,
      label: key.parts.join('.'),
      numeric: key.numeric,
    }));
}

/** The value at a path inside `summary`, or undefined. */
export function summaryValue(call: CallSchema, parts: readonly string[]): unknown {
  let value: unknown = call.summary;
  for (const part of parts) {
    if (!isPlainObject(value)) return undefined;
    value = value[part];
  }
  return value;
}

const number = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

export interface TokenTotals {
  total: number;
  input: number;
  output: number;
  /** Per model, for the cell's tooltip. */
  byModel: Array<{ model: string; total: number }>;
}

/**
 * Token totals over every model in `summary.usage`, or undefined when there is none. Providers
 * name the counts differently (OpenAI `prompt_tokens`/`completion_tokens`, Anthropic
 * `input_tokens`/`output_tokens`); Anthropic counts cached prompt tokens beside `input_tokens`, so
 * they are added to the input, as the server does when it prices usage (docs/protocol.md §17.3).
 * A missing `total_tokens` is input plus output.
 */
export function tokenTotals(call: { summary?: CallSchema['summary'] | undefined }): TokenTotals | undefined {
  const usage = call.summary?.usage;
  if (!isPlainObject(usage)) return undefined;
  const totals: TokenTotals = { total: 0, input: 0, output: 0, byModel: [] };
  for (const [model, counts] of Object.entries(usage)) {
    if (!isPlainObject(counts)) continue;
    const input =
      (number(counts.prompt_tokens) ?? number(counts.input_tokens) ?? 0) +
      (number(counts.cache_read_input_tokens) ?? 0) +
      (number(counts.cache_creation_input_tokens) ?? 0);
    const output = number(counts.completion_tokens) ?? number(counts.output_tokens) ?? 0;
    const total = number(counts.total_tokens) ?? input + output;
    totals.total += total;
    totals.input += input;
    totals.output += output;
    totals.byModel.push({ model, total });
  }
  return totals.byModel.length > 0 ? totals : undefined;
}

/** Longest text a cell holds; the rest of a giant value is cut, not rendered. */
export const CELL_TEXT_LIMIT = 200;

const decimals = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });

/** A summary value as one line of cell text: numbers formatted, objects as JSON, long text cut. */
export function cellText(value: unknown): string {
  if (value === undefined) return '';
  let text: string;
  if (typeof value === 'number') text = decimals.format(value);
  else if (typeof value === 'string') text = value;
  else text = JSON.stringify(value) ?? String(value);
  return text.length > CELL_TEXT_LIMIT ? `${text.slice(0, CELL_TEXT_LIMIT)}…` : text;
}
