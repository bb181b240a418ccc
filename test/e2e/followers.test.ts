/**
 * Issue 4, end to end: followers captured from real pushes of the simulated WeChat platform, enriched from
 * its API, read through the admin API — on SQLite and on PostgreSQL.
 */
import { expect } from 'chai';
import type { Follower as SimFollowerState } from '../../src/simulator/follower.js';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import {
  callsTo,
  e2eDatabase,
  startE2eServer,
  type E2eDatabase,
  type E2eServer,
  type Engine,
} from '../support/server.js';

/** Every field of the follower object, INTERFACE.md §5. */
const FOLLOWER_FIELDS = [
  'appid',
  'openid',
  'unionid',
  'subscribed',
  'subscribeTime',
  'unsubscribeTime',
  'scene',
  'subscribeScene',
  'qrScene',
  'qrSceneStr',
  'tags',
  'remark',
  'language',
  'enrichedAt',
  'blacklisted',
];

for (const engine of ['sqlite', 'postgres'] as Engine[]) {
  describe(`e2e: followers on ${engine}`, function () {
    let sim: Simulator;
    let main: SimAccount;
    let second: SimAccount;
    let db: E2eDatabase;
    let server: E2eServer;

    before(async function () {
      db = await e2eDatabase(engine, this);
      sim = await startSimulator();
      main = sim.createAccount({ mode: 'safe' });
      second = sim.createAccount({ mode: 'plain' });
      server = await startE2eServer({
        sim,
        account: main,
        extraAccounts: [second],
        databaseUrl: db.url,
      });
    });

    after(async () => {
      await server?.close();
      await sim?.close();
      await db?.dispose();
    });

    /** The follower as WeChat knows it (the simulator's control API). */
    async function platformView(
      account: SimAccount,
      openid: string,
    ): Promise<{ subscribeTime: number; unsubscribeTime: number | null }> {
      const response = await fetch(`${sim.url}/sim/accounts/${account.appid}/followers/${openid}`);
      return (await response.json()) as { subscribeTime: number; unsubscribeTime: number | null };
    }

    /** Works through the enrichment queue now, then checks this follower came out enriched. */
    async function enriched(openid: string, appid?: string): Promise<void> {
      await server.wxoa.enrichment.drain();
      const { body } = await server.api(`/api/followers/${openid}${appid ? `?appid=${appid}` : ''}`);
      expect(body?.enrichedAt, `${openid} is enriched`).to.be.a('string');
    }

    it('stores a follow through a QR scene and shows it enriched with UnionID and every user/info field', async () => {
      const follower = main.follower();
      // WeChat's own state of the pair, which user/info reports: a remark and the star tag.
      Object.assign(follower as SimFollowerState, { remark: 'met at the spring fair', tagIds: [2] });
      const before = Date.now();

      const result = await follower.follow({ scene: 'spring' });

      expect(result.status).to.equal(200);
      expect(result.replyError).to.equal(undefined);
      const { status: immediate, body: captured } = await server.api(`/api/followers/${follower.openid}`);
      expect(immediate, 'stored before the reply went out').to.equal(200);
      expect(captured.subscribed).to.equal(true);
      expect(captured.scene).to.equal('spring');

      await enriched(follower.openid);
      const { status, body } = await server.api(`/api/followers/${follower.openid}`);
      const platform = await platformView(main, follower.openid);
      expect(status).to.equal(200);
      // The follower object, and why there is no UnionID (issue 12; null: there is one).
      expect(Object.keys(body).sort()).to.deep.equal([...FOLLOWER_FIELDS, 'unionidReason'].sort());
      expect(body).to.deep.include({
        appid: main.appid,
        openid: follower.openid,
        unionid: follower.unionid,
        subscribed: true,
        subscribeTime: platform.subscribeTime,
        unsubscribeTime: null,
        scene: 'spring',
        subscribeScene: 'ADD_SCENE_QR_CODE',
        qrScene: 0,
        qrSceneStr: 'spring',
        tags: [2],
        remark: 'met at the spring fair',
        language: 'zh_CN',
      });
      expect(body.enrichedAt).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Date.parse(body.enrichedAt)).to.be.within(before - 1000, Date.now() + 1000);

      const batchgets = callsTo(sim, '/cgi-bin/user/info/batchget', main.appid);
      expect(batchgets.map((c) => JSON.stringify(c.body))).to.satisfy((bodies: string[]) =>
        bodies.some((b) => b.includes(follower.openid)),
      );
    });

    it('answers 404 for an openid it never saw, and 401 without the admin token', async () => {
      expect((await server.api('/api/followers/oNobodyEverFollowed0000000')).status).to.equal(404);
      const anonymous = await fetch(`${server.url}/api/followers/${main.followers()[0]}`);
      expect(anonymous.status).to.equal(401);
    });

    it('keeps the history of follow, scan and unfollow, and counts them per scene', async () => {
      const follower = main.follower();
      await follower.follow({ scene: 'summer' });
      await follower.scan('summer');
      await follower.scan('autumn');
      await follower.unfollow();
      const platform = await platformView(main, follower.openid);

      const { body: events } = await server.api(`/api/followers/${follower.openid}/events`);
      expect(events.events).to.deep.equal([
        { type: 'subscribe', scene: 'summer', createTime: platform.subscribeTime },
        { type: 'scan', scene: 'summer', createTime: events.events[1]?.createTime },
        { type: 'scan', scene: 'autumn', createTime: events.events[2]?.createTime },
        { type: 'unsubscribe', scene: null, createTime: platform.unsubscribeTime },
      ]);

      const { body: after } = await server.api(`/api/followers/${follower.openid}`);
      expect(after).to.deep.include({
        subscribed: false,
        subscribeTime: platform.subscribeTime,
        unsubscribeTime: platform.unsubscribeTime,
        scene: 'summer',
      });

      const { body: stats } = await server.api('/api/scenes');
      const byScene = new Map(stats.scenes.map((s: { scene: string }) => [s.scene, s]));
      expect(byScene.get('summer')).to.deep.equal({
        scene: 'summer',
        scans: 1,
        subscribes: 1,
        unsubscribes: 1,
      });
      expect(byScene.get('autumn')).to.deep.equal({
        scene: 'autumn',
        scans: 1,
        subscribes: 0,
        unsubscribes: 0,
      });
      expect(byScene.get('spring')).to.deep.equal({
        scene: 'spring',
        scans: 0,
        subscribes: 1,
        unsubscribes: 0,
      });
    });

    it('links one person following two accounts through their UnionID', async () => {
      const person = sim.createPerson();
      const onMain = main.follower(person);
      const onSecond = second.follower(person);
      expect(onMain.openid).to.not.equal(onSecond.openid);

      expect((await onMain.follow()).status).to.equal(200);
      expect((await onSecond.follow()).status).to.equal(200);
      await enriched(onMain.openid);
      await enriched(onSecond.openid, second.appid);

      const { status, body } = await server.api(`/api/unions/${person.unionid}`);
      expect(status).to.equal(200);
      expect(body.unionid).to.equal(person.unionid);
      expect(
        body.identities.map((i: Record<string, string>) => ({
          appid: i['appid'],
          openid: i['openid'],
          source: i['source'],
        })),
      ).to.have.deep.members([
        { appid: main.appid, openid: onMain.openid, source: 'follower' },
        { appid: second.appid, openid: onSecond.openid, source: 'follower' },
      ]);
      const { body: viaSecond } = await server.api(`/api/followers/${onSecond.openid}?appid=${second.appid}`);
      expect(viaSecond).to.deep.include({ appid: second.appid, unionid: person.unionid, subscribed: true });
      // The second account's follower is not the primary account's.
      expect((await server.api(`/api/followers/${onSecond.openid}`)).status).to.equal(404);
      expect((await server.api('/api/unions/oUnknownUnionid000000000000')).status).to.equal(404);
    });

    it('lists followers by subscription and scene, a page at a time', async () => {
      const { body: subscribed } = await server.api('/api/followers?subscribed=true&limit=1');
      expect(subscribed.followers).to.have.length(1);
      expect(subscribed.nextCursor).to.be.a('string');
      const { body: rest } = await server.api(
        `/api/followers?subscribed=true&limit=200&cursor=${encodeURIComponent(subscribed.nextCursor)}`,
      );
      const openids = [...subscribed.followers, ...rest.followers].map((f: { openid: string }) => f.openid);
      expect(openids).to.have.members(main.followers());
      expect(rest.nextCursor).to.equal(null);

      const { body: summer } = await server.api('/api/followers?scene=summer');
      expect(
        summer.followers.map((f: { subscribed: boolean; scene: string }) => [f.scene, f.subscribed]),
      ).to.deep.equal([['summer', false]]);
    });
  });
}
