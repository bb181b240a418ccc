import { expect } from 'chai';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { EnrichmentWorker } from '../../src/followers/enrichment.js';
import { requireAdminToken } from '../../src/http/admin-auth.js';
import { followersApiRouter } from '../../src/http/admin-followers.js';
import { identitiesApiRouter } from '../../src/http/admin-identities.js';
import { apiErrors } from '../../src/http/api-error.js';
import { silentLogger } from '../../src/logger.js';
import {
  startSimulator,
  type SimAccount,
  type SimFollower,
  type Simulator,
} from '../../src/simulator/index.js';
import type { Store } from '../../src/store/types.js';
import { apiFor, startCaptureServer, testDb, type CaptureServer, type TestDb } from '../followers/support.js';

const ADMIN_TOKEN = 'test-admin-token-0123456789';

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
].sort();

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe('admin API: followers, unions, scenes', function () {
  this.timeout(60_000);
  let db: TestDb;
  let store: Store;
  let sim: Simulator;
  let primary: SimAccount;
  let second: SimAccount;
  let capture: CaptureServer;
  let server: Server;
  let origin: string;
  // The cast of the story the tests read back.
  let springA: SimFollower; // followed through "spring", still following
  let springB: SimFollower; // followed through "spring", then left
  let plain: SimFollower; // followed plainly, then scanned "spring" and "summer"
  let others: SimFollower[]; // plain follows, for paging
  let shared: { onPrimary: SimFollower; onSecond: SimFollower }; // one person following both accounts

  async function get(
    path: string,
    token: string | null = ADMIN_TOKEN,
  ): Promise<{ status: number; body: Json }> {
    const res = await fetch(
      `${origin}${path}`,
      token === null ? {} : { headers: { authorization: `Bearer ${token}` } },
    );
    return { status: res.status, body: await res.json() };
  }

  before(async function () {
    db = await testDb('sqlite', this);
    store = await db.open();
    sim = await startSimulator();
    primary = sim.createAccount();
    second = sim.createAccount();
    capture = await startCaptureServer({ store, accounts: [primary, second] });

    springA = primary.follower();
    await springA.follow({ scene: 'spring' });
    springB = primary.follower();
    await springB.follow({ scene: 'spring' });
    await springB.unfollow();
    plain = primary.follower();
    await plain.follow();
    await plain.scan('spring');
    await plain.scan('summer');
    others = [];
    for (let i = 0; i < 4; i++) {
      const f = primary.follower();
      await f.follow();
      others.push(f);
    }
    const person = sim.createPerson();
    shared = { onPrimary: primary.follower(person), onSecond: second.follower(person) };
    await shared.onPrimary.follow();
    await shared.onSecond.follow({ scene: 'partner' });
    await capture.drain();

    // Enrichment brings the UnionIDs (and the QR details) the routes show.
    const worker = new EnrichmentWorker({
      followers: store.followers,
      apiFor: (appid) => apiFor(sim, appid === primary.appid ? primary : second),
    });
    await worker.drain();

    const app = new Koa();
    const guard = requireAdminToken(ADMIN_TOKEN);
    // Mounted the way the server mounts every admin router: JSON errors outermost, the token on /api/*.
    app.use(apiErrors(silentLogger));
    app.use((ctx, next) => (ctx.path.startsWith('/api/') ? guard(ctx, next) : next()));
    const router = followersApiRouter({ store, appid: primary.appid, appids: [second.appid] });
    app.use(router.routes()).use(router.allowedMethods());
    const identities = identitiesApiRouter({
      identities: store.identities,
      appids: [primary.appid, second.appid],
    });
    app.use(identities.routes()).use(identities.allowedMethods());
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await capture?.close();
    await sim?.close();
    await db?.dispose();
  });

  describe('authentication', () => {
    const paths = () => [
      `/api/followers/${springA.openid}`,
      '/api/followers',
      `/api/followers/${springA.openid}/events`,
      `/api/unions/${shared.onPrimary.unionid}`,
      '/api/scenes',
    ];

    it('answers 401 with the JSON error shape on every route without a token', async () => {
      for (const path of paths()) {
        const res = await get(path, null);
        expect(res.status, path).to.equal(401);
        expect(res.body.error.code, path).to.be.a('string');
        expect(res.body.error.message, path).to.be.a('string');
      }
    });

    it('answers 401 on every route with a wrong token', async () => {
      for (const path of paths())
        expect((await get(path, 'not-the-token-at-all')).status, path).to.equal(401);
    });
  });

  describe('GET /api/followers/:openid', () => {
    it('answers the follower object with exactly its fields', async () => {
      const res = await get(`/api/followers/${springA.openid}`);
      expect(res.status).to.equal(200);
      // The follower object, and why there is no UnionID (issue 12; null: there is one).
      expect(Object.keys(res.body).sort()).to.deep.equal([...FOLLOWER_FIELDS, 'unionidReason'].sort());
      expect(res.body.unionidReason).to.equal(null);
      expect(res.body).to.include({
        appid: primary.appid,
        openid: springA.openid,
        unionid: springA.unionid,
        subscribed: true,
        unsubscribeTime: null,
        scene: 'spring',
        subscribeScene: 'ADD_SCENE_QR_CODE',
        qrSceneStr: 'spring',
        remark: '',
      });
      expect(res.body.subscribeTime).to.be.a('number');
      expect(res.body.tags).to.be.an('array');
      expect(new Date(res.body.enrichedAt).toISOString()).to.equal(res.body.enrichedAt);
    });

    it('shows a follower who left as unsubscribed, with the time they left', async () => {
      const res = await get(`/api/followers/${springB.openid}`);
      expect(res.body).to.include({ subscribed: false, scene: 'spring' });
      expect(res.body.unsubscribeTime).to.be.a('number');
    });

    it('answers 404 with the JSON error shape for an unknown OpenID', async () => {
      const res = await get('/api/followers/o_nobody_here');
      expect(res.status).to.equal(404);
      expect(res.body).to.deep.equal({
        error: { code: 'follower_not_found', message: 'no follower with this OpenID' },
      });
    });

    it('answers 404 for a follower of another account unless ?appid= names it', async () => {
      expect((await get(`/api/followers/${shared.onSecond.openid}`)).status).to.equal(404);
      const res = await get(`/api/followers/${shared.onSecond.openid}?appid=${second.appid}`);
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ appid: second.appid, scene: 'partner' });
    });

    it('answers 404 for an account that is not configured', async () => {
      const res = await get(`/api/followers/${springA.openid}?appid=wx_not_configured_here`);
      expect(res.status).to.equal(404);
      expect(res.body.error.code).to.equal('account_not_found');
    });
  });

  describe('GET /api/followers', () => {
    it('pages through every follower of the account with nextCursor, then null', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
        const res = await get(`/api/followers?limit=3${query}`);
        expect(res.status).to.equal(200);
        expect(res.body.followers.length).to.be.at.most(3);
        for (const f of res.body.followers) expect(Object.keys(f).sort()).to.deep.equal(FOLLOWER_FIELDS);
        seen.push(...res.body.followers.map((f: Json) => f.openid));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor !== null && pages < 10);
      const expected = [springA, springB, plain, ...others, shared.onPrimary].map((f) => f.openid);
      expect([...seen].sort()).to.deep.equal([...expected].sort());
      expect(new Set(seen).size).to.equal(seen.length);
      expect(pages).to.equal(3);
    });

    it('uses 50 as the default page size', async () => {
      const res = await get('/api/followers');
      expect(res.body.followers).to.have.length(8);
      expect(res.body.nextCursor).to.equal(null);
    });

    it('filters by subscribed, scene and unionid', async () => {
      const left = await get('/api/followers?subscribed=false');
      expect(left.body.followers.map((f: Json) => f.openid)).to.deep.equal([springB.openid]);
      const subscribed = await get('/api/followers?subscribed=true');
      expect(subscribed.body.followers).to.have.length(7);
      const spring = await get('/api/followers?scene=spring');
      expect(spring.body.followers.map((f: Json) => f.openid).sort()).to.deep.equal(
        [springA.openid, springB.openid].sort(),
      );
      const byUnion = await get(`/api/followers?unionid=${shared.onPrimary.unionid}`);
      expect(byUnion.body.followers.map((f: Json) => f.openid)).to.deep.equal([shared.onPrimary.openid]);
    });

    for (const [query, what] of [
      ['limit=0', 'a limit below 1'],
      ['limit=201', 'a limit above 200'],
      ['limit=abc', 'a limit that is not a number'],
      ['limit=2.5', 'a fractional limit'],
      ['subscribed=yes', 'subscribed other than true/false'],
      ['limit=1&limit=2', 'a repeated parameter'],
      ['cursor=not-a-cursor', 'a cursor this server did not issue'],
      ['sort=followed', 'an order it does not know'],
    ] as const) {
      it(`answers 400 with the JSON error shape for ${what}`, async () => {
        const res = await get(`/api/followers?${query}`);
        expect(res.status).to.equal(400);
        expect(res.body.error.code).to.be.oneOf(['invalid_query', 'invalid_cursor']);
        expect(res.body.error.message).to.be.a('string').and.not.equal('');
      });
    }

    it('keeps the OpenID order by default and orders by follow time with sort=newest or oldest', async () => {
      const all = (await get('/api/followers')).body.followers as Json[];
      const openids = all.map((f) => f.openid as string);
      expect(openids).to.deep.equal([...openids].sort());
      const key = (f: Json) => [f.subscribeTime ?? 0, f.openid] as [number, string];
      const byTime = [...all].sort((a, b) => {
        const [ta, oa] = key(a);
        const [tb, ob] = key(b);
        return ta - tb || (oa < ob ? -1 : oa > ob ? 1 : 0);
      });
      for (const [sort, expected] of [
        ['oldest', byTime],
        ['newest', [...byTime].reverse()],
      ] as const) {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const res: { status: number; body: Json } = await get(
            `/api/followers?limit=3&sort=${sort}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
          );
          expect(res.status).to.equal(200);
          seen.push(...res.body.followers.map((f: Json) => f.openid));
          cursor = res.body.nextCursor;
        } while (cursor !== null && seen.length < 20);
        expect(seen, sort).to.deep.equal(expected.map((f) => f.openid));
      }
    });

    it('searches by an OpenID or UnionID prefix', async () => {
      const prefix = springA.openid.slice(0, -3);
      const res = await get(`/api/followers?search=${encodeURIComponent(prefix)}`);
      expect(res.body.followers.map((f: Json) => f.openid)).to.include(springA.openid);
      const union = await get(
        `/api/followers?search=${encodeURIComponent(shared.onPrimary.unionid!.slice(0, -2))}`,
      );
      expect(union.body.followers.map((f: Json) => f.openid)).to.include(shared.onPrimary.openid);
    });

    it('accepts the limits 1 and 200', async () => {
      expect((await get('/api/followers?limit=1')).body.followers).to.have.length(1);
      expect((await get('/api/followers?limit=200')).status).to.equal(200);
    });
  });

  describe('GET /api/followers/:openid/events', () => {
    it('lists follows, scans and unfollows oldest first', async () => {
      const res = await get(`/api/followers/${plain.openid}/events`);
      expect(res.status).to.equal(200);
      expect(res.body.events.map((e: Json) => [e.type, e.scene])).to.deep.equal([
        ['subscribe', null],
        ['scan', 'spring'],
        ['scan', 'summer'],
      ]);
      for (const e of res.body.events)
        expect(Object.keys(e).sort()).to.deep.equal(['createTime', 'scene', 'type']);
      const left = await get(`/api/followers/${springB.openid}/events`);
      expect(left.body.events.map((e: Json) => e.type)).to.deep.equal(['subscribe', 'unsubscribe']);
      expect(left.body.events[0].createTime).to.be.at.most(left.body.events[1].createTime);
    });

    it('answers 404 for an unknown follower', async () => {
      const res = await get('/api/followers/o_nobody_here/events');
      expect(res.status).to.equal(404);
      expect(res.body.error.code).to.equal('follower_not_found');
    });
  });

  describe('GET /api/unions/:unionid', () => {
    it('lists the identities of one person across two accounts', async () => {
      const unionid = shared.onPrimary.unionid;
      expect(shared.onSecond.unionid).to.equal(unionid);
      const res = await get(`/api/unions/${unionid}`);
      expect(res.status).to.equal(200);
      expect(res.body.unionid).to.equal(unionid);
      const expected = [
        {
          appid: primary.appid,
          appType: 'official_account',
          openid: shared.onPrimary.openid,
          source: 'follower',
        },
        {
          appid: second.appid,
          appType: 'official_account',
          openid: shared.onSecond.openid,
          source: 'follower',
        },
      ];
      const byAppid = (a: Json, b: Json) => (a.appid < b.appid ? -1 : 1);
      const brief = res.body.identities.map(({ firstSeen: _f, lastSeen: _l, ...rest }: Json) => rest);
      expect([...brief].sort(byAppid)).to.deep.equal(expected.sort(byAppid));
    });

    it('answers 404 for a UnionID nobody has', async () => {
      const res = await get('/api/unions/o_no_such_union');
      expect(res.status).to.equal(404);
      expect(res.body.error.code).to.equal('union_not_found');
    });
  });

  describe('GET /api/scenes', () => {
    it('counts scans, follows and the unfollows of followers who came through each scene', async () => {
      const res = await get('/api/scenes');
      expect(res.status).to.equal(200);
      const byScene = Object.fromEntries(res.body.scenes.map((s: Json) => [s.scene, s]));
      expect(byScene['spring']).to.deep.equal({ scene: 'spring', scans: 1, subscribes: 2, unsubscribes: 1 });
      expect(byScene['summer']).to.deep.equal({ scene: 'summer', scans: 1, subscribes: 0, unsubscribes: 0 });
      expect(byScene['partner']).to.equal(undefined); // another account's scene
    });

    it('answers the scenes of another configured account with ?appid=', async () => {
      const res = await get(`/api/scenes?appid=${second.appid}`);
      expect(res.body.scenes).to.deep.equal([{ scene: 'partner', scans: 0, subscribes: 1, unsubscribes: 0 }]);
    });
  });
});
