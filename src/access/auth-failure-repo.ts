/** How repeated wrong credentials of one client are slowed down. */
export interface AuthFailurePolicy {
  /** Failures weighed at full speed before the first block. */
  freeFailures: number;
  /** The first block; each further failure doubles it, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A client without a failure for this long starts afresh. */
  forgetAfterMs: number;
}

/** Wrong credentials per client, shared by every instance (the brake on guessing the admin token). */
export interface AuthFailureRepo {
  /**
   * Counts a failure of `client` unless it is blocked. Returns 0 when the failure was counted (the attempt
   * gets its normal answer), otherwise the milliseconds until the block ends (the attempt gets 429).
   */
  fail(client: string, policy: AuthFailurePolicy, now: number): Promise<number>;
  /** Milliseconds until `client` may try again (0: not blocked); null when it has no failure on record. */
  blockedFor(client: string, now: number): Promise<number | null>;
  /** Forgets the failures of `client` (after a success). */
  clear(client: string): Promise<void>;
}
