/**
 * How logged values read inside the evaluation tables: scores as ✓/✗ and numbers, anything else
 * as one line of text. Logged data can be huge, so a cell renders at most CELL_TEXT_LIMIT
 * characters; the whole value is on the row's trace page.
 */
import { formatNumber } from './summary';

export const CELL_TEXT_LIMIT = 400;
/** The tooltip shows more than the cell, still bounded. */
const TITLE_LIMIT = 4000;

/** One-line text for any logged value. */
export function valueText(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'boolean' || value === null) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function clip(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

export function ValueCell({ value }: { value: unknown }) {
  if (value === undefined) return <span className="eval-missing">—</span>;
  const text = valueText(value);
  const kind = typeof value === 'string' ? 'string' : value === null ? 'null' : typeof value;
  return (
    <span className={`eval-value eval-value-${kind}`} title={clip(text, TITLE_LIMIT)}>
      {clip(text, CELL_TEXT_LIMIT)}
    </span>
  );
}

/** A score: booleans as ✓ / ✗, numbers formatted, other results as text. */
export function ScoreCell({ value }: { value: unknown }) {
  if (value === true) {
    return (
      <span className="eval-pass" title="true">
        ✓
      </span>
    );
  }
  if (value === false) {
    return (
      <span className="eval-fail" title="false">
        ✗
      </span>
    );
  }
  if (typeof value === 'number') return <span className="eval-number">{formatNumber(value)}</span>;
  return <ValueCell value={value} />;
}

/** Orders cell values for sorting: missing last, then false < true, numbers, then text. */
export function compareValues(a: unknown, b: unknown): number {
  const rank = (value: unknown) =>
    value === undefined || value === null
      ? 3
      : typeof value === 'boolean' || typeof value === 'number'
        ? 0
        : 1;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0) return Number(a) - Number(b);
  if (ra === 1) return valueText(a).localeCompare(valueText(b));
  return 0;
}
