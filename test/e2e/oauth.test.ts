/**
 * Issue 5 / INTERFACE.md §6, end to end: the whole web-authorization round trip through the real server and
 * the simulator's authorize page, the identity linked by UnionID to the follower, and the refusals.
 */
import { expect } from 'chai';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import {
  e2eDatabase,
  freePort,
  startE2eServer,
  type E2eDatabase,
  type E2eServer,
} from '../support/server.js';
import { Browser } from '../support/hand-browser.js';

describe('e2e: web authorization (OAuth) through the simulator', function () {
  let sim: Simulator;
  let account: SimAccount;
  let db: E2eDatabase;
  let server: E2eServer;
  let publicUrl: string;

  before(async function () {
    db = await e2eDatabase('sqlite', this);
    sim = await startSimulator();
    account = sim.createAccount({ mode: 'safe' });
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    server = await startE2eServer({
      sim,
      account,
      databaseUrl: db.url,
      port,
      env: { PUBLIC_URL: publicUrl },
    });
  });

  after(async () => {
    await server?.close();
    await sim?.close();
    await db?.dispose();
  });

  /** Our /oauth/authorize: returns the simulator's authorize page URL it redirects to. */
  async function authorize(browser: Browser, query: string): Promise<URL> {
    const res = await browser.get(`${publicUrl}/oauth/authorize?${query}`);
    expect(res.status, res.body).to.equal(302);
    return new URL(res.location!);
  }

  /** The simulator's authorize page, as `who`: returns the callback URL it sends the browser to. */
  async function wechatPage(browser: Browser, page: URL, who: Record<string, string>): Promise<string> {
    const url = new URL(page);
    url.hash = '';
    for (const [k, v] of Object.entries(who)) url.searchParams.set(k, v);
    const res = await browser.get(url.toString());
    expect(res.status, res.body).to.equal(302);
    return res.location!;
  }

  it('signs a follower in with snsapi_userinfo, lands on the target and links the identity to the follower', async () => {
    const follower = account.follower();
    await follower.follow();
    const browser = new Browser();

    const page = await authorize(
      browser,
      `target=${encodeURIComponent('/oauth/whoami?from=menu')}&scope=snsapi_userinfo`,
    );
    expect(`${page.origin}${page.pathname}`).to.equal(`${sim.url}/connect/oauth2/authorize`);
    expect(page.searchParams.get('appid')).to.equal(account.appid);
    expect(page.searchParams.get('redirect_uri')).to.equal(`${publicUrl}/oauth/callback`);
    expect(page.searchParams.get('response_type')).to.equal('code');
    expect(page.searchParams.get('scope')).to.equal('snsapi_userinfo');
    expect(page.hash).to.equal('#wechat_redirect');

    const callback = await wechatPage(browser, page, { sim_openid: follower.openid });
    expect(callback.startsWith(`${publicUrl}/oauth/callback?code=`)).to.equal(true);
    const landed = await browser.get(callback);
    expect(landed.status).to.equal(302);
    expect(landed.location).to.equal('/oauth/whoami?from=menu');

    const me = await browser.get(`${publicUrl}/oauth/whoami`);
    expect(me.status).to.equal(200);
    expect(JSON.parse(me.body)).to.include({
      appid: account.appid,
      openid: follower.openid,
      unionid: follower.unionid,
      scope: 'snsapi_userinfo',
    });
    expect(sim.calls.filter((c) => c.path === '/sns/oauth2/access_token')).to.have.length(1);
    expect(sim.calls.filter((c) => c.path === '/sns/userinfo')).to.have.length(1);

    // The follower's own UnionID arrives with its enrichment.
    await server.wxoa.enrichment.drain();
    expect((await server.api(`/api/followers/${follower.openid}`)).body.unionid).to.equal(follower.unionid);
    const { body } = await server.api(`/api/unions/${follower.unionid}`);
    // The visitor is that follower: one person, one OpenID, learnt two ways (INTERFACE.md §8: one entry per
    // appid, openid and source).
    expect(
      body.identities.map((i: Record<string, string>) => [i['appid'], i['openid'], i['source']]),
    ).to.deep.equal([
      [account.appid, follower.openid, 'follower'],
      [account.appid, follower.openid, 'oauth'],
    ]);
  });

  it('gives an snsapi_base sign-in the UnionID already known for that OpenID (issue 10)', async () => {
    const follower = account.follower();
    await follower.follow();
    await server.wxoa.enrichment.drain();
    expect((await server.api(`/api/followers/${follower.openid}`)).body.unionid).to.equal(follower.unionid);
    const browser = new Browser();
    const page = await authorize(browser, 'target=/oauth/whoami&scope=snsapi_base');
    const callback = await wechatPage(browser, page, { sim_openid: follower.openid });
    expect((await browser.get(callback)).location).to.equal('/oauth/whoami');
    // WeChat's snsapi_base answer carries no UnionID; the server knows it from the follower.
    expect(sim.calls.at(-1)?.path).to.equal('/sns/oauth2/access_token');
    const me = JSON.parse((await browser.get(`${publicUrl}/oauth/whoami`)).body) as Record<string, unknown>;
    expect(me).to.include({ openid: follower.openid, unionid: follower.unionid, scope: 'snsapi_base' });
  });

  it('records a visitor who does not follow as an OAuth identity under their UnionID', async () => {
    const person = sim.createPerson({ nickname: 'Passer-by' });
    const browser = new Browser();
    const page = await authorize(browser, 'target=/oauth/whoami&scope=snsapi_userinfo');
    const callback = await wechatPage(browser, page, { sim_unionid: person.unionid, sim_action: 'approve' });
    expect((await browser.get(callback)).location).to.equal('/oauth/whoami');

    const me = JSON.parse((await browser.get(`${publicUrl}/oauth/whoami`)).body) as {
      openid: string;
      unionid: string;
    };
    expect(me.unionid).to.equal(person.unionid);
    const { status, body } = await server.api(`/api/unions/${person.unionid}`);
    expect(status).to.equal(200);
    expect(body.unionid).to.equal(person.unionid);
    expect(body.identities).to.have.length(1);
    expect(body.identities[0]).to.include({
      appid: account.appid,
      appType: 'official_account',
      openid: me.openid,
      source: 'oauth',
    });
    // Not a follower.
    expect((await server.api(`/api/followers/${me.openid}`)).status).to.equal(404);
  });

  it('refuses a reused state with 400 and no new session', async () => {
    const follower = account.follower();
    await follower.follow();
    const browser = new Browser();
    const callback = await wechatPage(browser, await authorize(browser, 'target=/oauth/whoami'), {
      sim_openid: follower.openid,
    });
    expect((await browser.get(callback)).status).to.equal(302);

    const replay = new Browser();
    for (const [k, v] of browser.cookies) if (k !== 'wxoa_session') replay.cookies.set(k, v);
    const again = await replay.get(callback);
    expect(again.status).to.equal(400);
    expect(replay.cookies.has('wxoa_session')).to.equal(false);
    expect((await replay.get(`${publicUrl}/oauth/whoami`)).status).to.equal(401);
  });

  it('refuses a forged state with 400, exchanging no code', async () => {
    const browser = new Browser();
    await authorize(browser, 'target=/oauth/whoami');
    const exchanges = sim.calls.filter((c) => c.path === '/sns/oauth2/access_token').length;
    const res = await browser.get(`${publicUrl}/oauth/callback?code=CODE&state=${'A'.repeat(32)}`);
    expect(res.status).to.equal(400);
    expect(sim.calls.filter((c) => c.path === '/sns/oauth2/access_token')).to.have.length(exchanges);
    expect(browser.cookies.has('wxoa_session')).to.equal(false);
  });

  for (const target of ['//evil.example', '/\\evil.example', 'https://evil.example/']) {
    it(`refuses target=${target} with 400 instead of redirecting`, async () => {
      const res = await new Browser().get(
        `${publicUrl}/oauth/authorize?target=${encodeURIComponent(target)}`,
      );
      expect(res.status).to.equal(400);
      expect(res.location).to.equal(null);
    });
  }

  it('says so when the user refuses, and starts no session', async () => {
    const browser = new Browser();
    const callback = await wechatPage(
      browser,
      await authorize(browser, 'target=/oauth/whoami&scope=snsapi_userinfo'),
      {
        sim_action: 'refuse',
      },
    );
    expect(new URL(callback).searchParams.has('code')).to.equal(false);
    const res = await browser.get(callback);
    expect(res.status).to.be.within(200, 499);
    expect(res.location).to.equal(null);
    expect(res.body.toLowerCase()).to.match(/refus|declin|cancel|denied/);
    expect(browser.cookies.has('wxoa_session')).to.equal(false);
  });
});
