/**
 * Runs housekeeping at most once per `intervalMs` (by `clock`), in the background: expired rows are deleted
 * as a side effect of normal traffic, without a timer that would keep the process alive. Failures go to
 * `onError`; the next call after the interval tries again.
 */
export function throttled(
  intervalMs: number,
  clock: () => number,
  task: () => Promise<unknown>,
  onError: (error: unknown) => void,
): () => void {
  let nextAt = -Infinity;
  return () => {
    const now = clock();
    if (now < nextAt) return;
    nextAt = now + intervalMs;
    task().catch(onError);
  };
}
