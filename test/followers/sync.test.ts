import { expect } from 'chai';
import {
  createPeriodicSync,
  SyncBusyError,
  SyncLeaseLostError,
  syncFollowers,
  type SyncProgress,
  type SyncResult,
} from '../../src/followers/sync.js';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import type { Store } from '../../src/store/types.js';
import type { WechatApi } from '../../src/wechat-api/index.js';
import { apiFor, batchgetCalls, ENGINES, startCaptureServer, testDb, type TestDb } from './support.js';

const userGetCalls = (sim: Simulator) => sim.calls.filter((c) => c.path === '/cgi-bin/user/get');

/** A `setTimer` for the periodic sync that fires only when the test says so. */
function manualTimers() {
  const pending: Array<{ run: () => void; ms: number }> = [];
  const waiters: Array<() => void> = [];
  const timers = {
    pending,
    cancelled: 0,
    setTimer(run: () => void, ms: number) {
      const timer = { run, ms };
      pending.push(timer);
      waiters.splice(0).forEach((wake) => wake());
      return {
        cancel() {
          const i = pending.indexOf(timer);
          if (i < 0) return;
          pending.splice(i, 1);
          timers.cancelled++;
        },
      };
    },
    /** Runs the oldest pending timer, as its time having come. */
    fire() {
      const timer = pending.shift();
      if (!timer) throw new Error('no timer is pending');
      timer.run();
    },
    /** Resolves when the next timer is set. */
    next: () => new Promise<void>((resolve) => waiters.push(resolve)),
  };
  return timers;
}

for (const engine of ENGINES) {
  describe(`follower sync (${engine})`, function () {
    this.timeout(120_000);
    let db: TestDb;
    let store: Store;
    let sim: Simulator;
    let account: SimAccount;
    let api: WechatApi;
    /** Added to the store's clock: a test moves time forward by it, never sleeps. */
    let offset = 0;
    const clock = () => Date.now() + offset;

    beforeEach(async function () {
      offset = 0;
      db = await testDb(engine, this);
      store = await db.open({ clock });
      sim = await startSimulator();
      account = sim.createAccount();
      api = apiFor(sim, account);
    });

    afterEach(async () => {
      await sim.close();
      await db.dispose();
    });

    /** Subscribed followers not enriched yet (the one who left stays queued for the worker). */
    async function unenrichedSubscribers(): Promise<string[]> {
      const found: string[] = [];
      for await (const f of store.followers.iterate(account.appid))
        if (f.subscribed && !f.enrichedAt) found.push(f.openid);
      return found;
    }

    /** A follower captured while the webhook was up, who later unfollowed while it was down (push lost). */
    async function followerWhoLeftUnseen(): Promise<string> {
      const server = await startCaptureServer({ store, accounts: [account] });
      const follower = account.follower();
      await follower.follow();
      await server.drain();
      await server.close();
      await follower.unfollow(); // no webhook: WeChat's list changes, our store does not hear of it
      return follower.openid;
    }

    it('lists 10 500 followers over two pages, enriches each and marks the one who left unsubscribed', async () => {
      const gone = await followerWhoLeftUnseen();
      expect((await store.followers.get(account.appid, gone))?.subscribed).to.equal(true);
      const seeded = account.seedFollowers(10_500);
      const progress: SyncProgress[] = [];

      const result = await syncFollowers({
        store,
        api,
        appid: account.appid,
        onProgress: (p) => progress.push(p),
      });

      expect(result).to.include({
        listed: 10_500,
        enriched: 10_500,
        enrichFailed: 0,
        unsubscribed: 1,
        resumed: false,
      });
      // Two pages; the second, short and reaching the total, is the last: no third call.
      expect(userGetCalls(sim).map((c) => c.query['next_openid'] ?? null)).to.deep.equal([
        null,
        seeded[9_999]!.openid,
      ]);
      expect(batchgetCalls(sim)).to.equal(105);
      expect(await unenrichedSubscribers()).to.deep.equal([]);
      expect(await store.followers.get(account.appid, gone)).to.include({ subscribed: false });
      expect((await store.followers.get(account.appid, gone))?.unsubscribeTime).to.be.a('number');
      const last = await store.followers.get(account.appid, seeded[10_499]!.openid);
      expect(last).to.include({
        subscribed: true,
        unionid: seeded[10_499]!.unionid,
        subscribeScene: 'ADD_SCENE_SEARCH',
      });
      expect(await store.syncState.get(account.appid)).to.equal(null);
      expect(progress[0]).to.include({ phase: 'listing', listed: 0 });
      expect(progress.at(-1)).to.include({ phase: 'done', listed: 10_500, total: 10_500 });
      // The run is recorded with what it changed.
      const runs = await store.syncRuns.recent(account.appid, 5);
      expect(runs).to.have.length(1);
      expect(runs[0]).to.include({
        id: result.runId,
        trigger: 'cli',
        outcome: 'done',
        listed: 10_500,
        newlyFound: 10_500,
        unsubscribed: 1,
        enriched: 10_500,
        enrichFailed: 0,
        resumed: false,
        error: null,
      });
      expect(runs[0]!.finishedAt).to.be.at.least(runs[0]!.startedAt);
    });

    it('resumes a sync that failed mid-way from the saved cursor, with the same sync id', async () => {
      const gone = await followerWhoLeftUnseen();
      const seeded = account.seedFollowers(10_500);

      // WeChat fails the second page: the sync stops with an error after listing the first.
      let failure: unknown;
      try {
        await syncFollowers({
          store,
          api,
          appid: account.appid,
          onProgress: (p) => {
            if (p.listed === 10_000) sim.misbehave({ kind: 'http_500', path: '/cgi-bin/user/get', times: 1 });
          },
        });
      } catch (err) {
        failure = err;
      }
      expect(failure).to.be.instanceOf(Error);
      const saved = await store.syncState.get(account.appid);
      expect(saved).to.include({ nextOpenid: seeded[9_999]!.openid, listed: 10_000 });
      expect((await store.followers.get(account.appid, gone))?.subscribed).to.equal(true);

      sim.clearCalls();
      const result = await syncFollowers({ store, api, appid: account.appid });

      expect(result).to.include({ resumed: true, listed: 10_500, unsubscribed: 1, syncId: saved!.syncId });
      expect(userGetCalls(sim)[0]?.query['next_openid']).to.equal(seeded[9_999]!.openid);
      expect(batchgetCalls(sim)).to.equal(5); // only the 500 of the second page
      // Followers listed before the failure still count as listed: nobody of page one was marked gone.
      const page = await store.followers.list({ appid: account.appid, subscribed: false, limit: 10 });
      expect(page.followers.map((f) => f.openid)).to.deep.equal([gone]);
      expect(await unenrichedSubscribers()).to.deep.equal([]);
      const runs = await store.syncRuns.recent(account.appid, 5);
      expect(runs.map((r) => [r.outcome, r.resumed, r.listed])).to.deep.equal([
        ['done', true, 10_500],
        ['failed', false, 10_000],
      ]);
      expect(runs[1]!.error).to.match(/user\/get|500/);
    });

    it('stops when aborted and leaves the sync to resume', async () => {
      account.seedFollowers(10_001);
      const abort = new AbortController();
      let failure: unknown;
      try {
        await syncFollowers({
          store,
          api,
          appid: account.appid,
          signal: abort.signal,
          onProgress: (p) => {
            if (p.listed === 10_000) abort.abort();
          },
        });
      } catch (err) {
        failure = err;
      }
      expect((failure as Error).name).to.equal('AbortError');
      expect(await store.syncState.get(account.appid)).to.include({ listed: 10_000 });
      expect(userGetCalls(sim)).to.have.length(1);

      expect((await store.syncRuns.recent(account.appid, 1))[0]).to.include({
        outcome: 'interrupted',
        error: null,
      });
      const result = await syncFollowers({ store, api, appid: account.appid });
      expect(result).to.include({ resumed: true, listed: 10_001, unsubscribed: 0 });
    });

    it('refuses a second sync of an account while one runs, and leaves that one alone', async () => {
      const gone = await followerWhoLeftUnseen();
      account.seedFollowers(10_001);
      let second: Promise<unknown> | undefined;
      const first = await syncFollowers({
        store,
        api,
        appid: account.appid,
        holder: 'instance-a',
        onProgress: (p) => {
          // Staged: once the first page is listed, another instance tries the same account.
          if (p.listed === 10_000 && !second) {
            second = syncFollowers({ store, api, appid: account.appid, holder: 'instance-b' }).then(
              () => 'synced',
              (err: unknown) => err,
            );
          }
        },
      });
      const refused = await second;
      expect(refused).to.be.instanceOf(SyncBusyError);
      expect((refused as SyncBusyError).message).to.match(/already running.*instance-a/);
      expect(first).to.include({ listed: 10_001, unsubscribed: 1, resumed: false });
      expect((await store.followers.get(account.appid, gone))?.subscribed).to.equal(false);
      // One user/get chain (two pages), one recorded run.
      expect(userGetCalls(sim)).to.have.length(2);
      expect((await store.syncRuns.recent(account.appid, 5)).map((r) => [r.holder, r.outcome])).to.deep.equal(
        [['instance-a', 'done']],
      );
    });

    it('takes over a sync whose instance died, and the old run stops before unsubscribing anyone', async () => {
      const gone = await followerWhoLeftUnseen();
      account.seedFollowers(10_001);
      const LEASE = 60_000;
      let takeover: Promise<SyncResult> | undefined;
      let failure: unknown;
      try {
        await syncFollowers({
          store,
          api,
          appid: account.appid,
          holder: 'stalled',
          leaseMs: LEASE,
          onProgress: (p) => {
            // Staged: the first instance stalls past its lease before its first page is recorded; a second
            // one finds the lease run out, takes the sync over and finishes it.
            if (p.phase === 'listing' && p.listed === 0 && p.enriched === 0 && !takeover) {
              offset += LEASE + 1;
              takeover = syncFollowers({
                store,
                api,
                appid: account.appid,
                holder: 'rescuer',
                leaseMs: LEASE,
              });
            }
          },
        });
      } catch (err) {
        failure = err;
      }
      const rescued = await takeover!;
      expect(failure).to.be.instanceOf(SyncLeaseLostError);
      expect(rescued).to.include({ listed: 10_001, unsubscribed: 1 });
      expect((await store.followers.get(account.appid, gone))?.subscribed).to.equal(false);
      // Nobody listed by the rescuer was marked gone by the stalled run.
      expect(
        (await store.followers.list({ appid: account.appid, subscribed: false, limit: 10 })).followers,
      ).to.have.length(1);
      expect((await store.syncRuns.recent(account.appid, 5)).map((r) => [r.holder, r.outcome])).to.deep.equal(
        [
          ['rescuer', 'done'],
          ['stalled', 'abandoned'],
        ],
      );
    });

    it('keeps answering pushes well within the reply budget while a 10 000-follower sync runs', async () => {
      const server = await startCaptureServer({ store, accounts: [account] });
      try {
        const seeded = account.seedFollowers(10_000);
        let running = true;
        const sync = syncFollowers({ store, api, appid: account.appid }).finally(() => (running = false));
        let answered = 0;
        // Scans by listed followers: pushes that go through capture but do not grow the list being synced.
        for (let i = 0; running; i++) {
          const result = await seeded[i]!.scan(`during-sync`);
          expect(result.status).to.equal(200);
          // Answered before the simulator's 5 s, as WeChat waits: no second delivery.
          expect(result.deliveries).to.equal(1);
          answered++;
        }
        await sync;
        expect(answered).to.be.at.least(3);
      } finally {
        await server.close();
      }
    });

    it('syncs when the recorded runs say it is due: first at the start delay, then an interval after the last began', async () => {
      account.seedFollowers(50);
      const timers = manualTimers();
      const periodic = createPeriodicSync(60, {
        store,
        clock,
        startDelayMs: 5000,
        accounts: [{ appid: account.appid, api }],
        setTimer: timers.setTimer,
      });
      periodic.start();
      periodic.start(); // a second start schedules nothing more
      expect(timers.pending.map((t) => t.ms)).to.deep.equal([5000]);
      expect(sim.calls).to.have.length(0);

      // Each sync starts with a user/get without next_openid.
      const starts = () => userGetCalls(sim).filter((c) => c.query['next_openid'] === undefined).length;
      const tick = async () => {
        timers.fire();
        // While the run is in progress, nothing else is scheduled: runs never overlap.
        expect(timers.pending).to.have.length(0);
        const rescheduled = timers.next();
        await periodic.runOnce(); // joins the run in progress
        await rescheduled;
        return timers.pending[0]!.ms;
      };
      // Never synced: it syncs, and looks again when the interval since that run's start has passed.
      let delay = await tick();
      expect(starts()).to.equal(1);
      expect(delay).to.be.within(1000, 60_000);
      // Woken early: not due, no sync.
      delay = await tick();
      expect(starts()).to.equal(1);
      expect(delay).to.be.within(1000, 60_000);
      offset += 60_000;
      await tick();
      expect(starts()).to.equal(2);
      expect((await store.followers.list({ appid: account.appid, limit: 100 })).followers).to.have.length(50);
      expect(
        (await store.syncRuns.recent(account.appid, 5)).map((r) => [r.trigger, r.outcome]),
      ).to.deep.equal([
        ['periodic', 'done'],
        ['periodic', 'done'],
      ]);

      await periodic.stop();
      expect(timers.pending).to.have.length(0);
      expect(timers.cancelled).to.equal(1);
    });

    it('does not push the next sync back on a restart: a run by `wxoa sync` or another start counts', async () => {
      account.seedFollowers(5);
      await syncFollowers({ store, api, appid: account.appid });
      sim.clearCalls();
      offset += 30_000;
      const timers = manualTimers();
      const periodic = createPeriodicSync(60, {
        store,
        clock,
        startDelayMs: 5000,
        accounts: [{ appid: account.appid, api }],
        setTimer: timers.setTimer,
      });
      periodic.start();
      timers.fire();
      const rescheduled = timers.next();
      await periodic.runOnce();
      await rescheduled;
      expect(userGetCalls(sim)).to.have.length(0);
      // Due 60 s after the recorded run began, 30 s of which have passed.
      expect(timers.pending[0]!.ms).to.be.within(25_000, 30_000);
      await periodic.stop();
    });

    it('keeps one timer when restarted while a run is in progress', async () => {
      account.seedFollowers(5);
      const timers = manualTimers();
      const periodic = createPeriodicSync(60, {
        store,
        accounts: [{ appid: account.appid, api }],
        setTimer: timers.setTimer,
      });
      periodic.start();
      timers.fire(); // a run starts
      const stopped = periodic.stop(); // aborts it; start again before it has wound down
      periodic.start();
      await stopped;
      await new Promise((resolve) => setImmediate(resolve));
      expect(timers.pending).to.have.length(1);
      await periodic.stop();
      expect(timers.pending).to.have.length(0);
    });

    it('does not sync periodically when the interval is 0', async () => {
      account.seedFollowers(5);
      const timers = manualTimers();
      const periodic = createPeriodicSync(0, {
        store,
        accounts: [{ appid: account.appid, api }],
        setTimer: timers.setTimer,
      });
      periodic.start();
      expect(timers.pending).to.have.length(0);
      await periodic.stop();
      expect(sim.calls).to.have.length(0);
    });
  });
}
