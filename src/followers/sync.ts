import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { FollowerRepo } from './follower-repo.js';
import type { SyncStateRepo } from './sync-state-repo.js';
import { BATCH_SIZE, type UserInfoSource } from './enrichment.js';

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
  /** True when this run continued an interrupted sync. */
  resumed: boolean;
}

/** The outcome of {@link syncFollowers}. */
export type SyncResult = Omit<SyncProgress, 'phase'> & { syncId: string };

/** Options of {@link syncFollowers}. */
export interface SyncOptions {
  store: { followers: FollowerRepo; syncState: SyncStateRepo };
  api: SyncApi;
  appid: string;
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
 */
export async function syncFollowers(options: SyncOptions): Promise<SyncResult> {
  const { store, api, appid, signal } = options;
  const log = options.logger ?? silentLogger;
  const concurrency = options.enrichConcurrency ?? 4;

  const saved = await store.syncState.get(appid);
  const syncId = saved?.syncId ?? randomUUID();
  let next = saved?.nextOpenid ?? null;
  const progress: SyncProgress = {
    appid,
    phase: 'listing',
    total: 0,
    listed: saved?.listed ?? 0,
    enriched: 0,
    enrichFailed: 0,
    unsubscribed: 0,
    resumed: saved !== null,
  };
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
      for (const conflict of await store.followers.saveEnrichment(appid, infos)) {
        log.warn(
          conflict,
          'WeChat reported another UnionID for a follower; kept the first and recorded both',
        );
      }
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
      await store.followers.markListed(appid, openids.slice(i, i + LISTED_SLICE), syncId);
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
    // The cursor is saved only once the page is listed and enriched: a crash inside a page redoes it.
    // After the last page nothing is saved: a crash before the end redoes the last page, no worse.
    if (more) await store.syncState.set(appid, { syncId, nextOpenid: more, listed: progress.listed });
    report();
    if (!more) break;
    next = more;
  }

  signal?.throwIfAborted();
  progress.unsubscribed = await store.followers.markUnlisted(appid, syncId, Math.floor(Date.now() / 1000));
  await store.syncState.clear(appid);
  progress.phase = 'done';
  report();
  log.info({ syncId, ...progress }, 'follower sync finished');
  const { phase: _phase, ...result } = progress;
  return { ...result, syncId };
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
  /** Schedules the first run one interval from now. Does nothing when the interval is 0 (off). */
  start(): void;
  /** Cancels the timer and aborts a run in progress; the interrupted sync resumes on the next run. */
  stop(): Promise<void>;
  /** Syncs every account now, one after another (a failure of one does not stop the others). */
  runOnce(): Promise<SyncResult[]>;
}

/** Options of {@link createPeriodicSync}. */
export interface PeriodicSyncOptions {
  store: { followers: FollowerRepo; syncState: SyncStateRepo };
  accounts: SyncAccount[];
  logger?: Logger;
  /** Calls `run` once after `ms`; tests pass a manual one. Default: an unref'd `setTimeout`. */
  setTimer?: (run: () => void, ms: number) => { cancel(): void };
}

function realTimer(run: () => void, ms: number): { cancel(): void } {
  const timer = setTimeout(run, ms);
  timer.unref();
  return { cancel: () => clearTimeout(timer) };
}

/**
 * The periodic sync of INTERFACE.md §4 (`WXOA_SYNC_INTERVAL` seconds, 0 = off). The next run is scheduled
 * when the previous one ends, so runs never overlap however long a big account takes.
 */
export function createPeriodicSync(intervalSeconds: number, options: PeriodicSyncOptions): PeriodicSync {
  const log = options.logger ?? silentLogger;
  const setTimer = options.setTimer ?? realTimer;
  let timer: { cancel(): void } | null = null;
  let current: Promise<SyncResult[]> | null = null;
  let abort: AbortController | null = null;
  let active = false;

  const runOnce = async (): Promise<SyncResult[]> => {
    if (current) return current;
    abort = new AbortController();
    const signal = abort.signal;
    current = (async () => {
      const results: SyncResult[] = [];
      for (const { appid, api } of options.accounts) {
        if (signal.aborted) break;
        try {
          results.push(await syncFollowers({ store: options.store, api, appid, signal, logger: log }));
        } catch (err) {
          if (signal.aborted) break;
          log.error({ err, appid }, 'periodic follower sync failed; it resumes on the next run');
        }
      }
      return results;
    })().finally(() => {
      current = null;
      abort = null;
    });
    return current;
  };

  const schedule = () => {
    // Already scheduled: restarted (stop, start) while a run was winding down, whose end calls this again.
    // A second timer would start a second chain that stop() could not cancel.
    if (!active || timer) return;
    timer = setTimer(() => {
      timer = null;
      void runOnce().finally(schedule);
    }, intervalSeconds * 1000);
  };

  return {
    start() {
      if (active || intervalSeconds <= 0) return;
      active = true;
      schedule();
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
