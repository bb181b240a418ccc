/**
 * Issue 4: "survives a restart mid-enrichment". Followers captured by one server whose enrichment had not
 * happened yet (not attempted, or failed while the WeChat API was down) are enriched by the next server
 * started on the same SQLite file; a shutdown during a slow call finishes that call.
 */
import { expect } from 'chai';
import {
  startSimulator,
  type SimAccount,
  type SimFollower,
  type Simulator,
} from '../../src/simulator/index.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import {
  callsTo,
  e2eDatabase,
  eventually,
  startE2eServer,
  type E2eDatabase,
  type E2eServer,
} from '../support/server.js';

const BATCHGET = '/cgi-bin/user/info/batchget';

describe('e2e: enrichment across a restart (SQLite)', function () {
  let sim: Simulator;
  let account: SimAccount;
  let db: E2eDatabase;
  const running: E2eServer[] = [];
  const stores: Store[] = [];

  beforeEach(async function () {
    db = await e2eDatabase('sqlite', this);
    sim = await startSimulator();
    account = sim.createAccount({ mode: 'safe' });
  });

  afterEach(async () => {
    for (const server of running.splice(0)) await server.close().catch(() => undefined);
    for (const store of stores.splice(0)) await store.close();
    await sim.close();
    await db.dispose();
  });

  async function start(
    enrichment: Parameters<typeof startE2eServer>[0]['enrichment'] = {},
    store?: Store,
  ): Promise<E2eServer> {
    const server = await startE2eServer({
      sim,
      account,
      databaseUrl: db.url,
      enrichment,
      ...(store ? { store } : {}),
    });
    running.push(server);
    return server;
  }

  async function enrichedAt(server: E2eServer, openid: string): Promise<string | null> {
    const { status, body } = await server.api(`/api/followers/${openid}`);
    expect(status, `${openid} is stored`).to.equal(200);
    return body.enrichedAt as string | null;
  }

  async function followAll(count: number, scene?: string): Promise<SimFollower[]> {
    const followers = Array.from({ length: count }, () => account.follower());
    const results = await Promise.all(followers.map((f) => f.follow(scene === undefined ? {} : { scene })));
    for (const result of results) expect(result.status).to.equal(200);
    return followers;
  }

  /** The successful batchget calls made after `since` (simulator clock, ms) and the openids they asked for. */
  function enrichedSince(since: number): string[] {
    return callsTo(sim, BATCHGET, account.appid)
      .filter((c) => c.time >= since && c.errcode === 0)
      .flatMap((c) =>
        ((c.body as { user_list: Array<{ openid: string }> }).user_list ?? []).map((u) => u.openid),
      );
  }

  it('enriches, after a restart, followers whose enrichment failed while the WeChat API was down', async () => {
    // WeChat answers -1 "system busy" to the first attempt and to each of the client's 3 retries.
    sim.misbehave({ path: BATCHGET, kind: 'system_error', times: 4 });
    const first = await start({ retryBaseMs: 1500 });
    const followers = await followAll(3, 'spring');

    await eventually(
      'the first server gave up on the batch',
      () => callsTo(sim, BATCHGET, account.appid).filter((c) => c.errcode === -1).length === 4,
    );
    const failed = callsTo(sim, BATCHGET, account.appid)[0]!.body as { user_list: Array<{ openid: string }> };
    expect(
      failed.user_list.map((u) => u.openid),
      'one batch for the burst',
    ).to.have.members(followers.map((f) => f.openid));
    for (const f of followers) expect(await enrichedAt(first, f.openid)).to.equal(null);
    await first.close();
    const closedAt = sim.clock.now();

    // The restart comes after the retry time (1.2 to 1.8 s): the second server and its store run a minute
    // ahead, so it takes the deferred batch at start instead of the test waiting for it.
    const later = () => Date.now() + 60_000;
    const store = await openStore(db.url, { clock: later });
    stores.push(store);
    const second = await start({ clock: later }, store);
    await eventually('every follower is enriched', async () =>
      (await Promise.all(followers.map((f) => enrichedAt(second, f.openid)))).every((t) => t !== null),
    );
    expect(enrichedSince(closedAt)).to.have.members(followers.map((f) => f.openid));
    const { body } = await second.api(`/api/followers/${followers[0]!.openid}`);
    expect(body).to.deep.include({
      unionid: followers[0]!.unionid,
      subscribeScene: 'ADD_SCENE_QR_CODE',
      qrSceneStr: 'spring',
    });
    // One failed batch, one successful one: three followers never cost three calls.
    expect(callsTo(sim, BATCHGET, account.appid).filter((c) => c.errcode === 0)).to.have.length(1);
  });

  it('enriches at the next start followers captured just before a shutdown', async () => {
    // The default debounce (500 ms) has not run out when the server stops.
    const first = await start();
    const followers = await followAll(2);
    await first.close();
    const closedAt = sim.clock.now();
    expect(callsTo(sim, BATCHGET), 'nothing was attempted before the shutdown').to.have.length(0);

    const second = await start();
    await eventually('both followers are enriched', async () =>
      (await Promise.all(followers.map((f) => enrichedAt(second, f.openid)))).every((t) => t !== null),
    );
    expect(enrichedSince(closedAt)).to.have.members(followers.map((f) => f.openid));
  });

  it('finishes the batch in flight when stopped during a slow user/info/batchget', async () => {
    sim.misbehave({ path: BATCHGET, kind: 'slow', ms: 1000 });
    const first = await start();
    const [follower] = await followAll(1);
    // A pass starts now rather than after the debounce, so the server stops while it runs. (drain() would
    // look for more after the stop, on a closed store: its outcome is not what this test is about.)
    void first.wxoa.enrichment.drain().catch(() => undefined);
    expect(callsTo(sim, BATCHGET)).to.have.length(0);

    await first.close();
    expect(callsTo(sim, BATCHGET), 'the call was answered before the server stopped').to.have.length(1);

    const second = await start();
    expect(await enrichedAt(second, follower!.openid)).to.be.a('string');
    expect(callsTo(sim, BATCHGET), 'no second call for the same follower').to.have.length(1);
  });
});
