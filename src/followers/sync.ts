import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { FollowerRepo } from './follower-repo.js';
import type { SyncStateRepo } from './sync-state-repo.js';
import type { SyncRun, SyncRunCounts, SyncRunRepo, SyncTrigger } from './sync-run-repo.js';
import { BATCH_SIZE, saveUserInfo, type UserInfoSource } from './enrichment.js';
import { refreshTagsAndBlacklist, type TagListApi } from './tag-refresh.js';
import type { TagRepo } from './tag-repo.js';

/** One page of `user/get` (WECHAT-PROTOCOL.md §6.3), as the API client returns it. */
export interface FollowerListPage {
  total: number;
  count: number;
  openids: string[];
  /** Empty, null or absent at the end of the list (WeChat may also repeat the last OpenID there). */
  nextOpenid?: string | null | undefined;
}

/** What a sync needs of the WeChat API client: `user/get` and `user/info/batchget`. */
export interface SyncApi extends UserInfoSource {
  getFollowers(nextOpenid?: string): Promise<FollowerListPage>;
  /** With these two (and `store.tags`), a sync also refreshes the tag list and the blacklist (issue 14). */
  getTags?: TagListApi['getTags'];
  getBlacklist?: TagListApi['getBlacklist'];
}

/** Where a sync is, reported after every step. */
export interface SyncProgress {
  appid: string;
  phase: 'listing' | 'done';
  /** The follower count `user/get` reports (0 until the first page). */
  total: number;
  /** OpenIDs listed so far, including pages listed before a resume. */
  listed: number;
  /** Followers enriched by this run. */
  enriched: number;
  /** Followers whose enrichment failed in this run: they stay queued for the enrichment worker. */
  enrichFailed: number;
  /** Followers marked unsubscribed because the list no longer has them (phase `done`). */
  unsubscribed: number;
  /** Listed followers the store did not hold as subscribed: follows the webhook missed. */
  newlyFound: number;
  /** True when this run continued an interrupted sync. */
  resumed: boolean;
}

/** The outcome of {@link syncFollowers}. */
export type SyncResult = Omit<SyncProgress, 'phase'> & { syncId: string; runId: number };

/** What a sync keeps its state and its record in. */
export interface SyncStore {
  followers: FollowerRepo;
  syncState: SyncStateRepo;
  syncRuns: SyncRunRepo;
  /** The local tag list and blacklist, refreshed at the end of a sync when given. */
  tags?: TagRepo;
}

/** Another instance (or `wxoa sync`) is syncing this account: its lease is live. */
export class SyncBusyError extends Error {
  override readonly name = 'SyncBusyError';
  constructor(readonly running: SyncRun) {
    super(
      `a sync of ${running.appid} is already running (${running.trigger}, on ${running.holder}, ` +
        `since ${new Date(running.startedAt).toISOString()}); try again once it has finished`,
    );
  }
}

/** This run's lease ran out and another run took the sync over: this one stops without finishing it. */
export class SyncLeaseLostError extends Error {
  override readonly name = 'SyncLeaseLostError';
}

/** How long a run's lease lasts without renewal; renewed after every page and enrichment call. */
export const SYNC_LEASE_MS = 10 * 60_000;

/** This process, as a sync run's holder. */
export const INSTANCE = `${hostname()}:${process.pid}`;

/** Options of {@link syncFollowers}. */
export interface SyncOptions {
  store: SyncStore;
  api: SyncApi;
  appid: string;
  /** Recorded with the run. Default `cli`. */
  trigger?: SyncTrigger;
  /** Recorded with the run. Default this host and process. */
  holder?: string;
  /** Default {@link SYNC_LEASE_MS}. */
  leaseMs?: number;
  onProgress?: (progress: SyncProgress) => void;
  /** Aborting stops between steps; the sync resumes where it stopped on the next run. */
  signal?: AbortSignal;
  logger?: Logger;
  /** batchget calls in flight at once. Default 4. */
  enrichConcurrency?: number;
}

/** `user/get` returns up to 10 000 OpenIDs a page (WECHAT-PROTOCOL.md §6.3). */
export const USER_GET_PAGE_SIZE = 10_000;

// markListed writes this many rows per statement: with a synchronous driver a 10 000-row page in one
// transaction would hold the event loop long enough to delay pushes; between slices the loop runs.
const LISTED_SLICE = 1000;
// After this many failed batchget calls in a row the API is taken to be down: the sync keeps listing and
// leaves enrichment to the worker's backoff instead of hammering it 100 times a page.
const MAX_CONSECUTIVE_ENRICH_FAILURES = 3;

/**
 * Reconciles the stored followers of one account with WeChat's list (INTERFACE.md §1 `wxoa sync`, §4):
 * pages `user/get` (10 000 OpenIDs a page), records each page as subscribed followers stamped with this
 * sync's id, enriches them through `user/info/batchget` (100 a call, refreshing what was stored), and at
 * the end marks followers the list no longer holds as unsubscribed.
 *
 * Resumable: the page cursor is saved in `store.syncState` after each page, so a crashed or aborted sync
 * continues from `next_openid` with the same sync id, and followers listed before the crash still count
 * as listed.
 *
 * One run per account at a time, across every instance on the database: the run first takes the account's
 * lease in `store.syncRuns` ({@link SyncBusyError} while another holds it), renews it after every page, and
 * stops ({@link SyncLeaseLostError}) once another run has taken over an expired one. Every run is recorded
 * there with what it changed and how it ended.
 */
export async function syncFollowers(options: SyncOptions): Promise<SyncResult> {
  const { store, api, appid, signal } = options;
  const log = options.logger ?? silentLogger;
  const concurrency = options.enrichConcurrency ?? 4;
  const leaseMs = options.leaseMs ?? SYNC_LEASE_MS;

  signal?.throwIfAborted();
  // The lease first: only its holder touches the cursor, and a second instance leaves the account alone.
  const begun = await store.syncRuns.begin({
    appid,
    trigger: options.trigger ?? 'cli',
    holder: options.holder ?? INSTANCE,
    resumed: (await store.syncState.get(appid)) !== null,
    leaseMs,
  });
  if ('busy' in begun) throw new SyncBusyError(begun.busy);
  const runId = begun.run.id;
  // Read again under the lease: a run that ended just before it was taken may have cleared the cursor.
  const saved = await store.syncState.get(appid);
  const progress: SyncProgress = {
    appid,
    phase: 'listing',
    total: 0,
    listed: saved?.listed ?? 0,
    enriched: 0,
    enrichFailed: 0,
    unsubscribed: 0,
    newlyFound: 0,
    resumed: saved !== null,
  };
  const counts = (): SyncRunCounts => ({
    listed: progress.listed,
    newlyFound: progress.newlyFound,
    unsubscribed: progress.unsubscribed,
    enriched: progress.enriched,
    enrichFailed: progress.enrichFailed,
  });
  // Records progress (and so renews the lease) after each step; a lost lease stops this run where it is.
  const checkpoint = async () => {
    if (!(await store.syncRuns.update(runId, counts(), leaseMs))) {
      throw new SyncLeaseLostError(`the sync lease of ${appid} was taken over by another run; stopping`);
    }
  };

  try {
    const result = await runSync(saved, progress, checkpoint);
    await store.syncRuns.finish(runId, 'done', counts());
    return { ...result, runId };
  } catch (err) {
    if (!(err instanceof SyncLeaseLostError)) {
      const outcome = signal?.aborted ? 'interrupted' : 'failed';
      await store.syncRuns
        .finish(
          runId,
          outcome,
          counts(),
          outcome === 'failed' ? String((err as Error)?.message ?? err) : null,
        )
        .catch((e: unknown) => log.warn({ err: e, appid }, 'could not record the end of a sync run'));
    }
    throw err;
  }

  // Tags and the blacklist need a verified account (48001 otherwise): a failure is logged, the sync stands.
  async function refreshTags(): Promise<void> {
    const { getTags, getBlacklist } = api;
    if (!store.tags || !getTags || !getBlacklist) return;
    try {
      const refreshed = await refreshTagsAndBlacklist(
        { getTags: () => getTags.call(api), getBlacklist: (b) => getBlacklist.call(api, b) },
        store.tags,
        appid,
      );
      log.info({ appid, ...refreshed }, 'tag list and blacklist refreshed');
    } catch (err) {
      log.warn({ err, appid }, 'could not refresh the tag list and blacklist');
    }
  }

  async function runSync(
    saved: { syncId: string; nextOpenid: string | null; listed: number } | null,
    progress: SyncProgress,
    checkpoint: () => Promise<void>,
  ): Promise<Omit<SyncResult, 'runId'>> {
    const syncId = saved?.syncId ?? randomUUID();
    let next = saved?.nextOpenid ?? null;
    if (saved) log.info({ appid, syncId, listed: saved.listed }, 'resuming follower sync');
    else await store.syncState.set(appid, { syncId, nextOpenid: null, listed: 0 });
    const report = () => options.onProgress?.({ ...progress });
    report();

    let consecutiveFailures = 0;
    const enrich = async (openids: string[]) => {
      if (consecutiveFailures >= MAX_CONSECUTIVE_ENRICH_FAILURES) {
        progress.enrichFailed += openids.length;
        return;
      }
      try {
        const infos = await api.batchGetUserInfo(openids);
        await saveUserInfo(store.followers, appid, infos, log);
        consecutiveFailures = 0;
        progress.enriched += infos.length;
      } catch (err) {
        // They are queued (markListed queued them): the enrichment worker retries them with backoff.
        consecutiveFailures++;
        progress.enrichFailed += openids.length;
        log.warn({ err, appid, count: openids.length }, 'enrichment during sync failed; left queued');
      }
      report();
    };

    for (;;) {
      signal?.throwIfAborted();
      const page = await api.getFollowers(next ?? undefined);
      progress.total = page.total;
      const openids = page.openids;
      if (openids.length === 0) break;

      for (let i = 0; i < openids.length; i += LISTED_SLICE) {
        signal?.throwIfAborted();
        progress.newlyFound += await store.followers.markListed(
          appid,
          openids.slice(i, i + LISTED_SLICE),
          syncId,
        );
        await yieldToEventLoop();
      }
      const batches: string[][] = [];
      for (let i = 0; i < openids.length; i += BATCH_SIZE) batches.push(openids.slice(i, i + BATCH_SIZE));
      await pool(batches, concurrency, enrich, signal);

      progress.listed += openids.length;
      // The list is over when WeChat sends no cursor, or the one we asked with (§6.3): never loop on it. A short
      // page that brings the count up to the total is the last one too: asking again would only chase people
      // following right now, whom the webhook captures anyway (with this sync's id, so they are not unlisted).
      const last = openids.length < USER_GET_PAGE_SIZE && progress.listed >= page.total;
      const more = page.nextOpenid && page.nextOpenid !== next && !last ? page.nextOpenid : null;
      await checkpoint();
      // The cursor is saved only once the page is listed and enriched: a crash inside a page redoes it.
      // After the last page nothing is saved: a crash before the end redoes the last page, no worse.
      if (more) await store.syncState.set(appid, { syncId, nextOpenid: more, listed: progress.listed });
      report();
      if (!more) break;
      next = more;
    }

    signal?.throwIfAborted();
    // Still the holder right before the one step that changes followers not listed by this run.
    await checkpoint();
    progress.unsubscribed = await store.followers.markUnlisted(appid, syncId, Math.floor(Date.now() / 1000));
    await store.syncState.clear(appid);
    await refreshTags();
    progress.phase = 'done';
    report();
    log.info({ syncId, ...progress }, 'follower sync finished');
    const { phase: _phase, ...result } = progress;
    return { ...result, syncId };
  }
}

/** Runs `task` over `items` with at most `limit` in flight; stops taking new items once `signal` aborts. */
async function pool<T>(
  items: T[],
  limit: number,
  task: (item: T) => Promise<void>,
  signal: AbortSignal | undefined,
): Promise<void> {
  let index = 0;
  const runner = async () => {
    while (index < items.length && !signal?.aborted) {
      const item = items[index++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, runner));
  signal?.throwIfAborted();
}

/** One account a periodic sync covers. */
export interface SyncAccount {
  appid: string;
  api: SyncApi;
}

/** A sync that repeats on a timer; see {@link createPeriodicSync}. */
export interface PeriodicSync {
  /** Schedules the first check {@link PeriodicSyncOptions.startDelayMs} from now. Nothing when the interval is 0 (off). */
  start(): void;
  /** Cancels the timer and aborts a run in progress; the interrupted sync resumes on the next run. */
  stop(): Promise<void>;
  /**
   * Syncs every account that is due now, one after another (a failure of one does not stop the others); an
   * account another instance is syncing is skipped. `force` syncs the accounts not yet due too.
   */
  runOnce(force?: boolean): Promise<SyncResult[]>;
}

/** Options of {@link createPeriodicSync}. */
export interface PeriodicSyncOptions {
  store: SyncStore;
  /** The accounts to sync, or a function read at each check (accounts learnt while running: authorizers). */
  accounts: readonly SyncAccount[] | (() => readonly SyncAccount[]);
  logger?: Logger;
  /** Calls `run` once after `ms`; tests pass a manual one. Default: an unref'd `setTimeout`. */
  setTimer?: (run: () => void, ms: number) => { cancel(): void };
  /** Unix ms, the clock of the store's records. Default Date.now. */
  clock?: () => number;
  /**
   * The first check after start: an account never synced, or whose last run did not finish, syncs then.
   * Default 5 minutes, so a restart loop does not become a sync loop and a new server settles first.
   */
  startDelayMs?: number;
  /** Recorded as the runs' holder. Default this host and process. */
  holder?: string;
  /** Default {@link SYNC_LEASE_MS}. */
  leaseMs?: number;
}

/** Default first check after start. */
export const SYNC_START_DELAY_MS = 5 * 60_000;
/** A run that failed is tried again after this, or the interval if shorter. */
const RETRY_FAILED_MS = 60 * 60_000;
/** setTimeout takes at most 2^31-1 ms; a longer wait is several checks. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function realTimer(run: () => void, ms: number): { cancel(): void } {
  const timer = setTimeout(run, ms);
  timer.unref();
  return { cancel: () => clearTimeout(timer) };
}

/**
 * The periodic sync of INTERFACE.md §4 (`WXOA_SYNC_INTERVAL` seconds, 0 = off). When an account is due is
 * read from the recorded runs in the database, which every instance shares: a run of any instance (or of
 * `wxoa sync`) counts, so N instances still sync once an interval, and a restart does not push the next run
 * back. The next check is scheduled when the previous one ends, so runs of one instance never overlap;
 * the sync lease keeps those of different instances apart.
 */
export function createPeriodicSync(intervalSeconds: number, options: PeriodicSyncOptions): PeriodicSync {
  const log = options.logger ?? silentLogger;
  const setTimer = options.setTimer ?? realTimer;
  const clock = options.clock ?? Date.now;
  const intervalMs = intervalSeconds * 1000;
  const accounts = (): readonly SyncAccount[] =>
    typeof options.accounts === 'function' ? options.accounts() : options.accounts;
  let timer: { cancel(): void } | null = null;
  let current: Promise<SyncResult[]> | null = null;
  let abort: AbortController | null = null;
  let active = false;

  /** When an account should sync next (Unix ms), from its newest recorded run. */
  const dueAt = async (appid: string): Promise<number> => {
    const [last] = await options.store.syncRuns.recent(appid, 1);
    if (!last) return 0;
    // Another instance's run: look again when its lease would run out (it renews it while alive).
    if (last.outcome === 'running') return last.leaseUntil;
    if (last.outcome === 'done') return last.startedAt + intervalMs;
    if (last.outcome === 'failed')
      return (last.finishedAt ?? last.startedAt) + Math.min(intervalMs, RETRY_FAILED_MS);
    return 0; // interrupted or abandoned: resume at the next check
  };

  const runOnce = async (force = false): Promise<SyncResult[]> => {
    if (current) return current;
    abort = new AbortController();
    const signal = abort.signal;
    current = (async () => {
      const results: SyncResult[] = [];
      for (const { appid, api } of accounts()) {
        if (signal.aborted) break;
        try {
          if (!force && (await dueAt(appid)) > clock()) continue;
          results.push(
            await syncFollowers({
              store: options.store,
              api,
              appid,
              signal,
              logger: log,
              trigger: 'periodic',
              ...(options.holder ? { holder: options.holder } : {}),
              ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
            }),
          );
        } catch (err) {
          if (signal.aborted) break;
          if (err instanceof SyncBusyError) log.info({ appid }, 'follower sync skipped: ' + err.message);
          else log.error({ err, appid }, 'periodic follower sync failed; it is tried again later');
        }
      }
      return results;
    })().finally(() => {
      current = null;
      abort = null;
    });
    return current;
  };

  /** Time until the first account is due, at most the interval, at least a second. */
  const nextDelay = async (): Promise<number> => {
    let next = clock() + intervalMs;
    for (const { appid } of accounts()) {
      try {
        next = Math.min(next, await dueAt(appid));
      } catch (err) {
        log.warn({ err, appid }, 'could not read the last follower sync; checking again in one interval');
      }
    }
    return Math.min(MAX_TIMER_MS, Math.max(1000, next - clock()));
  };

  const schedule = (ms: number) => {
    // Already scheduled: restarted (stop, start) while a run was winding down, whose end calls this again.
    // A second timer would start a second chain that stop() could not cancel.
    if (!active || timer) return;
    timer = setTimer(() => {
      timer = null;
      void runOnce()
        .then(nextDelay, () => intervalMs)
        .then((delay) => schedule(delay));
    }, ms);
  };

  return {
    start() {
      if (active || intervalSeconds <= 0) return;
      active = true;
      schedule(options.startDelayMs ?? SYNC_START_DELAY_MS);
    },
    async stop() {
      active = false;
      timer?.cancel();
      timer = null;
      abort?.abort();
      await current?.catch(() => undefined);
    },
    runOnce,
  };
}
