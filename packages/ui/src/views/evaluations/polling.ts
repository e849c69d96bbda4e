/**
 * How often a running evaluation is read again: quickly while rows keep arriving, then less and
 * less often while nothing changes (a stalled or very slow run should not hammer the server).
 */
export const FIRST_POLL_MS = 1000;
export const MAX_POLL_MS = 15_000;

/** The wait before the next read, after `unchangedPolls` reads in a row brought nothing new. */
export function pollDelay(unchangedPolls: number): number {
  const delay = FIRST_POLL_MS * 1.6 ** Math.max(0, unchangedPolls);
  return Math.min(MAX_POLL_MS, Math.round(delay));
}

/** Counts reads that brought nothing new; any change starts the count again. */
export class PollBackoff {
  private unchanged = 0;
  private lastSignature: string | undefined;

  /** Records what the latest read saw; returns the wait before the next one. */
  next(signature: string): number {
    if (signature === this.lastSignature) this.unchanged += 1;
    else this.unchanged = 0;
    this.lastSignature = signature;
    return pollDelay(this.unchanged);
  }
}
