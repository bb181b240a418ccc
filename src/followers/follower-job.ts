/** What a follower job does to each OpenID it covers (INTERFACE.md §10). */
export type FollowerJobKind = 'tag' | 'untag' | 'blacklist' | 'unblacklist';

export type FollowerJobState = 'queued' | 'running' | 'done' | 'failed';

/** Which followers a job covers when it names no OpenIDs: those matching all of these. */
export interface FollowerJobFilter {
  scene?: string;
  subscribed?: boolean;
  tag?: number;
}

/** One OpenID WeChat refused, with why in plain words. */
export interface FollowerJobFailure {
  openid: string;
  error: string;
}

/** A tagging or blacklist job. Times are Unix ms. */
export interface FollowerJob {
  id: number;
  appid: string;
  kind: FollowerJobKind;
  /** The tag, for tag and untag jobs. */
  tagId: number | null;
  /** The filter, for a job over every follower matching it; null for a job over a list of OpenIDs. */
  filter: FollowerJobFilter | null;
  state: FollowerJobState;
  total: number;
  /** OpenIDs WeChat accepted. */
  done: number;
  /** How many WeChat refused (listed by {@link FollowerJobRepo.failures}). */
  failed: number;
  /** The last OpenID (in OpenID order) whose batch is settled: a resumed job goes on after it. */
  cursor: string;
  /** The instance holding the job's lease (sending its batches), or that held it last. */
  holder: string | null;
  leaseUntil: number;
  /** Not to be picked up before (a busy answer from WeChat). */
  retryAt: number;
  /** Batch calls made so far. */
  calls: number;
  /** Why a failed job failed, or the last busy answer a waiting job got. */
  error: string | null;
  createdAt: number;
  finishedAt: number | null;
}

/** The settled outcome of one batch: what WeChat accepted and whom it refused. */
export interface BatchOutcome {
  /** The last OpenID of the batch: the job's new cursor. */
  last: string;
  accepted: string[];
  failures: FollowerJobFailure[];
  calls: number;
}

/**
 * Follower jobs and their lease: one instance at a time sends a job's batches, as one sync at a time runs
 * (sync-run-repo.ts). Every batch's outcome and the local follower rows it changes commit together.
 */
export interface FollowerJobRepo {
  /**
   * Queues a job over `openids` (kept with the job, unique) or over every follower matching `filter`,
   * counting its total.
   */
  create(input: {
    appid: string;
    kind: FollowerJobKind;
    tagId: number | null;
    openids?: readonly string[];
    filter?: FollowerJobFilter;
  }): Promise<FollowerJob>;
  get(id: number): Promise<FollowerJob | null>;
  failures(id: number): Promise<FollowerJobFailure[]>;
  /** Queued or running jobs, due now or not, oldest first. */
  open(): Promise<FollowerJob[]>;
  /**
   * Takes a job's lease for `holder` when it is as `seen` (same holder and lease): a compare-and-swap, so
   * of two instances taking one job only one succeeds. Sets it running.
   */
  take(seen: FollowerJob, holder: string, leaseMs: number): Promise<FollowerJob | null>;
  /** The next OpenIDs of the job after its cursor, in OpenID order. */
  nextBatch(job: FollowerJob, size: number): Promise<string[]>;
  /**
   * Records a batch's outcome and applies what WeChat accepted to the local follower rows (tags, the
   * blacklist flag), in one transaction, renewing the lease; false (nothing written) when `holder` lost it.
   */
  settle(job: FollowerJob, holder: string, outcome: BatchOutcome, leaseMs: number): Promise<boolean>;
  /** Gives the lease back until `retryAt`, noting why (WeChat was busy). */
  defer(id: number, holder: string, retryAt: number, error: string): Promise<void>;
  /** Ends the job. */
  finish(id: number, holder: string, state: 'done' | 'failed', error?: string | null): Promise<boolean>;
}
