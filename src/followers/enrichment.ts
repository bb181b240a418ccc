import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { FollowerRepo, UserInfoFields } from './follower-repo.js';

/** What enrichment needs of the WeChat API client: `user/info/batchget` (WECHAT-PROTOCOL.md §6.2). */
export interface UserInfoSource {
  batchGetUserInfo(openids: string[]): Promise<UserInfoFields[]>;
}

/** Options of {@link EnrichmentWorker}. */
export interface EnrichmentWorkerOptions {
  followers: FollowerRepo;
  /** The API client of an account; undefined for an account this process does not serve. */
  apiFor: (appid: string) => UserInfoSource | undefined;
  logger?: Logger;
  /** Wait after the first nudge before calling the API, so a burst of follows shares calls. Default 500 ms. */
  debounceMs?: number;
  /** How long a claimed follower is hidden from other instances. Default 60 s. */
  leaseMs?: number;
  /** First retry delay after a failed call; doubles per consecutive failure of that account. Default 5 s. */
  retryBaseMs?: number;
  /** Longest retry delay. Default 10 min. */
  retryMaxMs?: number;
  /**
   * Look at the queue this often even without a nudge: followers deferred by a failure, queued by another
   * instance, or left behind by a crashed one. Default 30 s.
   */
  pollMs?: number;
  /** Unix milliseconds; must agree with the store's clock, which compares retry times with it. Default Date.now. */
  clock?: () => number;
}

/** `user/info/batchget` takes at most 100 OpenIDs a call (WECHAT-PROTOCOL.md §6.2). */
export const BATCH_SIZE = 100;

/**
 * Stores `user/info` results (enrichment and sync alike). A UnionID never changes for an OpenID: the first
 * stays, a different one reported is recorded and logged, and the operator sees both on the follower page.
 */
export async function saveUserInfo(
  followers: Pick<FollowerRepo, 'saveEnrichment'>,
  appid: string,
  infos: UserInfoFields[],
  log: Logger,
): Promise<void> {
  // Someone who left gets little more than their openid from user/info (§6.2), and whatever else comes is
  // an empty default, not news: the last known profile, scene, tags and remark stay (issue 12).
  const kept = infos.map((i) =>
    i.subscribe === 0 ? { openid: i.openid, subscribe: 0, ...(i.unionid ? { unionid: i.unionid } : {}) } : i,
  );
  for (const conflict of await followers.saveEnrichment(appid, kept)) {
    log.warn(conflict, 'WeChat reported another UnionID for a follower; kept the first and recorded both');
  }
}

/** What one pass over the queue did. */
export interface EnrichmentPass {
  /** Followers enriched. */
  enriched: number;
  /** Followers put back for a later retry. */
  deferred: number;
  /** user/info/batchget calls made (successful or not). */
  calls: number;
}

/**
 * Fills in followers from `user/info/batchget` (INTERFACE.md §4), off the reply path: capture only queues
 * a follower and nudges; the worker claims up to 100 queued followers at a time under a lease (so several
 * instances share one queue), calls the API once per account per claim, and saves the result. A failed call
 * defers its followers with exponential backoff; they stay queued in the database, so neither a restart
 * nor a long outage loses them. On start it works through whatever is already queued.
 */
export class EnrichmentWorker {
  private readonly followers: FollowerRepo;
  private readonly apiFor: (appid: string) => UserInfoSource | undefined;
  private readonly log: Logger;
  private readonly debounceMs: number;
  private readonly leaseMs: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly pollMs: number;
  private readonly clock: () => number;

  /** Consecutive failures per account: an outage is usually account-wide (token, quota, API down). */
  private readonly failures = new Map<string, number>();
  private running: Promise<EnrichmentPass> | null = null;
  private debounceTimer: NodeJS.Timeout | null = null;
  private retryTimer: { at: number; timer: NodeJS.Timeout } | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private nudgedWhileRunning = false;
  private started = false;
  private stopping = false;

  constructor(options: EnrichmentWorkerOptions) {
    this.followers = options.followers;
    this.apiFor = options.apiFor;
    this.log = options.logger ?? silentLogger;
    this.debounceMs = options.debounceMs ?? 500;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.retryBaseMs = options.retryBaseMs ?? 5_000;
    this.retryMaxMs = options.retryMaxMs ?? 10 * 60_000;
    this.pollMs = options.pollMs ?? 30_000;
    this.clock = options.clock ?? Date.now;
  }

  /** Starts working: at once on what is already queued (left by a previous run), then on nudges and polls. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    this.pollTimer = setInterval(() => this.kick(), this.pollMs);
    this.pollTimer.unref();
    this.kick();
  }

  /**
   * Stops scheduling and waits for the pass in progress (at most one batch of API calls). Followers it had
   * not reached stay queued for the next start.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.started = false;
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer.timer);
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.debounceTimer = this.pollTimer = this.retryTimer = null;
    await this.running?.catch(() => undefined);
  }

  /**
   * Says "something was queued". Cheap and synchronous, safe on the reply path: the first nudge of a quiet
   * period schedules a pass after the debounce; further nudges before it runs join it.
   */
  nudge(): void {
    if (!this.started) return;
    if (this.running) {
      this.nudgedWhileRunning = true;
      return;
    }
    if (this.debounceTimer) return;
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = null;
      this.kick();
    }, this.debounceMs);
    this.debounceTimer.unref();
  }

  /**
   * Works through the queue now, without debounce, until nothing is due (deferred followers whose retry
   * time has not come are left). For tests and one-off runs; works whether the worker was started or not.
   */
  async drain(): Promise<EnrichmentPass> {
    const total: EnrichmentPass = { enriched: 0, deferred: 0, calls: 0 };
    for (;;) {
      // Let a scheduled pass finish first: two passes in one process would only compete for claims.
      if (this.running) await this.running.catch(() => undefined);
      const pass = await this.runPass(true);
      total.enriched += pass.enriched;
      total.deferred += pass.deferred;
      total.calls += pass.calls;
      if (pass.enriched + pass.deferred === 0) return total;
    }
  }

  /** Runs a pass unless one is running (then it will look again when done). */
  private kick(): void {
    if (this.stopping) return;
    if (this.running) {
      this.nudgedWhileRunning = true;
      return;
    }
    void this.runPass(false).catch((err: unknown) => {
      this.log.error({ err }, 'follower enrichment pass failed');
      this.scheduleRetry(this.clock() + this.retryBaseMs);
    });
  }

  private runPass(untilEmpty: boolean): Promise<EnrichmentPass> {
    const pass = this.work(untilEmpty).finally(() => {
      this.running = null;
      if (this.nudgedWhileRunning && !this.stopping) {
        this.nudgedWhileRunning = false;
        this.nudge();
      }
    });
    this.running = pass;
    return pass;
  }

  /**
   * Claims and enriches batches until a claim comes back short of a full batch: the queue is then
   * (momentarily) empty, and follows arriving meanwhile wait for the next debounced pass rather than each
   * costing a small call of their own.
   */
  private async work(untilEmpty: boolean): Promise<EnrichmentPass> {
    const pass: EnrichmentPass = { enriched: 0, deferred: 0, calls: 0 };
    while (!this.stopping || untilEmpty) {
      const claimed = await this.followers.claimForEnrichment(BATCH_SIZE, this.leaseMs);
      if (claimed.length === 0) break;
      for (const [appid, openids] of groupByAppid(claimed)) {
        await this.enrich(appid, openids, pass);
      }
      if (claimed.length < BATCH_SIZE && !untilEmpty) break;
    }
    return pass;
  }

  private async enrich(appid: string, openids: string[], pass: EnrichmentPass): Promise<void> {
    const api = this.apiFor(appid);
    if (!api) {
      // An account that is queued but not configured here (removed, or served by another deployment):
      // keep its followers queued, but out of this worker's way for long.
      this.log.warn({ appid, count: openids.length }, 'no API client for account; enrichment deferred');
      await this.followers.deferEnrichment(appid, openids, this.clock() + this.retryMaxMs);
      pass.deferred += openids.length;
      return;
    }
    pass.calls++;
    let infos: UserInfoFields[];
    try {
      infos = await api.batchGetUserInfo(openids);
    } catch (err) {
      if (errcodeOf(err) === 40003) {
        if (openids.length > 1) {
          // 40003 fails the whole call for one bad OpenID; halve until it is alone, so the other 99 still
          // get enriched (about 2·log2(100) extra calls per bad OpenID, only when this happens).
          const half = Math.ceil(openids.length / 2);
          await this.enrich(appid, openids.slice(0, half), pass);
          await this.enrich(appid, openids.slice(half), pass);
          return;
        }
        // The OpenID itself is refused (not of this account): not an outage, so no backoff for the rest.
        this.log.warn({ err, appid, openid: openids[0] }, 'WeChat refuses this OpenID; enrichment deferred');
        await this.followers.deferEnrichment(appid, openids, this.clock() + this.retryMaxMs);
        pass.deferred += 1;
        return;
      }
      const failures = (this.failures.get(appid) ?? 0) + 1;
      this.failures.set(appid, failures);
      // 45011 is the per-minute quota: WeChat asks for at least a minute (WECHAT-PROTOCOL.md §7).
      const delay =
        errcodeOf(err) === 45011 ? Math.max(60_000, this.backoff(failures)) : this.backoff(failures);
      const retryAt = this.clock() + delay;
      this.log.warn(
        { err, appid, count: openids.length, failures, retryInMs: delay },
        'user/info/batchget failed; enrichment deferred',
      );
      await this.followers.deferEnrichment(appid, openids, retryAt);
      pass.deferred += openids.length;
      this.scheduleRetry(retryAt);
      return;
    }
    this.failures.delete(appid);
    await saveUserInfo(this.followers, appid, infos, this.log);
    pass.enriched += infos.length;
    // WeChat answers for every OpenID it was given; if one is missing anyway, retry it later rather than
    // leave it leased and forgotten.
    const answered = new Set(infos.map((i) => i.openid));
    const missing = openids.filter((o) => !answered.has(o));
    if (missing.length > 0) {
      const retryAt = this.clock() + this.backoff(1);
      await this.followers.deferEnrichment(appid, missing, retryAt);
      pass.deferred += missing.length;
      this.scheduleRetry(retryAt);
    }
  }

  /** base·2^(n−1), capped, with ±20 % jitter so instances that failed together do not retry together. */
  private backoff(failures: number): number {
    const delay = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.min(failures - 1, 30));
    return Math.round(delay * (0.8 + Math.random() * 0.4));
  }

  /** One timer for the earliest pending retry; the poll covers anything later. */
  private scheduleRetry(at: number): void {
    if (!this.started || this.stopping) return;
    if (this.retryTimer && this.retryTimer.at <= at) return;
    if (this.retryTimer) clearTimeout(this.retryTimer.timer);
    const timer = setTimeout(
      () => {
        this.retryTimer = null;
        this.kick();
      },
      // A few ms late, so the database sees the retry time as passed.
      Math.max(0, at - this.clock()) + 5,
    );
    timer.unref();
    this.retryTimer = { at, timer };
  }
}

function groupByAppid(claimed: Array<{ appid: string; openid: string }>): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const { appid, openid } of claimed) {
    const group = groups.get(appid);
    if (group) group.push(openid);
    else groups.set(appid, [openid]);
  }
  return groups;
}

/** The WeChat errcode of an API error, read by shape so any API client works (WECHAT-PROTOCOL.md §7). */
function errcodeOf(err: unknown): number | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { errcode?: unknown }).errcode : undefined;
  return typeof code === 'number' ? code : undefined;
}
