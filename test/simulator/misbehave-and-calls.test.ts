import { expect } from 'chai';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { getJson, postJson, tokenFor } from './support.js';

describe('simulator: injected faults and recorded calls', () => {
  let sim: Simulator;
  let account: SimAccount;
  let token: string;
  const tags = async () => {
    const res = await fetch(`${sim.url}/cgi-bin/tags/get?access_token=${encodeURIComponent(token)}`);
    return { status: res.status, text: await res.text() };
  };
  const errcode = async () => {
    const { text } = await tags();
    return (JSON.parse(text) as { errcode?: number }).errcode ?? 0;
  };

  beforeEach(async () => {
    sim = await startSimulator();
    account = sim.createAccount();
    token = await tokenFor(sim, account);
    sim.clearCalls();
  });
  afterEach(() => sim.close());

  it('answers errcode -1 for a system_error rule, once by default, then behaves', async () => {
    sim.misbehave({ kind: 'system_error' });
    expect(await errcode()).to.equal(-1);
    expect(await errcode()).to.equal(0);
  });

  it('applies a rule the given number of times, only to matching paths', async () => {
    sim.misbehave({ kind: 'invalid_credential', path: '/cgi-bin/tags/get', times: 2 });
    sim.misbehave({ kind: 'system_error', path: /^\/cgi-bin\/menu\// });
    const menu = await getJson(`${sim.url}/cgi-bin/menu/get?access_token=${encodeURIComponent(token)}`);
    expect(menu.errcode).to.equal(-1);
    expect([await errcode(), await errcode(), await errcode()]).to.deep.equal([40001, 40001, 0]);
  });

  it('answers HTTP 500 for an http_500 rule and records it with errcode -1', async () => {
    sim.misbehave({ kind: 'http_500' });
    const { status } = await tags();
    expect(status).to.equal(500);
    expect(sim.calls.at(-1)).to.include({
      path: '/cgi-bin/tags/get',
      status: 500,
      errcode: -1,
      appid: account.appid,
    });
  });

  it('delays the answer for a slow rule', async () => {
    sim.misbehave({ kind: 'slow', ms: 300 });
    const started = performance.now();
    expect(await errcode()).to.equal(0);
    expect(performance.now() - started).to.be.at.least(295);
  });

  it('records every API call with its method, path, query, JSON body, account and answer', async () => {
    await postJson(`${sim.url}/cgi-bin/message/custom/send?access_token=${encodeURIComponent(token)}`, {
      touser: 'oNobody',
      msgtype: 'text',
      text: { content: 'hi' },
    });
    await getJson(`${sim.url}/cgi-bin/user/get?access_token=${encodeURIComponent(token)}`);
    await getJson(`${sim.url}/cgi-bin/nonexistent`);
    expect(sim.calls).to.have.length(3);
    const [send, list, unknown] = sim.calls;
    expect(send).to.deep.include({
      method: 'POST',
      path: '/cgi-bin/message/custom/send',
      appid: account.appid,
      errcode: 40003,
      status: 200,
    });
    expect(send!.body).to.deep.equal({ touser: 'oNobody', msgtype: 'text', text: { content: 'hi' } });
    expect(send!.query['access_token']).to.equal(token);
    expect(list).to.deep.include({ method: 'GET', body: null, errcode: 0 });
    expect(unknown!.errcode).to.equal(40066);
    expect(sim.calls.every((c) => typeof c.time === 'number')).to.equal(true);
    sim.clearCalls();
    expect(sim.calls).to.have.length(0);
  });
});

describe('simulator: control API (/sim)', () => {
  let sim: Simulator;

  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(() => sim.close());

  it('creates an account, a follower, and follows through a scene, as another process would', async () => {
    const account = await postJson(`${sim.url}/sim/accounts`, { appid: 'wx1234567890abcdef', mode: 'safe' });
    expect(account).to.include({ appid: 'wx1234567890abcdef', mode: 'safe', webhookUrl: null });
    expect(account.encodingAesKey).to.have.length(43);
    const fan = await postJson(`${sim.url}/sim/accounts/wx1234567890abcdef/followers`, {});
    const result = await postJson(
      `${sim.url}/sim/accounts/wx1234567890abcdef/followers/${fan.openid}/follow`,
      { scene: 'spring' },
    );
    expect(result).to.include({ deliveries: 0, replyError: 'no webhookUrl set' });
    const state = await getJson(`${sim.url}/sim/accounts/wx1234567890abcdef/followers/${fan.openid}`);
    expect(state).to.include({ subscribed: true, subscribeScene: 'ADD_SCENE_QR_CODE', qrSceneStr: 'spring' });
    expect(sim.account('wx1234567890abcdef').followers()).to.deep.equal([fan.openid]);
  });

  it('answers 404, 409 and 400 with an error object', async () => {
    const notFound = await fetch(`${sim.url}/sim/accounts/wxnope/followers`, { method: 'POST', body: '{}' });
    expect(notFound.status).to.equal(404);
    expect(((await notFound.json()) as { error: { code: string } }).error.code).to.equal('not_found');
    sim.createAccount({ appid: 'wxdup' });
    const conflict = await fetch(`${sim.url}/sim/accounts`, { method: 'POST', body: '{"appid":"wxdup"}' });
    expect(conflict.status).to.equal(409);
    const bad = await fetch(`${sim.url}/sim/accounts`, {
      method: 'POST',
      body: '{"encodingAesKey":"short"}',
    });
    expect(bad.status).to.equal(400);
  });

  it('injects faults, lists calls and advances the clock', async () => {
    const account = sim.createAccount();
    await fetch(`${sim.url}/sim/misbehave`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'system_error', pathPattern: '^/cgi-bin/token$' }),
    });
    const q = new URLSearchParams({
      grant_type: 'client_credential',
      appid: account.appid,
      secret: account.appsecret,
    });
    expect((await getJson(`${sim.url}/cgi-bin/token?${q}`)).errcode).to.equal(-1);
    const { calls } = await getJson(`${sim.url}/sim/calls?path=/cgi-bin/token`);
    expect(calls).to.have.length(1);
    expect(calls[0]).to.include({ appid: account.appid, errcode: -1 });
    const before = sim.clock.now();
    const { now } = await postJson(`${sim.url}/sim/clock/advance`, { ms: 3_600_000 });
    expect(now - before).to.be.at.least(3_600_000);
  });
});
