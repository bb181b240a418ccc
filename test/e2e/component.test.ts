/**
 * Issue 13, end to end over real HTTP: wxoa as a third-party platform against the simulated one. Ticket →
 * component token → a sandbox account authorizes → its follower follows through a QR scene, is captured and
 * enriched → a keyword reply comes back encrypted with the platform's key → a customer-service reply → a
 * restart loses nothing → re-authorization (new refresh token) → 61023 recovery → unauthorized. And the bad
 * input of the issue, each refused with its status and nothing changed.
 */
import { connect } from 'node:net';
import { expect } from 'chai';
import { MessageCrypto } from '../../src/wire/crypto.js';
import { wechatSignature } from '../../src/wire/signature.js';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { loadConfig } from '../../src/config.js';
import { runComponentRecover } from '../../src/component-cli.js';
import { Browser } from '../support/hand-browser.js';
import {
  callsTo,
  e2eDatabase,
  e2eEnv,
  eventually,
  startE2eServer,
  type E2eDatabase,
  type E2eServer,
} from '../support/server.js';

const COMPONENT = {
  appid: 'wxc0mp0nent0000001',
  appsecret: 'component-secret-0123456789',
  token: 'componenttoken',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};

const RULES = {
  subscribe: { type: 'text', content: 'Welcome!' },
  scenes: { spring: { type: 'text', content: 'Welcome, spring visitor' } },
  keywords: [{ match: 'exact', pattern: 'hello', reply: { type: 'text', content: 'Hi' } }],
};

/** Posts an InfoType push to the event URL as WeChat would, or with one thing wrong. */
async function postEvent(
  url: string,
  fields: Record<string, string>,
  opts: { receiveId?: string; tamper?: boolean; plaintext?: boolean } = {},
): Promise<{ status: number; body: string }> {
  const plain = `<xml><AppId><![CDATA[${COMPONENT.appid}]]></AppId><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime>${Object.entries(
    fields,
  )
    .map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`)
    .join('')}</xml>`;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = '1234567';
  const target = new URL(`${url}/wechat/component/events`);
  target.searchParams.set('timestamp', timestamp);
  target.searchParams.set('nonce', nonce);
  if (opts.plaintext) {
    target.searchParams.set('signature', wechatSignature(COMPONENT.token, timestamp, nonce));
    const res = await fetch(target, { method: 'POST', body: plain });
    return { status: res.status, body: await res.text() };
  }
  const encrypted = new MessageCrypto(COMPONENT.encodingAesKey, opts.receiveId ?? COMPONENT.appid).encrypt(
    plain,
  );
  let sig = wechatSignature(COMPONENT.token, timestamp, nonce, encrypted);
  if (opts.tamper) sig = sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0');
  target.searchParams.set('encrypt_type', 'aes');
  target.searchParams.set('msg_signature', sig);
  const res = await fetch(target, {
    method: 'POST',
    body: `<xml><AppId><![CDATA[${COMPONENT.appid}]]></AppId><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`,
  });
  return { status: res.status, body: await res.text() };
}

describe('e2e: third-party platform (component) mode', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let direct: SimAccount;
  let brand: SimAccount;
  let db: E2eDatabase;
  let server: E2eServer;

  const control = async (path: string, body?: unknown) => {
    const res = await fetch(`${sim.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };

  const start = async () => {
    server = await startE2eServer({
      sim,
      account: direct,
      databaseUrl: db.url,
      configFile: { replies: RULES },
      env: componentEnv(),
      console: true,
      enrichment: { debounceMs: 10, pollMs: 50, retryBaseMs: 50, retryMaxMs: 200 },
    });
    const patch = await fetch(`${sim.url}/sim/components/${COMPONENT.appid}`, {
      method: 'PATCH',
      body: JSON.stringify({
        eventUrl: `${server.url}/wechat/component/events`,
        messageUrl: `${server.url}/wechat/component/$APPID$`,
      }),
    });
    expect(patch.status).to.equal(200);
  };
  const componentEnv = () => ({
    WECHAT_COMPONENT_APPID: COMPONENT.appid,
    WECHAT_COMPONENT_APPSECRET: COMPONENT.appsecret,
    WECHAT_COMPONENT_TOKEN: COMPONENT.token,
    WECHAT_COMPONENT_ENCODING_AES_KEY: COMPONENT.encodingAesKey,
    WECHAT_MP_BASE: sim.url,
  });
  const restart = async () => {
    await server.close();
    await start();
  };

  before(async function () {
    db = await e2eDatabase('sqlite', this);
    sim = await startSimulator();
    direct = sim.createAccount({ mode: 'safe' });
    brand = sim.createAccount({ mode: 'safe' });
    expect((await control('/sim/components', COMPONENT)).status).to.equal(201);
    await start();
  });
  after(async () => {
    await server?.close();
    await sim?.close();
    await db?.dispose();
  });

  it('describes the platform routes in the OpenAPI document', async () => {
    const doc = await server.api('/api/openapi.json');
    expect(doc.body.paths).to.include.keys('/api/component', '/api/authorizers');
  });

  it('refuses bad pushes to the event URL and stores nothing', async () => {
    const ticket = { InfoType: 'component_verify_ticket', ComponentVerifyTicket: 'forged-ticket' };
    expect((await postEvent(server.url, ticket, { tamper: true })).status).to.equal(401);
    expect((await postEvent(server.url, ticket, { receiveId: 'wx0000000000000bad' })).status).to.equal(401);
    expect((await postEvent(server.url, ticket, { plaintext: true })).status).to.equal(401);
    const status = await server.api('/api/component');
    expect(status.body).to.deep.equal({
      appid: COMPONENT.appid,
      ticketReceivedAt: null,
      tokenExpiresAt: null,
    });
  });

  it('refuses an unsigned or oversized event push before reading its body', async () => {
    // Headers announcing a body that never comes: a server that read it first would answer 408 after its
    // body timeout; refused on the query (or the announced size) the answer comes without it.
    const announced = async (query: string, length: number): Promise<string> => {
      const { port } = new URL(server.url);
      const socket = connect(Number(port), '127.0.0.1');
      socket.write(
        `POST /wechat/component/events${query} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
          `Content-Type: text/xml\r\nContent-Length: ${length}\r\n\r\n<xml>`,
      );
      let head = '';
      for await (const chunk of socket) {
        head += String(chunk);
        if (head.includes('\r\n')) break;
      }
      socket.destroy();
      return head.split('\r\n')[0] ?? '';
    };
    expect(await announced('', 500_000)).to.equal('HTTP/1.1 401 Unauthorized');
    const stale = `?timestamp=1&nonce=n&encrypt_type=aes&msg_signature=${'0'.repeat(40)}`;
    expect(await announced(stale, 500)).to.equal('HTTP/1.1 401 Unauthorized');
    const fresh = `?timestamp=${Math.floor(Date.now() / 1000)}&nonce=n&encrypt_type=aes&msg_signature=${'0'.repeat(40)}`;
    // An authorization event is a few hundred bytes: 200 kB is refused on its Content-Length.
    expect(await announced(fresh, 200_000)).to.equal('HTTP/1.1 413 Payload Too Large');
  });

  it('stores the pushed ticket and gets the component token from it', async () => {
    const pushed = await control(`/sim/components/${COMPONENT.appid}/ticket`);
    expect(pushed.body).to.include({ status: 200, body: 'success' });
    const status = await server.api('/api/component');
    expect(status.body.ticketReceivedAt).to.be.a('string');
    // /component/authorize needs the component token, which needs the ticket.
    const res = await fetch(`${server.url}/component/authorize?authType=1`, {
      headers: { authorization: `Bearer e2e-admin-token-0123456789` },
      redirect: 'manual',
    });
    expect(res.status).to.equal(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.pathname).to.equal('/cgi-bin/componentloginpage');
    expect(location.searchParams.get('component_appid')).to.equal(COMPONENT.appid);
    expect(location.searchParams.get('redirect_uri')).to.match(/\/component\/callback$/);
    expect((await server.api('/api/component')).body.tokenExpiresAt).to.be.a('string');
  });

  it('authorizes through the authorization page and the callback; a used or forged code is refused', async () => {
    const res = await fetch(`${server.url}/component/authorize?authType=1`, {
      headers: { authorization: `Bearer e2e-admin-token-0123456789` },
      redirect: 'manual',
    });
    const page = new URL(res.headers.get('location') ?? '');
    // The simulated administrator picks the brand account on the page.
    const form = new URLSearchParams({
      component_appid: COMPONENT.appid,
      pre_auth_code: page.searchParams.get('pre_auth_code') ?? '',
      redirect_uri: page.searchParams.get('redirect_uri') ?? '',
      appid: brand.appid,
    });
    for (const id of [1, 2, 3, 4, 15]) form.append('func_info', String(id));
    const confirmed = await fetch(`${sim.url}/cgi-bin/componentloginpage/confirm`, {
      method: 'POST',
      body: form.toString(),
      redirect: 'manual',
    });
    expect(confirmed.status).to.equal(302);
    const back = new URL(confirmed.headers.get('location') ?? '');
    const code = back.searchParams.get('auth_code') ?? '';
    // The pre-auth code is single use.
    const again = await fetch(`${sim.url}/cgi-bin/componentloginpage/confirm`, {
      method: 'POST',
      body: form.toString(),
      redirect: 'manual',
    });
    expect(again.status).to.equal(400);

    await eventually('the authorized push exchanged the code', async () => {
      const list = await server.api('/api/authorizers');
      return list.body.authorizers.length === 1;
    });
    const list = await server.api('/api/authorizers');
    expect(list.body.authorizers[0]).to.include({
      appid: brand.appid,
      userName: brand.ghId,
      authorized: true,
    });
    expect(list.body.authorizers[0].name).to.be.a('string').and.not.equal('');
    expect(list.body.authorizers[0].funcInfo).to.deep.equal([1, 2, 3, 4, 15]);
    expect(callsTo(sim, '/cgi-bin/component/api_query_auth')).to.have.length(1);

    // The callback after the push, a replayed push, a forged code: none exchanges anything again.
    const callback = await fetch(
      `${server.url}/component/callback?auth_code=${encodeURIComponent(code)}&expires_in=3600`,
      {
        redirect: 'manual',
      },
    );
    expect(callback.status).to.equal(400);
    const replay = await postEvent(server.url, {
      InfoType: 'authorized',
      AuthorizerAppid: brand.appid,
      AuthorizationCode: code,
    });
    expect(replay).to.deep.equal({ status: 200, body: 'success' });
    expect(callsTo(sim, '/cgi-bin/component/api_query_auth')).to.have.length(1);
    const forged = await fetch(`${server.url}/component/callback?auth_code=queryauthcode@@@forged`, {
      redirect: 'manual',
    });
    expect(forged.status).to.equal(400);
    expect((await server.api('/api/authorizers')).body.authorizers).to.have.length(1);
  });

  it('serves the authorized account: QR follow captured and enriched, keyword reply encrypted, customer service', async () => {
    await restart(); // nothing of the platform is kept only in memory
    const qr = await server.api(`/api/qrcodes?appid=${brand.appid}`, {
      method: 'POST',
      body: JSON.stringify({ scene: 'spring' }),
    });
    expect(qr.status).to.equal(201);
    const follower = brand.follower();
    const followed = await follower.follow({ scene: 'spring' });
    expect(followed.replyError).to.equal(undefined);
    expect(followed.reply?.['Content']).to.equal('Welcome, spring visitor');
    // The push and its reply were encrypted with the platform's key (the simulator decrypted it).
    expect(brand.pushVia?.webhookUrl).to.equal(`${server.url}/wechat/component/${brand.appid}`);
    await eventually('the follower is enriched', async () => {
      const f = await server.api(`/api/followers/${follower.openid}?appid=${brand.appid}`);
      return f.status === 200 && f.body.unionid === follower.unionid && f.body.scene === 'spring';
    });
    const hello = await follower.sendText('hello');
    expect(hello.reply?.['Content']).to.equal('Hi');

    const sent = await server.api(`/api/conversations/${follower.openid}/messages?appid=${brand.appid}`, {
      method: 'POST',
      body: JSON.stringify({ text: 'Hello from the operator' }),
    });
    expect(sent.status).to.equal(201);
    expect(brand.sentMessages.at(-1)?.body.text.content).to.equal('Hello from the operator');
  });

  it('includes the authorized account in the periodic follower sync, with its authorizer token', async () => {
    const results = await server.wxoa.periodicSync.runOnce(true);
    const [run] = await server.wxoa.store.syncRuns.recent(brand.appid, 1);
    expect(run?.outcome).to.equal('done');
    expect(results.map((r) => r.runId)).to.include(run?.id);
  });

  it('shows the connected account on the console page "Connect an Official Account", which starts the authorization', async () => {
    const { createLoginLink } = await import('../../src/http/console/index.js');
    const browser = new Browser();
    const login = await browser.get(await createLoginLink(server.wxoa, server.url));
    expect(login.status).to.equal(302);
    const page = await browser.get(`${server.url}/admin/component?connected=${brand.appid}`);
    expect(page.status, page.body).to.equal(200);
    expect(page.body).to.contain('Connect an Official Account');
    expect(page.body).to.contain(`Connected Sandbox account ${brand.appid.slice(-4)} (${brand.ghId})`);
    expect(page.body).to.contain(brand.ghId);
    expect(page.body).to.contain('account services (帐号服务权限) (id 3)');
    expect(page.body).to.contain('href="/component/authorize?authType=1"');
    // The account picker offers the authorizer.
    expect(page.body).to.contain(`<option value="${brand.appid}"`);
    const followers = await browser.get(`${server.url}/admin/followers?appid=${brand.appid}`);
    expect(followers.status).to.equal(200);
    // The button, with the console session (no admin token): to WeChat's authorization page.
    const start = await browser.get(`${server.url}/component/authorize?authType=1`);
    expect(start.status).to.equal(302);
    expect(new URL(start.location ?? '').pathname).to.equal('/cgi-bin/componentloginpage');
    // Without a session or token: refused.
    expect((await new Browser().get(`${server.url}/component/authorize?authType=1`)).status).to.equal(401);
  });

  it('answers 404 for an AppID that never authorized', async () => {
    const stranger = sim.createAccount({ mode: 'safe' });
    stranger.pushVia = {
      webhookUrl: `${server.url}/wechat/component/${stranger.appid}`,
      token: COMPONENT.token,
      crypto: new MessageCrypto(COMPONENT.encodingAesKey, COMPONENT.appid),
    };
    const result = await stranger.follower().follow();
    expect(result.status).to.equal(404);
    // The authorized account's URL takes only pushes encrypted with the platform's key.
    const via = brand.pushVia;
    brand.pushVia = undefined;
    const webhookUrl = brand.webhookUrl;
    brand.webhookUrl = `${server.url}/wechat/component/${brand.appid}`;
    brand.mode = 'plain';
    expect((await brand.follower().follow()).status).to.equal(401);
    brand.mode = 'safe';
    expect((await brand.follower().follow()).status).to.equal(401);
    brand.webhookUrl = webhookUrl;
    brand.pushVia = via;
  });

  it('keeps ticket and refresh tokens across a restart; a rejected token is refreshed once with the refresh token', async () => {
    await restart();
    expect((await server.api('/api/component')).body.ticketReceivedAt).to.be.a('string');
    sim.invalidateTokens(brand.appid);
    sim.clearCalls();
    const follower = brand.follower();
    await follower.follow();
    const sent = await server.api(`/api/conversations/${follower.openid}/messages?appid=${brand.appid}`, {
      method: 'POST',
      body: JSON.stringify({ text: 'after the restart' }),
    });
    expect(sent.status).to.equal(201);
    expect(callsTo(sim, '/cgi-bin/component/api_authorizer_token')).to.have.length(1);
  });

  it('recovers from a stale refresh token (61023) with api_get_authorizer_list', async () => {
    await restart();
    expect(
      (await control(`/sim/components/${COMPONENT.appid}/stale-refresh-token`, { appid: brand.appid }))
        .status,
    ).to.equal(204);
    sim.invalidateTokens(brand.appid);
    sim.clearCalls();
    const follower = brand.follower();
    await follower.follow();
    const sent = await server.api(`/api/conversations/${follower.openid}/messages?appid=${brand.appid}`, {
      method: 'POST',
      body: JSON.stringify({ text: 'after 61023' }),
    });
    expect(sent.status).to.equal(201);
    expect(callsTo(sim, '/cgi-bin/component/api_get_authorizer_list')).to.have.length(1);
  });

  it('puts lost refresh tokens back with `wxoa component recover`', async () => {
    await server.close();
    // The loss: refresh tokens and access tokens gone (a wiped table, an old backup).
    const { default: Database } = await import('better-sqlite3');
    const raw = new Database(db.url.slice('sqlite:'.length));
    raw.prepare('UPDATE component_authorizers SET refresh_token = NULL').run();
    raw.prepare('DELETE FROM access_tokens').run();
    raw.close();
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t) };
    const config = loadConfig(e2eEnv(sim, direct, db.url, componentEnv()));
    expect(await runComponentRecover(config, io)).to.equal(0);
    expect(out.join('')).to.contain(brand.appid).and.contain(brand.ghId);
    await start();
    const follower = brand.follower();
    await follower.follow();
    const sent = await server.api(`/api/conversations/${follower.openid}/messages?appid=${brand.appid}`, {
      method: 'POST',
      body: JSON.stringify({ text: 'after recovery' }),
    });
    expect(sent.status).to.equal(201);
  });

  it('says what to set when `wxoa component recover` runs without a platform', async () => {
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t) };
    expect(await runComponentRecover(loadConfig(e2eEnv(sim, direct, db.url)), io)).to.equal(1);
    expect(out.join('')).to.contain('WECHAT_COMPONENT_APPID');
  });

  it('refuses a call outside the granted permission sets, naming the set, before WeChat would', async () => {
    await restart(); // nothing of the platform is kept only in memory
    const limited = sim.createAccount({ mode: 'safe' });
    const granted = await control(`/sim/components/${COMPONENT.appid}/authorize`, {
      appid: limited.appid,
      funcInfo: [1],
    });
    expect(granted.body['status']).to.equal(200);
    sim.clearCalls();
    const qr = await server.api(`/api/qrcodes?appid=${limited.appid}`, {
      method: 'POST',
      body: JSON.stringify({ scene: 'x' }),
    });
    expect(qr.status).to.equal(403);
    expect(qr.body.error.message).to.contain('account services');
    expect(callsTo(sim, '/cgi-bin/qrcode/create')).to.have.length(0);
  });

  it('passes the release check against the simulated robot', async () => {
    await restart(); // nothing of the platform is kept only in memory
    const result = await control(`/sim/components/${COMPONENT.appid}/release-check`);
    expect(result.body, JSON.stringify(result.body)).to.include({ passed: true });
  });

  it('signs a visitor in on behalf of the authorized account (component_appid, component code exchange)', async () => {
    const follower = brand.follower();
    await follower.follow();
    const browser = new Browser();
    const start = await browser.get(
      `${server.url}/component/oauth/${brand.appid}/authorize?target=${encodeURIComponent('/landing')}&scope=snsapi_userinfo`,
    );
    expect(start.status, start.body).to.equal(302);
    const page = new URL(start.location ?? '');
    expect(page.searchParams.get('appid')).to.equal(brand.appid);
    expect(page.searchParams.get('component_appid')).to.equal(COMPONENT.appid);
    expect(page.searchParams.get('redirect_uri')).to.equal(
      `http://localhost:0/component/oauth/${brand.appid}/callback`,
    );
    page.hash = '';
    page.searchParams.set('sim_openid', follower.openid);
    const wechat = await browser.get(page.toString());
    expect(wechat.status, wechat.body).to.equal(302);
    const callback = new URL(wechat.location ?? '');
    const landed = await browser.get(`${server.url}${callback.pathname}${callback.search}`);
    expect(landed.status, landed.body).to.equal(302);
    expect(landed.location).to.equal('/landing');
    expect(callsTo(sim, '/sns/oauth2/component/access_token')).to.have.length(1);
    expect(callsTo(sim, '/sns/oauth2/access_token')).to.have.length(0);
    // The visitor's session names the authorizer and the follower's OpenID there.
    const me = await browser.get(`${server.url}/component/oauth/${brand.appid}/whoami`);
    expect(me.status, me.body).to.equal(200);
    expect(JSON.parse(me.body)).to.include({ appid: brand.appid, openid: follower.openid });
    // An AppID that never authorized has no such routes.
    expect(
      (await browser.get(`${server.url}/component/oauth/wx0000000000000bad/authorize?target=/`)).status,
    ).to.equal(404);
  });

  it('re-authorization replaces the tokens; unauthorized keeps the data and stops the refresh', async () => {
    await restart(); // nothing of the platform is kept only in memory
    const before = (await server.api(`/api/authorizers`)).body.authorizers.find(
      (a: { appid: string }) => a.appid === brand.appid,
    );
    const re = await control(`/sim/components/${COMPONENT.appid}/authorize`, { appid: brand.appid });
    expect(re.body['status']).to.equal(200);
    const after = (await server.api(`/api/authorizers`)).body.authorizers.find(
      (a: { appid: string }) => a.appid === brand.appid,
    );
    expect(after.authorizedAt >= before.authorizedAt).to.equal(true);

    const gone = await control(`/sim/components/${COMPONENT.appid}/unauthorize`, { appid: brand.appid });
    expect(gone.body).to.include({ status: 200, body: 'success' });
    const list = (await server.api('/api/authorizers')).body.authorizers;
    expect(list.find((a: { appid: string }) => a.appid === brand.appid).authorized).to.equal(false);
    const followers = await server.api(`/api/followers?appid=${brand.appid}`);
    expect(followers.body.followers.length).to.be.greaterThan(0);
    sim.clearCalls();
    const qr = await server.api(`/api/qrcodes?appid=${brand.appid}`, {
      method: 'POST',
      body: JSON.stringify({ scene: 'y' }),
    });
    expect(qr.status).to.equal(409);
    expect(callsTo(sim, '/cgi-bin/component/api_authorizer_token')).to.have.length(0);
  });
});
