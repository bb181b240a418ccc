/**
 * Where the webhook remembers each push it has handled, keyed by the dedup key (INTERFACE.md §3), so a
 * retried delivery gets the first delivery's reply and its handlers do not run twice — also when the
 * retry reaches another instance (the database implementation lives in store/).
 */
export type ReplyRecord =
  | { state: 'new' } // this caller now owns the push: handle it, then call finish()
  | { state: 'pending' } // another delivery is handling it right now
  | { state: 'done'; reply: string }; // already answered: `reply` is the plaintext reply XML or 'success'

export interface ReplyRecordStore {
  /**
   * Claims `key` for handling. Returns `new` to exactly one caller; a claim whose lease has run out
   * (the handling process died) can be claimed again.
   */
  claim(key: string, leaseMs: number): Promise<ReplyRecord>;
  /** Records the reply of a claimed push; kept at least `ttlMs` for retries. */
  finish(key: string, reply: string, ttlMs: number): Promise<void>;
  /** Reads the current state without claiming (`new` when unknown). */
  peek(key: string): Promise<ReplyRecord>;
  /** Drops a claim so a retry can handle the push again (used when handling failed before any effect). */
  release(key: string): Promise<void>;
}
