import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router } from '@koa/router';
import { expect } from 'chai';
import Koa from 'koa';
import { oauthRouter } from '../../src/http/oauth-routes.js';
import { requireVisitor } from '../../src/http/visitor.js';
import type { SimAccount, Simulator } from '../../src/simulator/index.js';
import type { Store } from '../../src/store/index.js';
import type { WechatApi } from '../../src/wechat-api/index.js';
import { startSimulatedAccount, type TestServer } from '../kf/test-app.js';
import { Browser } from '../support/hand-browser.js';

const SECRET = 'test-session-secret-0123456789abcdef';
const MINUTE = 60_000;

describe('OAuth routes (INTERFACE.md §6) against the simulator', () => {
  let sim: Simulator;
  let account: SimAccount;
  let store: Store;
  let server: TestServer;
  let origin: string;

  before(async () => {
    let wechat: WechatApi;
    let clock: () => number;
    ({ sim, account, store, wechat, clock } = await startSimulatedAccount());
    // PUBLIC_URL is the server's own address, known once it listens: the app is built then.
    let handle: RequestListener = (_req, res) => res.end();
    const http = createServer((req, res) => handle(req, res));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    server = {
      origin,
      close: async () => {
        http.closeAllConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
      },
    };
    const oauth = oauthRouter({
      appid: account.appid,
      api: wechat,
      store,
      openBase: sim.url,
      publicUrl: origin,
      secret: SECRET,
      clock,
    });
    const pages = new Router();
    pages.get('/account', requireVisitor({ secret: SECRET, clock }), (ctx) => {
      ctx.body = `hello ${(ctx.state['visitor'] as { openid: string }).openid}`;
    });
    const app = new Koa();
    app.use(oauth.routes()).use(pages.routes());
    handle = app.callback();
  });

  after(async () => {
    await server?.close();
    await store?.close();
    await sim?.close();
  });

  /** Starts a sign-in at our server; returns WeChat's authorize URL (without the fragment). */
  async function authorize(browser: Browser, query: string): Promise<URL> {
    const res = await browser.get(`${origin}/oauth/authorize?${query}`);
    expect(res.status, res.body).to.equal(302);
    const url = new URL(res.location!);
    url.hash = '';
    return url;
  }

  /** WeChat's authorize page: returns the callback URL it redirects to. */
  async function wechatPage(browser: Browser, url: URL, sim: Record<string, string> = {}): Promise<string> {
    for (const [k, v] of Object.entries(sim)) url.searchParams.set(k, v);
    const res = await browser.get(url.toString());
    expect(res.status, res.body).to.equal(302);
    return res.location!;
  }

  function snsCalls(path: string): number {
    return sim.calls.filter((c) => c.path === path).length;
  }

  it('redirects to WeChat’s authorize page with the exact parameters and a browser-bound state', async () => {
    const browser = new Browser();
    const res = await browser.get(
      `${origin}/oauth/authorize?target=%2Fshop%3Fitem%3D1&scope=snsapi_userinfo`,
    );
    expect(res.status).to.equal(302);
    const prefix =
      `${sim.url}/connect/oauth2/authorize?appid=${account.appid}` +
      `&redirect_uri=${encodeURIComponent(`${origin}/oauth/callback`)}&response_type=code&scope=snsapi_userinfo&state=`;
    expect(res.location!.startsWith(prefix), res.location!).to.equal(true);
    expect(res.location!.slice(prefix.length)).to.match(/^[A-Za-z0-9]{32}#wechat_redirect$/);
    const cookie = browser.setCookie('wxoa_browser');
    expect(cookie)
      .to.match(/httponly/i)
      .and.match(/samesite=lax/i);
    expect(cookie).to.not.match(/;\s*secure/i); // PUBLIC_URL is http here

    // Every visit mints a fresh state.
    const again = await browser.get(`${origin}/oauth/authorize?target=%2Fshop`);
    expect(again.location!.slice(prefix.length, prefix.length + 32)).to.not.equal(
      res.location!.slice(prefix.length, prefix.length + 32),
    );
  });

  it('signs a follower in silently with snsapi_base and lands on the target', async () => {
    const follower = account.follower();
    await follower.follow();
    const browser = new Browser();
    const exchanges = snsCalls('/sns/oauth2/access_token');
    const userinfos = snsCalls('/sns/userinfo');

    const page = await authorize(browser, 'target=/oauth/whoami'); // scope defaults to snsapi_base
    expect(page.searchParams.get('scope')).to.equal('snsapi_base');
    const callback = await wechatPage(browser, page, { sim_openid: follower.openid });
    expect(callback.startsWith(`${origin}/oauth/callback?code=`)).to.equal(true);
    const landed = await browser.get(callback);
    expect(landed.status).to.equal(302);
    expect(landed.location).to.equal('/oauth/whoami');
    const session = browser.setCookie('wxoa_session');
    expect(session)
      .to.match(/httponly/i)
      .and.match(/samesite=lax/i)
      .and.match(/path=\//i);

    const me = await browser.get(`${origin}/oauth/whoami`);
    expect(me.status).to.equal(200);
    expect(JSON.parse(me.body)).to.deep.equal({
      appid: account.appid,
      openid: follower.openid,
      unionid: null,
      scope: 'snsapi_base',
      isSnapshotUser: false,
    });
    expect(snsCalls('/sns/oauth2/access_token')).to.equal(exchanges + 1);
    expect(snsCalls('/sns/userinfo')).to.equal(userinfos);
  });

  it('signs a non-follower in with snsapi_userinfo after consent, with profile and UnionID recorded', async () => {
    const person = sim.createPerson({ nickname: 'Visitor' });
    const browser = new Browser();
    const userinfos = snsCalls('/sns/userinfo');
    const page = await authorize(browser, 'target=/account&scope=snsapi_userinfo');
    const callback = await wechatPage(browser, page, { sim_unionid: person.unionid, sim_action: 'approve' });
    const landed = await browser.get(callback);
    expect(landed.location).to.equal('/account');

    const me = JSON.parse((await browser.get(`${origin}/oauth/whoami`)).body) as Record<string, unknown>;
    expect(me).to.include({
      appid: account.appid,
      unionid: person.unionid,
      scope: 'snsapi_userinfo',
      isSnapshotUser: false,
    });
    expect(snsCalls('/sns/userinfo')).to.equal(userinfos + 1);
    // The identity is stored: it shows up under its UnionID as an OAuth identity.
    expect(await store.followers.unionIdentities(person.unionid)).to.deep.equal([
      { appid: account.appid, openid: me['openid'], source: 'oauth', signedIn: true },
    ]);
    // And a page protected with requireVisitor now serves this visitor.
    const accountPage = await browser.get(`${origin}/account`);
    expect(accountPage.status).to.equal(200);
    expect(accountPage.body).to.equal(`hello ${me['openid'] as string}`);
  });

  it('sends a visitor without a session from a protected page through /oauth/authorize and back', async () => {
    const res = await new Browser().get(`${origin}/account?tab=orders`);
    expect(res.status).to.equal(302);
    expect(res.location).to.equal('/oauth/authorize?target=%2Faccount%3Ftab%3Dorders');
  });

  for (const target of [
    '//evil.example',
    '/\\evil',
    'https://evil.example',
    'evil',
    '/%2F%2Fevil.example',
    '',
  ]) {
    it(`answers 400 to target=${JSON.stringify(target)} and starts nothing`, async () => {
      const browser = new Browser();
      const res = await browser.get(`${origin}/oauth/authorize?target=${encodeURIComponent(target)}`);
      expect(res.status).to.equal(400);
      expect(res.location).to.equal(null);
      expect(browser.cookies.size).to.equal(0);
    });
  }

  it('answers 400 to a missing target and to a scope other than the two', async () => {
    expect((await new Browser().get(`${origin}/oauth/authorize`)).status).to.equal(400);
    expect(
      (await new Browser().get(`${origin}/oauth/authorize?target=/a&scope=snsapi_login`)).status,
    ).to.equal(400);
  });

  describe('refused callbacks: 400, no session, no code exchanged', () => {
    let exchanges: number;
    beforeEach(() => {
      exchanges = snsCalls('/sns/oauth2/access_token');
    });
    afterEach(() => {
      expect(snsCalls('/sns/oauth2/access_token')).to.equal(exchanges);
    });

    async function expectRefused(browser: Browser, url: string): Promise<void> {
      const seen = browser.setCookies.length;
      const res = await browser.get(url);
      expect(res.status).to.equal(400);
      expect(res.location).to.equal(null);
      expect(res.body).to.match(/not valid/);
      expect(browser.setCookies.slice(seen).filter((c) => c.startsWith('wxoa_session='))).to.deep.equal([]);
      expect((await browser.get(`${origin}/oauth/whoami`)).status).to.equal(401);
    }

    it('a forged state', async () => {
      const browser = new Browser();
      await authorize(browser, 'target=/a'); // a genuine browser cookie, but a state we never issued
      await expectRefused(browser, `${origin}/oauth/callback?code=abc&state=${'A'.repeat(32)}`);
      await expectRefused(browser, `${origin}/oauth/callback?code=abc&state=not-a-state`);
      await expectRefused(browser, `${origin}/oauth/callback?code=abc`);
    });

    it('a state used from another browser (different cookie), or with no cookie', async () => {
      const victim = new Browser();
      const page = await authorize(victim, 'target=/a');
      const callback = await wechatPage(victim, page);
      const attacker = new Browser();
      await authorize(attacker, 'target=/a'); // has a genuine cookie of its own
      await expectRefused(attacker, callback);
      // The state was spent by that attempt: the rightful browser cannot use it either.
      await expectRefused(victim, callback);

      const other = await wechatPage(victim, await authorize(victim, 'target=/a'));
      await expectRefused(new Browser(), other);
    });

    it('a reused state', async () => {
      const browser = new Browser();
      const callback = await wechatPage(browser, await authorize(browser, 'target=/oauth/whoami'));
      const first = await browser.get(callback);
      expect(first.status).to.equal(302);
      exchanges += 1; // the first use exchanged its code
      browser.cookies.delete('wxoa_session');
      await expectRefused(browser, callback);
    });

    it('an expired state (older than 10 minutes)', async () => {
      const browser = new Browser();
      const callback = await wechatPage(browser, await authorize(browser, 'target=/a'));
      sim.clock.advance(11 * MINUTE);
      await expectRefused(browser, callback);
    });
  });

  it('shows a page saying the user refused when WeChat sends no code, and starts no session', async () => {
    const browser = new Browser();
    const page = await authorize(browser, 'target=/a&scope=snsapi_userinfo');
    const callback = await wechatPage(browser, page, { sim_action: 'refuse' });
    expect(new URL(callback).searchParams.has('code')).to.equal(false);
    const res = await browser.get(callback);
    expect(res.status).to.equal(200);
    expect(res.body).to.match(/declined/);
    expect(browser.setCookie('wxoa_session')).to.equal(undefined);
    expect((await browser.get(`${origin}/oauth/whoami`)).status).to.equal(401);
  });

  it('answers 400 when WeChat refuses the code (already used), and starts no session', async () => {
    const browser = new Browser();
    const used = new URL(await wechatPage(browser, await authorize(browser, 'target=/a')));
    expect((await browser.get(used.toString())).status).to.equal(302);
    browser.cookies.delete('wxoa_session');
    // A fresh, valid state with the spent code.
    const fresh = new URL(await wechatPage(browser, await authorize(browser, 'target=/a')));
    fresh.searchParams.set('code', used.searchParams.get('code')!);
    const res = await browser.get(fresh.toString());
    expect(res.status).to.equal(400);
    expect(res.body).to.match(/expired or was already used/);
    expect(browser.cookies.has('wxoa_session')).to.equal(false);
  });

  it('answers 502 with no details when WeChat fails during the exchange', async () => {
    const browser = new Browser();
    const callback = await wechatPage(browser, await authorize(browser, 'target=/a'));
    sim.misbehave({ path: '/sns/oauth2/access_token', kind: 'http_500' });
    const res = await browser.get(callback);
    expect(res.status).to.equal(502);
    expect(res.body).to.not.match(/sns|500|errcode/);
    expect(browser.cookies.has('wxoa_session')).to.equal(false);
  });

  it('answers 401 from /oauth/whoami to a forged or tampered session', async () => {
    const browser = new Browser();
    await browser.get(await wechatPage(browser, await authorize(browser, 'target=/a')));
    const genuine = browser.cookies.get('wxoa_session')!;
    expect((await browser.get(`${origin}/oauth/whoami`)).status).to.equal(200);
    const [body, mac] = genuine.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as { data: { openid: string } };
    payload.data.openid = 'oSomeoneElse';
    browser.cookies.set(
      'wxoa_session',
      `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${mac}`,
    );
    expect((await browser.get(`${origin}/oauth/whoami`)).status).to.equal(401);
  });
});
