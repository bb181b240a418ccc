/**
 * A failing WeChat API is visible (issue 10): a wrong AppSecret, or calls WeChat refuses, are recorded in the
 * database (every instance sees them), shown in a status strip on every console page and in /healthz
 * (still 200, `status: "ok"`), and cleared by the next successful call. The real server, the simulator
 * over HTTP, a real SQLite file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../src/config.js';
import { mountConsole } from '../../src/http/console/index.js';
import { createWxoa, type Wxoa } from '../../src/server.js';
import { startSimulator, type SimAccount, type Simulator } from '../../src/simulator/index.js';
import { openStore } from '../../src/store/index.js';
import { ConsoleClient } from '../console/console-client.js';
import { ADMIN_TOKEN, callsTo, e2eEnv, eventually } from '../support/server.js';

describe('WeChat API failures, seen by the operator', function () {
  this.timeout(30_000);
  let sim: Simulator;
  let dir: string;
  const servers: Wxoa[] = [];

  before(async () => {
    sim = await startSimulator();
    dir = mkdtempSync(join(tmpdir(), 'wxoa-api-status-'));
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });
  after(async () => {
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(account: SimAccount, db: string, env: Record<string, string> = {}, retryMs = 100) {
    const config = loadConfig(e2eEnv(sim, account, `sqlite:${join(dir, db)}`, env), dir);
    const wxoa = await createWxoa({
      config,
      enrichment: { debounceMs: 0, retryBaseMs: retryMs, retryMaxMs: retryMs, pollMs: 50 },
      extend: (w) => mountConsole(w, { sandbox: null }),
    });
    servers.push(wxoa);
    const url = await wxoa.listen(0, '127.0.0.1');
    account.webhookUrl = `${url}/wechat`;
    const browser = new ConsoleClient(url);
    await browser.login(ADMIN_TOKEN);
    const health = async () => (await fetch(`${url}/healthz`)).json() as Promise<Record<string, unknown>>;
    return { wxoa, url, browser, health };
  }

  it('records a wrong AppSecret, shows it on the console and in /healthz', async () => {
    const account = sim.createAccount({ mode: 'plain' });
    const { browser, health } = await start(account, 'wrong-secret.db', {
      WECHAT_APPSECRET: 'not-the-secret',
    });
    const follower = account.follower();
    const follow = await follower.follow();
    expect(follow.status).to.equal(200);

    await eventually('the failure is recorded', async () => 'wechatApi' in (await health()));
    const body = await health();
    expect(body['status']).to.equal('ok');
    const [failure] = (body['wechatApi'] as { lastFailures: Array<Record<string, unknown>> }).lastFailures;
    expect(failure).to.include({ appid: account.appid, endpoint: '/cgi-bin/stable_token', errcode: 40125 });
    expect(failure!['hint']).to.contain('WECHAT_APPSECRET');
    expect(JSON.stringify(body)).to.not.contain('not-the-secret');

    // Kept in the database: another instance (here, a second store on the same file) sees it too.
    const other = await openStore(`sqlite:${join(dir, 'wrong-secret.db')}`);
    try {
      expect(await other.apiStatus.lastFailure(account.appid)).to.include({ errcode: 40125 });
    } finally {
      await other.close();
    }

    const page = await browser.get('/admin/followers');
    expect(page.status).to.equal(200);
    expect(page.markup).to.contain('WeChat API failing.');
    expect(page.markup).to.contain('/cgi-bin/stable_token 40125');
    expect(page.markup).to.contain('WECHAT_APPSECRET');
    expect(page.body).to.not.contain('not-the-secret');
    // The UnionID no longer says "waiting for WeChat…" while nothing can arrive.
    const profile = await browser.get(`/admin/followers/${follower.openid}`);
    expect(profile.markup).to.contain('not fetched: the WeChat API is failing');
    expect(profile.markup).to.not.contain('waiting for WeChat');
  });

  it('clears the failure on the next successful call', async () => {
    const account = sim.createAccount({ mode: 'plain' });
    // Enrichment does not retry within the test: the success that clears the failure is a QR code, below.
    const { url, browser, health } = await start(account, 'shared.db', {}, 600_000);
    // batchget answers 40001 twice: the client renews the token once, then gives up.
    sim.misbehave({ path: '/cgi-bin/user/info/batchget', kind: 'invalid_credential', times: 2 });
    const follower = account.follower();
    await follower.follow();

    // The token renewal between the two answers is a success, which clears the first failure for a moment.
    await eventually(
      'batchget is called twice and the second failure is recorded',
      async () =>
        callsTo(sim, '/cgi-bin/user/info/batchget', account.appid).length === 2 &&
        'wechatApi' in (await health()),
    );
    await eventually('the console shows the failure', async () =>
      (await browser.get('/admin/followers')).markup.includes('/cgi-bin/user/info/batchget 40001'),
    );
    const qr = await fetch(`${url}/api/qrcodes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scene: 'after-the-failure' }),
    });
    expect(qr.status).to.equal(201);
    await eventually('the successful call clears the failure', async () => {
      const body = await health();
      return !('wechatApi' in body) && body['status'] === 'ok';
    });
    const page = await browser.get('/admin/followers');
    expect(page.markup).to.not.contain('WeChat API failing');
  });
});
