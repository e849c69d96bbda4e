/**
 * `<input type="datetime-local">` speaks local wall-clock time without a zone; the URL and the
 * server speak ISO-8601 instants. These convert between the two in the reader's time zone.
 */

const pad = (value: number) => String(value).padStart(2, '0');

/** An instant as the input's value (`YYYY-MM-DDTHH:mm` local), or '' when there is none. */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The input's value as an ISO instant, or undefined when empty or unreadable. */
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  // Without a zone, `YYYY-MM-DDTHH:mm` is read as local time (ECMAScript date-time string format).
  const time = new Date(value).getTime();
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

/** The instant `ms` before `now`, for "last hour"-style presets. */
export function agoIso(ms: number, now = Date.now()): string {
  return new Date(now - ms).toISOString();
}
