/**
 * Counts the calls the SDK gave up on, each call once. A call travels as one complete item (its
 * start and end together) or as two items, a start and later an end, and those two can be lost
 * separately and in either order: at exit the end still in the queue is dropped just after its
 * start, still being retried, was given up on; a start can be refused while its end was refused by
 * a full queue earlier. So the first lost half of a call is remembered by id, and losing the other
 * half does not count the call again.
 *
 * The ids remembered are bounded (oldest forgotten first): a call whose start was lost and that
 * never ends, or whose end was lost after its start was stored, leaves its id here. Counting stays
 * exact unless more than `maxRemembered` half-lost calls separate the two losses of one call.
 */
export class UndeliveredCalls {
  /** Calls with at least one part given up on. */
  count = 0;
  private readonly halves = new Set<string>();

  constructor(private readonly maxRemembered = 10_000) {}

  /** A call lost whole: both of its parts, or the only one it will ever have. */
  whole(): void {
    this.count += 1;
  }

  /** One of the two parts of call `id` lost: counted unless the other one was counted already. */
  half(id: string): void {
    if (this.halves.delete(id)) return;
    this.count += 1;
    this.halves.add(id);
    if (this.halves.size > this.maxRemembered) {
      const oldest = this.halves.values().next();
      if (!oldest.done) this.halves.delete(oldest.value);
    }
  }
}
