import type { Timers } from '../../src/bot/timers.js';

interface Pending {
  at: number;
  seq: number;
  callback: () => void;
}

/**
 * Timers that only move when a test says so: the webhook's reply budget, a retry's polls and (through
 * `now`) the reply store's leases are advanced instead of slept on, so a race is staged, not hoped for.
 */
export class ManualTimers implements Timers {
  #time: number;
  #seq = 0;
  readonly #pending = new Map<number, Pending>();

  constructor(start = 1_000_000) {
    this.#time = start;
  }

  now = (): number => this.#time;

  setTimeout(callback: () => void, ms: number): unknown {
    const seq = ++this.#seq;
    this.#pending.set(seq, { at: this.#time + Math.max(0, ms), seq, callback });
    return seq;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  /** Timers waiting to fire. */
  get waiting(): number {
    return this.#pending.size;
  }

  /**
   * Moves time forward by `ms`, firing due timers in order, and lets the work they start run (promise
   * jobs and I/O callbacks) before the next one fires and before resolving.
   */
  async advance(ms: number): Promise<void> {
    const until = this.#time + ms;
    await settle();
    for (;;) {
      const next = [...this.#pending.values()]
        .filter((p) => p.at <= until)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (next === undefined) break;
      this.#pending.delete(next.seq);
      this.#time = Math.max(this.#time, next.at);
      next.callback();
      await settle();
    }
    this.#time = until;
    await settle();
  }
}

/** Lets pending promise jobs and a few turns of the event loop run (store writes batch on setImmediate). */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
