/**
 * Issue 9 (dead code): the admin API has one JSON body parser with one limit, the same whether its routers
 * run inside the server or mounted on their own.
 */
import { expect } from 'chai';
import { qrcodesApiRouter } from '../../src/http/admin-qrcodes.js';
import { JSON_BODY_LIMIT_BYTES } from '../../src/http/api-query.js';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { WechatApi } from '../../src/wechat-api/index.js';
import { adminApp, api, listen, type TestServer } from '../kf/test-app.js';
import {
  ADMIN_TOKEN as E2E_ADMIN_TOKEN,
  e2eDatabase,
  startE2eServer,
  type E2eDatabase,
  type E2eServer,
} from '../support/server.js';

describe('admin API: one JSON body limit', () => {
  let sim: Simulator;
  let account: SimAccount;
  let db: E2eDatabase;
  let server: E2eServer;
  let standalone: TestServer;

  before(async function () {
    sim = await startSimulator();
    account = sim.createAccount();
    db = await e2eDatabase('sqlite', this);
    server = await startE2eServer({ sim, account, databaseUrl: db.url });
    const wechat = new WechatApi({ appid: account.appid, appsecret: account.appsecret, apiBase: sim.url });
    standalone = await listen(
      adminApp(
        qrcodesApiRouter({
          apiFor: () => wechat,
          qrcodes: server.wxoa.store.qrcodes,
          appid: account.appid,
          appids: [account.appid],
        }),
      ),
    );
  });
  after(async () => {
    await standalone?.close();
    await server?.close();
    await sim?.close();
    await db?.dispose();
  });

  /** A QR request padded with an unknown field to about `bytes` bytes of JSON. */
  const padded = (bytes: number): string => JSON.stringify({ scene: 'pad', note: 'x'.repeat(bytes - 30) });

  for (const where of ['server', 'standalone router'] as const) {
    it(`${where}: takes a body just under the limit and refuses one over it with 413`, async () => {
      const origin = where === 'server' ? server.url : standalone.origin;
      const auth = where === 'server' ? { authorization: `Bearer ${E2E_ADMIN_TOKEN}` } : {};
      const call = (body: string) => api(origin, 'POST', '/api/qrcodes', body, auth);
      const under = await call(padded(JSON_BODY_LIMIT_BYTES - 100));
      expect(under.status, JSON.stringify(under.json)).to.not.equal(413);
      const over = await call(padded(JSON_BODY_LIMIT_BYTES + 100));
      expect(over.status).to.equal(413);
      expect(over.json).to.have.nested.property('error.code');
    });
  }
});
