import { expect } from 'chai';
import { ManualClock, startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { getJson, postJson, tokenFor } from './support.js';

const MINUTE = 60_000;

describe('simulator: access tokens (§6.1)', () => {
  let sim: Simulator;
  let clock: ManualClock;
  let account: SimAccount;

  beforeEach(async () => {
    clock = new ManualClock(Date.UTC(2026, 0, 5, 4, 0, 0));
    sim = await startSimulator({ clock });
    account = sim.createAccount();
  });
  afterEach(() => sim.close());

  const tagsGet = (token: string) =>
    getJson(`${sim.url}/cgi-bin/tags/get?access_token=${encodeURIComponent(token)}`);
  const stable = (body: Record<string, unknown>) => postJson(`${sim.url}/cgi-bin/stable_token`, body);
  const stableFor = (force?: boolean) =>
    stable({
      grant_type: 'client_credential',
      appid: account.appid,
      secret: account.appsecret,
      ...(force === undefined ? {} : { force_refresh: force }),
    });

  it('issues a new /cgi-bin/token on every call; the previous one keeps working for 5 minutes only', async () => {
    const first = await tokenFor(sim, account);
    const second = await tokenFor(sim, account);
    expect(second).to.not.equal(first);
    clock.advance(4 * MINUTE);
    expect((await tagsGet(first)).errcode).to.equal(undefined);
    clock.advance(1 * MINUTE + 1);
    expect((await tagsGet(first)).errcode).to.equal(40001);
    expect((await tagsGet(second)).tags).to.be.an('array');
  });

  it('answers 7200 s lifetimes and 42001 once a token has expired', async () => {
    const q = new URLSearchParams({
      grant_type: 'client_credential',
      appid: account.appid,
      secret: account.appsecret,
    });
    const grant = await getJson(`${sim.url}/cgi-bin/token?${q}`);
    expect(grant.expires_in).to.equal(7200);
    expect(grant.access_token).to.have.length.greaterThan(100);
    clock.advance(7199_000);
    expect((await tagsGet(grant.access_token)).tags).to.be.an('array');
    clock.advance(1000);
    expect((await tagsGet(grant.access_token)).errcode).to.equal(42001);
  });

  it('returns the same stable token with a falling expires_in, and a new one only in its last 5 minutes', async () => {
    const a = await stableFor();
    expect(a.expires_in).to.equal(7200);
    clock.advance(60 * MINUTE);
    const b = await stableFor(false);
    expect(b.access_token).to.equal(a.access_token);
    expect(b.expires_in).to.equal(3600);
    clock.advance(56 * MINUTE);
    const c = await stableFor();
    expect(c.access_token).to.not.equal(a.access_token);
    expect(c.expires_in).to.equal(7200);
    // old and new both work until the old one's natural end (§6.1)
    expect((await tagsGet(a.access_token)).tags).to.be.an('array');
    clock.advance(4 * MINUTE);
    expect((await tagsGet(a.access_token)).errcode).to.equal(42001);
    expect((await tagsGet(c.access_token)).tags).to.be.an('array');
  });

  it('keeps stable_token and /cgi-bin/token tokens apart', async () => {
    const s = await stableFor();
    await tokenFor(sim, account);
    clock.advance(10 * MINUTE);
    await tokenFor(sim, account);
    expect((await stableFor()).access_token).to.equal(s.access_token);
    expect((await tagsGet(s.access_token)).tags).to.be.an('array');
  });

  it('force_refresh revokes the previous stable token at once', async () => {
    const a = await stableFor();
    const b = await stableFor(true);
    expect(b.access_token).to.not.equal(a.access_token);
    expect((await tagsGet(a.access_token)).errcode).to.equal(40001);
    expect((await tagsGet(b.access_token)).tags).to.be.an('array');
  });

  it('does not refresh again within 30 s of a force_refresh', async () => {
    const a = await stableFor(true);
    clock.advance(29_000);
    expect((await stableFor(true)).access_token).to.equal(a.access_token);
    clock.advance(1000);
    expect((await stableFor(true)).access_token).to.not.equal(a.access_token);
  });

  it('refuses a 21st force_refresh in one day with 45009, and allows it again the next day', async () => {
    for (let i = 0; i < 20; i++) {
      expect((await stableFor(true)).access_token).to.be.a('string');
      clock.advance(31_000);
    }
    expect((await stableFor(true)).errcode).to.equal(45009);
    clock.advance(24 * 60 * MINUTE);
    expect((await stableFor(true)).access_token).to.be.a('string');
  });

  it('takes stable_token as POST JSON only', async () => {
    expect((await getJson(`${sim.url}/cgi-bin/stable_token`)).errcode).to.equal(43002);
    const form = await fetch(`${sim.url}/cgi-bin/stable_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credential&appid=${account.appid}&secret=${account.appsecret}`,
    });
    expect(((await form.json()) as { errcode: number }).errcode).to.equal(47001);
    expect(
      (
        await stable({
          grant_type: 'client_credential',
          appid: account.appid,
          secret: account.appsecret,
          force_refresh: 'yes',
        })
      ).errcode,
    ).to.equal(47001);
  });

  it('rejects bad credentials as WeChat does', async () => {
    const token = (q: Record<string, string>) =>
      getJson(`${sim.url}/cgi-bin/token?${new URLSearchParams(q)}`);
    const ok = { grant_type: 'client_credential', appid: account.appid, secret: account.appsecret };
    expect((await token({ ...ok, appid: 'wx0000000000000000' })).errcode).to.equal(40013);
    expect((await token({ ...ok, secret: 'f'.repeat(32) })).errcode).to.equal(40001);
    expect((await token({ ...ok, grant_type: 'password' })).errcode).to.equal(40002);
    expect((await token({ grant_type: 'client_credential', secret: account.appsecret })).errcode).to.equal(
      41002,
    );
    expect((await token({ grant_type: 'client_credential', appid: account.appid })).errcode).to.equal(41004);
    const s = { grant_type: 'client_credential', appid: account.appid, secret: account.appsecret };
    expect((await stable({ ...s, secret: 'f'.repeat(32) })).errcode).to.equal(40125);
    expect((await stable({ ...s, appid: 'wx0000000000000000' })).errcode).to.equal(40013);
  });

  it('answers 41001 without a token, 40014 for a malformed one and 40001 for an unknown one', async () => {
    expect((await getJson(`${sim.url}/cgi-bin/tags/get`)).errcode).to.equal(41001);
    expect((await tagsGet('not a token')).errcode).to.equal(40014);
    expect((await tagsGet(`99_${'A'.repeat(128)}`)).errcode).to.equal(40001);
  });

  it('answers 40001 to a token invalidated early', async () => {
    const token = await tokenFor(sim, account);
    sim.invalidateTokens(account.appid);
    const answer = await tagsGet(token);
    expect(answer.errcode).to.equal(40001);
    expect(answer.errmsg).to.match(/^invalid credential.* rid: /);
    expect((await tagsGet(await tokenFor(sim, account))).tags).to.be.an('array');
  });
});
