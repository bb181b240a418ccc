import { expect } from 'chai';
import { MemoryTokenStore } from '../../src/wechat-api/memory-token-store.js';
import { WechatApi, WechatApiError, type WechatApiOptions } from '../../src/wechat-api/index.js';
import { startFakeWechat, type FakeWechat } from './fake-wechat.js';

describe('wechat-api access token', () => {
  let fake: FakeWechat;
  beforeEach(async () => {
    fake = await startFakeWechat();
    fake.route('GET /cgi-bin/tags/get', () => ({ json: { tags: [] } }));
  });
  afterEach(() => fake.close());

  const api = (extra: Partial<WechatApiOptions> = {}): WechatApi =>
    new WechatApi({ appid: 'wxapp', appsecret: 'the-app-secret', apiBase: fake.url, backoffMs: 1, ...extra });

  it('fetches a stable_token by POST with force_refresh false and reuses it for later calls', async () => {
    const client = api();
    await client.getTags();
    await client.getTags();
    await client.getTags();
    const tokenCalls = fake.callsTo('/cgi-bin/stable_token');
    expect(tokenCalls).to.have.length(1);
    expect(tokenCalls[0]?.method).to.equal('POST');
    expect(tokenCalls[0]?.body).to.deep.equal({
      grant_type: 'client_credential',
      appid: 'wxapp',
      secret: 'the-app-secret',
      force_refresh: false,
    });
    const used = fake.callsTo('/cgi-bin/tags/get').map((c) => c.query['access_token']);
    expect(new Set(used).size).to.equal(1);
  });

  it('uses GET /cgi-bin/token when tokenEndpoint is "token"', async () => {
    await api({ tokenEndpoint: 'token' }).getTags();
    const [call] = fake.callsTo('/cgi-bin/token');
    expect(call?.method).to.equal('GET');
    expect(call?.query).to.deep.equal({
      grant_type: 'client_credential',
      appid: 'wxapp',
      secret: 'the-app-secret',
    });
    expect(fake.callsTo('/cgi-bin/stable_token')).to.have.length(0);
  });

  it('makes one token call for 20 concurrent calls', async () => {
    const client = api();
    await Promise.all(Array.from({ length: 20 }, () => client.getTags()));
    expect(fake.callsTo('/cgi-bin/stable_token')).to.have.length(1);
    expect(fake.callsTo('/cgi-bin/tags/get')).to.have.length(20);
  });

  it('refreshes once the token is within the refresh margin of expiry, not before', async () => {
    let now = 1_000_000;
    const client = api({ clock: () => now, refreshMarginMs: 300_000 });
    const first = await client.getAccessToken();
    now += (7200 - 301) * 1000;
    expect(await client.getAccessToken()).to.equal(first);
    fake.validTokens.clear(); // the platform renews the stable token in its last minutes
    now += 2000;
    expect(await client.getAccessToken()).to.not.equal(first);
    expect(fake.callsTo('/cgi-bin/stable_token')).to.have.length(2);
  });

  it('does not refresh on every call when WeChat hands out a token shorter-lived than the margin', async () => {
    let now = 1_000_000;
    fake.expiresIn = 300;
    const client = api({ clock: () => now, refreshMarginMs: 300_000 });
    await client.getAccessToken();
    now += 100_000;
    await client.getAccessToken();
    await client.getAccessToken();
    expect(fake.callsTo('/cgi-bin/stable_token')).to.have.length(1);
  });

  it('renews the token once and retries once when WeChat answers 40001', async () => {
    const client = api();
    const before = await client.getAccessToken();
    fake.validTokens.clear();
    expect(await client.getTags()).to.deep.equal([]);
    expect(fake.callsTo('/cgi-bin/stable_token')).to.have.length(2);
    const used = fake.callsTo('/cgi-bin/tags/get').map((c) => c.query['access_token']);
    expect(used).to.have.length(2);
    expect(used[0]).to.equal(before);
    expect(used[1]).to.not.equal(before);
  });

  for (const errcode of [40014, 42001]) {
    it(`renews the token and retries on ${errcode} too`, async () => {
      let failures = 1;
      fake.route('GET /cgi-bin/tags/get', () => {
        if (failures-- <= 0) return { json: { tags: [] } };
        fake.validTokens.clear();
        return { json: { errcode, errmsg: 'token problem' } };
      });
      await api().getTags();
      expect(fake.callsTo('/cgi-bin/tags/get')).to.have.length(2);
      expect(fake.callsTo('/cgi-bin/stable_token')).to.have.length(2);
    });
  }

  it('surfaces a second 40001 as WechatApiError instead of looping', async () => {
    fake.route('GET /cgi-bin/tags/get', () => ({
      json: { errcode: 40001, errmsg: 'invalid credential rid: 1' },
    }));
    const err = await api()
      .getTags()
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(WechatApiError);
    expect((err as WechatApiError).errcode).to.equal(40001);
    expect(fake.callsTo('/cgi-bin/tags/get')).to.have.length(2);
  });

  it('shares one renewal among concurrent calls rejected with the same token', async () => {
    const client = api();
    await client.getAccessToken();
    fake.validTokens.clear();
    await Promise.all(Array.from({ length: 10 }, () => client.getTags()));
    expect(fake.callsTo('/cgi-bin/stable_token')).to.have.length(2);
    expect(fake.callsTo('/cgi-bin/tags/get')).to.have.length(20);
  });

  it('takes the token another instance already renewed instead of fetching again', async () => {
    const tokenStore = new MemoryTokenStore();
    const a = api({ tokenStore });
    const b = api({ tokenStore });
    await a.getAccessToken();
    await b.getAccessToken();
    fake.validTokens.clear();
    await a.getTags();
    await b.getTags();
    expect(fake.callsTo('/cgi-bin/stable_token')).to.have.length(2);
    expect(await a.getAccessToken()).to.equal(await b.getAccessToken());
  });

  it('forces a refresh when stable_token hands back the token WeChat just rejected', async () => {
    const client = api();
    const stale = await client.getAccessToken();
    fake.validTokens.delete(stale);
    fake.validTokens.add('fresh-token-after-force');
    fake.route('POST /cgi-bin/stable_token', (call) =>
      (call.body as { force_refresh: boolean }).force_refresh
        ? { json: { access_token: 'fresh-token-after-force', expires_in: 7200 } }
        : { json: { access_token: stale, expires_in: 7000 } },
    );
    await client.getTags();
    const forced = fake
      .callsTo('/cgi-bin/stable_token')
      .map((c) => (c.body as { force_refresh: boolean }).force_refresh);
    expect(forced).to.deep.equal([false, false, true]);
    expect(fake.callsTo('/cgi-bin/tags/get').at(-1)?.query['access_token']).to.equal(
      'fresh-token-after-force',
    );
  });

  it('reports a wrong AppSecret at the token endpoint with a hint about the secret, not a retry', async () => {
    fake.route('POST /cgi-bin/stable_token', () => ({
      json: { errcode: 40001, errmsg: 'invalid credential rid: 9' },
    }));
    const err = (await api()
      .getTags()
      .catch((e: unknown) => e)) as WechatApiError;
    expect(err).to.be.instanceOf(WechatApiError);
    expect(err.endpoint).to.equal('/cgi-bin/stable_token');
    expect(err.hint).to.match(/APPSECRET/);
    expect(fake.callsTo('/cgi-bin/stable_token')).to.have.length(1);
    expect(fake.callsTo('/cgi-bin/tags/get')).to.have.length(0);
  });

  it('shares a failed token fetch with every waiting call, then tries again on the next call', async () => {
    let fail = true;
    fake.route('POST /cgi-bin/stable_token', () =>
      fail
        ? { json: { errcode: 40164, errmsg: 'invalid ip 1.2.3.4, not in whitelist rid: 2' } }
        : { json: { access_token: 'token-ok', expires_in: 7200 } },
    );
    fake.validTokens.add('token-ok');
    const client = api();
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => client.getTags()));
    expect(results.every((r) => r.status === 'rejected')).to.equal(true);
    expect(fake.callsTo('/cgi-bin/stable_token')).to.have.length(1);
    fail = false;
    await client.getTags();
    expect(fake.callsTo('/cgi-bin/stable_token')).to.have.length(2);
  });
});
