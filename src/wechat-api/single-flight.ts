/**
 * Concurrent calls for the same key share one run of the work: the second caller gets the first one's promise.
 * The key is free again as soon as that promise settles, so a failure is not cached.
 */
export class SingleFlight<K, V> {
  private readonly inFlight = new Map<K, Promise<V>>();

  /** Runs `work` unless a run for `key` is already in flight, and returns that run's result. */
  run(key: K, work: () => Promise<V>): Promise<V> {
    const current = this.inFlight.get(key);
    if (current) return current;
    // Started from a resolved promise, so `work` runs after the key is set: a `work` that throws before
    // returning a promise would otherwise clear the key before it is set, leaving its failure cached forever.
    const started = Promise.resolve()
      .then(() => work())
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }
}
