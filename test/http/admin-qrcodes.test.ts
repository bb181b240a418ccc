import { expect } from 'chai';
import { qrcodesApiRouter } from '../../src/http/admin-qrcodes.js';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { WechatApi } from '../../src/wechat-api/index.js';
import { adminApp, api, listen, type TestServer } from '../kf/test-app.js';

const CREATE = '/cgi-bin/qrcode/create';

describe('admin API: /api/qrcodes', () => {
  let sim: Simulator;
  let account: SimAccount;
  let server: TestServer;
  let store: Store;
  let now = Date.UTC(2026, 2, 1);

  before(async () => {
    store = await openStore('sqlite::memory:', { clock: () => now });
    sim = await startSimulator();
    account = sim.createAccount();
    const wechat = new WechatApi({ appid: account.appid, appsecret: account.appsecret, apiBase: sim.url });
    server = await listen(
      adminApp(
        qrcodesApiRouter({
          apiFor: (appid) => (appid === account.appid ? wechat : undefined),
          qrcodes: store.qrcodes,
          clock: () => now,
          appid: account.appid,
        }),
      ),
    );
  });

  after(async () => {
    await server?.close();
    await sim?.close();
    await store?.close();
  });

  function createCalls() {
    return sim.calls.filter((c) => c.path === CREATE);
  }

  it('creates a temporary code for a string scene: 201 with ticket, url, imageUrl, expireSeconds', async () => {
    const res = await api(server.origin, 'POST', '/api/qrcodes', { scene: 'spring', expireSeconds: 3600 });
    expect(res.status).to.equal(201);
    expect(Object.keys(res.json).sort()).to.deep.equal(['expireSeconds', 'imageUrl', 'ticket', 'url']);
    expect(res.json['expireSeconds']).to.equal(3600);
    expect(createCalls().at(-1)?.body).to.deep.equal({
      expire_seconds: 3600,
      action_name: 'QR_STR_SCENE',
      action_info: { scene: { scene_str: 'spring' } },
    });
    // The image URL serves the code without an access_token (§6.5).
    const image = await fetch(res.json['imageUrl'] as string);
    expect(image.status).to.equal(200);
  });

  it('creates a permanent code for a numeric scene, with expireSeconds null', async () => {
    const res = await api(server.origin, 'POST', '/api/qrcodes', { scene: 42, permanent: true });
    expect(res.status).to.equal(201);
    expect(res.json['expireSeconds']).to.equal(null);
    expect(res.json['ticket']).to.be.a('string').and.not.equal('');
    expect(createCalls().at(-1)?.body).to.deep.equal({
      action_name: 'QR_LIMIT_SCENE',
      action_info: { scene: { scene_id: 42 } },
    });
  });

  it('makes a temporary code live 30 days unless asked otherwise', async () => {
    const res = await api(server.origin, 'POST', '/api/qrcodes', { scene: 'autumn' });
    expect(res.status).to.equal(201);
    expect(res.json['expireSeconds']).to.equal(2_592_000);
    expect(createCalls().at(-1)?.body).to.include({ expire_seconds: 2_592_000, action_name: 'QR_STR_SCENE' });
  });

  const invalid: Array<[string, unknown, RegExp]> = [
    ['no scene', {}, /scene is required/],
    ['an empty string scene', { scene: '' }, /1 to 64 characters/],
    ['a scene over 64 characters', { scene: 'x'.repeat(65) }, /1 to 64 characters/],
    ['a zero numeric scene', { scene: 0 }, /from 1 to/],
    ['a permanent numeric scene over 100000', { scene: 100_001, permanent: true }, /from 1 to 100000/],
    ['a scene that is an object', { scene: { id: 1 } }, /scene must be/],
    ['an expiry over 30 days', { scene: 'a', expireSeconds: 2_592_001 }, /expireSeconds/],
    ['a fractional expiry', { scene: 'a', expireSeconds: 1.5 }, /expireSeconds/],
    [
      'an expiry on a permanent code',
      { scene: 'a', permanent: true, expireSeconds: 60 },
      /permanent code never expires/,
    ],
    [
      'a permanent flag that is not a boolean',
      { scene: 'a', permanent: 'yes' },
      /permanent must be true or false/,
    ],
    ['a body that is not an object', ['spring'], /JSON object/],
  ];
  for (const [what, body, reason] of invalid) {
    it(`answers 400 to ${what}, with the reason, and sends nothing to WeChat`, async () => {
      const before = createCalls().length;
      const res = await api(server.origin, 'POST', '/api/qrcodes', body);
      expect(res.status).to.equal(400);
      expect((res.json['error'] as Record<string, string>)['message']).to.match(reason);
      expect(createCalls().length).to.equal(before);
    });
  }

  it('refuses a request without the admin token', async () => {
    const res = await fetch(`${server.origin}/api/qrcodes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scene: 'x' }),
    });
    expect(res.status).to.equal(401);
  });

  it('keeps every created code and lists them newest first, paged, with label and expiry', async () => {
    now += 60_000;
    const first = await api(server.origin, 'POST', '/api/qrcodes', {
      scene: 'door',
      label: ' Poster at the door ',
    });
    now += 1000;
    const second = await api(server.origin, 'POST', '/api/qrcodes', { scene: 7, permanent: true });
    expect([first.status, second.status]).to.deep.equal([201, 201]);
    const page = await api(server.origin, 'GET', '/api/qrcodes?limit=1');
    expect(page.status).to.equal(200);
    expect(page.json['qrcodes']).to.deep.equal([
      {
        scene: '7',
        ticket: second.json['ticket'],
        url: second.json['url'],
        imageUrl: second.json['imageUrl'],
        permanent: true,
        expiresAt: null,
        createdAt: new Date(now).toISOString(),
        label: null,
      },
    ]);
    const next = await api(
      server.origin,
      'GET',
      `/api/qrcodes?limit=1&cursor=${page.json['nextCursor'] as string}`,
    );
    const [door] = next.json['qrcodes'] as Array<Record<string, unknown>>;
    expect(door).to.include({
      scene: 'door',
      ticket: first.json['ticket'],
      permanent: false,
      label: 'Poster at the door',
      expiresAt: new Date(now - 1000 + 2_592_000_000).toISOString(),
    });
  });

  it('answers 400 to a cursor it did not issue and to a label too long, creating nothing', async () => {
    expect((await api(server.origin, 'GET', '/api/qrcodes?cursor=bogus')).status).to.equal(400);
    const before = createCalls().length;
    const res = await api(server.origin, 'POST', '/api/qrcodes', { scene: 'x', label: 'l'.repeat(101) });
    expect(res.status).to.equal(400);
    expect((res.json['error'] as Record<string, string>)['code']).to.equal('invalid_label');
    expect(createCalls().length).to.equal(before);
  });
});
