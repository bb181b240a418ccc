/** Who started a sync run: the server's timer or `wxoa sync`. */
export type SyncTrigger = 'periodic' | 'cli';

/**
 * How a run ended. `running` holds the account's sync lease until `leaseUntil`; `abandoned` is a run whose
 * lease ran out (its instance died) and which another run took over; `interrupted` was stopped (SIGINT, a
 * shutdown) and resumes on the next run.
 */
export type SyncOutcome = 'running' | 'done' | 'failed' | 'interrupted' | 'abandoned';

/** What a run changed, as it counted it. */
export interface SyncRunCounts {
  /** OpenIDs `user/get` listed (including pages listed before a resume). */
  listed: number;
  /** Listed followers the store did not hold as subscribed: follows the webhook missed. */
  newlyFound: number;
  /** Followers marked unsubscribed because the list no longer had them. */
  unsubscribed: number;
  /** Followers refreshed from `user/info/batchget`. */
  enriched: number;
  /** Followers whose refresh failed: left queued for the enrichment worker. */
  enrichFailed: number;
}

/** One recorded sync run of one account. Times are Unix ms. */
export interface SyncRun extends SyncRunCounts {
  id: number;
  appid: string;
  trigger: SyncTrigger;
  /** The instance (host and process) that ran it. */
  holder: string;
  startedAt: number;
  finishedAt: number | null;
  leaseUntil: number;
  outcome: SyncOutcome;
  /** Whether it continued an interrupted sync. */
  resumed: boolean;
  /** Why it failed (no secret: the API client's messages carry none). */
  error: string | null;
}

/**
 * The record of sync runs, which is also the lock that lets one instance at a time sync an account: a run
 * `running` with a live lease holds it.
 */
export interface SyncRunRepo {
  /**
   * Starts a run holding the account's lease for `leaseMs`, unless a live one holds it: then returns that one
   * as `busy`. A running run whose lease ran out is marked `abandoned` first.
   */
  begin(input: {
    appid: string;
    trigger: SyncTrigger;
    holder: string;
    resumed: boolean;
    leaseMs: number;
  }): Promise<{ run: SyncRun } | { busy: SyncRun }>;
  /** Extends a running run's lease; false when it no longer holds it (it was taken over or finished). */
  renew(id: number, leaseMs: number): Promise<boolean>;
  /** Progress so far, so the console shows a run in progress (also extends the lease); false as renew. */
  update(id: number, counts: SyncRunCounts, leaseMs: number): Promise<boolean>;
  /** Ends a running run; false when it had already been taken over. */
  finish(
    id: number,
    outcome: Exclude<SyncOutcome, 'running' | 'abandoned'>,
    counts: SyncRunCounts,
    error?: string | null,
  ): Promise<boolean>;
  /** The newest runs of an account, newest first. */
  recent(appid: string, limit: number): Promise<SyncRun[]>;
}
