import { expect } from 'chai';
import {
  ManualClock,
  startSimulator,
  type SimAccount,
  type SimOpenApp,
  type Simulator,
} from '../../src/simulator/index.js';
import { getJson, postJson } from './support.js';

describe('simulator: the Open Platform’s Mini Program, website and mobile app (§9)', () => {
  let sim: Simulator;
  let clock: ManualClock;
  let account: SimAccount;
  let mini: SimOpenApp;

  beforeEach(async () => {
    clock = new ManualClock();
    sim = await startSimulator({ clock });
    account = sim.createAccount();
    mini = sim.createApp({ type: 'miniprogram' });
  });
  afterEach(() => sim.close());

  const jscode = (code: string, app: SimOpenApp = mini, secret = app.appsecret) =>
    getJson(
      `${sim.url}/sns/jscode2session?${new URLSearchParams({ appid: app.appid, secret, js_code: code, grant_type: 'authorization_code' })}`,
    );
  const snsToken = (app: SimOpenApp, code: string) =>
    getJson(
      `${sim.url}/sns/oauth2/access_token?${new URLSearchParams({ appid: app.appid, secret: app.appsecret, code, grant_type: 'authorization_code' })}`,
    );

  it('exchanges a wx.login() code once for openid, session_key and the UnionID the Official Account sees', async () => {
    const follower = account.follower();
    const person = sim.createPerson();
    expect(follower.unionid).to.not.equal(person.unionid);
    const code = mini.login(person);
    const session = await jscode(code);
    expect(session).to.include({ openid: mini.openidOf(person), unionid: person.unionid });
    expect(session.session_key).to.be.a('string');
    expect(session.openid).to.not.equal(account.follower(person).openid);
    expect((await jscode(code)).errcode).to.equal(40163);
    expect((await jscode('nonsense')).errcode).to.equal(40029);
    expect((await jscode(mini.login(person), mini, 'f'.repeat(32))).errcode).to.equal(40125);
  });

  it('refuses a code older than 5 minutes (40029) and a blocked user (40226)', async () => {
    const person = sim.createPerson();
    const old = mini.login(person);
    clock.advance(5 * 60_000);
    expect((await jscode(old)).errcode).to.equal(40029);
    mini.block(person);
    expect((await jscode(mini.login(person))).errcode).to.equal(40226);
  });

  it('answers 45011 past 100 calls of one user in a minute, and serves them again a minute later', async () => {
    const person = sim.createPerson();
    const other = sim.createPerson();
    for (let i = 0; i < 100; i++) expect((await jscode(mini.login(person))).errcode).to.equal(undefined);
    expect((await jscode(mini.login(person))).errcode).to.equal(45011);
    expect((await jscode(mini.login(other))).openid).to.equal(mini.openidOf(other));
    clock.advance(60_000);
    expect((await jscode(mini.login(person))).openid).to.equal(mini.openidOf(person));
  });

  it('gives no UnionID from an app not bound to the Open Platform', async () => {
    const unbound = sim.createApp({ type: 'miniprogram', bound: false });
    const person = sim.createPerson();
    const session = await jscode(mini.login(person), unbound);
    expect(session.errcode).to.equal(40029); // another app's code
    const own = await jscode(unbound.login(person), unbound);
    expect(own.openid).to.equal(unbound.openidOf(person));
    expect(own).to.not.have.property('unionid');
  });

  it('signs a person in to a mobile app: code, access_token and userinfo with the UnionID', async () => {
    const mobile = sim.createApp({ type: 'mobile' });
    const person = sim.createPerson({ nickname: 'Mobile user' });
    const grant = await snsToken(mobile, mobile.login(person));
    expect(grant).to.include({
      openid: mobile.openidOf(person),
      unionid: person.unionid,
      scope: 'snsapi_userinfo',
    });
    const info = await getJson(
      `${sim.url}/sns/userinfo?access_token=${grant.access_token}&openid=${grant.openid}`,
    );
    expect(info).to.include({ openid: grant.openid, nickname: 'Mobile user', unionid: person.unionid });
    // A Mini Program's AppID is not the web endpoints'.
    expect((await snsToken(mini, mini.login(person))).errcode).to.equal(40013);
  });

  it('serves the website QR page: a scan redirects with a code for snsapi_login', async () => {
    const website = sim.createApp({ type: 'website', name: 'Shop' });
    const person = sim.createPerson({ nickname: 'Web user' });
    const query = {
      appid: website.appid,
      redirect_uri: 'http://127.0.0.1:1/oauth/callback',
      response_type: 'code',
      scope: 'snsapi_login',
      state: 'abc',
    };
    const pageRes = await fetch(`${sim.url}/connect/qrconnect?${new URLSearchParams(query)}`);
    expect(pageRes.status).to.equal(200);
    const html = await pageRes.text();
    expect(html).to.contain('Shop').and.contain('Web user');
    const scan = await fetch(
      `${sim.url}/connect/qrconnect?${new URLSearchParams({ ...query, sim_unionid: person.unionid })}`,
      { redirect: 'manual' },
    );
    expect(scan.status).to.equal(302);
    const location = new URL(scan.headers.get('location') ?? '');
    expect(location.searchParams.get('state')).to.equal('abc');
    const grant = await snsToken(website, location.searchParams.get('code') ?? '');
    expect(grant).to.include({
      openid: website.openidOf(person),
      unionid: person.unionid,
      scope: 'snsapi_login',
    });
    const bad = await fetch(
      `${sim.url}/connect/qrconnect?${new URLSearchParams({ ...query, scope: 'snsapi_base' })}`,
    );
    expect(bad.status).to.equal(400);
    expect(await bad.text()).to.contain('10005');
  });

  it('is driven over the control API', async () => {
    const created = await postJson(`${sim.url}/sim/apps`, { type: 'website', bound: false });
    expect(created).to.include({ type: 'website', bound: false });
    const person = await postJson(`${sim.url}/sim/persons`, {});
    const login = await postJson(`${sim.url}/sim/apps/${mini.appid}/login`, { unionid: person.unionid });
    expect(login).to.include({ openid: mini.openidOf(person), unionid: person.unionid });
    expect((await jscode(login.code)).openid).to.equal(login.openid);
    const listed = await getJson(`${sim.url}/sim/apps`);
    expect(listed.apps.map((a: { appid: string }) => a.appid)).to.include(created.appid);
  });
});
