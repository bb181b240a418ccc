/**
 * The deadlines of the request bodies being read, checked by one interval instead of a timer per request:
 * a push's body arrives with its headers, so nearly every deadline is dropped a few microseconds after it
 * was set, and a timer set and cleared per push cost about a microsecond of the webhook's CPU. The
 * interval runs only while some body is being read (it stops at the first check that finds none), and it
 * keeps no process alive.
 *
 * A body is cut off at its deadline or at most `timeoutMs / 10` later (INTERFACE.md §3: a body not arrived
 * 10 s after its request started → 408; it is never cut before).
 */
export class BodyDeadlines {
  readonly #pending = new Map<() => void, number>();
  readonly #everyMs: number;
  #interval: ReturnType<typeof setInterval> | undefined;

  constructor(timeoutMs: number) {
    this.#everyMs = Math.max(1, Math.min(1000, timeoutMs / 10));
  }

  /** Calls `expire` once, unless dropped first, at the earliest `deadline` (`performance.now()` ms). */
  add(expire: () => void, deadline: number): void {
    this.#pending.set(expire, deadline);
    if (this.#interval === undefined) {
      this.#interval = setInterval(() => this.#check(), this.#everyMs);
      this.#interval.unref();
    }
  }

  /** Forgets a deadline (its body has ended, failed or been refused). */
  drop(expire: () => void): void {
    this.#pending.delete(expire);
  }

  /** Bodies being read. */
  get size(): number {
    return this.#pending.size;
  }

  #check(): void {
    if (this.#pending.size === 0) {
      clearInterval(this.#interval);
      this.#interval = undefined;
      return;
    }
    const now = performance.now();
    for (const [expire, deadline] of this.#pending) {
      if (deadline <= now) {
        this.#pending.delete(expire);
        expire();
      }
    }
  }
}
