/**
 * A FIFO lock for async code. SQLite has one connection per process, so a transaction whose body awaits must
 * keep every other statement of this process out until it commits (SQLite would otherwise run them inside it).
 */
export class AsyncMutex {
  private held = false;
  private readonly waiters: Array<() => void> = [];

  /** True while some caller holds the lock. */
  get isHeld(): boolean {
    return this.held;
  }

  /** Resolves once the caller holds the lock; pair every call with one release(). */
  async acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return;
    }
    // release() hands the lock straight to the next waiter, so no newcomer can overtake the queue.
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Passes the lock to the longest waiter, or frees it. */
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.held = false;
  }
}
