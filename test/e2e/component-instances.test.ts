/**
 * Issue 13: two instances of a platform-only server (no WECHAT_APPID) on one PostgreSQL database share the
 * ticket, the authorizers and their tokens: the ticket pushed to one serves the other, an authorization
 * stored by one is served by the other, and a rejected token is refreshed once for both, with the rotated
 * refresh token kept. Also the official sample credentials of WECHAT-PROTOCOL.md §8 as the platform's.
 */
import { expect } from 'chai';
import { loadConfig } from '../../src/config.js';
import { createWxoa, type Wxoa } from '../../src/server.js';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { MessageCrypto } from '../../src/wire/crypto.js';
import { wechatSignature } from '../../src/wire/signature.js';
import { ADMIN_TOKEN, callsTo, e2eDatabase, eventually, type E2eDatabase } from '../support/server.js';

/** The official sample's credentials (WECHAT-PROTOCOL.md §8), as the platform's. */
const COMPONENT = {
  appid: 'wx5823bf96d3bd56c7',
  appsecret: 'official-sample-secret',
  token: 'QDG6eK',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
};

describe('e2e: a third-party platform on two instances sharing PostgreSQL', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let brand: SimAccount;
  let db: E2eDatabase;
  const servers: Array<{ wxoa: Wxoa; url: string }> = [];

  const start = async () => {
    const config = loadConfig({
      DATABASE_URL: db.url,
      WECHAT_COMPONENT_APPID: COMPONENT.appid,
      WECHAT_COMPONENT_APPSECRET: COMPONENT.appsecret,
      WECHAT_COMPONENT_TOKEN: COMPONENT.token,
      WECHAT_COMPONENT_ENCODING_AES_KEY: COMPONENT.encodingAesKey,
      WECHAT_API_BASE: sim.url,
      WECHAT_OPEN_BASE: sim.url,
      WECHAT_MP_BASE: sim.url,
      ADMIN_TOKEN,
    });
    const wxoa = await createWxoa({ config });
    const url = await wxoa.listen(0, '127.0.0.1');
    servers.push({ wxoa, url });
    return { wxoa, url };
  };
  const api = async (url: string, path: string, init: RequestInit = {}) => {
    const res = await fetch(url + path, {
      ...init,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, body: (await res.json()) as any };
  };
  const control = async (path: string, body: unknown = {}) => {
    const res = await fetch(`${sim.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };

  before(async function () {
    db = await e2eDatabase('postgres', this);
    sim = await startSimulator();
    brand = sim.createAccount({ mode: 'safe' });
    expect((await control('/sim/components', COMPONENT)).status).to.equal(201);
  });
  after(async () => {
    for (const s of servers) await s.wxoa.close();
    await sim?.close();
    await db?.dispose();
  });

  it('accepts an event encrypted with the official sample credentials, and refuses it signed with another token', async () => {
    const a = await start();
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = '1320562132';
    const plain =
      `<xml><AppId><![CDATA[${COMPONENT.appid}]]></AppId><CreateTime>${timestamp}</CreateTime>` +
      '<InfoType><![CDATA[component_verify_ticket]]></InfoType>' +
      '<ComponentVerifyTicket><![CDATA[ticket@@@sample]]></ComponentVerifyTicket></xml>';
    const encrypted = new MessageCrypto(COMPONENT.encodingAesKey, COMPONENT.appid).encrypt(plain);
    const post = (token: string) =>
      fetch(
        `${a.url}/wechat/component/events?timestamp=${timestamp}&nonce=${nonce}&encrypt_type=aes` +
          `&msg_signature=${wechatSignature(token, timestamp, nonce, encrypted)}`,
        {
          method: 'POST',
          body: `<xml><AppId>${COMPONENT.appid}</AppId><Encrypt>${encrypted}</Encrypt></xml>`,
        },
      );
    expect((await post('othertoken')).status).to.equal(401);
    expect((await api(a.url, '/api/component')).body.ticketReceivedAt).to.equal(null);
    const ok = await post(COMPONENT.token);
    expect([ok.status, await ok.text()]).to.deep.equal([200, 'success']);
    expect((await api(a.url, '/api/component')).body.ticketReceivedAt).to.be.a('string');
  });

  it('shares the ticket, the authorization and the tokens; a rejected token is refreshed once for both', async () => {
    const [a] = servers as [{ wxoa: Wxoa; url: string }];
    const b = await start();
    // The ticket pushed to A gives B its component token.
    await fetch(`${sim.url}/sim/components/${COMPONENT.appid}`, {
      method: 'PATCH',
      body: JSON.stringify({
        eventUrl: `${a.url}/wechat/component/events`,
        messageUrl: `${b.url}/wechat/component/$APPID$`,
      }),
    });
    expect((await control(`/sim/components/${COMPONENT.appid}/ticket`)).body['status']).to.equal(200);
    // A stores the authorization; B serves the account's pushes.
    expect(
      (await control(`/sim/components/${COMPONENT.appid}/authorize`, { appid: brand.appid })).body['status'],
    ).to.equal(200);
    expect(callsTo(sim, '/cgi-bin/component/api_component_token')).to.have.length(1);
    const follower = brand.follower();
    const followed = await follower.follow();
    expect(followed.status).to.equal(200);
    await eventually('B captured the follower', async () => {
      const f = await api(b.url, `/api/followers/${follower.openid}?appid=${brand.appid}`);
      return f.status === 200;
    });
    // Both instances list it (A from its own exchange, B from the database).
    expect((await api(b.url, '/api/authorizers')).body.authorizers).to.have.length(1);

    sim.invalidateTokens(brand.appid);
    sim.clearCalls();
    const [sentA, sentB] = await Promise.all([
      api(a.url, `/api/conversations/${follower.openid}/messages?appid=${brand.appid}`, {
        method: 'POST',
        body: JSON.stringify({ text: 'from A' }),
      }),
      api(b.url, `/api/conversations/${follower.openid}/messages?appid=${brand.appid}`, {
        method: 'POST',
        body: JSON.stringify({ text: 'from B' }),
      }),
    ]);
    expect([sentA.status, sentB.status]).to.deep.equal([201, 201]);
    expect(callsTo(sim, '/cgi-bin/component/api_authorizer_token')).to.have.length(1);

    // A third instance, after both stopped refreshing, uses the stored token: no refresh at all.
    const c = await start();
    sim.clearCalls();
    const sentC = await api(c.url, `/api/conversations/${follower.openid}/messages?appid=${brand.appid}`, {
      method: 'POST',
      body: JSON.stringify({ text: 'from C' }),
    });
    expect(sentC.status).to.equal(201);
    expect(callsTo(sim, '/cgi-bin/component/api_authorizer_token')).to.have.length(0);
    expect(callsTo(sim, '/cgi-bin/component/api_component_token')).to.have.length(0);
  });
});
