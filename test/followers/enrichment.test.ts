import { expect } from 'chai';
import { EnrichmentWorker } from '../../src/followers/enrichment.js';
import {
  startSimulator,
  type SimAccount,
  type SimFollower,
  type Simulator,
} from '../../src/simulator/index.js';
import type { Store } from '../../src/store/types.js';
import {
  apiFor,
  batchgetCalls,
  ENGINES,
  eventually,
  inParallel,
  startCaptureServer,
  testDb,
  type CaptureServer,
  type TestDb,
} from './support.js';

/** The OpenIDs of each batchget call the simulator received, in order. */
function batchgetLists(sim: Simulator): string[][] {
  return sim.calls
    .filter((c) => c.path === '/cgi-bin/user/info/batchget' && c.errcode === 0)
    .map((c) => (c.body as { user_list: Array<{ openid: string }> }).user_list.map((u) => u.openid));
}

for (const engine of ENGINES) {
  describe(`follower enrichment (${engine})`, function () {
    this.timeout(60_000);
    let db: TestDb;
    let store: Store;
    let sim: Simulator;
    let account: SimAccount;
    let server: CaptureServer | null;
    const workers: EnrichmentWorker[] = [];

    /** A worker on `on` (default: the test's store) talking to the simulator. */
    function worker(options: Partial<ConstructorParameters<typeof EnrichmentWorker>[0]> = {}, on = store) {
      const w = new EnrichmentWorker({
        followers: on.followers,
        apiFor: (appid) => (appid === account.appid ? apiFor(sim, account) : undefined),
        ...options,
      });
      workers.push(w);
      return w;
    }

    /** `count` people follow through the webhook (20 pushes at a time). */
    async function follows(count: number): Promise<SimFollower[]> {
      const people = Array.from({ length: count }, () => account.follower());
      await inParallel(people, 20, (f) => f.follow({ scene: 'launch' }));
      await server?.drain();
      return people;
    }

    const allEnriched = async () => (await store.followers.pendingEnrichment(account.appid)) === 0;

    beforeEach(async function () {
      db = await testDb(engine, this);
      store = await db.open();
      sim = await startSimulator();
      account = sim.createAccount();
      server = await startCaptureServer({ store, accounts: [account] });
    });

    afterEach(async () => {
      await Promise.all(workers.splice(0).map((w) => w.stop()));
      await server?.close();
      await sim.close();
      await db.dispose();
    });

    it('enriches 250 follows captured before it started in 3 batchget calls of at most 100', async () => {
      const people = await follows(250);
      expect(batchgetCalls(sim)).to.equal(0);

      worker().start();
      await eventually('every follower is enriched', allEnriched);

      expect(batchgetLists(sim).map((list) => list.length)).to.deep.equal([100, 100, 50]);
      expect(batchgetCalls(sim)).to.equal(3);
      for (const person of [people[0], people[137], people[249]]) {
        const stored = await store.followers.get(account.appid, person!.openid);
        expect(stored).to.include({
          unionid: person!.unionid,
          subscribeScene: 'ADD_SCENE_QR_CODE',
          qrSceneStr: 'launch',
          subscribed: true,
        });
        expect(stored?.enrichedAt).to.be.a('string');
      }
    });

    it('enriches a burst of 1 000 follows with about ten calls, not a thousand', async function () {
      // One engine is enough for the debounce; the burst is slow on a busy machine.
      if (engine !== 'sqlite') this.skip();
      const debounceMs = 500;
      const w = worker({ debounceMs });
      await server?.close();
      server = await startCaptureServer({ store, accounts: [account], enrichment: w });
      w.start();

      const started = Date.now();
      const people = Array.from({ length: 1000 }, () => account.follower());
      await inParallel(people, 50, (f) => f.follow());
      const burstMs = Date.now() - started;
      await eventually('every follower is enriched', allEnriched, 30_000);

      const lists = batchgetLists(sim);
      expect(new Set(lists.flat()).size).to.equal(1000);
      // Full batches of 100, plus at most one partial batch per debounce window of the burst (however
      // slowly this machine delivered it): never a call per follow.
      expect(lists.length).to.be.at.most(10 + Math.ceil(burstMs / debounceMs) + 1);
      expect(lists.length).to.be.below(50);
    });

    for (const kind of ['system_error', 'http_500'] as const) {
      it(`retries with backoff after WeChat answers ${kind === 'system_error' ? 'errcode -1' : 'HTTP 500'}`, async () => {
        await follows(30);
        sim.misbehave({ kind, path: '/cgi-bin/user/info/batchget', times: 2 });
        // The worker and its store on a clock of the test's: retry times come due when the test says so.
        let now = Date.now();
        const clock = () => now;
        const w = worker({ retryBaseMs: 100, clock }, await db.open({ clock }));
        const codes = () =>
          sim.calls.filter((c) => c.path === '/cgi-bin/user/info/batchget').map((c) => c.errcode);

        expect(await w.drain()).to.include({ enriched: 0, deferred: 30 });
        expect(codes()).to.deep.equal([-1]);
        // The first wait is 100 ms ±20 %: not due before 80 ms, due at 120 ms.
        now += 79;
        expect(await w.drain()).to.include({ calls: 0 });
        now += 41;
        expect(await w.drain()).to.include({ enriched: 0, deferred: 30 });
        expect(codes()).to.deep.equal([-1, -1]);
        // Exponential: the second wait is 200 ms ±20 %.
        now += 159;
        expect(await w.drain()).to.include({ calls: 0 });
        now += 81;
        expect(await w.drain()).to.include({ enriched: 30, calls: 1 });
        expect(codes()).to.deep.equal([-1, -1, 0]);
        expect(await allEnriched()).to.equal(true);
      });
    }

    it('picks up followers a crashed instance left, once their lease runs out', async () => {
      await follows(120);
      let now = Date.now();
      const clock = () => now;
      // The crashed instance: it had claimed 100 followers (leased for 300 ms) when it died.
      const crashed = await db.open({ clock });
      expect(await crashed.followers.claimForEnrichment(100, 300)).to.have.length(100);
      await crashed.close();
      await server?.close();
      server = null;

      // The restart: a new store and worker on the same database.
      const w = worker({ clock }, await db.open({ clock }));
      expect(await w.drain()).to.include({ enriched: 20 });
      now += 299;
      expect(await w.drain()).to.include({ enriched: 0, calls: 0 });
      now += 1;
      expect(await w.drain()).to.include({ enriched: 100 });
      // The 20 free ones at start, the 100 after the lease: no follower twice.
      expect(batchgetLists(sim).map((list) => list.length)).to.deep.equal([20, 100]);
      expect(await allEnriched()).to.equal(true);
    });

    it('enriches the others when WeChat refuses one OpenID of a batch (40003)', async () => {
      const people = await follows(10);
      // Someone WeChat does not know as a follower of this account: batchget fails whole with 40003.
      await store.followers.recordEvent({
        appid: account.appid,
        openid: 'o_not_a_follower_of_this_account',
        type: 'subscribe',
        scene: null,
        ticket: null,
        createTime: Math.floor(Date.now() / 1000),
        dedupKey: 'test|o_not_a_follower_of_this_account',
      });

      const pass = await worker().drain();
      expect(pass).to.include({ enriched: 10, deferred: 1 });
      for (const person of people) {
        expect((await store.followers.get(account.appid, person.openid))?.unionid).to.equal(person.unionid);
      }
      expect(await store.followers.pendingEnrichment(account.appid)).to.equal(1);
      expect(pass.calls).to.be.at.most(12);
    });

    it('shares the queue between two instances without enriching anyone twice', async () => {
      await follows(300);
      const other = await db.open();
      const passes = await Promise.all([worker().drain(), worker({}, other).drain()]);

      expect(passes[0].enriched + passes[1].enriched).to.equal(300);
      const lists = batchgetLists(sim);
      expect(lists.flat()).to.have.length(300);
      expect(new Set(lists.flat()).size).to.equal(300);
      expect(await allEnriched()).to.equal(true);
    });

    it('keeps followers of an account it has no API client for queued', async () => {
      const otherAccount = sim.createAccount();
      const otherServer = await startCaptureServer({ store, accounts: [otherAccount] });
      await otherAccount.follower().follow();
      await otherServer.close();
      await follows(3);

      const pass = await worker().drain();
      expect(pass).to.include({ enriched: 3, deferred: 1 });
      expect(await store.followers.pendingEnrichment(otherAccount.appid)).to.equal(1);
      expect(batchgetCalls(sim, otherAccount.appid)).to.equal(0);
    });
  });
}
