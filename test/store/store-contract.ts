import { expect } from 'chai';
import { InvalidCursorError } from '../../src/store/errors.js';
import type { FollowerEventInput, FollowerEventType, Store } from '../../src/store/types.js';
import { replyRecordStoreContract } from './reply-store-contract.js';
import { countingFetch, tokenStoreContract } from './token-store-contract.js';

/** How the contract reaches one database. */
export interface StoreHarness {
  /**
   * A store on an empty database reading `clock`, and, where the database supports it, a second store on the
   * same database standing in for another wxoa instance.
   */
  fresh(clock: () => number): Promise<{ store: Store; another?: Store }>;
  /** Closes what fresh() opened that the next fresh() does not reuse. */
  cleanup(): Promise<void>;
  /** Releases everything at the end of the suite. */
  dispose(): Promise<void>;
}

const T0 = Date.UTC(2026, 0, 1);
const APPID = 'wx1';

/**
 * The Store contract (src/store/types.ts), run against each database by its own test file. Every
 * implementation must pass all of it; the race tests use Promise.all within one store and, when the harness
 * gives one, across two stores on one database.
 */
export function describeStoreContract(
  label: string,
  options: { multiInstance: boolean },
  makeHarness: (ctx: Mocha.Context) => Promise<StoreHarness>,
): void {
  describe(label, function () {
    let harness: StoreHarness | undefined;
    let now = T0;
    let store: Store;
    let another: Store | undefined;

    before(async function () {
      harness = await makeHarness(this);
    });
    beforeEach(async () => {
      now = T0;
      ({ store, another } = await harness!.fresh(() => now));
    });
    afterEach(async () => {
      await harness?.cleanup();
    });
    after(async () => {
      await harness?.dispose();
    });

    let seq = 0;
    function event(
      type: FollowerEventType,
      openid: string,
      createTime: number,
      options: { scene?: string; appid?: string; dedupKey?: string } = {},
    ): FollowerEventInput {
      return {
        appid: options.appid ?? APPID,
        openid,
        type,
        scene: options.scene ?? null,
        ticket: options.scene ? `ticket-${options.scene}` : null,
        createTime,
        dedupKey: options.dedupKey ?? `${openid}|${createTime}|${type}|${options.scene ?? ''}|${seq++}`,
      };
    }
    const follow = (openid: string, createTime: number, scene?: string, appid?: string) =>
      store.followers.recordEvent(
        event('subscribe', openid, createTime, { ...(scene ? { scene } : {}), ...(appid ? { appid } : {}) }),
      );
    const unfollow = (openid: string, createTime: number) =>
      store.followers.recordEvent(event('unsubscribe', openid, createTime));
    const scan = (openid: string, createTime: number, scene: string) =>
      store.followers.recordEvent(event('scan', openid, createTime, { scene }));

    describe('followers.recordEvent', () => {
      it('makes a follow a subscribed follower with its time and QR scene', async () => {
        expect(await follow('o1', 1000, 'spring')).to.equal(true);
        expect(await store.followers.get(APPID, 'o1')).to.deep.equal({
          appid: APPID,
          openid: 'o1',
          unionid: null,
          subscribed: true,
          subscribeTime: 1000,
          unsubscribeTime: null,
          scene: 'spring',
          subscribeScene: null,
          qrScene: null,
          qrSceneStr: null,
          tags: [],
          remark: '',
          language: null,
          enrichedAt: null,
          blacklisted: false,
        });
        expect(await store.followers.pendingEnrichment(APPID)).to.equal(1);
      });

      it('returns false for a repeated dedup key and changes nothing', async () => {
        const first = event('subscribe', 'o1', 1000, {
          scene: 'spring',
          dedupKey: 'o1|1000|subscribe|qrscene_spring',
        });
        await store.followers.recordEvent(first);
        await unfollow('o1', 2000);
        expect(await store.followers.recordEvent(first)).to.equal(false);
        const follower = await store.followers.get(APPID, 'o1');
        expect(follower?.subscribed).to.equal(false);
        expect(await store.followers.events(APPID, 'o1')).to.have.length(2);
      });

      it('stores exactly one of concurrent deliveries of one push', async () => {
        const push = event('subscribe', 'o1', 1000, { scene: 'spring', dedupKey: 'same' });
        const results = await Promise.all(
          Array.from({ length: 10 }, () => store.followers.recordEvent(push)),
        );
        expect(results.filter(Boolean)).to.have.length(1);
        expect(await store.followers.events(APPID, 'o1')).to.have.length(1);
      });

      it('keeps the same dedup key apart per account', async () => {
        expect(await store.followers.recordEvent(event('subscribe', 'o1', 1000, { dedupKey: 'k' }))).to.equal(
          true,
        );
        expect(
          await store.followers.recordEvent(event('subscribe', 'o1', 1000, { dedupKey: 'k', appid: 'wx2' })),
        ).to.equal(true);
      });

      it('marks an unfollow without losing the row or its history', async () => {
        await follow('o1', 1000, 'spring');
        expect(await unfollow('o1', 2000)).to.equal(true);
        const follower = await store.followers.get(APPID, 'o1');
        expect(follower).to.include({
          subscribed: false,
          subscribeTime: 1000,
          unsubscribeTime: 2000,
          scene: 'spring',
        });
        expect((await store.followers.events(APPID, 'o1')).map((e) => e.type)).to.deep.equal([
          'subscribe',
          'unsubscribe',
        ]);
      });

      it('records a scan without changing subscription, creating an unknown scanner as subscribed', async () => {
        expect(await scan('o1', 1000, 'spring')).to.equal(true);
        expect((await store.followers.get(APPID, 'o1'))?.subscribed).to.equal(true);
        await follow('o2', 1000);
        await unfollow('o2', 2000);
        await scan('o2', 3000, 'spring');
        expect((await store.followers.get(APPID, 'o2'))?.subscribed).to.equal(false);
        expect(await store.followers.events(APPID, 'o1')).to.deep.equal([
          { type: 'scan', scene: 'spring', createTime: 1000 },
        ]);
      });

      it('resubscribes on a new follow and takes that follow scene, or none', async () => {
        await follow('o1', 1000, 'spring');
        await unfollow('o1', 2000);
        await follow('o1', 3000);
        expect(await store.followers.get(APPID, 'o1')).to.include({
          subscribed: true,
          subscribeTime: 3000,
          unsubscribeTime: 2000,
          scene: null,
        });
      });

      it('does not let an older event handled late overturn a newer one', async () => {
        await unfollow('o1', 2000);
        await follow('o1', 1000, 'spring');
        expect(await store.followers.get(APPID, 'o1')).to.include({
          subscribed: false,
          unsubscribeTime: 2000,
        });
        await follow('o2', 3000, 'summer');
        await unfollow('o2', 2000);
        expect(await store.followers.get(APPID, 'o2')).to.include({ subscribed: true, scene: 'summer' });
      });
    });

    describe('followers.get and list', () => {
      it('returns null for an unknown follower or another account', async () => {
        await follow('o1', 1000);
        expect(await store.followers.get(APPID, 'nobody')).to.equal(null);
        expect(await store.followers.get('wx2', 'o1')).to.equal(null);
      });

      it('filters by subscribed, scene, unionid and search', async () => {
        await follow('o1', 1000, 'spring');
        await follow('o2', 1000, 'summer');
        await follow('o3', 1000, 'spring');
        await unfollow('o3', 2000);
        await follow('o4', 1000, 'spring', 'wx2');
        await store.followers.saveEnrichment(APPID, [{ openid: 'o2', subscribe: 1, unionid: 'u2' }]);
        const ids = async (query: Omit<Parameters<Store['followers']['list']>[0], 'appid' | 'limit'>) =>
          (await store.followers.list({ appid: APPID, limit: 50, ...query })).followers.map((f) => f.openid);

        expect(await ids({})).to.deep.equal(['o1', 'o2', 'o3']);
        expect(await ids({ subscribed: true })).to.deep.equal(['o1', 'o2']);
        expect(await ids({ subscribed: false })).to.deep.equal(['o3']);
        expect(await ids({ scene: 'spring' })).to.deep.equal(['o1', 'o3']);
        expect(await ids({ scene: 'spring', subscribed: true })).to.deep.equal(['o1']);
        expect(await ids({ unionid: 'u2' })).to.deep.equal(['o2']);
        expect(await ids({ search: 'u2' })).to.deep.equal(['o2']);
        expect(await ids({ search: 'o3' })).to.deep.equal(['o3']);
        // A prefix of the OpenID or the UnionID, never a substring.
        expect(await ids({ search: 'o' })).to.deep.equal(['o1', 'o2', 'o3']);
        expect(await ids({ search: 'u' })).to.deep.equal(['o2']);
        expect(await ids({ search: '2' })).to.deep.equal([]);
        expect(await ids({ search: 'o2x' })).to.deep.equal([]);
      });

      it('searches by prefix up to the next prefix only', async () => {
        for (const openid of ['oAb', 'oAb0', 'oAbz', 'oAc', 'oAa~', 'oA']) await follow(openid, 1000);
        const ids = async (search: string) =>
          (await store.followers.list({ appid: APPID, limit: 50, search })).followers.map((f) => f.openid);
        expect(await ids('oAb')).to.deep.equal(['oAb', 'oAb0', 'oAbz']);
        expect(await ids('oA')).to.deep.equal(['oA', 'oAa~', 'oAb', 'oAb0', 'oAbz', 'oAc']);
        expect(await ids('oAa~')).to.deep.equal(['oAa~']);
      });

      it('finds a broad prefix (thousands of matches) in every order, as a narrow one', async () => {
        const ids = Array.from({ length: 2100 }, (_, i) => `oB${String(i).padStart(5, '0')}`);
        await store.followers.markListed(APPID, ids, 'sync-1');
        await store.followers.saveEnrichment(
          APPID,
          ids.map((openid) => ({ openid, subscribe: 1, unionid: `uB${openid.slice(2)}` })),
        );
        await follow('oB00007', 3000);
        await follow('oB02000', 4000);
        await follow('other', 5000);
        const list = async (search: string, sort: 'openid' | 'newest' | 'oldest', limit = 3) =>
          (await store.followers.list({ appid: APPID, limit, search, sort })).followers.map((f) => f.openid);
        for (const search of ['oB', 'uB']) {
          expect(await list(search, 'newest'), search).to.deep.equal(['oB02000', 'oB00007', 'oB02099']);
          expect(await list(search, 'oldest'), search).to.deep.equal(['oB00000', 'oB00001', 'oB00002']);
          expect(await list(search, 'openid'), search).to.deep.equal(['oB00000', 'oB00001', 'oB00002']);
        }
        // Paged through, the broad newest-first search reaches each match once.
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page: Awaited<ReturnType<Store['followers']['list']>> = await store.followers.list({
            appid: APPID,
            limit: 700,
            search: 'oB0',
            sort: 'newest',
            ...(cursor ? { cursor } : {}),
          });
          seen.push(...page.followers.map((f) => f.openid));
          cursor = page.nextCursor;
        } while (cursor);
        expect(seen).to.have.length(2100);
        expect(new Set(seen).size).to.equal(2100);
        expect(seen.slice(0, 3)).to.deep.equal(['oB02000', 'oB00007', 'oB02099']);
      });

      it('lists by follow time, newest or oldest first, paging each order exactly once', async () => {
        // Equal times, an unknown time (a synced follower: the oldest) and a re-follow that moves one up.
        await follow('a', 3000);
        await follow('b', 1000);
        await follow('c', 2000);
        await follow('d', 2000);
        await follow('e', 2000);
        await store.followers.markListed(APPID, ['synced'], 'sync-1');
        await unfollow('b', 4000);
        await follow('b', 5000);
        const pages = async (sort: 'newest' | 'oldest', limit: number) => {
          const seen: string[] = [];
          let cursor: string | null = null;
          do {
            const page: Awaited<ReturnType<Store['followers']['list']>> = await store.followers.list({
              appid: APPID,
              limit,
              sort,
              ...(cursor ? { cursor } : {}),
            });
            seen.push(...page.followers.map((f) => f.openid));
            cursor = page.nextCursor;
          } while (cursor);
          return seen;
        };
        for (const limit of [1, 2, 50]) {
          expect(await pages('newest', limit)).to.deep.equal(['b', 'a', 'e', 'd', 'c', 'synced']);
          expect(await pages('oldest', limit)).to.deep.equal(['synced', 'c', 'd', 'e', 'a', 'b']);
        }
        const newest = await store.followers.list({
          appid: APPID,
          limit: 1,
          sort: 'newest',
          subscribed: true,
        });
        expect(newest.followers.map((f) => f.openid)).to.deep.equal(['b']);
        // A cursor of one order is not taken by another.
        for (const sort of ['openid', 'oldest'] as const) {
          let error: unknown;
          try {
            await store.followers.list({ appid: APPID, limit: 1, sort, cursor: newest.nextCursor! });
          } catch (e) {
            error = e;
          }
          expect(error, sort).to.be.instanceOf(InvalidCursorError);
        }
      });

      it('keeps counts of followers and of those following through follows, unfollows, scans and syncs', async () => {
        const counts = (appid = APPID) => store.followers.counts(appid);
        expect(await counts()).to.deep.equal({ total: 0, subscribed: 0, unsubscribed: 0 });
        await follow('o1', 1000);
        await follow('o2', 1000);
        await follow('o1', 1100); // again: no new follower
        await unfollow('o2', 2000);
        await unfollow('o2', 2000); // an unfollow of someone already gone changes nothing
        await scan('o3', 2100, 'spring'); // an unknown scanner is a follower
        await unfollow('o4', 2200); // first heard of as leaving
        await follow('x', 1000, undefined, 'wx2');
        expect(await counts()).to.deep.equal({ total: 4, subscribed: 2, unsubscribed: 2 });
        await store.followers.markListed(APPID, ['o2', 'o5'], 'sync-1');
        expect(await counts()).to.deep.equal({ total: 5, subscribed: 4, unsubscribed: 1 });
        await store.followers.markUnlisted(APPID, 'sync-1', 5000);
        expect(await counts()).to.deep.equal({ total: 5, subscribed: 2, unsubscribed: 3 });
        expect(await counts('wx2')).to.deep.equal({ total: 1, subscribed: 1, unsubscribed: 0 });
      });

      it('pages through every follower exactly once with an opaque cursor', async () => {
        const openids = Array.from({ length: 23 }, (_, i) => `o${String(i).padStart(3, '0')}`);
        await store.followers.markListed(APPID, [...openids].reverse(), 'sync-1');
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page: Awaited<ReturnType<Store['followers']['list']>> = await store.followers.list({
            appid: APPID,
            limit: 5,
            ...(cursor ? { cursor } : {}),
          });
          expect(page.followers.length).to.be.at.most(5);
          seen.push(...page.followers.map((f) => f.openid));
          cursor = page.nextCursor;
          pages++;
        } while (cursor);
        expect(seen).to.deep.equal(openids);
        expect(pages).to.equal(5);
      });

      it('says nextCursor null when the page holds the last follower', async () => {
        await store.followers.markListed(APPID, ['a', 'b'], 'sync-1');
        expect((await store.followers.list({ appid: APPID, limit: 2 })).nextCursor).to.equal(null);
        expect((await store.followers.list({ appid: APPID, limit: 1 })).nextCursor).to.be.a('string');
      });

      it('rejects a cursor it did not issue', async () => {
        let error: unknown;
        try {
          await store.followers.list({ appid: APPID, limit: 5, cursor: 'not-a-cursor' });
        } catch (e) {
          error = e;
        }
        expect(error).to.be.instanceOf(InvalidCursorError);
      });

      it('lists events oldest first', async () => {
        await unfollow('o1', 3000);
        await follow('o1', 1000, 'spring');
        await scan('o1', 2000, 'summer');
        expect(await store.followers.events(APPID, 'o1')).to.deep.equal([
          { type: 'subscribe', scene: 'spring', createTime: 1000 },
          { type: 'scan', scene: 'summer', createTime: 2000 },
          { type: 'unsubscribe', scene: null, createTime: 3000 },
        ]);
        expect(await store.followers.events(APPID, 'nobody')).to.deep.equal([]);
      });
    });

    describe('followers enrichment queue', () => {
      it('leases claimed followers until the lease runs out', async () => {
        await follow('o1', 1000);
        await follow('o2', 1000);
        await follow('o3', 1000, undefined, 'wx2');
        const first = await store.followers.claimForEnrichment(2, 60_000);
        expect(first).to.have.length(2);
        const second = await store.followers.claimForEnrichment(10, 60_000);
        expect(second).to.have.length(1);
        expect([...first, ...second].map((f) => `${f.appid}/${f.openid}`).sort()).to.deep.equal([
          'wx1/o1',
          'wx1/o2',
          'wx2/o3',
        ]);
        expect(await store.followers.claimForEnrichment(10, 60_000)).to.deep.equal([]);
        now += 60_001;
        expect(await store.followers.claimForEnrichment(10, 60_000)).to.have.length(3);
      });

      it('never hands one follower to two concurrent claims', async () => {
        const openids = Array.from({ length: 40 }, (_, i) => `o${i}`);
        await store.followers.markListed(APPID, openids, 'sync-1');
        const claims = await Promise.all(
          Array.from({ length: 8 }, () => store.followers.claimForEnrichment(10, 60_000)),
        );
        const claimed = claims.flat().map((f) => f.openid);
        expect(new Set(claimed).size).to.equal(claimed.length);
        expect(claimed.length).to.be.at.most(40);
        // Whatever a skipped-over claim left behind is still there for the next one.
        const rest = await store.followers.claimForEnrichment(100, 60_000);
        expect([...claimed, ...rest].sort()).to.deep.equal([...openids].sort());
      });

      it('stores user/info fields, stamps enrichedAt and takes the follower off the queue', async () => {
        await follow('o1', 1000, 'spring');
        await store.followers.claimForEnrichment(10, 60_000);
        now = Date.parse('2026-02-03T04:05:06.789Z');
        await store.followers.saveEnrichment(APPID, [
          {
            openid: 'o1',
            subscribe: 1,
            unionid: 'u1',
            subscribe_scene: 'ADD_SCENE_QR_CODE',
            qr_scene: 0,
            qr_scene_str: 'spring',
            tagid_list: [2, 128],
            remark: 'vip',
            language: 'zh_CN',
            subscribe_time: 1000,
          },
        ]);
        expect(await store.followers.get(APPID, 'o1')).to.deep.equal({
          appid: APPID,
          openid: 'o1',
          unionid: 'u1',
          subscribed: true,
          subscribeTime: 1000,
          unsubscribeTime: null,
          scene: 'spring',
          subscribeScene: 'ADD_SCENE_QR_CODE',
          qrScene: 0,
          qrSceneStr: 'spring',
          tags: [2, 128],
          remark: 'vip',
          language: 'zh_CN',
          enrichedAt: '2026-02-03T04:05:06.789Z',
          blacklisted: false,
        });
        expect(await store.followers.pendingEnrichment()).to.equal(0);
        now += 10 * 60_000;
        expect(await store.followers.claimForEnrichment(10, 60_000)).to.deep.equal([]);
      });

      it('keeps known fields that the info of an unfollowed user lacks', async () => {
        await follow('o1', 1000);
        await store.followers.saveEnrichment(APPID, [
          { openid: 'o1', subscribe: 1, unionid: 'u1', tagid_list: [2], remark: 'vip', language: 'en' },
        ]);
        await unfollow('o1', 2000);
        await store.followers.saveEnrichment(APPID, [{ openid: 'o1', subscribe: 0 }]);
        expect(await store.followers.get(APPID, 'o1')).to.include({
          unionid: 'u1',
          remark: 'vip',
          language: 'en',
        });
        expect((await store.followers.get(APPID, 'o1'))?.tags).to.deep.equal([2]);
      });

      it('takes the later of the known and the reported follow time', async () => {
        await store.followers.markListed(APPID, ['o1'], 'sync-1');
        await store.followers.saveEnrichment(APPID, [{ openid: 'o1', subscribe: 1, subscribe_time: 1500 }]);
        expect((await store.followers.get(APPID, 'o1'))?.subscribeTime).to.equal(1500);
        await follow('o1', 2000);
        await store.followers.saveEnrichment(APPID, [{ openid: 'o1', subscribe: 1, subscribe_time: 1500 }]);
        expect((await store.followers.get(APPID, 'o1'))?.subscribeTime).to.equal(2000);
      });

      it('holds deferred followers back until retryAt', async () => {
        await follow('o1', 1000);
        await follow('o2', 1000);
        await store.followers.claimForEnrichment(10, 60_000);
        await store.followers.deferEnrichment(APPID, ['o1', 'o2'], now + 30_000);
        expect(await store.followers.pendingEnrichment(APPID)).to.equal(2);
        expect(await store.followers.claimForEnrichment(10, 60_000)).to.deep.equal([]);
        now += 30_000;
        expect((await store.followers.claimForEnrichment(10, 60_000)).map((f) => f.openid)).to.deep.equal([
          'o1',
          'o2',
        ]);
      });

      it('counts pending followers per account and overall', async () => {
        await follow('o1', 1000);
        await follow('o2', 1000);
        await follow('o3', 1000, undefined, 'wx2');
        await store.followers.saveEnrichment(APPID, [{ openid: 'o1', subscribe: 1 }]);
        expect(await store.followers.pendingEnrichment(APPID)).to.equal(1);
        expect(await store.followers.pendingEnrichment('wx2')).to.equal(1);
        expect(await store.followers.pendingEnrichment()).to.equal(2);
      });

      it('queues an enriched follower again when they follow again', async () => {
        await follow('o1', 1000);
        await store.followers.saveEnrichment(APPID, [{ openid: 'o1', subscribe: 1 }]);
        await unfollow('o1', 2000);
        expect(await store.followers.pendingEnrichment(APPID)).to.equal(0);
        await follow('o1', 3000, 'autumn');
        expect(await store.followers.claimForEnrichment(10, 60_000)).to.deep.equal([
          { appid: APPID, openid: 'o1' },
        ]);
      });
    });

    describe('followers sync', () => {
      it('creates listed followers as subscribed and queued, and unsubscribes the unlisted', async () => {
        await follow('gone', 500);
        await follow('stays', 500);
        await unfollow('stays', 600);
        // 'stays' had unfollowed: found following again, like new1 and new2 (counted once each).
        expect(await store.followers.markListed(APPID, ['new1', 'stays', 'new2', 'new1'], 'sync-1')).to.equal(
          3,
        );
        expect(await store.followers.markListed(APPID, ['new1', 'stays'], 'sync-1')).to.equal(0);
        expect(await store.followers.get(APPID, 'new1')).to.include({
          subscribed: true,
          subscribeTime: null,
        });
        expect((await store.followers.get(APPID, 'stays'))?.subscribed).to.equal(true);
        expect(await store.followers.pendingEnrichment(APPID)).to.equal(4);
        expect(await store.followers.markUnlisted(APPID, 'sync-1', 5000)).to.equal(1);
        expect(await store.followers.get(APPID, 'gone')).to.include({
          subscribed: false,
          unsubscribeTime: 5000,
        });
        expect((await store.followers.get(APPID, 'new2'))?.subscribed).to.equal(true);
      });

      it('does not take a follow that arrives during a sync for someone who left', async () => {
        await store.syncState.set(APPID, { syncId: 'sync-1', nextOpenid: null, listed: 0 });
        await store.followers.markListed(APPID, ['a'], 'sync-1');
        await follow('during', 1000);
        await scan('scanner', 1000, 'spring');
        expect(await store.followers.markUnlisted(APPID, 'sync-1', 5000)).to.equal(0);
        expect((await store.followers.get(APPID, 'during'))?.subscribed).to.equal(true);
      });

      it('leaves other accounts alone', async () => {
        await follow('o1', 1000, undefined, 'wx2');
        await store.followers.markListed(APPID, ['a'], 'sync-1');
        expect(await store.followers.markUnlisted(APPID, 'sync-1', 5000)).to.equal(0);
        expect((await store.followers.get('wx2', 'o1'))?.subscribed).to.equal(true);
      });

      it('takes a whole user/get page of 10 000 openids at once', async () => {
        const openids = Array.from({ length: 10_000 }, (_, i) => `o${i}`);
        await store.followers.markListed(APPID, openids, 'sync-1');
        expect(await store.followers.pendingEnrichment(APPID)).to.equal(10_000);
      });

      it('keeps sync progress per account until cleared', async () => {
        expect(await store.syncState.get(APPID)).to.equal(null);
        await store.syncState.set(APPID, { syncId: 's1', nextOpenid: null, listed: 0 });
        await store.syncState.set(APPID, { syncId: 's1', nextOpenid: 'o9', listed: 10_000 });
        expect(await store.syncState.get(APPID)).to.deep.equal({
          syncId: 's1',
          nextOpenid: 'o9',
          listed: 10_000,
        });
        expect(await store.syncState.get('wx2')).to.equal(null);
        await store.syncState.clear(APPID);
        expect(await store.syncState.get(APPID)).to.equal(null);
      });
    });

    describe('followers.iterate', () => {
      it('yields every follower of an account in openid order across keyset pages', async () => {
        const openids = Array.from({ length: 2345 }, (_, i) => `o${(i * 7919) % 10007}`);
        await store.followers.markListed(APPID, openids, 'sync-1');
        await store.followers.markListed('wx2', ['other'], 'sync-1');
        const seen: string[] = [];
        for await (const follower of store.followers.iterate(APPID)) seen.push(follower.openid);
        expect(seen).to.deep.equal([...openids].sort());
      });

      it('yields followers of every account when no account is given', async () => {
        await store.followers.markListed('wx2', ['b', 'a'], 'sync-1');
        await store.followers.markListed('wx1', ['c'], 'sync-1');
        const seen: string[] = [];
        for await (const follower of store.followers.iterate())
          seen.push(`${follower.appid}/${follower.openid}`);
        expect(seen).to.deep.equal(['wx1/c', 'wx2/a', 'wx2/b']);
      });

      it('yields only the followers a filter takes (following, scene, followed since, prefix)', async () => {
        await follow('o1', 1000, 'spring');
        await follow('o2', 2000, 'spring');
        await follow('o3', 3000, 'summer');
        await unfollow('o2', 4000);
        await follow('p4', 4000, 'spring');
        const seen = async (filter: Parameters<Store['followers']['iterate']>[1]) => {
          const ids: string[] = [];
          for await (const f of store.followers.iterate(APPID, filter)) ids.push(f.openid);
          return ids;
        };
        expect(await seen({ subscribed: true })).to.deep.equal(['o1', 'o3', 'p4']);
        expect(await seen({ scene: 'spring' })).to.deep.equal(['o1', 'o2', 'p4']);
        expect(await seen({ since: 2000 })).to.deep.equal(['o2', 'o3', 'p4']);
        expect(await seen({ since: 2000, scene: 'spring', subscribed: true })).to.deep.equal(['p4']);
        expect(await seen({ search: 'o' })).to.deep.equal(['o1', 'o2', 'o3']);
      });
    });

    describe('followers.sceneStats', () => {
      it('counts scans, follows, and unfollows of followers who came through each scene', async () => {
        await follow('a', 1000, 'spring');
        await unfollow('a', 2000);
        await scan('b', 1000, 'spring');
        await scan('b', 1100, 'spring');
        await follow('c', 1000, 'summer');
        await follow('d', 1000, 'spring');
        await unfollow('d', 2000);
        await follow('d', 3000);
        await unfollow('d', 4000); // this follow came through no scene
        await follow('e', 1000, 'spring', 'wx2');
        expect(await store.followers.sceneStats(APPID)).to.deep.equal([
          { scene: 'spring', scans: 2, subscribes: 2, unsubscribes: 2 },
          { scene: 'summer', scans: 0, subscribes: 1, unsubscribes: 0 },
        ]);
        expect(await store.followers.sceneStats('wx3')).to.deep.equal([]);
      });

      it('counts a retried push once, also when the retries race', async () => {
        const retried = event('scan', 'b', 1000, { scene: 'spring', dedupKey: 'same' });
        await store.followers.recordEvent(retried);
        await Promise.all([
          store.followers.recordEvent({ ...retried }),
          (another ?? store).followers.recordEvent({ ...retried }),
        ]);
        const follow = event('subscribe', 'a', 1000, { scene: 'spring', dedupKey: 'follow' });
        await Promise.all([
          store.followers.recordEvent(follow),
          (another ?? store).followers.recordEvent(follow),
        ]);
        const unfollow = event('unsubscribe', 'a', 2000, { dedupKey: 'unfollow' });
        await Promise.all([
          store.followers.recordEvent(unfollow),
          (another ?? store).followers.recordEvent(unfollow),
        ]);
        expect(await store.followers.sceneStats(APPID)).to.deep.equal([
          { scene: 'spring', scans: 1, subscribes: 1, unsubscribes: 1 },
        ]);
      });
    });

    describe('followers.unionIdentities', () => {
      it('unites followers of every account with OAuth visitors, leaving out snapshot users', async () => {
        await follow('o1', 1000);
        await follow('p1', 1000, undefined, 'wx2');
        await store.followers.saveEnrichment(APPID, [{ openid: 'o1', subscribe: 1, unionid: 'U' }]);
        await store.followers.saveEnrichment('wx2', [{ openid: 'p1', subscribe: 1, unionid: 'U' }]);
        const visitor = { unionid: 'U', scope: 'snsapi_userinfo', isSnapshotUser: false };
        await store.oauth.saveIdentity({ appid: 'wx3', openid: 'q1', ...visitor });
        await store.oauth.saveIdentity({ appid: APPID, openid: 'o1', ...visitor });
        await store.oauth.saveIdentity({ appid: 'wx4', openid: 'snap', ...visitor, isSnapshotUser: true });
        expect(await store.followers.unionIdentities('U')).to.deep.equal([
          // o1 also signed in on the web: listed once, as the follower, marked signedIn.
          { appid: 'wx1', openid: 'o1', source: 'follower', signedIn: true },
          { appid: 'wx2', openid: 'p1', source: 'follower', signedIn: false },
          { appid: 'wx3', openid: 'q1', source: 'oauth', signedIn: true },
        ]);
        expect(await store.followers.unionIdentities('nobody')).to.deep.equal([]);
      });
    });

    describe('messages', () => {
      const inbound = (openid: string, createTime: number, content: string, msgId: string, appid = APPID) =>
        store.messages.add({ appid, openid, direction: 'in', type: 'text', content, createTime, msgId });
      const outbound = (openid: string, createTime: number, content: string, via = 'operator') =>
        store.messages.add({
          appid: APPID,
          openid,
          direction: 'out',
          type: 'text',
          content,
          createTime,
          via,
        });

      it('records a retried inbound message once, per account', async () => {
        expect(await inbound('o1', 1000, 'hello', '100')).to.equal(true);
        expect(await inbound('o1', 1000, 'hello', '100')).to.equal(false);
        expect(await inbound('o1', 1000, 'hello', '100', 'wx2')).to.equal(true);
        expect(await outbound('o1', 1001, 'hi')).to.equal(true);
        expect(await outbound('o1', 1001, 'hi')).to.equal(true);
        expect(await store.messages.list(APPID, 'o1')).to.have.length(3);
      });

      it('records one of concurrent deliveries of an inbound message', async () => {
        const results = await Promise.all(
          Array.from({ length: 8 }, () => inbound('o1', 1000, 'hello', '100')),
        );
        expect(results.filter(Boolean)).to.have.length(1);
        expect(await store.messages.list(APPID, 'o1')).to.have.length(1);
      });

      it('lists a conversation oldest first, and the newest few with a limit', async () => {
        await inbound('o1', 1000, 'one', '1');
        await outbound('o1', 1002, 'three', 'passive');
        await inbound('o1', 1001, 'two', '2');
        await inbound('o2', 1000, 'other', '9');
        expect(await store.messages.list(APPID, 'o1')).to.deep.equal([
          { direction: 'in', type: 'text', content: 'one', createTime: 1000, via: null },
          { direction: 'in', type: 'text', content: 'two', createTime: 1001, via: null },
          { direction: 'out', type: 'text', content: 'three', createTime: 1002, via: 'passive' },
        ]);
        expect((await store.messages.list(APPID, 'o1', 2)).map((m) => m.content)).to.deep.equal([
          'two',
          'three',
        ]);
      });

      it('shows the inbox newest conversation first, unanswered while the last word is inbound', async () => {
        await follow('o1', 500);
        await store.followers.saveEnrichment(APPID, [{ openid: 'o1', subscribe: 1, unionid: 'u1' }]);
        await inbound('o1', 1000, 'question', '1');
        await outbound('o1', 1000, 'answer');
        await inbound('o2', 1100, 'hello?', '2');
        await outbound('o3', 900, 'broadcast');
        await inbound('o4', 1000, 'elsewhere', '3', 'wx2');
        expect((await store.messages.inbox({ appid: APPID, limit: 10 })).conversations).to.deep.equal([
          {
            openid: 'o2',
            unionid: null,
            lastType: 'text',
            lastContent: 'hello?',
            lastCreateTime: 1100,
            lastDirection: 'in',
            lastInboundTime: 1100,
            unanswered: true,
          },
          {
            openid: 'o1',
            unionid: 'u1',
            lastType: 'text',
            lastContent: 'answer',
            lastCreateTime: 1000,
            lastDirection: 'out',
            lastInboundTime: 1000,
            unanswered: false,
          },
          {
            openid: 'o3',
            unionid: null,
            lastType: 'text',
            lastContent: 'broadcast',
            lastCreateTime: 900,
            lastDirection: 'out',
            lastInboundTime: null,
            unanswered: false,
          },
        ]);
        const first = await store.messages.inbox({ appid: APPID, limit: 1 });
        expect(first.conversations.map((e) => e.openid)).to.deep.equal(['o2']);
        expect(first.nextCursor).to.be.a('string');
      });

      it('keeps the inbox on the newest message when an older one is recorded late', async () => {
        await outbound('o1', 2000, 'answer');
        await inbound('o1', 1000, 'question', '1');
        const [entry] = (await store.messages.inbox({ appid: APPID, limit: 10 })).conversations;
        expect(entry).to.include({ lastContent: 'answer', unanswered: false, lastInboundTime: 1000 });
      });
      it('pages the inbox newest first, reaching every conversation once, also on equal times', async () => {
        // 12 conversations, several sharing a second, so the cursor must break ties by message.
        for (let n = 0; n < 12; n++) await inbound(`o${n}`, 1000 + Math.floor(n / 3), `m${n}`, `id${n}`);
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.messages.inbox({ appid: APPID, limit: 5, ...(cursor ? { cursor } : {}) });
          seen.push(...page.conversations.map((c) => c.openid));
          cursor = page.nextCursor ?? undefined;
          pages++;
        } while (cursor);
        expect(pages).to.equal(3);
        expect(seen).to.deep.equal(Array.from({ length: 12 }, (_, n) => `o${11 - n}`));
      });

      it('filters and counts unanswered conversations from the summary rows', async () => {
        await inbound('o1', 1000, 'help me', '1');
        await inbound('o2', 1001, 'question', '2');
        await outbound('o2', 1002, 'answer');
        await inbound('o3', 1003, 'hello', '3');
        await outbound('o4', 1004, 'broadcast');
        await inbound('o5', 1000, 'elsewhere', '5', 'wx2');
        expect(await store.messages.counts(APPID)).to.deep.equal({ total: 4, unanswered: 2 });
        expect(await store.messages.counts('wx-none')).to.deep.equal({ total: 0, unanswered: 0 });
        const first = await store.messages.inbox({ appid: APPID, limit: 1, unanswered: true });
        expect(first.conversations.map((c) => c.openid)).to.deep.equal(['o3']);
        const second = await store.messages.inbox({
          appid: APPID,
          limit: 1,
          unanswered: true,
          cursor: first.nextCursor!,
        });
        expect(second.conversations.map((c) => c.openid)).to.deep.equal(['o1']);
        expect(second.nextCursor).to.equal(null);
        // Answering takes it off the list and the count.
        await outbound('o1', 1005, 'on it');
        expect(await store.messages.counts(APPID)).to.deep.equal({ total: 4, unanswered: 1 });
      });

      it('keeps the counts right while many writers answer many conversations at once', async () => {
        const stores = another ? [store, another] : [store];
        const openids = Array.from({ length: 24 }, (_, n) => `c${n}`);
        // Each question is delivered to every instance at once (WeChat's retries), while two in three are
        // answered at the same moment by an instance: the writers of one conversation race.
        const question = (s: Store, openid: string) =>
          s.messages.add({
            appid: APPID,
            openid,
            direction: 'in',
            type: 'text',
            content: 'q',
            createTime: 1000,
            msgId: openid,
          });
        const answer = (s: Store, openid: string) =>
          s.messages.add({
            appid: APPID,
            openid,
            direction: 'out',
            type: 'text',
            content: 'a',
            createTime: 1001,
            via: 'operator',
          });
        await Promise.all(
          openids.flatMap((openid, n) => [
            ...stores.map((s) => question(s, openid)),
            ...(n % 3 !== 0 ? [answer(stores[n % stores.length]!, openid)] : []),
          ]),
        );
        expect(await store.messages.counts(APPID)).to.deep.equal({ total: 24, unanswered: 8 });
      });

      it('pages a conversation from the newest messages back, oldest first within a page', async () => {
        for (let n = 0; n < 7; n++) await inbound('o1', 1000 + Math.floor(n / 2), `m${n}`, `id${n}`);
        await inbound('o2', 1000, 'other', 'x');
        const first = await store.messages.page({ appid: APPID, openid: 'o1', limit: 3 });
        expect(first.messages.map((m) => m.content)).to.deep.equal(['m4', 'm5', 'm6']);
        expect(first.newerFrom).to.equal(null);
        const second = await store.messages.page({
          appid: APPID,
          openid: 'o1',
          limit: 3,
          cursor: first.nextCursor!,
        });
        expect(second.messages.map((m) => m.content)).to.deep.equal(['m1', 'm2', 'm3']);
        // Where the newer page began: m4's time, so the console shows each follow or scan on one page only.
        expect(second.newerFrom).to.equal(1002);
        const third = await store.messages.page({
          appid: APPID,
          openid: 'o1',
          limit: 3,
          cursor: second.nextCursor!,
        });
        expect(third).to.deep.equal({
          messages: [{ direction: 'in', type: 'text', content: 'm0', createTime: 1000, via: null }],
          nextCursor: null,
          newerFrom: 1000,
        });
        expect((await store.messages.since(APPID, 'o1', 1002)).map((m) => m.content)).to.deep.equal([
          'm4',
          'm5',
          'm6',
        ]);
      });

      it('rejects a cursor it did not issue, or one of another list', async () => {
        await inbound('o1', 1000, 'a', '1');
        await inbound('o2', 1001, 'b', '2');
        const inboxCursor = (await store.messages.inbox({ appid: APPID, limit: 1 })).nextCursor!;
        for (const cursor of ['nonsense', inboxCursor]) {
          let caught: unknown;
          await store.messages
            .page({ appid: APPID, openid: 'o1', limit: 1, cursor })
            .catch((e) => (caught = e));
          expect(caught).to.be.instanceOf(InvalidCursorError);
        }
        let caught: unknown;
        await store.messages.inbox({ appid: APPID, limit: 1, cursor: 'eyJ9' }).catch((e) => (caught = e));
        expect(caught).to.be.instanceOf(InvalidCursorError);
      });
    });

    describe('qrcodes', () => {
      const code = (ticket: string, extra: { appid?: string; label?: string | null } = {}) => ({
        appid: extra.appid ?? APPID,
        scene: 'spring',
        ticket,
        url: `http://weixin.qq.com/q/${ticket}`,
        imageUrl: `https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=${ticket}`,
        permanent: false,
        expiresAt: now + 60_000,
        label: extra.label ?? null,
        createdAt: now,
      });

      it('keeps every code, newest first, paged, per account', async () => {
        for (let n = 0; n < 5; n++) {
          await store.qrcodes.add(code(`t${n}`));
          if (n % 2 === 0) now += 1000; // some share a millisecond
        }
        await store.qrcodes.add(code('other', { appid: 'wx2' }));
        const first = await store.qrcodes.list({ appid: APPID, limit: 3 });
        expect(first.qrcodes.map((q) => q.ticket)).to.deep.equal(['t4', 't3', 't2']);
        const rest = await store.qrcodes.list({ appid: APPID, limit: 3, cursor: first.nextCursor! });
        expect(rest.qrcodes.map((q) => q.ticket)).to.deep.equal(['t1', 't0']);
        expect(rest.nextCursor).to.equal(null);
        expect(rest.qrcodes[1]).to.deep.equal({ ...code('t0'), expiresAt: T0 + 60_000, createdAt: T0 });
      });

      it('stores a permanent code without expiry, and sets and clears a label', async () => {
        await store.qrcodes.add({ ...code('p'), permanent: true, expiresAt: null, label: 'door' });
        expect(await store.qrcodes.get(APPID, 'p')).to.include({
          permanent: true,
          expiresAt: null,
          label: 'door',
        });
        expect(await store.qrcodes.setLabel(APPID, 'p', 'window poster')).to.equal(true);
        expect((await store.qrcodes.get(APPID, 'p'))?.label).to.equal('window poster');
        expect(await store.qrcodes.setLabel(APPID, 'p', null)).to.equal(true);
        expect((await store.qrcodes.get(APPID, 'p'))?.label).to.equal(null);
        expect(await store.qrcodes.setLabel(APPID, 'nope', 'x')).to.equal(false);
        expect(await store.qrcodes.get('wx2', 'p')).to.equal(null);
      });
    });

    describe('oauth', () => {
      const state = {
        state: 's1',
        browserHash: 'hash',
        target: '/shop',
        scope: 'snsapi_userinfo' as const,
        expiresAt: T0 + 600_000,
      };

      it('hands a state out once, with the time it was made', async () => {
        await store.oauth.saveState(state);
        now += 5_000;
        expect(await store.oauth.takeState('s1')).to.deep.equal({ ...state, createdAt: T0 });
        expect(await store.oauth.takeState('s1')).to.equal(null);
        expect(await store.oauth.takeState('unknown')).to.equal(null);
      });

      it('hands a state to exactly one of concurrent callbacks', async () => {
        await store.oauth.saveState(state);
        const taken = await Promise.all(Array.from({ length: 6 }, () => store.oauth.takeState('s1')));
        expect(taken.filter((t) => t !== null)).to.have.length(1);
      });

      it('updates an identity on a later visit, keeping its unionid', async () => {
        const base = { appid: APPID, openid: 'o1', scope: 'snsapi_userinfo', isSnapshotUser: false };
        await store.oauth.saveIdentity({ ...base, unionid: 'U', nickname: 'Ann', headimgurl: 'https://img' });
        await store.oauth.saveIdentity({ ...base, unionid: null, scope: 'snsapi_base' });
        expect(await store.followers.unionIdentities('U')).to.deep.equal([
          { appid: APPID, openid: 'o1', source: 'oauth', signedIn: true },
        ]);
      });

      it('keeps the first UnionID of an OpenID, recording another one reported as a conflict (issue 10)', async () => {
        const base = { appid: APPID, openid: 'o1', scope: 'snsapi_userinfo', isSnapshotUser: false };
        expect(await store.oauth.saveIdentity({ ...base, unionid: 'U' })).to.deep.equal({
          unionid: 'U',
          conflicts: [],
        });
        // snsapi_base carries no UnionID: the known one is returned.
        expect((await store.oauth.saveIdentity({ ...base, unionid: null })).unionid).to.equal('U');
        now += 1000;
        const other = await store.oauth.saveIdentity({ ...base, unionid: 'V' });
        expect(other.unionid).to.equal('U');
        expect(
          other.conflicts.map((c) => [c.keptUnionid, c.reportedUnionid, c.source, c.times]),
        ).to.deep.equal([['U', 'V', 'oauth', 1]]);
        await store.oauth.saveIdentity({ ...base, unionid: 'V' });
        const [conflict] = await store.followers.unionIdConflicts(APPID, 'o1');
        expect(conflict).to.include({ reportedUnionid: 'V', times: 2 });
        expect(await store.followers.unionIdentities('V')).to.deep.equal([]);

        // A follower: enrichment keeps the first UnionID too.
        await follow('o2', 1000);
        await store.followers.saveEnrichment(APPID, [{ openid: 'o2', subscribe: 1, unionid: 'W' }]);
        const found = await store.followers.saveEnrichment(APPID, [
          { openid: 'o2', subscribe: 1, unionid: 'X' },
        ]);
        expect(found.map((c) => [c.keptUnionid, c.reportedUnionid, c.source])).to.deep.equal([
          ['W', 'X', 'user/info'],
        ]);
        expect((await store.followers.get(APPID, 'o2'))?.unionid).to.equal('W');
      });
    });

    describe('consoleSessions', () => {
      it('remembers a revoked console session, once or twice revoked, and no other', async () => {
        expect(await store.consoleSessions.isRevoked('sid-1')).to.equal(false);
        await store.consoleSessions.revoke('sid-1', T0 + 60_000);
        await store.consoleSessions.revoke('sid-1', T0 + 60_000);
        expect(await store.consoleSessions.isRevoked('sid-1')).to.equal(true);
        expect(await store.consoleSessions.isRevoked('sid-2')).to.equal(false);
      });

      it('lets a revocation go once the session would have expired anyway', async () => {
        await store.consoleSessions.revoke('sid-1', T0 + 60_000);
        now = T0 + 60_000;
        expect(await store.consoleSessions.isRevoked('sid-1')).to.equal(false);
      });
    });

    describe('authFailures', () => {
      const policy = { freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 4000, forgetAfterMs: 60_000 };
      const fail = (client = 'ip:1.2.3.4') => store.authFailures.fail(client, policy, now);

      it('weighs the free failures, then blocks for a delay that doubles up to the maximum', async () => {
        expect(await store.authFailures.blockedFor('ip:1.2.3.4', now)).to.equal(null);
        for (let i = 0; i < 3; i++) expect(await fail()).to.equal(0);
        expect(await store.authFailures.blockedFor('ip:1.2.3.4', now)).to.equal(0);
        expect(await fail()).to.equal(0); // the 4th is weighed, and blocks the next for 1 s
        expect(await fail()).to.equal(1000);
        now += 400;
        expect(await fail()).to.equal(600);
        expect(await store.authFailures.blockedFor('ip:1.2.3.4', now)).to.equal(600);
        expect(await fail('ip:5.6.7.8')).to.equal(0);
        now += 600;
        expect(await fail()).to.equal(0);
        expect(await fail()).to.equal(2000);
        now += 2000;
        expect(await fail()).to.equal(0);
        now += 4000;
        expect(await fail()).to.equal(0);
        expect(await fail()).to.equal(4000);
      });

      it('starts afresh after a success, or after a long quiet', async () => {
        for (let i = 0; i < 4; i++) await fail();
        expect(await fail()).to.equal(1000);
        await store.authFailures.clear('ip:1.2.3.4');
        expect(await store.authFailures.blockedFor('ip:1.2.3.4', now)).to.equal(null);
        for (let i = 0; i < 3; i++) expect(await fail()).to.equal(0);
        now += 60_001;
        for (let i = 0; i < 3; i++) expect(await fail()).to.equal(0);
      });

      it('weighs only the allowed number of concurrent failures', async () => {
        const results = await Promise.all(Array.from({ length: 12 }, () => fail()));
        expect(results.filter((r) => r === 0)).to.have.length(4);
      });
    });

    describe('tokens', () => {
      tokenStoreContract({ store: () => store.tokens, now: () => now });
    });

    describe('replies', () => {
      replyRecordStoreContract({ store: () => store.replies, advance: (ms) => (now += ms) });
    });

    describe('apiStatus', () => {
      const failure = (at: number, errcode: number | null) => ({
        appid: APPID,
        at,
        endpoint: '/cgi-bin/stable_token',
        errcode,
        message: `WeChat API /cgi-bin/stable_token failed: ${errcode}`,
        hint: errcode === null ? null : 'a hint',
      });

      it('keeps the last failure of an account until a later success clears it', async () => {
        expect(await store.apiStatus.lastFailure(APPID)).to.equal(null);
        await store.apiStatus.recordFailure(failure(T0, 40125));
        await store.apiStatus.recordFailure(failure(T0 + 1, null));
        expect(await store.apiStatus.lastFailure(APPID)).to.deep.equal(failure(T0 + 1, null));
        expect(await (another ?? store).apiStatus.lastFailure(APPID)).to.deep.equal(failure(T0 + 1, null));
        expect(await store.apiStatus.lastFailure('wx-other')).to.equal(null);

        // A success reported as of before the failure does not clear it.
        expect(await store.apiStatus.clearFailure(APPID, T0)).to.equal(false);
        expect(await store.apiStatus.clearFailure(APPID, T0 + 2)).to.equal(true);
        expect(await store.apiStatus.lastFailure(APPID)).to.equal(null);
        expect(await store.apiStatus.clearFailure(APPID, T0 + 3)).to.equal(false);

        await store.apiStatus.recordFailure(failure(T0 + 4, 40164));
        expect(await store.apiStatus.lastFailure(APPID)).to.include({ errcode: 40164, at: T0 + 4 });
      });
    });

    describe('syncRuns', () => {
      const LEASE = 60_000;
      const begin = (holder: string, s: Store = store, appid = APPID) =>
        s.syncRuns.begin({ appid, trigger: 'periodic', holder, resumed: false, leaseMs: LEASE });
      const counts = { listed: 10, newlyFound: 2, unsubscribed: 1, enriched: 9, enrichFailed: 1 };

      it('records a run from start to finish, newest first', async () => {
        expect(await store.syncRuns.recent(APPID, 5)).to.deep.equal([]);
        const first = await begin('a');
        if (!('run' in first)) throw new Error('expected to start');
        expect(first.run).to.include({
          appid: APPID,
          trigger: 'periodic',
          holder: 'a',
          outcome: 'running',
          startedAt: T0,
          finishedAt: null,
          leaseUntil: T0 + LEASE,
          listed: 0,
          resumed: false,
        });
        now += 1000;
        expect(await store.syncRuns.update(first.run.id, { ...counts, listed: 5 }, LEASE)).to.equal(true);
        expect((await store.syncRuns.recent(APPID, 1))[0]).to.include({ listed: 5, leaseUntil: now + LEASE });
        now += 1000;
        expect(await store.syncRuns.finish(first.run.id, 'done', counts)).to.equal(true);
        // Finished once: a second finish, renew or update changes nothing.
        expect(await store.syncRuns.finish(first.run.id, 'failed', counts, 'late')).to.equal(false);
        expect(await store.syncRuns.renew(first.run.id, LEASE)).to.equal(false);
        expect(await store.syncRuns.update(first.run.id, counts, LEASE)).to.equal(false);

        const second = await begin('b');
        if (!('run' in second)) throw new Error('expected to start');
        await store.syncRuns.finish(second.run.id, 'failed', { ...counts, listed: 0 }, 'WeChat said 40164');
        const runs = await store.syncRuns.recent(APPID, 5);
        expect(runs.map((r) => [r.holder, r.outcome])).to.deep.equal([
          ['b', 'failed'],
          ['a', 'done'],
        ]);
        expect(runs[1]).to.include({ ...counts, startedAt: T0, finishedAt: T0 + 2000, error: null });
        expect(runs[0]).to.include({ error: 'WeChat said 40164' });
        expect(await store.syncRuns.recent(APPID, 1)).to.have.length(1);
        expect(await store.syncRuns.recent('wx-other', 5)).to.deep.equal([]);
      });

      it('lets one run at a time hold an account, and another take over once the lease runs out', async () => {
        const a = await begin('a');
        if (!('run' in a)) throw new Error('expected to start');
        const busy = await begin('b', another ?? store);
        expect(busy).to.have.property('busy').that.includes({ id: a.run.id, holder: 'a' });
        // Another account is not held.
        expect(await begin('b', store, 'wx2')).to.have.property('run');

        now += LEASE - 1;
        expect(await store.syncRuns.renew(a.run.id, LEASE)).to.equal(true);
        now += LEASE - 1;
        expect(await begin('b', another ?? store)).to.have.property('busy');

        now += 2; // a died: its lease runs out
        const b = await begin('b', another ?? store);
        if (!('run' in b)) throw new Error('expected b to take over');
        const [, abandoned] = await store.syncRuns.recent(APPID, 2);
        expect(abandoned).to.include({ id: a.run.id, outcome: 'abandoned', finishedAt: now });
        // a wakes up: it no longer holds the account and cannot record over b.
        expect(await store.syncRuns.renew(a.run.id, LEASE)).to.equal(false);
        expect(await store.syncRuns.update(a.run.id, counts, LEASE)).to.equal(false);
        expect(await store.syncRuns.finish(a.run.id, 'done', counts)).to.equal(false);
        expect((await store.syncRuns.recent(APPID, 1))[0]).to.include({ holder: 'b', outcome: 'running' });
      });

      it('gives the account to exactly one of several runs starting at once', async () => {
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, i) => begin(`h${i}`, i % 2 && another ? another : store)),
        );
        expect(results.filter((r) => 'run' in r)).to.have.length(1);
        expect(await store.syncRuns.recent(APPID, 10)).to.have.length(1);
      });
    });

    describe('ping and close', () => {
      it('pings an open store', async () => {
        await store.ping();
      });

      it('fails to ping once closed, and closes twice without error', async () => {
        await store.close();
        await store.close();
        let failed = false;
        await store.ping().catch(() => (failed = true));
        expect(failed).to.equal(true);
      });
    });

    // SQLite is one process's database: two connections in one process would wait on each other's write lock
    // synchronously, so only PostgreSQL runs these.
    if (options.multiInstance) describeTwoInstances();

    function describeTwoInstances(): void {
      describe('two instances on one database', () => {
        const other = () => {
          if (!another) throw new Error('the harness gave no second instance');
          return another;
        };

        it('stores a push delivered to both at once exactly once', async () => {
          const push = event('subscribe', 'o1', 1000, { scene: 'spring', dedupKey: 'shared' });
          const results = await Promise.all(
            Array.from({ length: 6 }, (_, i) => (i % 2 ? store : other()).followers.recordEvent(push)),
          );
          expect(results.filter(Boolean)).to.have.length(1);
          expect(await store.followers.events(APPID, 'o1')).to.have.length(1);
        });

        it('never gives both the same follower to enrich', async () => {
          const openids = Array.from({ length: 60 }, (_, i) => `o${i}`);
          await store.followers.markListed(APPID, openids, 'sync-1');
          const claims = await Promise.all(
            Array.from({ length: 8 }, (_, i) =>
              (i % 2 ? store : other()).followers.claimForEnrichment(10, 60_000),
            ),
          );
          const claimed = claims.flat().map((f) => f.openid);
          expect(new Set(claimed).size).to.equal(claimed.length);
          const rest = await other().followers.claimForEnrichment(100, 60_000);
          expect([...claimed, ...rest].sort()).to.deep.equal([...openids].sort());
        });

        it('gives new for one push to exactly one of them', async () => {
          const results = await Promise.all(
            Array.from({ length: 10 }, (_, i) => (i % 2 ? store : other()).replies.claim('push', 10_000)),
          );
          expect(results.filter((r) => r.state === 'new')).to.have.length(1);
          await store.replies.finish('push', 'success', 60_000);
          expect(await other().replies.claim('push', 10_000)).to.deep.equal({
            state: 'done',
            reply: 'success',
          });
        });

        it('lets exactly one of them take over a claim whose lease ran out (its instance died)', async () => {
          expect(await store.replies.claim('orphan', 5_000)).to.deep.equal({ state: 'new' });
          now += 5_001;
          const results = await Promise.all(
            Array.from({ length: 10 }, (_, i) => (i % 2 ? store : other()).replies.claim('orphan', 5_000)),
          );
          expect(results.filter((r) => r.state === 'new')).to.have.length(1);
          expect(results.filter((r) => r.state === 'pending')).to.have.length(9);
        });

        it('fetches one access token when both refresh at once', async () => {
          const source = countingFetch(() => now, 50);
          const tokens = await Promise.all([
            store.tokens.refresh(APPID, null, 300_000, source.fetch),
            other().tokens.refresh(APPID, null, 300_000, source.fetch),
            store.tokens.refresh(APPID, null, 300_000, source.fetch),
            other().tokens.refresh(APPID, null, 300_000, source.fetch),
          ]);
          expect(source.calls()).to.equal(1);
          expect(new Set(tokens.map((t) => t.token)).size).to.equal(1);
        });

        it('weighs only the allowed number of failures spread over both', async () => {
          const policy = { freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 4000, forgetAfterMs: 60_000 };
          const results = await Promise.all(
            Array.from({ length: 12 }, (_, i) =>
              (i % 2 ? store : other()).authFailures.fail('ip:1.2.3.4', policy, now),
            ),
          );
          expect(results.filter((r) => r === 0)).to.have.length(4);
        });

        it('refuses on one a console session revoked on the other', async () => {
          await store.consoleSessions.revoke('sid-1', T0 + 60_000);
          expect(await other().consoleSessions.isRevoked('sid-1')).to.equal(true);
        });

        it('hands an OAuth state to only one of them', async () => {
          await store.oauth.saveState({
            state: 's',
            browserHash: 'h',
            target: '/',
            scope: 'snsapi_base',
            expiresAt: T0 + 1000,
          });
          const taken = await Promise.all([store.oauth.takeState('s'), other().oauth.takeState('s')]);
          expect(taken.filter((t) => t !== null)).to.have.length(1);
        });

        it('records an inbound message delivered to both once', async () => {
          const message = {
            appid: APPID,
            openid: 'o1',
            direction: 'in' as const,
            type: 'text',
            content: 'hi',
            createTime: 1000,
            msgId: '42',
          };
          const results = await Promise.all([store.messages.add(message), other().messages.add(message)]);
          expect(results.filter(Boolean)).to.have.length(1);
        });
      });
    }
  });
}
