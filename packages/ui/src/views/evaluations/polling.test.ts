import { describe, expect, it } from 'vitest';
import { FIRST_POLL_MS, MAX_POLL_MS, PollBackoff, pollDelay } from './polling';

describe('polling a running evaluation', () => {
  it('waits longer after each read that brought nothing new, up to a cap', () => {
    const delays = [0, 1, 2, 3, 10].map(pollDelay);
    expect(delays[0]).toBe(FIRST_POLL_MS);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]!);
    expect(pollDelay(100)).toBe(MAX_POLL_MS);
  });

  it('starts quick again when something changes', () => {
    const backoff = new PollBackoff();
    expect(backoff.next('3 rows')).toBe(FIRST_POLL_MS);
    const slower = backoff.next('3 rows');
    expect(slower).toBeGreaterThan(FIRST_POLL_MS);
    expect(backoff.next('3 rows')).toBeGreaterThan(slower);
    expect(backoff.next('4 rows')).toBe(FIRST_POLL_MS);
  });
});
