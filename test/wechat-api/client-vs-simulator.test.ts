import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { MemoryTokenStore } from '../../src/wechat-api/memory-token-store.js';
import {
  buildOAuthAuthorizeUrl,
  QrCodeRequestError,
  WechatApi,
  WechatApiError,
  WechatHttpError,
  type WechatApiOptions,
} from '../../src/wechat-api/index.js';

/**
 * The client against the WeChat platform simulator, written independently from the same protocol document:
 * what the simulator records is what WeChat would have received.
 */
describe('WechatApi against the simulator', () => {
  let sim: Simulator;
  let account: SimAccount;
  let webhook: Server;

  before(async () => {
    // A webhook that answers every push with `success`, so simulated followers can act (and open windows).
    webhook = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('success'));
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  });
  after(() => new Promise<void>((resolve) => webhook.close(() => resolve())));

  beforeEach(async () => {
    sim = await startSimulator();
    const { port } = webhook.address() as AddressInfo;
    account = sim.createAccount({ webhookUrl: `http://127.0.0.1:${port}/wechat` });
  });
  afterEach(() => sim.close());

  const api = (extra: Partial<WechatApiOptions> = {}): WechatApi =>
    new WechatApi({
      appid: account.appid,
      appsecret: account.appsecret,
      apiBase: sim.url,
      backoffMs: 5,
      clock: () => sim.clock.now(),
      ...extra,
    });
  const callsTo = (path: string) => sim.calls.filter((c) => c.path === path);

  describe('access token', () => {
    it('makes exactly one token call for 20 concurrent calls', async () => {
      const client = api();
      await Promise.all(Array.from({ length: 20 }, () => client.getTags()));
      expect(callsTo('/cgi-bin/stable_token')).to.have.length(1);
      const tagCalls = callsTo('/cgi-bin/tags/get');
      expect(tagCalls).to.have.length(20);
      expect(tagCalls.every((c) => c.errcode === 0)).to.equal(true);
    });

    it('renews once and retries once after the tokens were invalidated (40001)', async () => {
      const client = api();
      const before = await client.getAccessToken();
      sim.clearCalls();
      sim.invalidateTokens(account.appid);
      await client.getTags();
      expect(sim.calls.map((c) => [c.path, c.errcode])).to.deep.equal([
        ['/cgi-bin/tags/get', 40001],
        ['/cgi-bin/stable_token', 0],
        ['/cgi-bin/tags/get', 0],
      ]);
      expect(await client.getAccessToken()).to.not.equal(before);
    });

    it('surfaces a second 40001 after the renewal as WechatApiError, without looping', async () => {
      const client = api();
      await client.getAccessToken();
      sim.clearCalls();
      sim.invalidateTokens(account.appid);
      // Invalidated, so the renewal gets a new token in one stable_token call; the rule makes both the call
      // and its retry answer 40001.
      sim.misbehave({ path: '/cgi-bin/tags/get', kind: 'invalid_credential', times: 2 });
      const err = (await client.getTags().catch((e: unknown) => e)) as WechatApiError;
      expect(err).to.be.instanceOf(WechatApiError);
      expect(err.errcode).to.equal(40001);
      expect(err.endpoint).to.equal('/cgi-bin/tags/get');
      expect(callsTo('/cgi-bin/tags/get')).to.have.length(2);
      expect(callsTo('/cgi-bin/stable_token')).to.have.length(1);
    });

    it('forces a refresh when stable_token still hands out the token the API rejected', async () => {
      const client = api();
      const before = await client.getAccessToken();
      sim.clearCalls();
      sim.misbehave({ path: '/cgi-bin/tags/get', kind: 'invalid_credential' });
      await client.getTags();
      const tokenCalls = callsTo('/cgi-bin/stable_token');
      expect(tokenCalls.map((c) => (c.body as { force_refresh: boolean }).force_refresh)).to.deep.equal([
        false,
        true,
      ]);
      expect(callsTo('/cgi-bin/tags/get').map((c) => c.errcode)).to.deep.equal([40001, 0]);
      expect(await client.getAccessToken()).to.not.equal(before);
    });

    it('renews the token when the simulated clock reaches its last 5 minutes', async () => {
      const client = api();
      const first = await client.getAccessToken();
      sim.clock.advance(7200_000 - 4 * 60_000);
      const second = await client.getAccessToken();
      expect(second).to.not.equal(first);
      await client.getTags();
      expect(callsTo('/cgi-bin/stable_token')).to.have.length(2);
      expect(callsTo('/cgi-bin/tags/get').map((c) => c.errcode)).to.deep.equal([0]);
    });

    it('works with the legacy /cgi-bin/token endpoint', async () => {
      await api({ tokenEndpoint: 'token' }).getTags();
      expect(callsTo('/cgi-bin/token')).to.have.length(1);
      expect(callsTo('/cgi-bin/tags/get').map((c) => c.errcode)).to.deep.equal([0]);
    });

    it('reports a wrong AppSecret with the token endpoint and a hint', async () => {
      const err = (await api({ appsecret: 'not-the-secret' })
        .getTags()
        .catch((e: unknown) => e)) as WechatApiError;
      expect(err).to.be.instanceOf(WechatApiError);
      expect(err.endpoint).to.equal('/cgi-bin/stable_token');
      expect(err.errcode).to.equal(40125);
      expect(err.hint).to.match(/AppSecret/);
      expect(err.message).to.not.include('not-the-secret');
      expect(callsTo('/cgi-bin/tags/get')).to.have.length(0);
    });
  });

  describe('retries and timeouts', () => {
    it('backs off on -1 twice and then succeeds', async () => {
      account.seedFollowers(3);
      sim.misbehave({ path: '/cgi-bin/user/get', kind: 'system_error', times: 2 });
      const page = await api().getFollowers();
      expect(page.openids).to.deep.equal(account.followers());
      expect(callsTo('/cgi-bin/user/get').map((c) => c.errcode)).to.deep.equal([-1, -1, 0]);
    });

    it('retries an HTTP 500 and then succeeds', async () => {
      sim.misbehave({ path: '/cgi-bin/tags/get', kind: 'http_500' });
      expect(await api().getTags()).to.be.an('array');
      expect(callsTo('/cgi-bin/tags/get').map((c) => c.status)).to.deep.equal([500, 200]);
    });

    it('gives up on a slow API with WechatHttpError "timeout" after a bounded number of attempts', async () => {
      // The token first, without the short timeout: only the slow calls may time out.
      const tokenStore = new MemoryTokenStore();
      await api({ tokenStore }).getAccessToken();
      const client = api({ tokenStore, timeoutMs: 100, retries: 2 });
      sim.misbehave({ path: '/cgi-bin/tags/get', kind: 'slow', ms: 400, times: 3 });
      const err = (await client.getTags().catch((e: unknown) => e)) as WechatHttpError;
      expect(err).to.be.instanceOf(WechatHttpError);
      expect(err.kind).to.equal('timeout'); // not the answer the simulator gives after 400 ms
      expect(err.endpoint).to.equal('/cgi-bin/tags/get');
      // The simulator records a call once it has answered it: wait for its three late answers.
      for (let deadline = Date.now() + 10_000; callsTo('/cgi-bin/tags/get').length < 3;) {
        if (Date.now() > deadline) throw new Error('the simulator did not answer the three attempts');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(callsTo('/cgi-bin/tags/get')).to.have.length(3);
    });
  });

  describe('followers', () => {
    it('batch-gets 250 followers in 3 calls, in order, with their unionids', async () => {
      const seeded = account.seedFollowers(250);
      const infos = await api().batchGetUserInfo(seeded.map((f) => f.openid));
      expect(infos.map((i) => i.openid)).to.deep.equal(seeded.map((f) => f.openid));
      expect(infos.map((i) => i.unionid)).to.deep.equal(seeded.map((f) => f.unionid));
      expect(infos.every((i) => i.subscribe === 1)).to.equal(true);
      const sizes = callsTo('/cgi-bin/user/info/batchget').map(
        (c) => (c.body as { user_list: unknown[] }).user_list.length,
      );
      expect(sizes).to.deep.equal([100, 100, 50]);
    });

    it('pages user/get 10 000 at a time until the end of the list', async () => {
      account.seedFollowers(10_001);
      const pages: Array<{ total: number; count: number }> = [];
      const seen: string[] = [];
      for await (const page of api().iterateFollowers()) {
        pages.push({ total: page.total, count: page.openids.length });
        seen.push(...page.openids);
      }
      expect(pages).to.deep.equal([
        { total: 10_001, count: 10_000 },
        { total: 10_001, count: 1 },
      ]);
      expect(seen).to.deep.equal(account.followers());
      const cursors = callsTo('/cgi-bin/user/get').map((c) => c.query['next_openid']);
      expect(cursors).to.deep.equal([undefined, seen[9_999], seen[10_000]]);
    });

    it('reads user info and updates a remark', async () => {
      const [f] = account.seedFollowers(1);
      const client = api();
      await client.updateRemark(f!.openid, 'VIP');
      const info = await client.getUserInfo(f!.openid);
      expect(info).to.include({ subscribe: 1, openid: f!.openid, unionid: f!.unionid, remark: 'VIP' });
    });

    it('reports an unknown openid as 40003 with a hint', async () => {
      const err = (await api()
        .getUserInfo('o-not-a-follower')
        .catch((e: unknown) => e)) as WechatApiError;
      expect(err.errcode).to.equal(40003);
      expect(err.hint).to.match(/openid/i);
    });
  });

  describe('QR codes', () => {
    it('refuses bad requests without sending anything, not even a token call', async () => {
      const client = api();
      for (const req of [
        { scene: 0 },
        { scene: 100_001, permanent: true },
        { scene: '' },
        { scene: 'x'.repeat(65) },
        { scene: 's', expireSeconds: 2_592_001 },
      ]) {
        const err = await client.createQrCode(req).catch((e: unknown) => e);
        expect(err, JSON.stringify(req)).to.be.instanceOf(QrCodeRequestError);
      }
      expect(sim.calls).to.have.length(0);
    });

    it('creates a code whose image the simulator serves and whose scene a follow carries', async () => {
      const qr = await api().createQrCode({ scene: 'spring', expireSeconds: 604800 });
      expect(qr.expireSeconds).to.equal(604800);
      expect(qr.imageUrl.startsWith(`${sim.url}/cgi-bin/showqrcode?ticket=`)).to.equal(true);
      const image = await fetch(qr.imageUrl);
      expect(image.status).to.equal(200);
      await image.arrayBuffer();
      const f = account.follower();
      await f.follow({ scene: qr.ticket });
      const info = await api().getUserInfo(f.openid);
      expect(info).to.include({ subscribe_scene: 'ADD_SCENE_QR_CODE', qr_scene_str: 'spring' });
    });

    it('creates a permanent code without an expiry', async () => {
      const qr = await api().createQrCode({ scene: 7, permanent: true });
      expect(qr.expireSeconds).to.equal(null);
      expect(qr.ticket).to.be.a('string').and.not.equal('');
    });
  });

  describe('menu', () => {
    it('creates, reads and deletes the menu; a missing menu reads as null', async () => {
      const client = api();
      expect(await client.getMenu()).to.equal(null);
      const button = [{ type: 'click', name: 'Help', key: 'MENU_HELP' }];
      await client.createMenu({ button });
      expect(await client.getMenu()).to.have.nested.property('menu.button[0].key', 'MENU_HELP');
      await client.deleteMenu();
      expect(await client.getMenu()).to.equal(null);
    });
  });

  describe('customer service', () => {
    it('surfaces 45015 with the window hint for a follower who never interacted', async () => {
      const [f] = account.seedFollowers(1);
      const err = (await api()
        .sendCustomMessage({ touser: f!.openid, type: 'text', content: 'hello?' })
        .catch((e: unknown) => e)) as WechatApiError;
      expect(err).to.be.instanceOf(WechatApiError);
      expect(err.errcode).to.equal(45015);
      expect(err.hint).to.match(/customer-service window/);
      expect(account.sentMessages).to.have.length(0);
    });

    it('delivers a message inside the window, as the named agent', async () => {
      const f = account.follower();
      await f.follow();
      await f.sendText('hi');
      await api().sendCustomMessage({
        touser: f.openid,
        type: 'text',
        content: 'Hello!',
        kfAccount: 'kf1@test',
      });
      expect(account.sentMessages).to.have.length(1);
      expect(account.sentMessages[0]?.body).to.deep.include({
        touser: f.openid,
        msgtype: 'text',
        text: { content: 'Hello!' },
        customservice: { kf_account: 'kf1@test' },
      });
    });

    it('shows the typing indicator after an interaction', async () => {
      const f = account.follower();
      await f.follow();
      await f.sendText('hi');
      await api().typing(f.openid, 'Typing');
      expect(callsTo('/cgi-bin/message/custom/typing').map((c) => c.errcode)).to.deep.equal([0]);
    });
  });

  describe('OAuth', () => {
    /** Walks the simulator's authorize page like the in-app browser and returns the code it redirects with. */
    const authorize = async (scope: 'snsapi_base' | 'snsapi_userinfo'): Promise<string> => {
      const url = buildOAuthAuthorizeUrl({
        openBase: sim.url,
        appid: account.appid,
        redirectUri: 'https://app.example.com/oauth/callback',
        scope,
        state: 'st8',
      });
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.status).to.equal(302);
      const location = new URL(res.headers.get('location') ?? '');
      expect(location.searchParams.get('state')).to.equal('st8');
      return location.searchParams.get('code') ?? '';
    };

    it('exchanges a code once, reads the profile, checks and refreshes the token', async () => {
      const [f] = account.seedFollowers(1);
      const client = api();
      const token = await client.oauthExchangeCode(await authorize('snsapi_userinfo'));
      expect(token).to.include({ openid: f!.openid, unionid: f!.unionid, scope: 'snsapi_userinfo' });
      expect(token.isSnapshotUser).to.equal(false);
      const profile = await client.oauthUserInfo(token.accessToken, token.openid);
      expect(profile).to.include({ openid: f!.openid, unionid: f!.unionid });
      expect(await client.oauthCheck(token.accessToken, token.openid)).to.equal(true);
      expect(await client.oauthCheck(token.accessToken, 'o-someone-else')).to.equal(false);
      const refreshed = await client.oauthRefresh(token.refreshToken);
      expect(refreshed.accessToken).to.not.equal(token.accessToken);
      // OAuth needs no base access_token
      expect(callsTo('/cgi-bin/stable_token')).to.have.length(0);
    });

    it('refuses a reused code with 40163 and the hint', async () => {
      account.seedFollowers(1);
      const client = api();
      const code = await authorize('snsapi_base');
      await client.oauthExchangeCode(code);
      const err = (await client.oauthExchangeCode(code).catch((e: unknown) => e)) as WechatApiError;
      expect(err.errcode).to.equal(40163);
      expect(err.hint).to.match(/single-use/);
      expect(err.message).to.not.include(code);
    });

    it('gets 48001 for the profile with a snsapi_base token', async () => {
      account.seedFollowers(1);
      const client = api();
      const token = await client.oauthExchangeCode(await authorize('snsapi_base'));
      const err = (await client
        .oauthUserInfo(token.accessToken, token.openid)
        .catch((e: unknown) => e)) as WechatApiError;
      expect(err.errcode).to.equal(48001);
      expect(err.hint).to.match(/unauthorized/);
    });
  });
});
