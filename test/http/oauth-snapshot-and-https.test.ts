import { expect } from 'chai';
import Koa from 'koa';
import { oauthRouter } from '../../src/http/oauth-routes.js';
import { openStore, type Store } from '../../src/store/index.js';
import { WechatApi } from '../../src/wechat-api/index.js';
import { listen, type TestServer } from '../kf/test-app.js';
import { startFakeWechat, type FakeWechat } from '../wechat-api/fake-wechat.js';

const SECRET = 'test-session-secret-0123456789abcdef';
const APPID = 'wx00000000000000aa';

/**
 * What the simulator cannot play: WeChat's snapshot-page virtual user (`is_snapshotuser: 1`), and a server
 * behind a TLS proxy (PUBLIC_URL https, plain HTTP inside). WeChat is a loopback fake answering the code
 * exchange; the callback is called directly with the state our server minted.
 */
describe('OAuth callback: snapshot-page users and HTTPS deployments', () => {
  let fake: FakeWechat;
  let store: Store;
  let server: TestServer;

  before(async () => {
    fake = await startFakeWechat();
    store = await openStore('sqlite::memory:');
    const wechat = new WechatApi({ appid: APPID, appsecret: 'secret', apiBase: fake.url, retries: 0 });
    const app = new Koa();
    // The public URL is https; requests arrive over plain HTTP from the proxy.
    const oauth = oauthRouter({
      appid: APPID,
      api: wechat,
      store,
      openBase: 'https://open.weixin.qq.com',
      publicUrl: 'https://wxoa.example.com',
      secret: SECRET,
    });
    app.use(oauth.routes());
    server = await listen(app);
  });

  after(async () => {
    await server?.close();
    await store?.close();
    await fake?.close();
  });

  /** Starts a sign-in; returns the browser cookie header, the state, and the raw Set-Cookie. */
  async function start(
    scope: string,
  ): Promise<{ cookie: string; state: string; setCookie: string; location: string }> {
    const res = await fetch(`${server.origin}/oauth/authorize?target=/after&scope=${scope}`, {
      redirect: 'manual',
    });
    expect(res.status).to.equal(302);
    const location = res.headers.get('location')!;
    const setCookie = res.headers.getSetCookie()[0]!;
    return {
      cookie: setCookie.split(';')[0]!,
      state: new URL(location).searchParams.get('state')!,
      setCookie,
      location,
    };
  }

  it('points the redirect_uri at PUBLIC_URL and marks every cookie Secure when PUBLIC_URL is https', async () => {
    fake.route('GET /sns/oauth2/access_token', () => ({
      json: {
        access_token: 'AT',
        expires_in: 7200,
        refresh_token: 'RT',
        openid: 'oHttps',
        scope: 'snsapi_base',
      },
    }));
    const { cookie, state, setCookie, location } = await start('snsapi_base');
    expect(location).to.contain(
      `redirect_uri=${encodeURIComponent('https://wxoa.example.com/oauth/callback')}&`,
    );
    expect(setCookie)
      .to.match(/;\s*secure/i)
      .and.match(/httponly/i);
    const res = await fetch(`${server.origin}/oauth/callback?code=CODE1&state=${state}`, {
      redirect: 'manual',
      headers: { cookie },
    });
    expect(res.status).to.equal(302);
    const session = res.headers.getSetCookie().find((c) => c.startsWith('wxoa_session='));
    expect(session)
      .to.match(/;\s*secure/i)
      .and.match(/httponly/i)
      .and.match(/samesite=lax/i);
  });

  it('keeps a snapshot-page user apart: flagged in the session, never joined to a UnionID, no sns/userinfo', async () => {
    fake.route('GET /sns/oauth2/access_token', () => ({
      json: {
        access_token: 'AT',
        expires_in: 7200,
        refresh_token: 'RT',
        openid: 'oSnapshotVirtual',
        scope: 'snsapi_userinfo',
        is_snapshotuser: 1,
        unionid: 'uShouldNotJoin',
      },
    }));
    const userinfo = fake.callsTo('/sns/userinfo').length;
    const { cookie, state } = await start('snsapi_userinfo');
    const res = await fetch(`${server.origin}/oauth/callback?code=CODE2&state=${state}`, {
      redirect: 'manual',
      headers: { cookie },
    });
    expect(res.status).to.equal(302);
    const session = res.headers
      .getSetCookie()
      .find((c) => c.startsWith('wxoa_session='))!
      .split(';')[0]!;

    const me = await fetch(`${server.origin}/oauth/whoami`, { headers: { cookie: session } });
    expect(await me.json()).to.deep.equal({
      appid: APPID,
      openid: 'oSnapshotVirtual',
      unionid: null,
      scope: 'snsapi_userinfo',
      isSnapshotUser: true,
    });
    expect(fake.callsTo('/sns/userinfo').length).to.equal(userinfo);
    expect(await store.followers.unionIdentities('uShouldNotJoin')).to.deep.equal([]);
  });
});
