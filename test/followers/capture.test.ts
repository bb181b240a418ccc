import { expect } from 'chai';
import { EnrichmentWorker } from '../../src/followers/enrichment.js';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { MemoryReplyRecordStore } from '../../src/bot/memory-reply-store.js';
import type { Store } from '../../src/store/types.js';
import {
  apiFor,
  batchgetCalls,
  ENGINES,
  startCaptureServer,
  testDb,
  WELCOME_STORED,
  type CaptureServer,
  type TestDb,
} from './support.js';

/** A subscribe push as WeChat sends it (§3.3), with a fixed CreateTime so a second push is a retry. */
function subscribeXml(account: SimAccount, openid: string, createTime: number, scene?: string): string {
  const key =
    scene === undefined
      ? ''
      : `<EventKey><![CDATA[qrscene_${scene}]]></EventKey><Ticket><![CDATA[TICKET_${scene}]]></Ticket>`;
  return (
    `<xml><ToUserName><![CDATA[${account.ghId}]]></ToUserName><FromUserName><![CDATA[${openid}]]></FromUserName>` +
    `<CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event>${key}</xml>`
  );
}

for (const engine of ENGINES) {
  describe(`follower capture through the webhook (${engine})`, function () {
    let db: TestDb;
    let store: Store;
    let sim: Simulator;
    let account: SimAccount;
    let server: CaptureServer;
    const cleanups: Array<() => Promise<unknown>> = [];

    beforeEach(async function () {
      db = await testDb(engine, this);
      store = await db.open();
      sim = await startSimulator();
      account = sim.createAccount();
      server = await startCaptureServer({ store, accounts: [account] });
    });

    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
      await server.close();
      await sim.close();
      await db.dispose();
    });

    it('stores a QR follow with its scene before the welcome reply is made', async () => {
      const follower = account.follower();
      const result = await follower.follow({ scene: 'spring' });
      expect(result.status).to.equal(200);
      // The reply handler runs after capture and reads the store: it saw the follower already stored.
      expect(result.reply?.['Content']).to.equal(WELCOME_STORED);

      const stored = await store.followers.get(account.appid, follower.openid);
      expect(stored).to.include({ subscribed: true, scene: 'spring', unsubscribeTime: null });
      expect(stored?.subscribeTime).to.be.a('number').and.to.be.above(1_600_000_000);
      expect(await store.followers.events(account.appid, follower.openid)).to.deep.equal([
        { type: 'subscribe', scene: 'spring', createTime: stored?.subscribeTime },
      ]);
    });

    it('records a plain follow, a scan and an unfollow, keeping the row and its history', async () => {
      const follower = account.follower();
      await follower.follow();
      await follower.scan('summer');
      await follower.unfollow();
      await server.drain();

      const stored = await store.followers.get(account.appid, follower.openid);
      expect(stored).to.include({ subscribed: false, scene: null });
      expect(stored?.unsubscribeTime).to.be.a('number');
      const events = await store.followers.events(account.appid, follower.openid);
      expect(events.map((e) => [e.type, e.scene])).to.deep.equal([
        ['subscribe', null],
        ['scan', 'summer'],
        ['unsubscribe', null],
      ]);
      expect(events[2]?.createTime).to.equal(stored?.unsubscribeTime);
    });

    it('stores a retried delivery once and answers it with the same reply', async () => {
      const openid = account.follower().openid;
      const xml = subscribeXml(account, openid, Math.floor(Date.now() / 1000), 'autumn');
      const first = await account.push(xml);
      const retry = await account.push(xml);
      await server.drain();
      expect(retry.replyXml).to.equal(first.replyXml);
      expect(await store.followers.events(account.appid, openid)).to.have.length(1);
    });

    it('stores a retry that reaches another instance once, even when the instances share no reply records', async () => {
      // Two instances on one database, each remembering its replies only in memory: only the dedup key in
      // the follower events table stands between the retry and a second event.
      const other = await startCaptureServer({
        store: await db.open(),
        accounts: [account],
        replyStore: new MemoryReplyRecordStore(),
      });
      cleanups.push(() => other.close());
      const first = await startCaptureServer({
        store,
        accounts: [account],
        replyStore: new MemoryReplyRecordStore(),
      });
      cleanups.push(() => first.close());

      const openid = account.follower().openid;
      const xml = subscribeXml(account, openid, Math.floor(Date.now() / 1000), 'winter');
      account.webhookUrl = `${first.origin}/wechat/${account.appid}`;
      await account.push(xml);
      account.webhookUrl = `${other.origin}/wechat/${account.appid}`;
      const retried = await account.push(xml);
      await Promise.all([first.drain(), other.drain()]);

      expect(retried.status).to.equal(200);
      expect(await store.followers.events(account.appid, openid)).to.have.length(1);
      expect(
        (await store.followers.sceneStats(account.appid)).find((s) => s.scene === 'winter')?.subscribes,
      ).to.equal(1);
    });

    it('retries a failed database write and stores the follow once', async () => {
      let attempts = 0;
      await server.close();
      server = await startCaptureServer({
        store,
        accounts: [account],
        replyStore: new MemoryReplyRecordStore(),
        recordEvent: (event) => {
          attempts++;
          return attempts === 1
            ? Promise.reject(new Error('database is locked'))
            : store.followers.recordEvent(event);
        },
      });
      const follower = account.follower();
      const result = await follower.follow({ scene: 'retry' });
      expect(result.reply?.['Content']).to.equal(WELCOME_STORED);
      expect(attempts).to.equal(2);
      expect(await store.followers.events(account.appid, follower.openid)).to.have.length(1);
    });

    it('answers 503 and runs no handler when the database stays down, so WeChat delivers again', async () => {
      let attempts = 0;
      await server.close();
      server = await startCaptureServer({
        store,
        accounts: [account],
        replyStore: new MemoryReplyRecordStore(),
        recordEvent: () => {
          attempts++;
          return Promise.reject(new Error('connection refused'));
        },
      });
      const follower = account.follower();
      const result = await follower.follow();
      expect(result.status).to.equal(503);
      expect(result.reply).to.equal(null);
      expect(attempts).to.equal(3); // the first try and two retries
      expect(await store.followers.events(account.appid, follower.openid)).to.deep.equal([]);
    });

    it('answers follows while the WeChat API does not answer, and enriches them afterwards', async () => {
      // The server's real arrangement: capture nudges a running worker. The API answers only once released.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const api = apiFor(sim, account);
      const worker = new EnrichmentWorker({
        followers: store.followers,
        apiFor: () => ({
          batchGetUserInfo: async (openids) => {
            await held;
            return api.batchGetUserInfo(openids);
          },
        }),
        debounceMs: 0,
      });
      await server.close();
      server = await startCaptureServer({ store, accounts: [account], enrichment: worker });
      worker.start();
      cleanups.push(() => worker.stop());

      const follower = account.follower();
      const result = await follower.follow({ scene: 'slow-day' });
      expect(result.reply?.['Content']).to.equal(WELCOME_STORED);
      expect(batchgetCalls(sim)).to.equal(0); // not yet: the reply did not wait for it

      release();
      await worker.drain(); // waits for the pass the nudge started, then finds nothing left
      const stored = await store.followers.get(account.appid, follower.openid);
      expect(stored?.enrichedAt).to.be.a('string');
      expect(stored).to.include({
        unionid: follower.unionid,
        subscribeScene: 'ADD_SCENE_QR_CODE',
        qrSceneStr: 'slow-day',
      });
    });
  });
}
