import { expect } from 'chai';
import { ManualClock, startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { getJson } from './support.js';

describe('simulator: web authorization (§6.8)', () => {
  let sim: Simulator;
  let clock: ManualClock;
  let account: SimAccount;
  const callback = 'https://app.example.com/oauth/callback?from=menu';

  beforeEach(async () => {
    clock = new ManualClock();
    sim = await startSimulator({ clock });
    account = sim.createAccount();
  });
  afterEach(() => sim.close());

  /** Visits the authorize page without following redirects. */
  async function authorize(query: Record<string, string>): Promise<Response> {
    const q = new URLSearchParams({
      appid: account.appid,
      redirect_uri: callback,
      response_type: 'code',
      scope: 'snsapi_base',
      state: 'abc123',
      ...query,
    });
    return fetch(`${sim.url}/connect/oauth2/authorize?${q}#wechat_redirect`, { redirect: 'manual' });
  }
  async function codeFrom(res: Response): Promise<string> {
    expect(res.status).to.equal(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.origin + location.pathname).to.equal('https://app.example.com/oauth/callback');
    expect(location.searchParams.get('from')).to.equal('menu');
    expect(location.searchParams.get('state')).to.equal('abc123');
    return location.searchParams.get('code') ?? '';
  }
  const exchange = (code: string, secret = account.appsecret) =>
    getJson(
      `${sim.url}/sns/oauth2/access_token?${new URLSearchParams({ appid: account.appid, secret, code, grant_type: 'authorization_code' })}`,
    );

  it('redirects silently with a one-time code for snsapi_base, for the first follower by default', async () => {
    const fan = account.follower();
    await fan.follow();
    const code = await codeFrom(await authorize({}));
    const grant = await exchange(code);
    expect(grant).to.include({ openid: fan.openid, scope: 'snsapi_base', expires_in: 7200 });
    expect(grant).to.not.have.property('unionid');
    expect(grant.refresh_token).to.be.a('string');
    expect((await exchange(code)).errcode).to.equal(40163);
  });

  it('answers 40029 for an unknown code, 42003 for one older than 5 minutes, 40125 for a wrong secret', async () => {
    expect((await exchange('nonsense')).errcode).to.equal(40029);
    const code = await codeFrom(await authorize({}));
    expect((await exchange(code, 'f'.repeat(32))).errcode).to.equal(40125);
    clock.advance(5 * 60_000);
    expect((await exchange(code)).errcode).to.equal(42003);
  });

  it('gives unionid and the profile for snsapi_userinfo, and 48001 for a base-scope token', async () => {
    const person = sim.createPerson();
    const fan = account.follower(person);
    await fan.follow();
    const grant = await exchange(
      await codeFrom(await authorize({ scope: 'snsapi_userinfo', sim_openid: fan.openid })),
    );
    expect(grant).to.include({ openid: fan.openid, scope: 'snsapi_userinfo', unionid: person.unionid });
    const info = await getJson(
      `${sim.url}/sns/userinfo?access_token=${encodeURIComponent(grant.access_token)}&openid=${fan.openid}&lang=zh_CN`,
    );
    expect(info).to.include({ openid: fan.openid, nickname: person.nickname, unionid: person.unionid });
    expect(info.headimgurl).to.match(/\/132$/);
    const base = await exchange(await codeFrom(await authorize({ sim_openid: fan.openid })));
    const denied = await getJson(
      `${sim.url}/sns/userinfo?access_token=${encodeURIComponent(base.access_token)}&openid=${fan.openid}`,
    );
    expect(denied.errcode).to.equal(48001);
  });

  it('shows a consent page to a non-follower for snsapi_userinfo, whose links approve or refuse', async () => {
    const page = await authorize({ scope: 'snsapi_userinfo' });
    expect(page.status).to.equal(200);
    const html = await page.text();
    expect(html).to.match(/Authorize as/);
    const approve = /id="approve" href="([^"]+)"/.exec(html)?.[1]?.replaceAll('&#38;', '&') ?? '';
    const refuse = /id="refuse" href="([^"]+)"/.exec(html)?.[1]?.replaceAll('&#38;', '&') ?? '';
    const grant = await exchange(await codeFrom(await fetch(`${sim.url}${approve}`, { redirect: 'manual' })));
    expect(grant.unionid).to.be.a('string');
    const refused = await fetch(`${sim.url}${refuse}`, { redirect: 'manual' });
    const location = new URL(refused.headers.get('location') ?? '');
    expect(location.searchParams.get('state')).to.equal('abc123');
    expect(location.searchParams.has('code')).to.equal(false);
  });

  it('refreshes an OAuth token, checks it with /sns/auth, and rejects an unknown refresh token', async () => {
    await account.follower().follow();
    const grant = await exchange(await codeFrom(await authorize({})));
    const refresh = (token: string) =>
      getJson(
        `${sim.url}/sns/oauth2/refresh_token?${new URLSearchParams({ appid: account.appid, grant_type: 'refresh_token', refresh_token: token })}`,
      );
    clock.advance(7200_000);
    const expired = await getJson(
      `${sim.url}/sns/auth?access_token=${encodeURIComponent(grant.access_token)}&openid=${grant.openid}`,
    );
    expect(expired.errcode).to.equal(42001);
    const renewed = await refresh(grant.refresh_token);
    expect(renewed).to.include({
      openid: grant.openid,
      scope: 'snsapi_base',
      refresh_token: grant.refresh_token,
    });
    const ok = await getJson(
      `${sim.url}/sns/auth?access_token=${encodeURIComponent(renewed.access_token)}&openid=${grant.openid}`,
    );
    expect(ok).to.deep.equal({ errcode: 0, errmsg: 'ok' });
    expect((await refresh('nonsense')).errcode).to.equal(40030);
    clock.advance(30 * 86_400_000);
    expect((await refresh(grant.refresh_token)).errcode).to.equal(42002);
  });

  it('rejects a bad scope (10005), a state outside [a-zA-Z0-9] (10013) and a redirect outside the OAuth domains (10003)', async () => {
    expect((await authorize({ scope: 'snsapi_login' })).status).to.equal(400);
    expect(await (await authorize({ scope: 'snsapi_login' })).text()).to.match(/10005/);
    expect(await (await authorize({ state: 'a-b_c' })).text()).to.match(/10013/);
    account.oauthDomains = ['app.example.com'];
    expect((await authorize({})).status).to.equal(302);
    expect(await (await authorize({ redirect_uri: 'https://evil.example.net/cb' })).text()).to.match(/10003/);
  });
});
